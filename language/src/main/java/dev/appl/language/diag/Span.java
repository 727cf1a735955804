package dev.appl.language.diag;

/**
 * A range of characters in a source: {@code start} inclusive, {@code end} exclusive. Every syntax
 * node and every diagnostic carries one.
 */
public record Span(Source source, int start, int end) {
    public Span {
        if (end < start) {
            end = start;
        }
    }

    /** The smallest span covering both. */
    public Span to(Span other) {
        return new Span(source, Math.min(start, other.start), Math.max(end, other.end));
    }

    public boolean contains(int offset) {
        return offset >= start && offset <= end;
    }

    public int startLine() {
        return source.line(start);
    }

    public int startColumn() {
        return source.column(start);
    }

    public int endLine() {
        return source.line(end);
    }

    public int endColumn() {
        return source.column(end);
    }

    public String text() {
        return source.text().substring(Math.min(start, source.text().length()), Math.min(end, source.text().length()));
    }

    @Override
    public String toString() {
        return source.name() + ":" + startLine() + ":" + startColumn();
    }
}
