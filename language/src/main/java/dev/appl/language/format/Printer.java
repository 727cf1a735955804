package dev.appl.language.format;

import dev.appl.language.syntax.ApplLexer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.antlr.v4.runtime.Token;

/**
 * The output side of the {@link Formatter}: lines, indentation, and the comments between the
 * tokens the formatter writes.
 *
 * <p>The formatter writes the file's code tokens in source order; before each one this printer
 * writes the comment tokens that precede it, so a comment can never be skipped. Where a comment
 * goes depends on where it was and where the output is:
 *
 * <ul>
 *   <li>a comment that shared a source line with the code before it (a trailing comment) stays at
 *       the end of that line when the output breaks the line there;
 *   <li>a comment on its own source line goes on its own line before the next line of output, at
 *       that line's indentation, keeping at most one blank line before it;
 *   <li>a short block comment inside a line stays inline;
 *   <li>anything else (a line comment inside an expression the output writes on one line, say) is
 *       hoisted onto a line of its own above the construct containing it: see {@link #begin()}.
 * </ul>
 *
 * <p>Line breaks and spaces are requested, not written: the break happens when the next token or
 * comment arrives, so a request never leaves trailing white space or empty lines behind. The
 * {@link Layout} in front of this printer decides where a long line breaks and requests those
 * breaks too, with the continuation line's indentation.
 */
final class Printer {

    /** How a requested line break treats blank lines before the next construct. */
    enum Blank {
        /** No blank line before the construct (comments inside the group keep theirs). */
        NONE,
        /** One blank line where the source had one or more. */
        PRESERVE,
        /** Always one blank line. */
        FORCE
    }

    private static final String INDENT = "    ";

    /** A construct that starts its own line; comments that cannot stay inside it go above it. */
    private static final class Construct {
        int line = -1; // index in lines where hoisted comments go
        int indent;
        boolean code; // its first token has been written
        int hoisted; // comment lines already put above it
    }

    private final List<Token> tokens; // every token of the file, all channels
    private final List<String> lines = new ArrayList<>(); // finished lines
    private final StringBuilder cur = new StringBuilder(); // the line being written
    private final Deque<Construct> constructs = new ArrayDeque<>();
    private boolean started; // false until the first line begins
    private int indent;
    private int lineIndent; // the indentation the current line started with
    private int last = -1; // index of the last source token (code or comment) written

    // Requests for the next output.
    private boolean pendingNewline = true; // the file starts on a fresh line
    private boolean pendingSpace;
    private Blank blank = Blank.NONE;
    private boolean firstInGroup = true; // nothing written since the last line-break request

    // What came just before, for the blank-line rules.
    private boolean afterOpenBrace; // no blank line at the top of a block
    private boolean afterDoc; // a `///` comment stays glued to its declaration

    Printer(List<Token> tokens) {
        this.tokens = tokens;
    }

    void indent() {
        indent++;
    }

    void dedent() {
        indent--;
    }

    // ---- For the Layout, which breaks long lines ------------------------------------------------

    int indentLevel() {
        return indent;
    }

    /** Sets the indentation of the next line (a continuation line of a broken construct). */
    void setIndent(int level) {
        indent = level;
    }

    /** Whether the next output starts a line. */
    boolean atLineStart() {
        return pendingNewline;
    }

    /** The indentation level the current line started with. */
    int lineIndent() {
        return lineIndent;
    }

    /** The width of the current line so far. */
    int column() {
        return cur.codePointCount(0, cur.length());
    }

    boolean pendingSpace() {
        return pendingSpace;
    }

    /** Index of the last source token (code or comment) written, -1 before the first. */
    int lastIndex() {
        return last;
    }

    List<Token> tokens() {
        return tokens;
    }

    /**
     * Writes a separator that ends its line before the comments in front of it: they follow it
     * when the next token is written, at the end of the line (a {@code //} comment just before a
     * {@code ,} that ends a line goes after the comma).
     */
    void tokenBeforeComments(Token t) {
        code(t.getTokenIndex(), t.getText());
        afterOpenBrace = t.getType() == ApplLexer.LBRACE;
        afterDoc = false;
    }

    /** Requests a line break before the next output; a later request replaces this one. */
    void newline(Blank blank) {
        pendingNewline = true;
        pendingSpace = false;
        this.blank = blank;
        firstInGroup = true;
    }

    /** Requests a space before the next output, unless it starts a line. */
    void space() {
        pendingSpace = true;
    }

    /**
     * Marks the start of a construct that the formatter puts on its own line (a member, statement,
     * field, arm ...). A comment inside it that cannot stay where it was is hoisted onto a line of
     * its own right above the construct's first line of code (above its doc comments, if any).
     */
    void begin() {
        constructs.push(new Construct());
    }

    void end() {
        constructs.pop();
    }

    /** Writes a source token, after the comments that precede it. */
    void token(Token t) {
        flushComments(t.getTokenIndex());
        code(t.getTokenIndex(), t.getText());
        last = Math.max(last, t.getTokenIndex());
        afterOpenBrace = t.getType() == ApplLexer.LBRACE;
        afterDoc = false;
    }

    /** Writes text that is not a source token (a separator the style adds), inside a line. */
    void text(String s) {
        code(-1, s);
    }

    /** Writes the comments that come before {@code t} without writing {@code t}. */
    void comments(Token t) {
        flushComments(t.getTokenIndex());
    }

    /** Whether any comment lies strictly between two tokens. */
    boolean hasComments(Token from, Token to) {
        for (int i = from.getTokenIndex() + 1; i < to.getTokenIndex(); i++) {
            if (tokens.get(i).getChannel() == ApplLexer.COMMENTS) {
                return true;
            }
        }
        return false;
    }

    /** Writes the comments left after the last token and returns the text. */
    String finish() {
        indent = 0;
        newline(Blank.PRESERVE);
        flushComments(tokens.size());
        if (!started) {
            return "";
        }
        lines.add(cur.toString());
        return String.join("\n", lines) + "\n";
    }

    // ---- Internals ------------------------------------------------------------------------------

    private void code(int index, String s) {
        if (pendingNewline) {
            startLine(index);
        } else if (pendingSpace) {
            cur.append(' ');
        }
        pendingSpace = false;
        cur.append(s);
        Construct c = constructs.peek();
        if (c != null && !c.code) {
            c.code = true;
            if (c.line < 0) { // only if the construct did not start on a line of its own
                c.line = lines.size();
                c.indent = indent;
            }
        }
    }

    /** Places every comment token between the last written token and {@code upTo}. */
    private void flushComments(int upTo) {
        for (int i = last + 1; i < upTo && i < tokens.size(); i++) {
            Token c = tokens.get(i);
            if (c.getChannel() != ApplLexer.COMMENTS) {
                continue;
            }
            String text = commentText(c);
            boolean trailing = last >= 0 && !newlineBetween(last, i);
            boolean inlineBlock = c.getType() == ApplLexer.BLOCK_COMMENT && !text.contains("\n");
            if (trailing && pendingNewline) {
                // The line breaks here anyway: the comment ends the line it was on.
                cur.append(' ');
                append(text);
            } else if (pendingNewline) {
                startLine(i);
                append(text);
                pendingNewline = true; // code never follows a comment on its line
                afterOpenBrace = false;
                afterDoc = c.getType() == ApplLexer.DOC_COMMENT;
            } else if (trailing && inlineBlock) {
                // `f(a /* why */, b)`: a short block comment can stay where it was.
                if (pendingSpace) {
                    cur.append(' ');
                }
                cur.append(text);
                pendingSpace = true;
            } else {
                hoist(text);
            }
            last = i;
        }
    }

    /** Puts a comment on its own line above the innermost construct being written. */
    private void hoist(String text) {
        Construct c = constructs.peek();
        int at = c == null || c.line < 0 ? lines.size() : c.line + c.hoisted;
        String[] parts = text.split("\n", -1);
        lines.add(at, INDENT.repeat(c == null ? indent : c.indent) + parts[0]);
        for (int j = 1; j < parts.length; j++) {
            lines.add(at + j, parts[j]);
        }
        if (c != null) {
            c.hoisted += parts.length;
        }
    }

    /** Ends the current line and starts the next, with a blank line between if the rules say so. */
    private void startLine(int itemIndex) {
        if (started) {
            boolean sourceBlank = blankLineBefore(itemIndex);
            boolean blankLine = switch (blank) {
                case FORCE -> firstInGroup || sourceBlank;
                case PRESERVE -> sourceBlank;
                case NONE -> !firstInGroup && sourceBlank;
            };
            lines.add(cur.toString());
            cur.setLength(0);
            if (blankLine && !afterOpenBrace && !afterDoc) {
                lines.add("");
            }
        }
        started = true;
        pendingNewline = false;
        pendingSpace = false;
        firstInGroup = false;
        lineIndent = indent;
        cur.append(INDENT.repeat(indent));
        // Comments hoisted out of a construct go right above its first line of code, or above the
        // `///` doc comments directly over it: below its other leading comments, in source order.
        Construct c = constructs.peek();
        if (c != null && !c.code && (c.line < 0 || !afterDoc)) {
            c.line = lines.size();
            c.indent = indent;
        }
    }

    /** Appends text that may span lines (a block comment); its inner lines are kept verbatim. */
    private void append(String text) {
        String[] parts = text.split("\n", -1);
        cur.append(parts[0]);
        for (int j = 1; j < parts.length; j++) {
            lines.add(cur.toString());
            cur.setLength(0);
            cur.append(parts[j]);
        }
    }

    /** Whether the source had an empty line between the last written token and token {@code i}. */
    private boolean blankLineBefore(int i) {
        for (int j = last + 1; j < i; j++) {
            Token t = tokens.get(j);
            String ws = t.getText();
            // Two line breaks in one run of white space; a dropped `;` between two single breaks
            // does not make an empty line.
            if (t.getChannel() == Token.HIDDEN_CHANNEL && ws.indexOf('\n') < ws.lastIndexOf('\n')) {
                return true;
            }
        }
        return false;
    }

    boolean newlineBetween(int from, int to) {
        for (int j = from + 1; j < to; j++) {
            Token t = tokens.get(j);
            if (t.getChannel() == Token.HIDDEN_CHANNEL && t.getText().indexOf('\n') >= 0) {
                return true;
            }
        }
        return false;
    }

    /** A comment's text with trailing white space and `\r` line ends removed. */
    static String commentText(Token c) {
        String text = c.getText().replace("\r\n", "\n").replace('\r', '\n');
        return c.getType() == ApplLexer.BLOCK_COMMENT ? text : text.stripTrailing();
    }
}
