package dev.appl.language.ast;

import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import java.util.List;

/** One parsed file: a module. */
public record CompilationUnit(Source source, List<Import> imports, List<Decl> decls, Span span) implements Node {
    /**
     * {@code import std.net.ipv4.{Ipv4, IpProto as Proto}} has items; {@code import std.net.ipv4 as v4}
     * has none and binds the module itself under {@code alias} (or its last path segment).
     */
    public record Import(List<Name> path, List<ImportItem> items, Name alias, Span span) implements Node {
        public String modulePath() {
            return Name.join(path);
        }

        public boolean importsModule() {
            return items.isEmpty();
        }

        public Name boundName() {
            return alias != null ? alias : path.getLast();
        }
    }

    public record ImportItem(Name name, Name alias, Span span) implements Node {
        public Name boundName() {
            return alias != null ? alias : name;
        }
    }
}
