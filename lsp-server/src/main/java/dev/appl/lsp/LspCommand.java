package dev.appl.lsp;

import dev.appl.compiler.cli.ApplcSubcommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.eclipse.lsp4j.jsonrpc.Launcher;
import org.eclipse.lsp4j.launch.LSPLauncher;
import org.eclipse.lsp4j.services.LanguageClient;
import picocli.CommandLine.Command;

/**
 * {@code applc lsp}: serves the Language Server Protocol on stdin and stdout until the client
 * says {@code exit} or closes the stream. Standard output carries the protocol only: everything
 * else that would be printed goes to standard error.
 */
@Command(
        name = "lsp",
        mixinStandardHelpOptions = true,
        description = "Runs the appl language server for editors, speaking the Language Server Protocol on"
                + " stdin and stdout. Exit status: 0 after shutdown and exit, 1 if the client exits without"
                + " shutdown or the stream ends first.")
public final class LspCommand implements ApplcSubcommand {
    @Override
    public Integer call() throws InterruptedException {
        InputStream in = System.in;
        PrintStream protocol = System.out;
        // Nothing but the protocol may reach stdout, whatever a library prints.
        System.setOut(System.err);
        ApplLanguageServer server = new ApplLanguageServer(status -> {
            protocol.flush();
            System.exit(status);
        });
        server.warmUp();
        Launcher<LanguageClient> launcher = LSPLauncher.createServerLauncher(server, in, protocol);
        server.connect(launcher.getRemoteProxy());
        Future<Void> listening = launcher.startListening();
        try {
            listening.get();
        } catch (ExecutionException e) {
            System.err.println("applc lsp: the connection failed: " + e.getCause());
        }
        return server.wasShutDown() ? 0 : 1;
    }
}
