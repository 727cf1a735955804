package dev.appl.language.diag;

import java.util.Arrays;

/**
 * The text of one spec file and the name it is reported under. Line and column numbers are computed
 * here, only when a diagnostic is printed, so that spans stay two integers.
 */
public final class Source {
    private final String name;
    private final String text;
    private int[] lineStarts;

    public Source(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /** The path as the user gave it (or a stdlib module's resource path). */
    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    /** 1-based line of a character offset. */
    public int line(int offset) {
        int[] starts = lineStarts();
        int i = Arrays.binarySearch(starts, Math.max(0, Math.min(offset, text.length())));
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** 1-based column (in UTF-16 units, as editors count) of a character offset. */
    public int column(int offset) {
        int clamped = Math.max(0, Math.min(offset, text.length()));
        return clamped - lineStarts()[line(clamped) - 1] + 1;
    }

    /** Offset of a 1-based line and column; clamped to the text. */
    public int offset(int line, int column) {
        int[] starts = lineStarts();
        int l = Math.max(1, Math.min(line, starts.length));
        return Math.min(text.length(), starts[l - 1] + Math.max(0, column - 1));
    }

    /** The text of a 1-based line without its line terminator. */
    public String lineText(int line) {
        int[] starts = lineStarts();
        if (line < 1 || line > starts.length) {
            return "";
        }
        int start = starts[line - 1];
        int end = line < starts.length ? starts[line] : text.length();
        while (end > start && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        return text.substring(start, end);
    }

    public int lineCount() {
        return lineStarts().length;
    }

    private int[] lineStarts() {
        if (lineStarts == null) {
            int count = 1;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    count++;
                }
            }
            int[] starts = new int[count];
            int n = 1;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    starts[n++] = i + 1;
                }
            }
            lineStarts = starts;
        }
        return lineStarts;
    }

    @Override
    public String toString() {
        return name;
    }
}
