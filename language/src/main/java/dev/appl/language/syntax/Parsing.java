package dev.appl.language.syntax;

import dev.appl.language.ast.CompilationUnit;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import java.util.List;
import org.antlr.v4.runtime.BailErrorStrategy;
import java.nio.CharBuffer;
import org.antlr.v4.runtime.CodePointBuffer;
import org.antlr.v4.runtime.CodePointCharStream;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/** Text to syntax tree. Never throws: every problem with the text becomes a diagnostic. */
public final class Parsing {
    /** Deeper nesting than any real spec has; refusing it keeps the recursive parser off the stack limit. */
    static final int MAX_NESTING = 256;

    private Parsing() {}

    public static ParseResult parse(Source source, Diagnostics diagnostics) {
        // A stream of UTF-16 units rather than code points, so that token offsets are the same
        // string indices that spans, Java and editors use, even after a character outside the BMP.
        ApplLexer lexer = new ApplLexer(CodePointCharStream.fromBuffer(
                CodePointBuffer.withChars(CharBuffer.wrap(source.text().toCharArray())), source.name()));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        tokens.fill();
        int reportedBefore = diagnostics.all().size();
        reportInvalidCharacters(source, tokens.getTokens(), diagnostics);
        if (!checkNesting(source, tokens.getTokens(), diagnostics)) {
            CompilationUnit empty = new CompilationUnit(source, List.of(), List.of(), new Span(source, 0, 0));
            return new ParseResult(source, empty, null, tokens, true);
        }

        try {
            return parse(source, tokens, diagnostics, reportedBefore);
        } catch (StackOverflowError e) {
            // Expressions nested thousands deep (a chain of unary minus signs, a generated file):
            // the recursive descent parser runs out of stack. Report it rather than crash.
            diagnostics.report(DiagnosticCode.NESTING_TOO_DEEP, new Span(source, 0, 0),
                    "an expression or block deeper than the compiler's stack");
            CompilationUnit empty = new CompilationUnit(source, List.of(), List.of(), new Span(source, 0, 0));
            return new ParseResult(source, empty, null, tokens, true);
        }
    }

    /**
     * Whether the text itself is broken (the tree has holes), as opposed to a literal out of range
     * or a property given twice, after which the checks still make sense.
     */
    private static boolean syntaxErrorsSince(Diagnostics diagnostics, int reportedBefore) {
        List<dev.appl.language.diag.Diagnostic> all = diagnostics.all();
        return all.subList(reportedBefore, all.size()).stream().anyMatch(d -> switch (d.code()) {
            case SYNTAX, INVALID_CHARACTER, UNTERMINATED, NESTING_TOO_DEEP -> true;
            default -> false;
        });
    }

    private static ParseResult parse(Source source, CommonTokenStream tokens, Diagnostics diagnostics,
            int reportedBefore) {
        ApplParser parser = new ApplParser(tokens);
        parser.removeErrorListeners();
        ApplParser.FileContext tree;
        // Two-stage parsing: the fast SLL mode is enough for nearly every file; only a file it
        // cannot handle (or one with errors) is parsed again in full LL mode with error recovery.
        parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
        parser.setErrorHandler(new BailErrorStrategy());
        try {
            tree = parser.file();
        } catch (ParseCancellationException e) {
            tokens.seek(0);
            parser.reset();
            parser.addErrorListener(new SyntaxErrors(source, diagnostics));
            parser.setErrorHandler(new DefaultErrorStrategy());
            parser.getInterpreter().setPredictionMode(PredictionMode.LL);
            tree = parser.file();
        }
        CompilationUnit unit = new AstBuilder(source, tokens, diagnostics).file(tree);
        return new ParseResult(source, unit, tree, tokens, syntaxErrorsSince(diagnostics, reportedBefore));
    }

    private static void reportInvalidCharacters(Source source, List<Token> tokens, Diagnostics diagnostics) {
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.getType() == ApplLexer.UNTERMINATED_COMMENT) {
                diagnostics.report(DiagnosticCode.UNTERMINATED,
                        new Span(source, t.getStartIndex(), t.getStartIndex() + 2), "block comment: `*/` is missing");
                continue;
            }
            if (t.getType() == ApplLexer.STRING && !Literals.isTerminated(t.getText())) {
                diagnostics.report(DiagnosticCode.UNTERMINATED,
                        new Span(source, t.getStartIndex(), t.getStopIndex() + 1), "string literal: the line ends first");
                continue;
            }
            if (t.getType() != ApplLexer.ERROR_CHAR || isUndecodable(t, diagnostics)) {
                continue;
            }
            Span span = new Span(source, t.getStartIndex(), t.getStopIndex() + 1);
            // A run of adjacent bad characters is one mistake, not many.
            int end = t.getStopIndex() + 1;
            while (i + 1 < tokens.size() && tokens.get(i + 1).getType() == ApplLexer.ERROR_CHAR
                    && tokens.get(i + 1).getStartIndex() == end && !tokens.get(i + 1).getText().equals("\"")) {
                end = tokens.get(++i).getStopIndex() + 1;
            }
            diagnostics.report(DiagnosticCode.INVALID_CHARACTER, new Span(source, span.start(), end),
                    describe(t.getText()));
        }
    }

    /** A replacement character where the file had bytes that are not UTF-8: reported once, as such. */
    private static boolean isUndecodable(Token t, Diagnostics diagnostics) {
        return t.getText().equals("\uFFFD") && diagnostics.all().stream().anyMatch(
                d -> d.code() == DiagnosticCode.INVALID_UTF8 && d.span().start() == t.getStartIndex());
    }

    private static String describe(String text) {
        int c = text.codePointAt(0);
        if (c == '\uFFFD') {
            return "(an undecodable byte)";
        }
        if (c < 0x20 || c == 0x7f) {
            return String.format("U+%04X", c);
        }
        return "`" + text + "`";
    }

    private static boolean checkNesting(Source source, List<Token> tokens, Diagnostics diagnostics) {
        int depth = 0;
        for (Token t : tokens) {
            switch (t.getType()) {
                case ApplLexer.LPAREN, ApplLexer.LBRACE, ApplLexer.LBRACK -> {
                    if (++depth > MAX_NESTING) {
                        diagnostics.report(DiagnosticCode.NESTING_TOO_DEEP,
                                new Span(source, t.getStartIndex(), t.getStopIndex() + 1),
                                "brackets more than " + MAX_NESTING + " deep");
                        return false;
                    }
                }
                case ApplLexer.RPAREN, ApplLexer.RBRACE, ApplLexer.RBRACK -> depth = Math.max(0, depth - 1);
                default -> {}
            }
        }
        return true;
    }
}
