package dev.appl.lsp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.ClientCapabilities;
import org.eclipse.lsp4j.DidChangeTextDocumentParams;
import org.eclipse.lsp4j.DidOpenTextDocumentParams;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InitializedParams;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.TextDocumentContentChangeEvent;
import org.eclipse.lsp4j.TextDocumentIdentifier;
import org.eclipse.lsp4j.TextDocumentItem;
import org.eclipse.lsp4j.VersionedTextDocumentIdentifier;
import org.eclipse.lsp4j.WorkspaceFolder;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.launch.LSPLauncher;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.lsp4j.services.LanguageServer;

/**
 * A server and a recording client in one process, connected through pipes, so that every message
 * goes through the protocol's JSON encoding as it would with an editor.
 */
final class Session implements AutoCloseable {
    final Path root;
    final RecordingClient client = new RecordingClient();
    final LanguageServer server;
    private final Thread serverThread;
    private final Thread clientThread;
    private final OutputStream toServer;
    private final OutputStream toClient;

    Session(Path root) throws Exception {
        this.root = root.toAbsolutePath().normalize();
        // NIO pipes: java.io's piped streams fail when a thread that wrote to them ends, and the
        // protocol's writers are pool threads.
        Pipe up = Pipe.open();
        Pipe down = Pipe.open();
        InputStream serverIn = Channels.newInputStream(up.source());
        OutputStream clientOut = Channels.newOutputStream(up.sink());
        InputStream clientIn = Channels.newInputStream(down.source());
        OutputStream serverOut = Channels.newOutputStream(down.sink());
        toServer = clientOut;
        toClient = serverOut;
        ApplLanguageServer impl = new ApplLanguageServer(status -> {});
        Launcher<LanguageClient> serverLauncher = LSPLauncher.createServerLauncher(impl, serverIn, serverOut);
        impl.connect(serverLauncher.getRemoteProxy());
        Launcher<LanguageServer> clientLauncher = LSPLauncher.createClientLauncher(client, clientIn, clientOut);
        server = clientLauncher.getRemoteProxy();
        serverThread = Thread.ofPlatform().daemon().start(() -> run(serverLauncher));
        clientThread = Thread.ofPlatform().daemon().start(() -> run(clientLauncher));
        InitializeParams init = new InitializeParams();
        init.setWorkspaceFolders(List.of(new WorkspaceFolder(this.root.toUri().toString(), "test")));
        init.setCapabilities(new ClientCapabilities());
        com.google.gson.JsonObject options = new com.google.gson.JsonObject();
        options.addProperty("debounceMillis", 0);
        init.setInitializationOptions(options);
        server.initialize(init).get(30, TimeUnit.SECONDS);
        server.initialized(new InitializedParams());
    }

    private static void run(Launcher<?> launcher) {
        try {
            launcher.startListening().get();
        } catch (Exception e) {
            // The pipe closed: the session is over.
        }
    }

    String write(String name, String text) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file.toUri().toString();
    }

    /** Writes a file, opens it and waits for its first diagnostics. */
    String open(String name, String text) throws Exception {
        String uri = write(name, text);
        server.getTextDocumentService().didOpen(new DidOpenTextDocumentParams(new TextDocumentItem(uri, "appl", 1, text)));
        client.awaitDiagnostics(uri, 1);
        return uri;
    }

    void replace(String uri, int version, String text) {
        server.getTextDocumentService().didChange(new DidChangeTextDocumentParams(
                new VersionedTextDocumentIdentifier(uri, version), List.of(new TextDocumentContentChangeEvent(text))));
    }

    static TextDocumentIdentifier doc(String uri) {
        return new TextDocumentIdentifier(uri);
    }

    /** The position of the {@code nth} occurrence (from 0) of {@code what} in {@code text}, plus {@code delta} characters. */
    static Position at(String text, String what, int nth, int delta) {
        int offset = -1;
        for (int i = 0; i <= nth; i++) {
            offset = text.indexOf(what, offset + 1);
            if (offset < 0) {
                throw new IllegalArgumentException("`" + what + "` occurs fewer than " + (nth + 1) + " times");
            }
        }
        offset += delta;
        int line = 0;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new Position(line, offset - lineStart);
    }

    static Position at(String text, String what) {
        return at(text, what, 0, 0);
    }

    @Override
    public void close() throws Exception {
        server.shutdown().get(30, TimeUnit.SECONDS);
        server.exit();
        // Closing each side's output ends the other side's reader at the end of its stream.
        toServer.close();
        serverThread.join(5_000);
        toClient.close();
        clientThread.join(5_000);
    }
}
