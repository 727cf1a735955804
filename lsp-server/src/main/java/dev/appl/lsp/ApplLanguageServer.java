package dev.appl.lsp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;
import org.eclipse.lsp4j.CodeActionKind;
import org.eclipse.lsp4j.CodeActionOptions;
import org.eclipse.lsp4j.CompletionOptions;
import org.eclipse.lsp4j.ExecuteCommandOptions;
import org.eclipse.lsp4j.InitializeParams;
import org.eclipse.lsp4j.InitializeResult;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.MessageType;
import org.eclipse.lsp4j.RenameOptions;
import org.eclipse.lsp4j.SemanticTokensWithRegistrationOptions;
import org.eclipse.lsp4j.ServerCapabilities;
import org.eclipse.lsp4j.ServerInfo;
import org.eclipse.lsp4j.SignatureHelpOptions;
import org.eclipse.lsp4j.TextDocumentSyncKind;
import org.eclipse.lsp4j.WorkspaceFolder;
import org.eclipse.lsp4j.services.LanguageClient;
import org.eclipse.lsp4j.services.LanguageClientAware;
import org.eclipse.lsp4j.services.LanguageServer;
import org.eclipse.lsp4j.services.TextDocumentService;
import org.eclipse.lsp4j.services.WorkspaceService;

/**
 * The appl language server: the protocol's lifecycle, the capabilities it announces, and the one
 * worker thread on which every analysis and every request runs, in order. A request never fails
 * because of a document: whatever goes wrong inside a feature is logged to the client and answered
 * with an empty result.
 */
public final class ApplLanguageServer implements LanguageServer, LanguageClientAware {
    /** Room for specs whose expressions nest thousands deep, as {@code applc} has. */
    private static final long STACK_BYTES = 512L << 20;
    /** Edits closer together than this are checked once, after the last. */
    static final long DEFAULT_DEBOUNCE_MILLIS = 20;

    private final Workspace workspace = new Workspace();
    private final ScheduledThreadPoolExecutor worker = new ScheduledThreadPoolExecutor(1,
            r -> Thread.ofPlatform().name("appl-lsp-worker").daemon(true).stackSize(STACK_BYTES).unstarted(r));
    private final TextDocuments documents;
    private final Workspaces workspaces;
    private LanguageClient client;
    private boolean shutdown;
    private final java.util.function.IntConsumer onExit;

    /**
     * @param onExit what {@code exit} does with the protocol's exit status (0 after shutdown, 1
     *     without): ends the process in {@code applc lsp}, nothing in tests
     */
    public ApplLanguageServer(java.util.function.IntConsumer onExit) {
        this.onExit = onExit;
        this.documents = new TextDocuments(this);
        this.workspaces = new Workspaces(this);
    }

    /**
     * Loads and runs the front end once on a small spec, on the worker, while the caller goes on
     * setting up the protocol: the first real check then finds the parser and checker ready.
     */
    public void warmUp() {
        worker.execute(() -> guarded("warm-up", null, () -> {
            workspace.warmUp();
            return null;
        }));
    }

    @Override
    public void connect(LanguageClient client) {
        this.client = client;
    }

    LanguageClient client() {
        return client;
    }

    Workspace workspace() {
        return workspace;
    }

    ScheduledExecutorService worker() {
        return worker;
    }

    @Override
    public CompletableFuture<InitializeResult> initialize(InitializeParams params) {
        List<Path> roots = new ArrayList<>();
        if (params.getWorkspaceFolders() != null) {
            for (WorkspaceFolder f : params.getWorkspaceFolders()) {
                roots.add(Document.pathOf(f.getUri()));
            }
        } else if (params.getRootUri() != null) {
            roots.add(Document.pathOf(params.getRootUri()));
        }
        workspace.setRoots(roots);
        documents.configure(params.getInitializationOptions());

        ServerCapabilities caps = new ServerCapabilities();
        caps.setTextDocumentSync(TextDocumentSyncKind.Incremental);
        caps.setHoverProvider(true);
        caps.setDefinitionProvider(true);
        caps.setReferencesProvider(true);
        caps.setRenameProvider(new RenameOptions(true));
        caps.setDocumentSymbolProvider(true);
        caps.setWorkspaceSymbolProvider(true);
        caps.setCompletionProvider(new CompletionOptions(false, List.of(".", ":")));
        caps.setDocumentFormattingProvider(true);
        caps.setDocumentRangeFormattingProvider(true);
        caps.setSemanticTokensProvider(new SemanticTokensWithRegistrationOptions(SemanticTokensFeature.LEGEND, true, false));
        caps.setFoldingRangeProvider(true);
        caps.setSignatureHelpProvider(new SignatureHelpOptions(List.of("(", ",")));
        caps.setInlayHintProvider(true);
        caps.setCodeActionProvider(new CodeActionOptions(List.of(CodeActionKind.QuickFix)));
        caps.setExecuteCommandProvider(new ExecuteCommandOptions(List.of(Workspaces.CHECK_WORKSPACE)));
        String version = ApplLanguageServer.class.getPackage().getImplementationVersion();
        return CompletableFuture.completedFuture(
                new InitializeResult(caps, new ServerInfo("appl", version != null ? version : "development build")));
    }

    @Override
    public CompletableFuture<Object> shutdown() {
        shutdown = true;
        // Answered after the work queued before it, so that nothing is cut off half way.
        return CompletableFuture.supplyAsync(() -> null, worker);
    }

    @Override
    public void exit() {
        // No interrupt: the worker may be writing a message, and checks pending after an edit are dropped.
        worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        worker.shutdown();
        onExit.accept(shutdown ? 0 : 1);
    }

    boolean wasShutDown() {
        return shutdown;
    }

    @Override
    public TextDocumentService getTextDocumentService() {
        return documents;
    }

    @Override
    public WorkspaceService getWorkspaceService() {
        return workspaces;
    }

    /** Runs a request on the worker; a failure inside is logged and answered with {@code fallback}. */
    <T> CompletableFuture<T> compute(String what, T fallback, Supplier<T> work) {
        return CompletableFuture.supplyAsync(() -> guarded(what, fallback, work), worker);
    }

    <T> T guarded(String what, T fallback, Supplier<T> work) {
        try {
            return work.get();
        } catch (org.eclipse.lsp4j.jsonrpc.ResponseErrorException refused) {
            throw refused; // a request refused on purpose (rename to a keyword), with its message
        } catch (Throwable t) {
            log(MessageType.Error, what + " failed: " + t);
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                throw (VirtualMachineError) t;
            }
            return fallback;
        }
    }

    void log(MessageType type, String message) {
        if (client != null) {
            client.logMessage(new MessageParams(type, message));
        } else {
            System.err.println("appl-lsp: " + message);
        }
    }
}
