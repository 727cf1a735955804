package dev.appl.lsp;

import dev.appl.language.ast.CompilationUnit;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Node;
import dev.appl.language.ast.TypeRef;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every place in one module where a name is declared or used, with what it names. Hover,
 * definition, references, rename and semantic tokens all start here.
 *
 * <p>Two symbols are the same thing when they are declared at the same place: the checker may
 * describe one declaration twice (an extracted header is a local inside its parser and a field of
 * the parser's result outside it), and {@link #key} makes both one.
 */
final class Occurrences {
    /** A name at {@code span} that refers to {@code symbol}; {@code declaration} when it declares it. */
    record Occurrence(Span span, Symbol symbol, boolean declaration) {
        Span key() {
            return Occurrences.key(symbol);
        }
    }

    private final List<Occurrence> all;

    private Occurrences(List<Occurrence> all) {
        this.all = all;
    }

    /** What identifies a symbol across the checker's records of it: where it is declared (null for built-ins). */
    static Span key(Symbol symbol) {
        return symbol == null ? null : symbol.declaredAt();
    }

    List<Occurrence> all() {
        return all;
    }

    /** The occurrence whose name holds the offset, or ends at it (where editors put the caret after typing). */
    Occurrence at(int offset) {
        Occurrence touching = null;
        for (Occurrence o : all) {
            if (o.span().start() <= offset && offset < o.span().end()) {
                return o;
            }
            if (o.span().end() == offset) {
                touching = o;
            }
        }
        return touching;
    }

    static Occurrences of(Module module, Semantics semantics) {
        List<Occurrence> found = new ArrayList<>();
        for (Map.Entry<Node, Symbol> e : semantics.references().entrySet()) {
            Node node = e.getKey();
            if (e.getValue() == null || node.span().source() != module.source()) {
                continue;
            }
            Span at = nameSpan(node);
            found.add(new Occurrence(at, e.getValue(), at.equals(e.getValue().declaredAt())));
        }
        declarations(module, semantics, found);
        imports(module, found);
        // One occurrence per place: the checker records a dotted name both as the expression and as its last name.
        Set<Long> seen = new HashSet<>();
        List<Occurrence> unique = new ArrayList<>();
        found.sort(Comparator.comparingInt((Occurrence o) -> o.span().start())
                .thenComparing(o -> !o.declaration()));
        for (Occurrence o : found) {
            if (o.span().end() > o.span().start() && seen.add(((long) o.span().start() << 32) | o.span().end())) {
                unique.add(o);
            }
        }
        return new Occurrences(List.copyOf(unique));
    }

    /** The name within a referring node: the last name of a dotted one. */
    private static Span nameSpan(Node node) {
        return switch (node) {
            case Expr.NameRef n -> n.name().span();
            case Expr.Field f -> f.field().span();
            case TypeRef.Named n -> n.path().getLast().span();
            default -> node.span();
        };
    }

    private static void declarations(Module module, Semantics semantics, List<Occurrence> found) {
        for (Decl decl : module.allDeclarations()) {
            // A session is named by its port, which the checker records as a reference to the port;
            // its variables and phases are recorded as references to themselves.
            if (decl instanceof Decl.Handler || decl instanceof Decl.Test || decl instanceof Decl.Session) {
                continue;
            }
            found.add(new Occurrence(decl.name().span(), new Symbol.DeclSymbol(decl, module), true));
            switch (decl) {
                case Decl.Enum e -> e.cases().forEach(c ->
                        found.add(new Occurrence(c.name().span(), new Symbol.EnumCase(e, c), true)));
                case Decl.Header h -> h.fields().forEach(f -> found.add(new Occurrence(f.name().span(),
                        new Symbol.Field(f.name(), semantics.typeOf(f.type())), true)));
                case Decl.Struct s -> s.fields().forEach(f -> found.add(new Occurrence(f.name().span(),
                        new Symbol.Field(f.name(), semantics.typeOf(f.type())), true)));
                default -> {}
            }
        }
    }

    /** {@code import m.{X as Y}}: X names m's declaration; the module path's last name names the module. */
    private static void imports(Module module, List<Occurrence> found) {
        for (CompilationUnit.Import imp : module.parse().unit().imports()) {
            if (imp.importsModule()) {
                Symbol s = module.lookup(imp.boundName().text());
                if (s instanceof Symbol.ModuleSymbol) {
                    found.add(new Occurrence(imp.boundName().span(), s, true));
                }
                continue;
            }
            for (CompilationUnit.ImportItem item : imp.items()) {
                Symbol s = module.lookup(item.boundName().text());
                if (s instanceof Symbol.DeclSymbol d && d.name().equals(item.name().text())) {
                    found.add(new Occurrence(item.name().span(), s, false));
                    if (item.alias() != null) {
                        found.add(new Occurrence(item.alias().span(), s, false));
                    }
                }
            }
        }
    }

    /** The type a symbol stands for or holds, for hover; null when it has none. */
    static Type typeOf(Symbol symbol, Semantics semantics) {
        return switch (symbol) {
            case Symbol.Local l -> l.type();
            case Symbol.Field f -> f.type();
            case Symbol.DeclSymbol d -> semantics.typeOf(d.decl());
            default -> null;
        };
    }
}
