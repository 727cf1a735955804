package dev.appl.lsp;

import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.Range;

/**
 * LSP positions (0-based lines and UTF-16 columns) to and from offsets in a {@link Source}
 * (1-based lines and columns, also in UTF-16 units).
 */
final class Positions {
    private Positions() {}

    /** The offset of a position, clamped to its line and to the text. */
    static int offset(Source source, Position p) {
        int line = Math.max(0, p.getLine()) + 1;
        if (line > source.lineCount()) {
            return source.text().length();
        }
        int start = source.offset(line, 1);
        return start + Math.min(Math.max(0, p.getCharacter()), source.lineText(line).length());
    }

    static Position position(Source source, int offset) {
        return new Position(source.line(offset) - 1, source.column(offset) - 1);
    }

    static Range range(Span span) {
        return new Range(position(span.source(), span.start()), position(span.source(), span.end()));
    }

    static Range range(Source source, int start, int end) {
        return new Range(position(source, start), position(source, end));
    }
}
