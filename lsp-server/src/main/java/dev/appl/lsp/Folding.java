package dev.appl.lsp;

import dev.appl.language.diag.Source;
import dev.appl.language.resolve.Module;
import dev.appl.language.syntax.ApplLexer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.antlr.v4.runtime.Token;
import org.eclipse.lsp4j.FoldingRange;
import org.eclipse.lsp4j.FoldingRangeKind;

/**
 * Folding ranges from the tokens, so that they hold in a file that does not parse: every pair of
 * braces over several lines (the closing brace stays visible), runs of line comments, block
 * comments, and the imports.
 */
final class Folding {
    private Folding() {}

    static List<FoldingRange> ranges(Module module) {
        List<FoldingRange> out = new ArrayList<>();
        if (module == null) {
            return out;
        }
        Source source = module.source();
        List<Token> tokens = module.parse().tokens().getTokens();
        Deque<Integer> open = new ArrayDeque<>();
        int commentStart = -1;
        int commentEnd = -1;
        int firstImport = -1;
        int lastImport = -1;
        for (Token t : tokens) {
            int line = source.line(t.getStartIndex()) - 1;
            switch (t.getType()) {
                case ApplLexer.LBRACE -> open.push(line);
                case ApplLexer.RBRACE -> {
                    if (!open.isEmpty()) {
                        int start = open.pop();
                        if (line - 1 > start) {
                            out.add(new FoldingRange(start, line - 1));
                        }
                    }
                }
                case ApplLexer.IMPORT -> {
                    if (firstImport < 0) {
                        firstImport = line;
                    }
                    lastImport = line;
                }
                case ApplLexer.BLOCK_COMMENT -> {
                    int end = source.line(t.getStopIndex()) - 1;
                    if (end > line) {
                        out.add(comment(line, end));
                    }
                }
                default -> {}
            }
            if (t.getType() == ApplLexer.LINE_COMMENT || t.getType() == ApplLexer.DOC_COMMENT) {
                if (commentEnd == line - 1) {
                    commentEnd = line;
                } else {
                    addComments(out, commentStart, commentEnd);
                    commentStart = line;
                    commentEnd = line;
                }
            }
        }
        addComments(out, commentStart, commentEnd);
        if (lastImport > firstImport) {
            FoldingRange imports = new FoldingRange(firstImport, lastImport);
            imports.setKind(FoldingRangeKind.Imports);
            out.add(imports);
        }
        out.sort(java.util.Comparator.comparingInt(FoldingRange::getStartLine).thenComparingInt(FoldingRange::getEndLine));
        return out;
    }

    private static void addComments(List<FoldingRange> out, int start, int end) {
        if (start >= 0 && end > start) {
            out.add(comment(start, end));
        }
    }

    private static FoldingRange comment(int start, int end) {
        FoldingRange r = new FoldingRange(start, end);
        r.setKind(FoldingRangeKind.Comment);
        return r;
    }
}
