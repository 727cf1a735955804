package dev.appl.lsp;

import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.Diagnostic;
import org.eclipse.lsp4j.DocumentSymbol;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.TextEdit;

/** Protocol results as short text, so that tests compare whole results exactly and failures read well. */
final class Render {
    private Render() {}

    /** {@code 3:4-3:9}: 1-based line and column, as applc prints them. */
    static String range(Range r) {
        return (r.getStart().getLine() + 1) + ":" + (r.getStart().getCharacter() + 1) + "-"
                + (r.getEnd().getLine() + 1) + ":" + (r.getEnd().getCharacter() + 1);
    }

    static String diagnostic(Diagnostic d) {
        String related = d.getRelatedInformation() == null ? "" : d.getRelatedInformation().stream()
                .map(r -> " [" + file(r.getLocation().getUri()) + " " + range(r.getLocation().getRange()) + " "
                        + r.getMessage() + "]")
                .collect(Collectors.joining());
        return range(d.getRange()) + " " + d.getSeverity().name().toLowerCase() + " " + d.getCode().getLeft() + " "
                + d.getMessage() + related;
    }

    static List<String> diagnostics(List<Diagnostic> ds) {
        return ds.stream().map(Render::diagnostic).toList();
    }

    static String location(Location l) {
        return file(l.getUri()) + " " + range(l.getRange());
    }

    static String file(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    static String edit(TextEdit e) {
        return range(e.getRange()) + " " + e.getNewText().replace("\n", "\\n");
    }

    static List<String> labels(List<CompletionItem> items) {
        return items.stream().map(CompletionItem::getLabel).toList();
    }

    static String outline(List<DocumentSymbol> symbols, String indent) {
        StringBuilder out = new StringBuilder();
        for (DocumentSymbol s : symbols) {
            out.append(indent).append(s.getKind()).append(' ').append(s.getName()).append(' ')
                    .append(range(s.getSelectionRange())).append('\n');
            if (s.getChildren() != null) {
                out.append(outline(s.getChildren(), indent + "  "));
            }
        }
        return out.toString();
    }
}
