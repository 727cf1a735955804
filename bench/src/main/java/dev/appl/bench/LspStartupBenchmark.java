package dev.appl.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.ClientCapabilities;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InitializedParams;
import org.eclipse.lsp4j.MessageActionItem;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.ShowMessageRequestParams;
import org.eclipse.lsp4j.TextDocumentItem;
import org.eclipse.lsp4j.WorkspaceFolder;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.launch.LSPLauncher;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.lsp4j.services.LanguageServer;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Server start to first diagnostics, as an editor sees it: each operation starts
 * {@code java -jar dist/target/applc.jar lsp} as a process (with {@code jvmArgs}, say a CDS
 * archive), initializes it, opens the firewall sample and waits for its diagnostics, then shuts it
 * down. Cold every time: a new JVM per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 10)
@Fork(1)
public class LspStartupBenchmark {
    /** Extra JVM options for the server, separated by spaces; "none" for none. */
    @Param("none")
    String jvmArgs;

    private Path root;
    private Path jar;
    private String sample;

    @Setup
    public void setUp() throws Exception {
        root = Path.of(System.getProperty("appl.root", ".")).toAbsolutePath().normalize();
        jar = root.resolve("dist/target/applc.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": build it with ./mvnw package -pl dist -am -DskipTests");
        }
        sample = Files.readString(root.resolve("samples/firewall/firewall.appl"));
    }

    @Benchmark
    public PublishDiagnosticsParams startToFirstDiagnostics() throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (!jvmArgs.equals("none")) {
            command.addAll(List.of(jvmArgs.split(" ")));
        }
        command.addAll(List.of("-jar", jar.toString(), "lsp"));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<PublishDiagnosticsParams> published = new CompletableFuture<>();
        Launcher<LanguageServer> launcher = LSPLauncher.createClientLauncher(new FirstDiagnostics(published),
                process.getInputStream(), process.getOutputStream());
        launcher.startListening();
        LanguageServer server = launcher.getRemoteProxy();
        InitializeParams init = new InitializeParams();
        String rootUri = root.resolve("samples").toUri().toString();
        init.setWorkspaceFolders(List.of(new WorkspaceFolder(rootUri, "samples")));
        init.setCapabilities(new ClientCapabilities());
        server.initialize(init).get(60, TimeUnit.SECONDS);
        server.initialized(new InitializedParams());
        String uri = root.resolve("samples/firewall/firewall.appl").toUri().toString();
        server.getTextDocumentService().didOpen(new DidOpenTextDocumentParams(new TextDocumentItem(uri, "appl", 1, sample)));
        PublishDiagnosticsParams first = published.get(60, TimeUnit.SECONDS);
        server.shutdown().get(60, TimeUnit.SECONDS);
        server.exit();
        process.waitFor(60, TimeUnit.SECONDS);
        return first;
    }

    private record FirstDiagnostics(CompletableFuture<PublishDiagnosticsParams> published) implements LanguageClient {
        @Override
        public void publishDiagnostics(PublishDiagnosticsParams params) {
            published.complete(params);
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
