package dev.appl.compiler.lower;

import dev.appl.language.diag.Span;

/** A construct the checker accepts but the compiler cannot compile yet; the message says which and where. */
public final class Unsupported extends RuntimeException {
    private final transient Span span;

    public Unsupported(Span span, String message) {
        super(message);
        this.span = span;
    }

    public Span span() {
        return span;
    }
}
