package dev.appl.language.diag;

/** Extra information attached to a diagnostic, pointing at a place of its own (or nowhere). */
public record Note(String message, Span span) {
    public static Note at(Span span, String message) {
        return new Note(message, span);
    }

    public static Note plain(String message) {
        return new Note(message, null);
    }
}
