package dev.appl.language.diag;

/**
 * Prints diagnostics for people: {@code path:line:col: error[APPL0042]: message}, the source line
 * with a run of carets under the span, then each note the same way.
 */
public final class DiagnosticRenderer {
    private DiagnosticRenderer() {}

    public static String render(Diagnostic d) {
        StringBuilder out = new StringBuilder();
        out.append(location(d.span())).append(": ")
                .append(d.severity().label()).append('[').append(d.code().id()).append("]: ")
                .append(d.message()).append('\n');
        excerpt(out, d.span());
        for (Note note : d.notes()) {
            if (note.span() != null) {
                out.append(location(note.span())).append(": note: ").append(note.message()).append('\n');
                excerpt(out, note.span());
            } else {
                out.append("  = note: ").append(note.message()).append('\n');
            }
        }
        return out.toString();
    }

    /** Only the first line, as golden files keep it: codes and positions, not prose. */
    public static String headline(Diagnostic d) {
        return location(d.span()) + ": " + d.severity().label() + "[" + d.code().id() + "]";
    }

    private static String location(Span span) {
        return span.source().name() + ":" + span.startLine() + ":" + span.startColumn();
    }

    private static void excerpt(StringBuilder out, Span span) {
        int line = span.startLine();
        String text = span.source().lineText(line);
        String gutter = " ".repeat(String.valueOf(line).length());
        out.append(' ').append(line).append(" | ").append(text).append('\n');
        out.append(' ').append(gutter).append(" | ");
        int col = span.startColumn() - 1;
        // Copy tabs from the source line so that the carets line up however tabs are shown.
        for (int i = 0; i < col && i < text.length(); i++) {
            out.append(text.charAt(i) == '\t' ? '\t' : ' ');
        }
        int endCol = span.endLine() == line ? span.endColumn() - 1 : text.length();
        int width = Math.max(1, endCol - col);
        out.append("^".repeat(width)).append('\n');
    }
}
