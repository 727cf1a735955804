package dev.appl.lsp;

import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.format.Formatter;
import dev.appl.language.syntax.ParseResult;
import dev.appl.language.syntax.Parsing;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.TextEdit;

/**
 * Formatting with {@code applc fmt}'s formatter; a document with syntax errors is left as it is, as
 * fmt does. A range is formatted by formatting the whole document and keeping the changes, line
 * by line, that touch the range's lines: the formatter's layout depends on what surrounds a line.
 */
final class Formatting {
    /** Beyond this many differing lines on either side, lines are not matched up one by one. */
    private static final int MAX_DIFF_LINES = 2_000;

    private Formatting() {}

    static List<TextEdit> format(Document doc) {
        String formatted = formatted(doc);
        if (formatted == null || formatted.equals(doc.text())) {
            return List.of();
        }
        return List.of(new TextEdit(Positions.range(new Source("", doc.text()), 0, doc.text().length()), formatted));
    }

    static List<TextEdit> format(Document doc, Range range) {
        String formatted = formatted(doc);
        if (formatted == null || formatted.equals(doc.text())) {
            return List.of();
        }
        List<String> before = lines(doc.text());
        List<String> after = lines(formatted);
        List<TextEdit> edits = new ArrayList<>();
        for (int[] hunk : hunks(before, after)) {
            // hunk: [first line, end line) of the document, replaced by [first, end) of the formatted text
            boolean touches = hunk[0] <= range.getEnd().getLine() && Math.max(hunk[1], hunk[0] + 1) > range.getStart().getLine();
            if (touches) {
                edits.add(new TextEdit(new Range(new Position(hunk[0], 0), new Position(hunk[1], 0)),
                        String.join("", after.subList(hunk[2], hunk[3]))));
            }
        }
        return edits;
    }

    private static String formatted(Document doc) {
        ParseResult parse = Parsing.parse(new Source(doc.path().toString(), doc.text()), new Diagnostics());
        if (parse.hasSyntaxErrors() || parse.tree() == null) {
            return null;
        }
        return Formatter.format(parse.tree(), parse.tokens());
    }

    /** The lines of a text, each with its line break (the last may have none). */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /**
     * The runs of lines that differ, as {@code [from, to, formattedFrom, formattedTo]}: the common
     * lines at both ends are skipped, and the middle is matched by a longest common subsequence.
     */
    private static List<int[]> hunks(List<String> a, List<String> b) {
        int prefix = 0;
        while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < a.size() - prefix && suffix < b.size() - prefix
                && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
            suffix++;
        }
        int n = a.size() - prefix - suffix;
        int m = b.size() - prefix - suffix;
        List<int[]> out = new ArrayList<>();
        if (n > MAX_DIFF_LINES || m > MAX_DIFF_LINES) {
            out.add(new int[] {prefix, prefix + n, prefix, prefix + m});
            return out;
        }
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(prefix + i).equals(b.get(prefix + j)) ? lcs[i + 1][j + 1] + 1
                        : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        int hunkI = -1;
        int hunkJ = -1;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(prefix + i).equals(b.get(prefix + j))) {
                if (hunkI >= 0) {
                    out.add(new int[] {prefix + hunkI, prefix + i, prefix + hunkJ, prefix + j});
                    hunkI = -1;
                }
                i++;
                j++;
                continue;
            }
            if (hunkI < 0) {
                hunkI = i;
                hunkJ = j;
            }
            if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
                j++;
            } else {
                i++;
            }
        }
        if (hunkI >= 0) {
            out.add(new int[] {prefix + hunkI, prefix + n, prefix + hunkJ, prefix + m});
        }
        return out;
    }
}
