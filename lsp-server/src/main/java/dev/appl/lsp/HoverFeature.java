package dev.appl.lsp;

import dev.appl.language.ast.Expr;
import dev.appl.language.resolve.Module;
import dev.appl.language.types.Type;
import org.eclipse.lsp4j.Hover;
import org.eclipse.lsp4j.MarkupContent;
import org.eclipse.lsp4j.MarkupKind;
import org.eclipse.lsp4j.Position;

/**
 * Hover: over a name, what it names (its declaration, type, doc comment; a header's wire layout,
 * a table's keys, a field's offsets); over any other expression, its type.
 */
final class HoverFeature {
    private HoverFeature() {}

    static Hover hover(Analysis analysis, Module module, Position position) {
        if (module == null) {
            return null;
        }
        int offset = Positions.offset(module.source(), position);
        Occurrences.Occurrence o = analysis.occurrences(module).at(offset);
        if (o != null) {
            return markdown(Describe.hover(o.symbol(), analysis), o.span());
        }
        Expr e = innermostTyped(analysis, module, offset);
        if (e == null) {
            return null;
        }
        return markdown("```appl\n" + analysis.result().semantics().typeOf(e).display() + "\n```", e.span());
    }

    /** The smallest expression around the offset that has a type worth showing. */
    static Expr innermostTyped(Analysis analysis, Module module, int offset) {
        Expr[] best = {null};
        Nodes.walk(module.parse().unit(), n -> {
            if (n instanceof Expr e && e.span().start() <= offset && offset < e.span().end()) {
                Type t = analysis.result().semantics().typeOf(e);
                if (!(t instanceof Type.Error) && !(t instanceof Type.Void)
                        && (best[0] == null || e.span().end() - e.span().start() <= best[0].span().end() - best[0].span().start())) {
                    best[0] = e;
                }
            }
        });
        return best[0];
    }

    private static Hover markdown(String text, dev.appl.language.diag.Span span) {
        return new Hover(new MarkupContent(MarkupKind.MARKDOWN, text), Positions.range(span));
    }
}
