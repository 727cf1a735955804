package dev.appl.lsp;

import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.format.Formatter;
import dev.appl.language.syntax.ParseResult;
import dev.appl.language.syntax.Parsing;
import java.util.List;
import org.eclipse.lsp4j.TextEdit;

/** Formatting with {@code applc fmt}'s formatter; a document with syntax errors is left as it is, as fmt does. */
final class Formatting {
    private Formatting() {}

    static List<TextEdit> format(Document doc) {
        Source source = new Source(doc.path().toString(), doc.text());
        ParseResult parse = Parsing.parse(source, new Diagnostics());
        if (parse.hasSyntaxErrors() || parse.tree() == null) {
            return List.of();
        }
        String formatted = Formatter.format(parse.tree(), parse.tokens());
        if (formatted.equals(doc.text())) {
            return List.of();
        }
        return List.of(new TextEdit(Positions.range(source, 0, doc.text().length()), formatted));
    }
}
