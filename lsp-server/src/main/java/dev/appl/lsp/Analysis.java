package dev.appl.lsp;

import dev.appl.language.Compilation;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One checked program as the editor sees it: the modules a compilation loaded (a document and
 * what it imports, or every spec of the workspace), with what the checker found. Immutable once
 * made; {@link #occurrences} are computed on first use.
 */
final class Analysis {
    private final Compilation.Result result;
    private final Map<Source, Module> bySource = new IdentityHashMap<>();
    private final Map<String, Module> byName = new java.util.HashMap<>();
    private final Map<Module, Occurrences> occurrences = new IdentityHashMap<>();

    Analysis(Compilation.Result result) {
        this.result = result;
        for (Module m : result.modules()) {
            bySource.put(m.source(), m);
            byName.putIfAbsent(m.source().name(), m);
        }
    }

    Compilation.Result result() {
        return result;
    }

    List<Module> modules() {
        return result.modules();
    }

    /** The module a span lies in (a diagnostic about undecodable bytes has a source of its own, with the same name). */
    Module moduleOf(Source source) {
        Module m = bySource.get(source);
        return m != null ? m : byName.get(source.name());
    }

    Module moduleAt(Path file) {
        for (Module m : result.modules()) {
            if (file.equals(m.file())) {
                return m;
            }
        }
        return null;
    }

    /** The file of a span, or null for a module that has none. */
    Path fileOf(Span span) {
        Module m = moduleOf(span.source());
        return m == null ? null : m.file();
    }

    Set<Path> files() {
        return result.modules().stream().map(Module::file).filter(java.util.Objects::nonNull).collect(Collectors.toSet());
    }

    synchronized Occurrences occurrences(Module module) {
        return occurrences.computeIfAbsent(module, m -> Occurrences.of(m, result.semantics()));
    }

    /** Every occurrence, in every module, of the symbol declared at {@code key}. */
    List<Located> occurrencesOf(Span key) {
        List<Located> out = new java.util.ArrayList<>();
        for (Module m : result.modules()) {
            for (Occurrences.Occurrence o : occurrences(m).all()) {
                if (key.equals(o.key())) {
                    out.add(new Located(m, o));
                }
            }
        }
        return out;
    }

    record Located(Module module, Occurrences.Occurrence occurrence) {}
}
