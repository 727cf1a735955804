package dev.appl.language.syntax;

import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Turns ANTLR's syntax errors into diagnostics with short messages: "expected `}`, found `drop`"
 * when a few tokens would do, "unexpected `drop`" when many would.
 */
final class SyntaxErrors extends BaseErrorListener {
    private static final int MAX_LISTED = 4;

    private final Source source;
    private final Diagnostics diagnostics;

    SyntaxErrors(Source source, Diagnostics diagnostics) {
        this.source = source;
        this.diagnostics = diagnostics;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column, String msg,
            RecognitionException e) {
        if (!(recognizer instanceof Parser parser) || !(offendingSymbol instanceof Token token)) {
            // The lexer never fails: anything it does not know becomes an ERROR_CHAR token.
            diagnostics.report(DiagnosticCode.SYNTAX, at(line, column, 1), msg);
            return;
        }
        if (token.getType() == ApplLexer.ERROR_CHAR) {
            return; // reported once by Parsing as an invalid character, with a better message
        }
        Span span = token.getType() == Token.EOF
                ? new Span(source, source.text().length(), source.text().length())
                : new Span(source, token.getStartIndex(), token.getStopIndex() + 1);
        IntervalSet expected = e instanceof NoViableAltException ? null
                : e instanceof InputMismatchException || e == null ? parser.getExpectedTokens() : null;
        String found = describe(token);
        String message;
        if (msg.startsWith("missing ")) {
            message = "expected " + list(parser.getExpectedTokens(), parser.getVocabulary()) + " before " + found;
        } else if (expected != null && !expected.isNil() && expected.size() <= MAX_LISTED) {
            message = "expected " + list(expected, parser.getVocabulary()) + ", found " + found;
        } else {
            message = "unexpected " + found;
        }
        diagnostics.report(DiagnosticCode.SYNTAX, span, message);
    }

    private Span at(int line, int column, int length) {
        int start = source.offset(line, column + 1);
        return new Span(source, start, start + length);
    }

    static String describe(Token token) {
        if (token.getType() == Token.EOF) {
            return "end of file";
        }
        return "`" + token.getText() + "`";
    }

    private static String list(IntervalSet set, Vocabulary vocabulary) {
        List<String> names = new ArrayList<>();
        for (int type : set.toArray()) {
            names.add(display(type, vocabulary));
        }
        if (names.size() > MAX_LISTED) {
            return "one of " + String.join(", ", names.subList(0, MAX_LISTED)) + ", ...";
        }
        if (names.size() == 1) {
            return names.getFirst();
        }
        return "one of " + String.join(", ", names);
    }

    private static String display(int type, Vocabulary vocabulary) {
        if (type == Token.EOF) {
            return "end of file";
        }
        String literal = vocabulary.getLiteralName(type);
        if (literal != null) {
            return "`" + literal.substring(1, literal.length() - 1) + "`";
        }
        return switch (vocabulary.getSymbolicName(type)) {
            case "ID" -> "a name";
            case "INT" -> "a number";
            case "STRING" -> "a string";
            case null -> "a token";
            default -> "a literal";
        };
    }
}
