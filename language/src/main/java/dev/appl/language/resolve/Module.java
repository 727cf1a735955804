package dev.appl.language.resolve;

import dev.appl.language.ast.Decl;
import dev.appl.language.diag.Source;
import dev.appl.language.syntax.ParseResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One loaded file. {@code declarations} are its own top-level names (what other modules can import);
 * {@code scope} adds what it imports.
 */
public final class Module {
    private final String name;
    private final Path file;
    private final ParseResult parse;
    final Map<String, Symbol> declarations = new LinkedHashMap<>();
    final Map<String, Symbol> scope = new LinkedHashMap<>();

    Module(String name, Path file, ParseResult parse) {
        this.name = name;
        this.file = file;
        this.parse = parse;
    }

    /** {@code std.net.ipv4} for the stdlib; the file name without extension otherwise. */
    public String name() {
        return name;
    }

    /** The file on disk, or null for a stdlib module read from the compiler's resources. */
    public Path file() {
        return file;
    }

    public Source source() {
        return parse.source();
    }

    public ParseResult parse() {
        return parse;
    }

    public java.util.List<Decl> decls() {
        return parse.unit().decls();
    }

    /** Every declaration in source order: top-level ones, each appliance followed by its members. */
    public java.util.List<Decl> allDeclarations() {
        java.util.List<Decl> all = new java.util.ArrayList<>();
        for (Decl d : decls()) {
            all.add(d);
            if (d instanceof Decl.Appliance a) {
                all.addAll(a.members());
            }
        }
        return all;
    }

    public Symbol lookup(String name) {
        return scope.get(name);
    }

    public Symbol declared(String name) {
        return declarations.get(name);
    }

    public Map<String, Symbol> scope() {
        return java.util.Collections.unmodifiableMap(scope);
    }

    @Override
    public String toString() {
        return name;
    }
}
