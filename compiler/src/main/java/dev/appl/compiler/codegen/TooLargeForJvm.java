package dev.appl.compiler.codegen;

import dev.appl.language.diag.Diagnostic;

/**
 * A spec whose generated class would break a limit of the JVM's class files (64 KiB of code in a
 * method, 255 parameter slots, 65,535 constants) or of computing its stack map frames: an error in
 * the spec, reported as a diagnostic at the handler, function or appliance that is too large.
 */
public final class TooLargeForJvm extends RuntimeException {
    private final transient Diagnostic diagnostic;

    TooLargeForJvm(Diagnostic diagnostic) {
        super(diagnostic.message());
        this.diagnostic = diagnostic;
    }

    public Diagnostic diagnostic() {
        return diagnostic;
    }
}
