package dev.appl.language.diag;

/**
 * Prints a diagnostic as one line of JSON for tools: code, severity, message, file, and 1-based
 * start and end line and column (the end is exclusive), with notes in the same shape.
 */
public final class JsonDiagnostics {
    private JsonDiagnostics() {}

    public static String render(Diagnostic d) {
        StringBuilder out = new StringBuilder("{");
        field(out, "code", d.code().id()).append(',');
        field(out, "severity", d.severity().label()).append(',');
        field(out, "message", d.message()).append(',');
        position(out, d.span());
        out.append(",\"notes\":[");
        for (int i = 0; i < d.notes().size(); i++) {
            Note note = d.notes().get(i);
            out.append(i == 0 ? "{" : ",{");
            field(out, "message", note.message());
            if (note.span() != null) {
                out.append(',');
                position(out, note.span());
            }
            out.append('}');
        }
        return out.append("]}").toString();
    }

    private static void position(StringBuilder out, Span span) {
        field(out, "file", span.source().name()).append(',');
        out.append("\"startLine\":").append(span.startLine())
                .append(",\"startColumn\":").append(span.startColumn())
                .append(",\"endLine\":").append(span.endLine())
                .append(",\"endColumn\":").append(span.endColumn());
    }

    private static StringBuilder field(StringBuilder out, String name, String value) {
        out.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
