package dev.appl.compiler.cli;

/** A problem with what the user asked for (an option, a file, a param): one line, exit 2. */
final class UsageError extends Exception {
    UsageError(String message) {
        super(message);
    }
}
