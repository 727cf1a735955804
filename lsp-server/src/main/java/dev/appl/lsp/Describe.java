package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Name;
import dev.appl.language.ast.Node;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.types.HeaderLayout;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import java.util.stream.Collectors;

/** How the editor shows a symbol: a one-line signature, and for hover the details and the doc comment. */
final class Describe {
    private static final int MAX_SIGNATURE = 160;

    private Describe() {}

    /** The declaration as written up to its body, on one line: {@code fn checksum(data: bytes) -> u16}. */
    static String signature(Decl decl) {
        String text = decl.span().text();
        int body = switch (decl) {
            case Decl.Const c -> -1;
            case Decl.ParamDecl p -> -1;
            case Decl.Port p -> -1;
            case Decl.Counter c -> -1;
            case Decl.MapDecl m -> -1;
            case Decl.Timer t -> -1;
            case Decl.Store s -> -1;
            case Decl.SessionVar v -> -1;
            case Decl.Phase p -> -1;
            default -> text.indexOf('{');
        };
        String head = body >= 0 ? text.substring(0, body) : text;
        head = head.replaceAll("//[^\n]*", " ").replaceAll("\\s+", " ").strip();
        return head.length() > MAX_SIGNATURE ? head.substring(0, MAX_SIGNATURE) + " ..." : head;
    }

    /** Markdown for hover over a symbol. */
    static String hover(Symbol symbol, Analysis analysis) {
        Semantics sem = analysis.result().semantics();
        StringBuilder out = new StringBuilder();
        switch (symbol) {
            case Symbol.DeclSymbol(Decl decl, Module module) -> {
                code(out, signature(decl));
                out.append("*").append(symbol.describe()).append(" in `").append(module.name()).append("`*\n");
                details(out, decl, sem);
                doc(out, decl.doc());
            }
            case Symbol.Local local -> {
                code(out, (local.mutable() ? "var " : "") + local.name() + ": " + local.type().display());
                out.append("*").append(local.describe()).append("*\n");
            }
            case Symbol.Field field -> {
                code(out, field.name() + ": " + field.type().display());
                HeaderLayout.FieldLayout at = layoutOf(field.declaration(), sem);
                out.append("*field*");
                if (at != null) {
                    out.append(" of `").append(headerOf(field.declaration(), sem).name().text()).append("`: ")
                            .append(position(at));
                }
                out.append('\n');
                doc(out, fieldDoc(field.declaration(), analysis));
            }
            case Symbol.EnumCase(Decl.Enum owner, Decl.EnumCase c) -> {
                code(out, owner.name().text() + "." + c.name().text()
                        + (c.value() != null ? " = " + c.value().span().text() : ""));
                out.append("*enum case*\n");
                doc(out, c.doc());
            }
            case Symbol.ModuleSymbol m -> {
                code(out, "module " + m.module().name());
                out.append("*module*\n");
            }
        }
        return out.toString().strip();
    }

    /** {@code byte 9, bits 72–79}: where a field sits, counted from the start of its header. */
    static String position(HeaderLayout.FieldLayout f) {
        if (f.isTrailingBytes()) {
            return "from byte " + f.byteOffset() + " to the end";
        }
        int last = f.bitOffset() + f.bitWidth() - 1;
        return "byte " + f.byteOffset() + ", " + (f.bitWidth() == 1 ? "bit " + f.bitOffset()
                : "bits " + f.bitOffset() + "–" + last);
    }

    static HeaderLayout.FieldLayout layoutOf(Name field, Semantics sem) {
        for (HeaderLayout layout : sem.layouts().values()) {
            for (HeaderLayout.FieldLayout f : layout.fields()) {
                if (f.field().name() == field) {
                    return f;
                }
            }
        }
        return null;
    }

    private static Decl.Header headerOf(Name field, Semantics sem) {
        for (HeaderLayout layout : sem.layouts().values()) {
            for (HeaderLayout.FieldLayout f : layout.fields()) {
                if (f.field().name() == field) {
                    return layout.header();
                }
            }
        }
        return null;
    }

    private static String fieldDoc(Name field, Analysis analysis) {
        for (Module m : analysis.modules()) {
            if (m.source() != field.span().source()) {
                continue;
            }
            for (Decl d : m.allDeclarations()) {
                if (d instanceof Decl.Header h) {
                    for (Decl.HeaderField f : h.fields()) {
                        if (f.name() == field) {
                            return f.doc();
                        }
                    }
                } else if (d instanceof Decl.Struct s) {
                    for (Decl.StructField f : s.fields()) {
                        if (f.name() == field) {
                            return f.doc();
                        }
                    }
                }
            }
        }
        return "";
    }

    private static void details(StringBuilder out, Decl decl, Semantics sem) {
        switch (decl) {
            case Decl.Header h -> {
                HeaderLayout layout = sem.layoutOf(h);
                if (layout == null) {
                    return;
                }
                out.append("\n").append(layout.fixedBytes()).append(" bytes")
                        .append(layout.fields().stream().anyMatch(HeaderLayout.FieldLayout::isTrailingBytes)
                                ? " and a trailing `bytes` field" : "")
                        .append(" on the wire:\n\n| field | type | byte | bits |\n| --- | --- | --- | --- |\n");
                for (HeaderLayout.FieldLayout f : layout.fields()) {
                    String bits = f.isTrailingBytes() ? "rest"
                            : f.bitWidth() == 1 ? String.valueOf(f.bitOffset())
                            : f.bitOffset() + "–" + (f.bitOffset() + f.bitWidth() - 1);
                    out.append("| `").append(f.field().name().text()).append("` | `")
                            .append(f.isTrailingBytes() ? "bytes" : f.type().display()).append(f.littleEndian() ? " le" : "")
                            .append("` | ").append(f.byteOffset()).append(" | ").append(bits).append(" |\n");
                }
            }
            case Decl.Table t -> {
                if (!t.keys().isEmpty()) {
                    out.append("\nkeys:\n");
                    for (Decl.TableKey k : t.keys()) {
                        out.append("- `").append(k.expr().span().text()).append("`: ")
                                .append(k.matchKind().text()).append('\n');
                    }
                }
                if (!t.actions().isEmpty()) {
                    out.append("\nactions: ").append(t.actions().stream().map(a -> "`" + a.text() + "`")
                            .collect(Collectors.joining(", "))).append('\n');
                }
                if (t.defaultAction() != null) {
                    out.append("\ndefault: `").append(t.defaultAction().span().text()).append("`\n");
                }
                if (t.size() != null) {
                    out.append("\nsize: ").append(t.size().span().text()).append('\n');
                }
                if (t.constEntries()) {
                    out.append("\nconst entries: read-only\n");
                }
            }
            case Decl.Enum e -> {
                out.append('\n');
                for (Decl.EnumCase c : e.cases()) {
                    out.append("- `").append(c.name().text())
                            .append(c.value() != null ? " = " + c.value().span().text() : "").append("`\n");
                }
            }
            case Decl.Struct s -> {
                out.append('\n');
                for (Decl.StructField f : s.fields()) {
                    out.append("- `").append(f.name().text()).append(": ").append(f.type().span().text()).append("`\n");
                }
            }
            case Decl.Parser p -> {
                out.append("\nextracts:\n");
                for (Node n : extracts(p)) {
                    Decl.Extract x = (Decl.Extract) n;
                    out.append("- `").append(x.name().text()).append(": ").append(x.type().span().text()).append("`\n");
                }
            }
            default -> {
                Type t = sem.typeOf(decl);
                if (decl instanceof Decl.Const && !(t instanceof Type.Error)) {
                    out.append("\ntype `").append(t.display()).append("`\n");
                }
            }
        }
    }

    static java.util.List<Node> extracts(Decl.Parser p) {
        java.util.List<Node> out = new java.util.ArrayList<>();
        if (p.start() != null) {
            out.addAll(p.start().extracts());
        }
        for (Decl.ParserState s : p.states()) {
            out.addAll(s.extracts());
        }
        return out;
    }

    private static void code(StringBuilder out, String code) {
        out.append("```appl\n").append(code).append("\n```\n");
    }

    private static void doc(StringBuilder out, String doc) {
        if (doc != null && !doc.isBlank()) {
            out.append("\n").append(doc.strip()).append('\n');
        }
    }
}
