package dev.appl.language.diag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects the diagnostics of one compilation. Every phase reports here instead of throwing, so
 * that one run reports every independent error.
 */
public final class Diagnostics {
    private final List<Diagnostic> all = new ArrayList<>();

    public Diagnostic report(DiagnosticCode code, Span span, Object... args) {
        Diagnostic d = Diagnostic.of(code, span, args);
        all.add(d);
        return d;
    }

    public void add(Diagnostic diagnostic) {
        all.add(diagnostic);
    }

    /** Replaces the last reported diagnostic with one that has an extra note. */
    public void noteLast(Note note) {
        all.set(all.size() - 1, all.get(all.size() - 1).withNote(note));
    }

    public boolean hasErrors() {
        return all.stream().anyMatch(Diagnostic::isError);
    }

    public int errorCount() {
        return (int) all.stream().filter(Diagnostic::isError).count();
    }

    /** Sorted by file, then position, then code, without exact duplicates. */
    public List<Diagnostic> sorted() {
        return all.stream()
                .distinct()
                .sorted(Comparator.comparing((Diagnostic d) -> d.span().source().name())
                        .thenComparingInt(d -> d.span().start())
                        .thenComparing(d -> d.code().id()))
                .toList();
    }

    public List<Diagnostic> all() {
        return List.copyOf(all);
    }
}
