package dev.appl.compiler.interp;

/**
 * Raised inside the interpreter when a packet is shorter than what the handler reads; the
 * interpreter turns it into the malformed fate (counted and dropped). It never leaves the interpreter.
 */
final class Malformed extends RuntimeException {
    Malformed() {
        super(null, null, false, false);
    }
}
