package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Name;
import dev.appl.language.ast.Stmt;
import dev.appl.language.diag.Source;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.types.HeaderLayout;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.lsp4j.InlayHint;
import org.eclipse.lsp4j.InlayHintKind;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.jsonrpc.messages.Either;

/**
 * Inlay hints: where each header field sits on the wire ({@code byte 9, bits 72–79}), and the
 * type the checker inferred for a {@code let}, {@code var} or loop variable written without one.
 */
final class InlayHints {
    private InlayHints() {}

    static List<InlayHint> hints(Analysis analysis, Module module, Range range) {
        List<InlayHint> out = new ArrayList<>();
        if (module == null) {
            return out;
        }
        Source source = module.source();
        int from = range == null ? 0 : Positions.offset(source, range.getStart());
        int to = range == null ? source.text().length() : Positions.offset(source, range.getEnd());
        var sem = analysis.result().semantics();
        Nodes.walk(module.parse().unit(), n -> {
            if (n.span().end() < from || n.span().start() > to) {
                return;
            }
            switch (n) {
                case Decl.Header h -> {
                    HeaderLayout layout = sem.layoutOf(h);
                    if (layout != null) {
                        for (HeaderLayout.FieldLayout f : layout.fields()) {
                            int at = f.field().span().end();
                            if (from <= at && at <= to) {
                                out.add(hint(source, at, Describe.position(f), null, true));
                            }
                        }
                    }
                }
                case Stmt.Let l when l.type() == null -> typeHint(out, source, l.name(), sem.referenceOf(l.name()));
                case Decl.TestLet l when l.type() == null -> typeHint(out, source, l.name(), sem.referenceOf(l.name()));
                case Stmt.For f -> typeHint(out, source, f.variable(), sem.referenceOf(f.variable()));
                default -> {}
            }
        });
        out.sort(java.util.Comparator.comparing((InlayHint h) -> h.getPosition().getLine())
                .thenComparing(h -> h.getPosition().getCharacter()));
        return out;
    }

    private static void typeHint(List<InlayHint> out, Source source, Name name, Symbol symbol) {
        if (symbol instanceof Symbol.Local l && !(l.type() instanceof Type.Error) && name.span().end() > name.span().start()) {
            out.add(hint(source, name.span().end(), ": " + l.type().display(), InlayHintKind.Type, false));
        }
    }

    private static InlayHint hint(Source source, int offset, String label, InlayHintKind kind, boolean paddingLeft) {
        InlayHint h = new InlayHint(Positions.position(source, offset), Either.forLeft(label));
        if (kind != null) {
            h.setKind(kind);
        }
        if (paddingLeft) {
            h.setPaddingLeft(true);
        }
        return h;
    }
}
