package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Name;
import dev.appl.language.resolve.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.lsp4j.DocumentSymbol;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.SymbolKind;
import org.eclipse.lsp4j.WorkspaceSymbol;
import org.eclipse.lsp4j.jsonrpc.messages.Either;

/** The outline of a document, and the declarations of the whole workspace searched by name. */
final class Symbols {
    private Symbols() {}

    static List<DocumentSymbol> outline(Module module) {
        List<DocumentSymbol> out = new ArrayList<>();
        if (module == null) {
            return out;
        }
        for (Decl d : module.decls()) {
            out.add(symbol(d));
        }
        return out;
    }

    private static DocumentSymbol symbol(Decl decl) {
        DocumentSymbol s = new DocumentSymbol(label(decl), kind(decl), Positions.range(decl.span()),
                Positions.range(selection(decl)), Describe.signature(decl));
        List<DocumentSymbol> children = new ArrayList<>();
        switch (decl) {
            case Decl.Appliance a -> a.members().forEach(m -> children.add(symbol(m)));
            case Decl.Header h -> h.fields().forEach(f -> children.add(leaf(f.name(), SymbolKind.Field, f.span(),
                    f.type().span().text())));
            case Decl.Struct st -> st.fields().forEach(f -> children.add(leaf(f.name(), SymbolKind.Field, f.span(),
                    f.type().span().text())));
            case Decl.Enum e -> e.cases().forEach(c -> children.add(leaf(c.name(), SymbolKind.EnumMember, c.span(),
                    c.value() == null ? null : c.value().span().text())));
            case Decl.Parser p -> p.states().forEach(st -> children.add(leaf(st.name(), SymbolKind.Method, st.span(), null)));
            case Decl.Session se -> {
                se.vars().forEach(v -> children.add(symbol(v)));
                se.phases().forEach(p -> children.add(symbol(p)));
            }
            default -> {}
        }
        if (!children.isEmpty()) {
            s.setChildren(children);
        }
        return s;
    }

    private static DocumentSymbol leaf(Name name, SymbolKind kind, dev.appl.language.diag.Span span, String detail) {
        dev.appl.language.diag.Span range = span.to(name.span());
        return new DocumentSymbol(name.text().isEmpty() ? "?" : name.text(), kind, Positions.range(range),
                Positions.range(name.span()), detail);
    }

    private static String label(Decl decl) {
        String text = switch (decl) {
            case Decl.Handler h -> "on " + h.event().text() + (h.source() != null ? " from " + h.source().text() : "");
            case Decl.Test t -> "test \"" + t.title().value() + "\"";
            case Decl.Session s -> "session on " + s.port().text();
            default -> decl.name().text();
        };
        return text.isBlank() ? "?" : text;
    }

    private static dev.appl.language.diag.Span selection(Decl decl) {
        dev.appl.language.diag.Span name = decl.name().span();
        // The selection must lie inside the range; recovery can leave a name outside its declaration.
        return decl.span().start() <= name.start() && name.end() <= decl.span().end() ? name : decl.span();
    }

    static SymbolKind kind(Decl decl) {
        return switch (decl) {
            case Decl.Const c -> SymbolKind.Constant;
            case Decl.Enum e -> SymbolKind.Enum;
            case Decl.Header h -> SymbolKind.Struct;
            case Decl.Struct s -> SymbolKind.Struct;
            case Decl.Fn f -> SymbolKind.Function;
            case Decl.Parser p -> SymbolKind.Class;
            case Decl.Appliance a -> SymbolKind.Module;
            case Decl.ParamDecl p -> SymbolKind.Property;
            case Decl.Port p -> SymbolKind.Interface;
            case Decl.Session s -> SymbolKind.Namespace;
            case Decl.SessionVar v -> SymbolKind.Variable;
            case Decl.Phase p -> SymbolKind.EnumMember;
            case Decl.Counter c -> SymbolKind.Variable;
            case Decl.MapDecl m -> SymbolKind.Object;
            case Decl.Timer t -> SymbolKind.Event;
            case Decl.Store s -> SymbolKind.File;
            case Decl.Action a -> SymbolKind.Method;
            case Decl.Table t -> SymbolKind.Array;
            case Decl.Handler h -> SymbolKind.Event;
            case Decl.Test t -> SymbolKind.Method;
        };
    }

    /** Declarations whose name contains the query's letters in order, ignoring case; stdlib included. */
    static List<WorkspaceSymbol> search(Workspace workspace, String query) {
        Analysis all = workspace.everything();
        String q = query == null ? "" : query.toLowerCase(Locale.ROOT);
        List<WorkspaceSymbol> out = new ArrayList<>();
        for (Module m : all.modules()) {
            if (m.file() == null) {
                continue;
            }
            for (Decl top : m.decls()) {
                add(out, top, m.name(), q, m, workspace);
                if (top instanceof Decl.Appliance a) {
                    for (Decl member : a.members()) {
                        if (!(member instanceof Decl.Handler) && !(member instanceof Decl.Test)) {
                            add(out, member, a.name().text(), q, m, workspace);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void add(List<WorkspaceSymbol> out, Decl decl, String container, String query, Module m,
            Workspace workspace) {
        String name = decl.name().text();
        if (!matches(name.toLowerCase(Locale.ROOT), query)) {
            return;
        }
        Location at = new Location(workspace.uriOf(m.file()), Positions.range(decl.name().span()));
        WorkspaceSymbol s = new WorkspaceSymbol(name, kind(decl), Either.forLeft(at));
        s.setContainerName(container);
        out.add(s);
    }

    static boolean matches(String name, String query) {
        int i = 0;
        for (int j = 0; j < name.length() && i < query.length(); j++) {
            if (name.charAt(j) == query.charAt(i)) {
                i++;
            }
        }
        return i == query.length();
    }
}
