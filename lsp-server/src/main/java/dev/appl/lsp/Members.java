package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Name;
import dev.appl.language.ast.Stmt;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionItemKind;

/** The names completion offers: those in scope at a place, and the members of what a dotted name reaches. */
final class Members {
    private Members() {}

    /** Locals declared before the offset in the blocks around it, the appliance's members, the module's names. */
    static List<CompletionItem> inScope(Analysis analysis, Module module, int offset) {
        List<CompletionItem> out = new ArrayList<>();
        scope(analysis, module, offset).forEach((name, symbol) -> out.add(item(name, symbol)));
        return out;
    }

    static Map<String, Symbol> scope(Analysis analysis, Module module, int offset) {
        Semantics sem = analysis.result().semantics();
        Map<String, Symbol> names = new LinkedHashMap<>();
        Decl appliance = null;
        for (Decl top : module.decls()) {
            if (contains(top, offset)) {
                if (top instanceof Decl.Appliance a) {
                    appliance = a;
                    for (Decl m : a.members()) {
                        if (contains(m, offset)) {
                            locals(m, offset, sem, names);
                        }
                    }
                } else {
                    locals(top, offset, sem, names);
                }
            }
        }
        if (appliance instanceof Decl.Appliance a) {
            for (Decl m : a.members()) {
                if (!(m instanceof Decl.Handler) && !(m instanceof Decl.Test)) {
                    names.putIfAbsent(m.name().text(), new Symbol.DeclSymbol(m, module));
                }
            }
        }
        module.scope().forEach(names::putIfAbsent);
        return names;
    }

    private static boolean contains(Decl d, int offset) {
        return d.span().start() <= offset && offset <= d.span().end();
    }

    /** Parameters, the handler's buffer, and the lets and loop variables of enclosing blocks before the offset. */
    private static void locals(Decl decl, int offset, Semantics sem, Map<String, Symbol> out) {
        List<Decl.Param> params = switch (decl) {
            case Decl.Fn f -> f.params();
            case Decl.Action a -> a.params();
            case Decl.Table t -> t.params();
            case Decl.Parser p -> p.params();
            default -> List.of();
        };
        for (Decl.Param p : params) {
            local(p.name(), sem, out);
        }
        Stmt.Block body = switch (decl) {
            case Decl.Fn f -> f.body();
            case Decl.Action a -> a.body();
            case Decl.Handler h -> {
                if (h.binding() != null) {
                    local(h.binding(), sem, out);
                }
                yield h.body();
            }
            default -> null;
        };
        if (decl instanceof Decl.Test t) {
            for (Decl.TestStmt s : t.statements()) {
                if (s instanceof Decl.TestLet l && l.span().end() <= offset) {
                    local(l.name(), sem, out);
                }
            }
        }
        if (body != null) {
            block(body, offset, sem, out);
        }
    }

    private static void block(Stmt.Block block, int offset, Semantics sem, Map<String, Symbol> out) {
        if (block == null || offset < block.span().start() || offset > block.span().end()) {
            return;
        }
        for (Stmt s : block.statements()) {
            if (s.span().start() >= offset) {
                break;
            }
            boolean inside = offset <= s.span().end();
            switch (s) {
                case Stmt.Let l -> {
                    if (!inside) {
                        local(l.name(), sem, out);
                    } else {
                        block(l.orElse(), offset, sem, out);
                    }
                }
                case Stmt.If i when inside -> {
                    block(i.then(), offset, sem, out);
                    block(i.orElse(), offset, sem, out);
                }
                case Stmt.Match m when inside -> m.arms().forEach(a -> block(a.body(), offset, sem, out));
                case Stmt.For f when inside -> {
                    local(f.variable(), sem, out);
                    block(f.body(), offset, sem, out);
                }
                default -> {}
            }
        }
    }

    private static void local(Name name, Semantics sem, Map<String, Symbol> out) {
        if (sem.referenceOf(name) instanceof Symbol.Local l) {
            out.put(name.text(), l);
        }
    }

    /** The members of what the dotted names before the caret reach. */
    static List<CompletionItem> after(Analysis analysis, Module module, List<String> chain, int offset) {
        if (chain.isEmpty()) {
            return List.of();
        }
        Symbol current = scope(analysis, module, offset).get(chain.getFirst());
        Type type = current == null ? null : Occurrences.typeOf(current, analysis.result().semantics());
        for (String segment : chain.subList(1, chain.size())) {
            Map<String, Member> members = members(current, type, analysis);
            Member next = members.get(segment);
            if (next == null) {
                return List.of();
            }
            current = next.symbol();
            type = next.type();
        }
        List<CompletionItem> out = new ArrayList<>();
        members(current, type, analysis).forEach((name, m) -> {
            CompletionItem item = new CompletionItem(name);
            item.setKind(m.kind());
            item.setDetail(m.type() != null ? m.type().display() : m.detail());
            out.add(item);
        });
        return out;
    }

    private record Member(Symbol symbol, Type type, CompletionItemKind kind, String detail) {}

    private static Map<String, Member> members(Symbol symbol, Type type, Analysis analysis) {
        Semantics sem = analysis.result().semantics();
        Map<String, Member> out = new LinkedHashMap<>();
        if (symbol instanceof Symbol.ModuleSymbol m) {
            for (Decl d : m.module().decls()) {
                Symbol s = new Symbol.DeclSymbol(d, m.module());
                out.put(d.name().text(), new Member(s, null, kind(s), Describe.signature(d)));
            }
            return out;
        }
        if (symbol instanceof Symbol.DeclSymbol d) {
            switch (d.decl()) {
                case Decl.Enum e -> {
                    for (Decl.EnumCase c : e.cases()) {
                        out.put(c.name().text(), new Member(new Symbol.EnumCase(e, c), sem.typeOf(e),
                                CompletionItemKind.EnumMember, null));
                    }
                    return out;
                }
                case Decl.Table t -> {
                    method(out, "insert", "add an entry: keys, then the action");
                    method(out, "remove", "remove the entry with these keys");
                    method(out, "clear", "remove every entry added at run time");
                    return out;
                }
                case Decl.MapDecl m -> {
                    method(out, "get", "the value of a key, with `else` when there is none");
                    method(out, "put", "set a key's value");
                    method(out, "remove", "remove a key");
                    method(out, "contains", "whether a key is present");
                    method(out, "size", "the number of entries");
                    return out;
                }
                case Decl.Store s -> {
                    List<String> methods = switch (s.kind().text()) {
                        case "blocks" -> List.of("read", "write", "flush", "trim", "zero", "size");
                        case "log" -> List.of("append", "read", "flush", "size");
                        case "kv" -> List.of("get", "put", "remove", "contains", "flush", "size");
                        default -> List.of();
                    };
                    methods.forEach(name -> method(out, name, s.kind().text() + " store"));
                    return out;
                }
                default -> {}
            }
        }
        if (type == null) {
            return out;
        }
        switch (type) {
            case Type.Header h -> {
                var layout = sem.layoutOf(h.decl());
                for (Decl.HeaderField f : h.decl().fields()) {
                    Type ft = layout != null && layout.field(f.name().text()) != null
                            ? layout.field(f.name().text()).type() : sem.typeOf(f.type());
                    out.put(f.name().text(), new Member(new Symbol.Field(f.name(), ft), ft, CompletionItemKind.Field, null));
                }
                if (symbol instanceof Symbol.Field) {
                    out.putIfAbsent("valid", new Member(null, Type.BOOL, CompletionItemKind.Property, null));
                }
            }
            case Type.Struct s -> {
                for (Decl.StructField f : s.decl().fields()) {
                    Type ft = sem.typeOf(f.type());
                    out.put(f.name().text(), new Member(new Symbol.Field(f.name(), ft), ft, CompletionItemKind.Field, null));
                }
            }
            case Type.Parsed p -> {
                for (var n : Describe.extracts(p.decl())) {
                    Decl.Extract x = (Decl.Extract) n;
                    Type xt = sem.typeOf(x.type());
                    out.putIfAbsent(x.name().text(), new Member(new Symbol.Field(x.name(), xt), xt, CompletionItemKind.Field, null));
                }
                out.put("payload", new Member(null, Type.BYTES, CompletionItemKind.Field, null));
            }
            case Type.Bytes b -> out.put("len", new Member(null, null, CompletionItemKind.Property, "u32"));
            case Type.Buffer b -> out.put("len", new Member(null, null, CompletionItemKind.Property, "u32"));
            default -> {}
        }
        return out;
    }

    private static void method(Map<String, Member> out, String name, String detail) {
        out.put(name, new Member(null, null, CompletionItemKind.Method, detail));
    }

    static CompletionItem item(String name, Symbol symbol) {
        CompletionItem item = new CompletionItem(name);
        item.setKind(kind(symbol));
        item.setDetail(switch (symbol) {
            case Symbol.DeclSymbol d -> Describe.signature(d.decl());
            case Symbol.Local l -> l.type().display();
            case Symbol.ModuleSymbol m -> "module " + m.module().name();
            default -> null;
        });
        return item;
    }

    static CompletionItemKind kind(Symbol symbol) {
        return switch (symbol) {
            case Symbol.DeclSymbol d -> switch (d.decl()) {
                case Decl.Const c -> CompletionItemKind.Constant;
                case Decl.Enum e -> CompletionItemKind.Enum;
                case Decl.Header h -> CompletionItemKind.Struct;
                case Decl.Struct s -> CompletionItemKind.Struct;
                case Decl.Fn f -> CompletionItemKind.Function;
                case Decl.Parser p -> CompletionItemKind.Class;
                case Decl.Appliance a -> CompletionItemKind.Module;
                case Decl.ParamDecl p -> CompletionItemKind.Constant;
                case Decl.Port p -> CompletionItemKind.Interface;
                case Decl.Action a -> CompletionItemKind.Method;
                case Decl.Table t -> CompletionItemKind.Function;
                case Decl.Timer t -> CompletionItemKind.Event;
                default -> CompletionItemKind.Variable;
            };
            case Symbol.Local l -> CompletionItemKind.Variable;
            case Symbol.Field f -> CompletionItemKind.Field;
            case Symbol.EnumCase c -> CompletionItemKind.EnumMember;
            case Symbol.ModuleSymbol m -> CompletionItemKind.Module;
        };
    }
}
