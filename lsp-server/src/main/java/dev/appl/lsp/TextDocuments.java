package dev.appl.lsp;

import dev.appl.language.diag.Source;
import dev.appl.language.resolve.Module;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.eclipse.lsp4j.CodeAction;
import org.eclipse.lsp4j.CodeActionParams;
import org.eclipse.lsp4j.Command;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionList;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.DefinitionParams;
import org.eclipse.lsp4j.DidChangeTextDocumentParams;
import org.eclipse.lsp4j.DidCloseTextDocumentParams;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.DidSaveTextDocumentParams;
import org.eclipse.lsp4j.DocumentFormattingParams;
import org.eclipse.lsp4j.DocumentRangeFormattingParams;
import org.eclipse.lsp4j.DocumentSymbol;
import org.eclipse.lsp4j.DocumentSymbolParams;
import org.eclipse.lsp4j.FoldingRange;
import org.eclipse.lsp4j.FoldingRangeRequestParams;
import org.eclipse.lsp4j.Hover;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.InlayHint;
import org.eclipse.lsp4j.InlayHintParams;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.LocationLink;
import org.eclipse.lsp4j.PrepareRenameDefaultBehavior;
import org.eclipse.lsp4j.PrepareRenameParams;
import org.eclipse.lsp4j.PrepareRenameResult;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.ReferenceParams;
import org.eclipse.lsp4j.RenameParams;
import org.eclipse.lsp4j.SemanticTokens;
import org.eclipse.lsp4j.SemanticTokensParams;
import org.eclipse.lsp4j.SignatureHelp;
import org.eclipse.lsp4j.SignatureHelpParams;
import org.eclipse.lsp4j.SymbolInformation;
import org.eclipse.lsp4j.TextDocumentContentChangeEvent;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.TextEdit;
import org.eclipse.lsp4j.WorkspaceEdit;
import org.eclipse.lsp4j.jsonrpc.messages.Either;
import org.eclipse.lsp4j.jsonrpc.messages.Either3;
import org.eclipse.lsp4j.services.TextDocumentService;

/**
 * Document synchronization, diagnostics as the user types, and the per-document requests, each
 * handed to its feature class with the document's current analysis.
 */
final class TextDocuments implements TextDocumentService {
    private final ApplLanguageServer server;
    private final Workspace workspace;
    private final Map<String, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
    private volatile long debounceMillis = ApplLanguageServer.DEFAULT_DEBOUNCE_MILLIS;

    TextDocuments(ApplLanguageServer server) {
        this.server = server;
        this.workspace = server.workspace();
    }

    /** {@code initializationOptions: {"debounceMillis": N}} sets the pause after an edit before checking. */
    void configure(Object options) {
        if (options instanceof com.google.gson.JsonObject json && json.has("debounceMillis")
                && json.get("debounceMillis").isJsonPrimitive()) {
            debounceMillis = Math.max(0, json.get("debounceMillis").getAsLong());
        }
    }

    // ---- Synchronization and diagnostics -----------------------------------------------------------

    @Override
    public void didOpen(DidOpenTextDocumentParams params) {
        var item = params.getTextDocument();
        workspace.put(new Document(item.getUri(), Document.pathOf(item.getUri()), item.getVersion(), item.getText()));
        schedule(item.getUri(), 0);
    }

    @Override
    public void didChange(DidChangeTextDocumentParams params) {
        String uri = params.getTextDocument().getUri();
        Document doc = workspace.document(uri);
        if (doc == null) {
            return;
        }
        String text = doc.text();
        for (TextDocumentContentChangeEvent change : params.getContentChanges()) {
            text = apply(text, change);
        }
        workspace.put(new Document(uri, doc.path(), params.getTextDocument().getVersion(), text));
        schedule(uri, debounceMillis);
    }

    static String apply(String text, TextDocumentContentChangeEvent change) {
        if (change.getRange() == null) {
            return change.getText();
        }
        Source source = new Source("", text);
        int start = Positions.offset(source, change.getRange().getStart());
        int end = Math.max(start, Positions.offset(source, change.getRange().getEnd()));
        return text.substring(0, start) + change.getText() + text.substring(end);
    }

    @Override
    public void didClose(DidCloseTextDocumentParams params) {
        String uri = params.getTextDocument().getUri();
        ScheduledFuture<?> f = pending.remove(uri);
        if (f != null) {
            f.cancel(false);
        }
        Document doc = workspace.document(uri);
        workspace.close(uri);
        server.worker().execute(() -> server.guarded("close", null, () -> {
            workspace.forget(uri);
            server.client().publishDiagnostics(new PublishDiagnosticsParams(uri, List.of()));
            // Its importers now read the file from disk, which may differ from the closed buffer.
            if (doc != null) {
                for (Document importer : workspace.importersOf(doc.path())) {
                    publish(importer);
                }
            }
            return null;
        }));
    }

    @Override
    public void didSave(DidSaveTextDocumentParams params) {
        // The buffer was already checked as typed; what is on disk matters only to other programs.
    }

    /** Checks a document after a pause, once, however many edits arrive in the meantime. */
    private void schedule(String uri, long delayMillis) {
        ScheduledFuture<?> next = server.worker().schedule(() -> server.guarded("diagnostics", null, () -> {
            Document doc = workspace.document(uri);
            if (doc != null) {
                publish(doc);
                for (Document importer : workspace.importersOf(doc.path())) {
                    publish(importer);
                }
            }
            return null;
        }), delayMillis, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> previous = pending.put(uri, next);
        if (previous != null) {
            previous.cancel(false);
        }
    }

    /** Rechecks every open document (a file changed on disk). */
    void republishAll() {
        for (Document doc : workspace.documents()) {
            server.worker().execute(() -> server.guarded("diagnostics", null, () -> {
                Document current = workspace.document(doc.uri());
                if (current != null) {
                    publish(current);
                }
                return null;
            }));
        }
    }

    private void publish(Document doc) {
        Analysis analysis = workspace.analysis(doc);
        Module module = workspace.moduleOf(analysis, doc);
        server.client().publishDiagnostics(new PublishDiagnosticsParams(doc.uri(),
                DiagnosticsFeature.of(analysis, module, workspace), doc.version()));
    }

    // ---- Requests ------------------------------------------------------------------------------------

    /** Runs a feature on a document's current analysis; no document (closed meanwhile) answers {@code none}. */
    private <T> CompletableFuture<T> withDocument(String what, TextDocumentIdentifier id, T none,
            BiFunction<Document, Analysis, T> feature) {
        return server.compute(what, none, () -> {
            Document doc = workspace.document(id.getUri());
            if (doc == null) {
                return none;
            }
            return feature.apply(doc, workspace.analysis(doc));
        });
    }

    @Override
    public CompletableFuture<Hover> hover(HoverParams params) {
        return withDocument("hover", params.getTextDocument(), null,
                (doc, a) -> HoverFeature.hover(a, workspace.moduleOf(a, doc), params.getPosition()));
    }

    @Override
    public CompletableFuture<Either<List<? extends Location>, List<? extends LocationLink>>> definition(
            DefinitionParams params) {
        return withDocument("definition", params.getTextDocument(), Either.forLeft(List.of()),
                (doc, a) -> Either.forLeft(Navigation.definition(a, workspace.moduleOf(a, doc), params.getPosition(),
                        workspace)));
    }

    @Override
    public CompletableFuture<List<? extends Location>> references(ReferenceParams params) {
        return withDocument("references", params.getTextDocument(), List.of(),
                (doc, a) -> Navigation.references(workspace, doc, params.getPosition(),
                        params.getContext() == null || params.getContext().isIncludeDeclaration()));
    }

    @Override
    public CompletableFuture<Either3<Range, PrepareRenameResult, PrepareRenameDefaultBehavior>> prepareRename(
            PrepareRenameParams params) {
        return withDocument("prepare rename", params.getTextDocument(), null,
                (doc, a) -> Rename.prepare(workspace, doc, params.getPosition()));
    }

    @Override
    public CompletableFuture<WorkspaceEdit> rename(RenameParams params) {
        return withDocument("rename", params.getTextDocument(), null,
                (doc, a) -> Rename.rename(workspace, doc, params.getPosition(), params.getNewName()));
    }

    @Override
    public CompletableFuture<List<Either<SymbolInformation, DocumentSymbol>>> documentSymbol(
            DocumentSymbolParams params) {
        return withDocument("document symbols", params.getTextDocument(), List.of(),
                (doc, a) -> Symbols.outline(workspace.moduleOf(a, doc)).stream()
                        .map(Either::<SymbolInformation, DocumentSymbol>forRight).toList());
    }

    @Override
    public CompletableFuture<Either<List<CompletionItem>, CompletionList>> completion(CompletionParams params) {
        return withDocument("completion", params.getTextDocument(), Either.forLeft(List.of()),
                (doc, a) -> Either.forLeft(CompletionFeature.complete(a, workspace.moduleOf(a, doc),
                        params.getPosition(), workspace)));
    }

    @Override
    public CompletableFuture<List<? extends TextEdit>> formatting(DocumentFormattingParams params) {
        return withDocument("formatting", params.getTextDocument(), List.of(), (doc, a) -> Formatting.format(doc));
    }

    @Override
    public CompletableFuture<List<? extends TextEdit>> rangeFormatting(DocumentRangeFormattingParams params) {
        return withDocument("range formatting", params.getTextDocument(), List.of(),
                (doc, a) -> Formatting.format(doc, params.getRange()));
    }

    @Override
    public CompletableFuture<SemanticTokens> semanticTokensFull(SemanticTokensParams params) {
        return withDocument("semantic tokens", params.getTextDocument(), new SemanticTokens(List.of()),
                (doc, a) -> SemanticTokensFeature.tokens(a, workspace.moduleOf(a, doc)));
    }

    @Override
    public CompletableFuture<List<FoldingRange>> foldingRange(FoldingRangeRequestParams params) {
        return withDocument("folding ranges", params.getTextDocument(), List.of(),
                (doc, a) -> Folding.ranges(workspace.moduleOf(a, doc)));
    }

    @Override
    public CompletableFuture<SignatureHelp> signatureHelp(SignatureHelpParams params) {
        return withDocument("signature help", params.getTextDocument(), null,
                (doc, a) -> Signatures.help(a, workspace.moduleOf(a, doc), params.getPosition()));
    }

    @Override
    public CompletableFuture<List<InlayHint>> inlayHint(InlayHintParams params) {
        return withDocument("inlay hints", params.getTextDocument(), List.of(),
                (doc, a) -> InlayHints.hints(a, workspace.moduleOf(a, doc), params.getRange()));
    }

    @Override
    public CompletableFuture<List<Either<Command, CodeAction>>> codeAction(CodeActionParams params) {
        return withDocument("code actions", params.getTextDocument(), List.of(),
                (doc, a) -> CodeActions.actions(a, workspace.moduleOf(a, doc), doc, params, workspace).stream()
                        .map(Either::<Command, CodeAction>forRight).toList());
    }
}
