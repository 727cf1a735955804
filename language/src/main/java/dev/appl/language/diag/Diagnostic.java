package dev.appl.language.diag;

import java.util.List;

/** One finding about a spec: a code, where it is, the filled-in message and any notes. */
public record Diagnostic(DiagnosticCode code, Severity severity, Span span, String message, List<Note> notes) {
    public Diagnostic {
        notes = List.copyOf(notes);
    }

    public static Diagnostic of(DiagnosticCode code, Span span, Object... args) {
        return new Diagnostic(code, code.severity(), span, code.format(args), List.of());
    }

    public Diagnostic withNote(Note note) {
        List<Note> more = new java.util.ArrayList<>(notes);
        more.add(note);
        return new Diagnostic(code, severity, span, message, more);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }
}
