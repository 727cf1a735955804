package dev.appl.bench;

import dev.appl.lsp.ApplLanguageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.ClientCapabilities;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionList;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.DidChangeTextDocumentParams;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.MessageActionItem;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.ShowMessageRequestParams;
import org.eclipse.lsp4j.TextDocumentContentChangeEvent;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.TextDocumentItem;
import org.eclipse.lsp4j.VersionedTextDocumentIdentifier;
import org.eclipse.lsp4j.jsonrpc.messages.Either;
import org.eclipse.lsp4j.services.LanguageClient;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The language server on a generated document ({@link SpecGenerator}), warm, in process (the
 * protocol's JSON encoding is not included). {@code diagnosticsAfterEdit}: from a one-character
 * edit in the middle of the document to its diagnostics being published, with no pause before
 * checking (the server waits {@code ApplLanguageServer.DEFAULT_DEBOUNCE_MILLIS} more by default).
 * {@code completion}: names after {@code h.} in a handler in the middle of the document, the
 * document unchanged; {@code completionAfterEdit}: the same right after an edit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LspBenchmark {
    @Param("5000")
    int lines;

    private ApplLanguageServer server;
    private final Client client = new Client();
    private String uri;
    private String text;
    private int version = 1;
    private Position edited;
    private Position afterDot;

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("appl-lsp-bench");
        text = SpecGenerator.generate(lines);
        uri = dir.resolve("generated.appl").toUri().toString();
        server = new ApplLanguageServer(status -> {});
        server.connect(client);
        InitializeParams init = new InitializeParams();
        init.setRootUri(dir.toUri().toString());
        init.setCapabilities(new ClientCapabilities());
        com.google.gson.JsonObject options = new com.google.gson.JsonObject();
        options.addProperty("debounceMillis", 0);
        init.setInitializationOptions(options);
        server.initialize(init).get();
        CompletableFuture<PublishDiagnosticsParams> first = client.expect(1);
        server.getTextDocumentService().didOpen(new DidOpenTextDocumentParams(new TextDocumentItem(uri, "appl", 1, text)));
        if (!first.get(60, TimeUnit.SECONDS).getDiagnostics().isEmpty()) {
            throw new IllegalStateException("the generated spec has diagnostics: " + first.get().getDiagnostics());
        }
        int middle = text.indexOf("Auto = 2", text.length() / 2) + "Auto = ".length();
        edited = position(middle);
        afterDot = position(text.indexOf("h.ip.ttl", text.length() / 2) + 2);
    }

    private Position position(int offset) {
        int line = 0;
        int start = 0;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                start = i + 1;
            }
        }
        return new Position(line, offset - start);
    }

    @Benchmark
    public PublishDiagnosticsParams diagnosticsAfterEdit() throws Exception {
        version++;
        // `Auto = 2` and `Auto = 3` in turn: the document stays valid and changes every time.
        String digit = version % 2 == 0 ? "3" : "2";
        CompletableFuture<PublishDiagnosticsParams> published = client.expect(version);
        server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(
                new VersionedTextDocumentIdentifier(uri, version),
                List.of(new TextDocumentContentChangeEvent(new Range(edited,
                        new Position(edited.getLine(), edited.getCharacter() + 1)), digit))));
        return published.get(60, TimeUnit.SECONDS);
    }

    /** Typing then asking for completion: the edit is checked first, as the server's one worker takes them in order. */
    @Benchmark
    public Either<List<CompletionItem>, CompletionList> completionAfterEdit() throws Exception {
        version++;
        String digit = version % 2 == 0 ? "3" : "2";
        client.expect(version);
        server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(
                new VersionedTextDocumentIdentifier(uri, version),
                List.of(new TextDocumentContentChangeEvent(new Range(edited,
                        new Position(edited.getLine(), edited.getCharacter() + 1)), digit))));
        return completion();
    }

    @Benchmark
    public Either<List<CompletionItem>, CompletionList> completion() throws Exception {
        return server.getTextDocumentService()
                .completion(new CompletionParams(new TextDocumentIdentifier(uri), afterDot)).get();
    }

    @TearDown
    public void tearDown() throws Exception {
        server.shutdown().get();
        server.exit();
    }

    /** Hands each publication to whoever waits for that version. */
    static final class Client implements LanguageClient {
        private volatile CompletableFuture<PublishDiagnosticsParams> waiting;
        private volatile int waitingFor;

        CompletableFuture<PublishDiagnosticsParams> expect(int version) {
            waitingFor = version;
            waiting = new CompletableFuture<>();
            return waiting;
        }

        @Override
        public void publishDiagnostics(PublishDiagnosticsParams params) {
            if (params.getVersion() != null && params.getVersion() == waitingFor) {
                waiting.complete(params);
            }
        }

        @Override
        public void logMessage(MessageParams message) {
            System.err.println(message.getMessage());
        }

        @Override
        public void showMessage(MessageParams message) {
            logMessage(message);
        }

        @Override
        public CompletableFuture<MessageActionItem> showMessageRequest(ShowMessageRequestParams params) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void telemetryEvent(Object object) {}
    }
}
