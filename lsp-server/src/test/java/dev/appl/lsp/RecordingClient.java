package dev.appl.lsp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.lsp4j.MessageActionItem;
import org.eclipse.lsp4j.MessageParams;
import org.eclipse.lsp4j.PublishDiagnosticsParams;
import org.eclipse.lsp4j.ShowMessageRequestParams;
import org.eclipse.lsp4j.services.LanguageClient;

/** A language client that records what the server sends it, for tests to wait on and inspect. */
final class RecordingClient implements LanguageClient {
    private final List<PublishDiagnosticsParams> diagnostics = new ArrayList<>();
    private final List<MessageParams> logs = new ArrayList<>();

    @Override
    public synchronized void publishDiagnostics(PublishDiagnosticsParams params) {
        diagnostics.add(params);
        notifyAll();
    }

    @Override
    public synchronized void logMessage(MessageParams message) {
        logs.add(message);
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

    /** Waits for the diagnostics of a document at a version (any version when null). */
    synchronized PublishDiagnosticsParams awaitDiagnostics(String uri, Integer version) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            for (int i = diagnostics.size() - 1; i >= 0; i--) {
                PublishDiagnosticsParams p = diagnostics.get(i);
                if (p.getUri().equals(uri) && (version == null || version.equals(p.getVersion()))) {
                    return p;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no diagnostics for " + uri + " at version " + version + "; got " + diagnostics);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** How many times diagnostics were published for a document. */
    synchronized int count(String uri) {
        return (int) diagnostics.stream().filter(p -> p.getUri().equals(uri)).count();
    }

    /** Waits for the publication after the first {@code seen} ones of a document. */
    synchronized PublishDiagnosticsParams awaitPublish(String uri, int seen) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (count(uri) <= seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no new diagnostics for " + uri);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return diagnostics.stream().filter(p -> p.getUri().equals(uri)).skip(seen).findFirst().orElseThrow();
    }

    synchronized List<PublishDiagnosticsParams> published() {
        return List.copyOf(diagnostics);
    }

    synchronized List<MessageParams> logs() {
        return List.copyOf(logs);
    }
}
