package dev.appl.lsp;

import dev.appl.language.resolve.Module;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.lsp4j.DidChangeConfigurationParams;
import org.eclipse.lsp4j.DidChangeWatchedFilesParams;
import org.eclipse.lsp4j.DidChangeWorkspaceFoldersParams;
import org.eclipse.lsp4j.ExecuteCommandParams;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.SymbolInformation;
import org.eclipse.lsp4j.WorkspaceFolder;
import org.eclipse.lsp4j.WorkspaceSymbol;
import org.eclipse.lsp4j.WorkspaceSymbolParams;
import org.eclipse.lsp4j.jsonrpc.messages.Either;
import org.eclipse.lsp4j.services.WorkspaceService;

/** Workspace folders, files changed on disk, workspace symbols, and the command that checks every spec. */
final class Workspaces implements WorkspaceService {
    /** Publishes diagnostics for every spec in the workspace folders; answers the number of errors. */
    static final String CHECK_WORKSPACE = "appl.checkWorkspace";

    private final ApplLanguageServer server;
    private final Workspace workspace;

    Workspaces(ApplLanguageServer server) {
        this.server = server;
        this.workspace = server.workspace();
    }

    @Override
    public void didChangeConfiguration(DidChangeConfigurationParams params) {
        // Nothing is configurable on the server's side: the client chooses the JDK that runs it.
    }

    @Override
    public void didChangeWatchedFiles(DidChangeWatchedFilesParams params) {
        workspace.changedOnDisk();
        ((TextDocuments) server.getTextDocumentService()).republishAll();
    }

    @Override
    public void didChangeWorkspaceFolders(DidChangeWorkspaceFoldersParams params) {
        List<Path> roots = new ArrayList<>(workspace.roots());
        for (WorkspaceFolder f : params.getEvent().getRemoved()) {
            roots.remove(Document.pathOf(f.getUri()));
        }
        for (WorkspaceFolder f : params.getEvent().getAdded()) {
            roots.add(Document.pathOf(f.getUri()));
        }
        workspace.setRoots(roots);
    }

    @Override
    public CompletableFuture<Either<List<? extends SymbolInformation>, List<? extends WorkspaceSymbol>>> symbol(
            WorkspaceSymbolParams params) {
        return server.compute("workspace symbols", Either.forRight(List.of()),
                () -> Either.forRight(Symbols.search(workspace, params.getQuery())));
    }

    @Override
    public CompletableFuture<Object> executeCommand(ExecuteCommandParams params) {
        if (!CHECK_WORKSPACE.equals(params.getCommand())) {
            return CompletableFuture.completedFuture(null);
        }
        return server.compute("check workspace", null, () -> {
            Analysis all = workspace.everything();
            int errors = 0;
            for (Module m : all.modules()) {
                if (m.file() == null || !workspace.roots().stream().anyMatch(r -> m.file().startsWith(r))) {
                    continue;
                }
                var diagnostics = DiagnosticsFeature.of(all, m, workspace);
                errors += (int) diagnostics.stream()
                        .filter(d -> d.getSeverity() == org.eclipse.lsp4j.DiagnosticSeverity.Error).count();
                Document open = workspace.documentAt(m.file());
                if (open == null) {
                    server.client().publishDiagnostics(
                            new PublishDiagnosticsParams(workspace.uriOf(m.file()), diagnostics));
                }
            }
            return errors;
        });
    }
}
