package dev.appl.compiler.image;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows the long steps of an image build (jlink, the training run, the OCI layers) on a terminal:
 * one line per step, rewritten in place with the time spent and, where a step knows it, how far it
 * got; the line stays once the step is done. Where nobody watches (output to a file or a pipe, or
 * in CI, where the environment has {@code CI}), it prints nothing.
 */
public final class Progress {
    private static final Progress QUIET = new Progress(null);

    private final PrintWriter out;

    private Progress(PrintWriter out) {
        this.out = out;
    }

    /** Progress on {@code out} when applc runs on a terminal and not in CI; otherwise none. */
    public static Progress onTerminal(PrintWriter out) {
        var console = System.console();
        boolean ci = System.getenv("CI") != null && !System.getenv("CI").isEmpty();
        return console != null && console.isTerminal() && !ci ? new Progress(out) : QUIET;
    }

    /** Progress on {@code out} whatever it is (for tests). */
    static Progress to(PrintWriter out) {
        return new Progress(out);
    }

    /** No progress at all (tests, and callers that print their own). */
    public static Progress quiet() {
        return QUIET;
    }

    /** Starts a step; close it when it is done. */
    public Step step(String what) {
        return new Step(what);
    }

    /** A step under way: its line shows the seconds since it started, refreshed by a daemon thread. */
    public final class Step implements AutoCloseable {
        private final String what;
        private final long started = System.nanoTime();
        private final Thread ticker;
        private volatile String detail = "";

        private Step(String what) {
            this.what = what;
            if (out == null) {
                ticker = null;
                return;
            }
            show();
            ticker = Thread.ofPlatform().daemon().name("applc-progress").start(() -> {
                try {
                    while (true) {
                        Thread.sleep(250);
                        show();
                    }
                } catch (InterruptedException e) {
                    // The step is done.
                }
            });
        }

        /** How far the step got, e.g. {@code 40%}; shown after the time. */
        public void detail(String text) {
            detail = text;
        }

        private synchronized void show() {
            double seconds = (System.nanoTime() - started) / 1e9;
            out.print("\r\033[K  " + what + " ... " + String.format(Locale.ROOT, "%.1f s", seconds)
                    + (detail.isEmpty() ? "" : "  " + detail));
            out.flush();
        }

        @Override
        public void close() {
            if (ticker == null) {
                return;
            }
            ticker.interrupt();
            try {
                ticker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            detail = "";
            show();
            out.println();
            out.flush();
        }
    }
}
