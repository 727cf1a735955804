package dev.appl.lsp;

import com.google.gson.Gson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.lsp4j.ClientCapabilities;
import org.eclipse.lsp4j.CodeActionContext;
import org.eclipse.lsp4j.CodeActionParams;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.DefinitionParams;
import org.eclipse.lsp4j.Diagnostic;
import org.eclipse.lsp4j.DidChangeTextDocumentParams;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.DocumentFormattingParams;
import org.eclipse.lsp4j.DocumentRangeFormattingParams;
import org.eclipse.lsp4j.DocumentSymbolParams;
import org.eclipse.lsp4j.FoldingRangeRequestParams;
import org.eclipse.lsp4j.FormattingOptions;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InlayHintParams;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.MessageType;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.PrepareRenameParams;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.ReferenceContext;
import org.eclipse.lsp4j.ReferenceParams;
import org.eclipse.lsp4j.SemanticTokensParams;
import org.eclipse.lsp4j.SignatureHelpParams;
import org.eclipse.lsp4j.TextDocumentContentChangeEvent;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.TextDocumentItem;
import org.eclipse.lsp4j.VersionedTextDocumentIdentifier;
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException;
import org.eclipse.lsp4j.jsonrpc.json.MessageJsonHandler;
import org.eclipse.lsp4j.services.TextDocumentService;

/**
 * Drives one in-process server with arbitrary documents and asks every feature about them,
 * reporting what went wrong: a request that failed, an internal error the server logged, a result
 * the protocol's JSON encoding cannot carry, or diagnostics outside the document.
 */
public final class ServerProbe implements AutoCloseable {
    private final ApplLanguageServer server = new ApplLanguageServer(status -> {});
    private final RecordingClient client = new RecordingClient();
    private final Path root;
    private final Map<String, Integer> versions = new HashMap<>();
    private final Gson gson = new MessageJsonHandler(Map.of()).getGson();

    public ServerProbe(Path root) throws Exception {
        this.root = root.toAbsolutePath().normalize();
        server.connect(client);
        InitializeParams init = new InitializeParams();
        init.setRootUri(this.root.toUri().toString());
        init.setCapabilities(new ClientCapabilities());
        com.google.gson.JsonObject options = new com.google.gson.JsonObject();
        options.addProperty("debounceMillis", 0);
        init.setInitializationOptions(options);
        server.initialize(init).get(30, TimeUnit.SECONDS);
    }

    /** Opens (or edits) the document {@code name} to hold {@code text}, then asks every feature about it. */
    public List<String> probe(String name, String text, Random random) throws Exception {
        List<String> problems = new ArrayList<>();
        String uri = root.resolve(name).toUri().toString();
        TextDocumentService docs = server.getTextDocumentService();
        int logged = client.logs().size();
        Integer previous = versions.get(uri);
        int version = previous == null ? 1 : previous + 1;
        versions.put(uri, version);
        if (previous == null) {
            docs.didOpen(new DidOpenTextDocumentParams(new TextDocumentItem(uri, "appl", version, text)));
        } else {
            docs.didChange(new DidChangeTextDocumentParams(new VersionedTextDocumentIdentifier(uri, version),
                    List.of(new TextDocumentContentChangeEvent(text))));
        }
        List<Diagnostic> diagnostics = client.awaitDiagnostics(uri, version).getDiagnostics();
        String[] lines = text.split("\n", -1);
        for (Diagnostic d : diagnostics) {
            if (!inside(d.getRange(), lines)) {
                problems.add("diagnostic outside the document: " + gson.toJson(d));
            }
        }
        TextDocumentIdentifier id = new TextDocumentIdentifier(uri);
        Range all = new Range(new Position(0, 0), new Position(lines.length, 0));
        ask(problems, "document symbols", () -> docs.documentSymbol(new DocumentSymbolParams(id)));
        ask(problems, "semantic tokens", () -> docs.semanticTokensFull(new SemanticTokensParams(id)));
        ask(problems, "folding", () -> docs.foldingRange(new FoldingRangeRequestParams(id)));
        ask(problems, "inlay hints", () -> docs.inlayHint(new InlayHintParams(id, all)));
        ask(problems, "formatting", () -> docs.formatting(new DocumentFormattingParams(id, new FormattingOptions(4, true))));
        for (int i = 0; i < 3; i++) {
            int line = random.nextInt(lines.length);
            Position p = new Position(line, random.nextInt(lines[line].length() + 1));
            ask(problems, "hover at " + p, () -> docs.hover(new HoverParams(id, p)));
            ask(problems, "definition at " + p, () -> docs.definition(new DefinitionParams(id, p)));
            ask(problems, "references at " + p, () -> docs.references(new ReferenceParams(id, p, new ReferenceContext(true))));
            ask(problems, "completion at " + p, () -> docs.completion(new CompletionParams(id, p)));
            ask(problems, "signature help at " + p, () -> docs.signatureHelp(new SignatureHelpParams(id, p)));
            ask(problems, "prepare rename at " + p, () -> docs.prepareRename(new PrepareRenameParams(id, p)));
            ask(problems, "range formatting to " + p, () -> docs.rangeFormatting(new DocumentRangeFormattingParams(id,
                    new FormattingOptions(4, true), new Range(new Position(0, 0), p))));
            ask(problems, "code actions at " + p, () -> docs.codeAction(new CodeActionParams(id, new Range(p, p),
                    new CodeActionContext(diagnostics))));
        }
        List<MessageParams> logs = client.logs();
        for (MessageParams m : logs.subList(logged, logs.size())) {
            if (m.getType() == MessageType.Error) {
                problems.add("server logged: " + m.getMessage());
            }
        }
        return problems;
    }

    private void ask(List<String> problems, String what, Supplier<CompletableFuture<?>> request) {
        try {
            Object result = request.get().get(60, TimeUnit.SECONDS);
            gson.toJson(result);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof ResponseErrorException)) {
                problems.add(what + ": " + e.getCause());
            }
        } catch (Exception e) {
            problems.add(what + ": " + e);
        }
    }

    private static boolean inside(Range r, String[] lines) {
        return valid(r.getStart(), lines) && valid(r.getEnd(), lines)
                && (r.getStart().getLine() < r.getEnd().getLine()
                || r.getStart().getLine() == r.getEnd().getLine() && r.getStart().getCharacter() <= r.getEnd().getCharacter());
    }

    private static boolean valid(Position p, String[] lines) {
        return p.getLine() >= 0 && p.getLine() < lines.length && p.getCharacter() >= 0
                && p.getCharacter() <= lines[p.getLine()].length();
    }

    @Override
    public void close() throws Exception {
        server.shutdown().get(30, TimeUnit.SECONDS);
        server.exit();
    }
}
