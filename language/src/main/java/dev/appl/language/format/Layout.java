package dev.appl.language.format;

import dev.appl.language.format.Printer.Blank;
import dev.appl.language.syntax.ApplLexer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.Token;

/**
 * Line breaking: between the {@link Formatter} and the {@link Printer}, decides where a line that
 * would be wider than {@link #WIDTH} columns breaks.
 *
 * <p>The formatter writes through this class. Everything it writes between two structural calls
 * (a line break between members or statements, an indentation change, the start or end of a
 * member or statement, a comment flush) is one <em>segment</em>: what the fixed style puts on one
 * line, say {@code let x = f(a, b)} or <code>} else if a and b {</code>. In a segment the formatter
 * marks <em>groups</em> and their possible <em>breaks</em>; a group is either flat (on one line)
 * or broken (every break of its own taken):
 *
 * <ul>
 *   <li>{@link Kind#LIST}: a bracketed list. Broken, its items go one per line, one level deeper
 *       than the line the opening bracket is on, each followed by a comma (one is added after the
 *       last), and the closing bracket goes on a line of its own at that line's indentation.
 *   <li>{@link Kind#CHAIN}: the operands of binary operators of one precedence level, such as a
 *       packet stack {@code Ethernet{..} / Ipv4{..} / Tcp{..}} or a condition {@code a and b and
 *       c}. Broken, every operand after the first starts a line one level deeper than the line the
 *       chain starts on (the same level when the chain is a value moved onto a line of its own);
 *       the line breaks after {@code *}, {@code /} and {@code %} and before any other operator.
 *   <li>{@link Kind#ASSIGN}: the value after {@code =} (or {@code ==} in a test, or a send's
 *       port). Broken, the value starts on a line of its own one level deeper.
 * </ul>
 *
 * <p>A segment that fits stays on one line. Otherwise groups are decided in the order they start,
 * so the outermost first: a group stays flat when it and what follows it up to the next place the
 * line could break fit in {@link #WIDTH} columns (counting the indentation), else it breaks and
 * the groups inside it are decided the same way on their own lines. A value goes onto a line of its
 * own only when that is what makes it fit: when otherwise more groups inside it would break.
 *
 * <p>Comments: the printer still writes every comment before the next token, so none is lost. A
 * line comment ({@code //} or {@code ///}) at a break forces the break (and so every group around
 * it), since nothing can follow it on its line; it then ends the line the break ends. A line
 * comment just before a {@code ,}, {@code /} or {@code =} that ends the line, or just after an
 * operator that starts one, is written on the other side of that token, so that it too ends the
 * line. Comments anywhere else behave as before: kept inline if short block comments, else hoisted
 * above the member or statement. Which group breaks depends only on the tokens, where the comments
 * lie between them and the width, and formatting moves no comment to or from a break, so
 * formatting stays idempotent.
 */
final class Layout {

    /** The column limit, indentation included. */
    static final int WIDTH = 100;

    private static final int INDENT_COLUMNS = 4;

    enum Kind {
        LIST,
        CHAIN,
        ASSIGN
    }

    private static final class Group {
        final Kind kind;
        final Group parent;
        int close = -1; // index of its Close op
        boolean hard; // a comment that must end a line lies at a break in it: it cannot be flat
        boolean commentAtOwnBreak; // ASSIGN: such a comment at its own break
        boolean broken; // the decision
        int lineIndent; // indentation of the line it starts on
        boolean hang; // CHAIN: continuation lines at lineIndent rather than one deeper

        Group(Kind kind, Group parent) {
            this.kind = kind;
            this.parent = parent;
        }
    }

    private sealed interface Op permits Tok, Txt, Sp, Open, Close, Comma, Brk {}

    private record Tok(Token t) implements Op {}

    private record Txt(String s) implements Op {}

    private record Sp() implements Op {}

    private record Open(Group g) implements Op {}

    private record Close(Group g) implements Op {}

    /** The comma after a list's last item, written only when the list breaks. */
    private record Comma(Group g) implements Op {}

    /** A place where group {@code g} breaks the line when it is broken. */
    private static final class Brk implements Op {
        final Group g;
        final boolean space; // written as a space when flat
        final boolean closing; // before a list's closing bracket
        final Token sepBefore; // the token written just before, which the line ends with
        final Token sepAfter; // the token written just after, which the next line starts with
        int indent = -1; // decided: the indentation of the line it starts, or -1 when flat
        Token advanceTo; // comments before this token go before sepAfter

        Brk(Group g, boolean space, boolean closing, Token sepBefore, Token sepAfter) {
            this.g = g;
            this.space = space;
            this.closing = closing;
            this.sepBefore = sepBefore;
            this.sepAfter = sepAfter;
        }
    }

    private static final Sp SPACE = new Sp();

    private final Printer out;
    private final List<Token> tokens;
    private final List<Op> ops = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final Deque<Group> open = new ArrayDeque<>();
    /** Separators written before the comments in front of them (see {@link Brk#sepBefore}). */
    private final Set<Integer> deferred = new HashSet<>();

    Layout(Printer out) {
        this.out = out;
        this.tokens = out.tokens();
    }

    // ---- What the formatter writes --------------------------------------------------------------

    void token(Token t) {
        ops.add(new Tok(t));
    }

    void text(String s) {
        ops.add(new Txt(s));
    }

    void space() {
        ops.add(SPACE);
    }

    void openGroup(Kind kind) {
        Group g = new Group(kind, open.peek());
        groups.add(g);
        open.push(g);
        ops.add(new Open(g));
    }

    void closeGroup() {
        Group g = open.pop();
        g.close = ops.size();
        ops.add(new Close(g));
    }

    /** A break in the innermost open group; a space when flat if {@code space}. */
    void lineBreak(boolean space) {
        ops.add(new Brk(open.element(), space, false, null, null));
    }

    /** A break right after {@code sep}, the token just written. */
    void breakAfter(Token sep, boolean space) {
        ops.add(new Brk(open.element(), space, false, sep, null));
    }

    /** A break right before {@code op}, the token written next. */
    void breakBefore(Token op, boolean space) {
        ops.add(new Brk(open.element(), space, false, null, op));
    }

    /** The break before a list's closing bracket. */
    void closingBreak(boolean space) {
        ops.add(new Brk(open.element(), space, true, null, null));
    }

    /** The comma after a list's last item when the list is broken. */
    void trailingComma() {
        ops.add(new Comma(open.element()));
    }

    // ---- Structure: each of these ends the segment ----------------------------------------------

    void newline(Blank blank) {
        flush();
        out.newline(blank);
    }

    void begin() {
        flush();
        out.begin();
    }

    void end() {
        flush();
        out.end();
    }

    void indent() {
        flush();
        out.indent();
    }

    void dedent() {
        flush();
        out.dedent();
    }

    void comments(Token t) {
        flush();
        out.comments(t);
    }

    boolean hasComments(Token from, Token to) {
        return out.hasComments(from, to);
    }

    String finish() {
        flush();
        return out.finish();
    }

    // ---- The segment ----------------------------------------------------------------------------

    private void flush() {
        if (!open.isEmpty()) {
            throw new IllegalStateException("a group is still open at a line break");
        }
        if (ops.isEmpty()) {
            return;
        }
        prepare();
        run(0, Walk.start(out));
        emit();
        ops.clear();
        groups.clear();
        deferred.clear();
    }

    /**
     * Finds the comments that must end a line at a break: they force the break's group and every
     * group around it to break.
     */
    private void prepare() {
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.get(i) instanceof Brk b)) {
                continue;
            }
            int from = tokenBefore(i);
            int to = tokenAfter(i);
            boolean must = mustEndLine(from, to);
            if (b.sepBefore != null) {
                int sep = b.sepBefore.getTokenIndex();
                if (mustEndLine(previousCode(sep), sep)) {
                    deferred.add(sep);
                    must = true;
                }
            }
            if (b.sepAfter != null) {
                int sep = b.sepAfter.getTokenIndex();
                int next = nextCode(sep);
                if (mustEndLine(sep, next)) {
                    b.advanceTo = tokens.get(next);
                    must = true;
                }
            }
            if (must) {
                b.g.hard = true;
                b.g.commentAtOwnBreak = true;
            }
        }
        // Groups are listed outer before inner: a group that cannot be flat makes its parent so.
        for (int i = groups.size() - 1; i >= 0; i--) {
            Group g = groups.get(i);
            if (g.hard && g.parent != null) {
                g.parent.hard = true;
            }
        }
    }

    private int tokenBefore(int op) {
        for (int i = op - 1; i >= 0; i--) {
            if (ops.get(i) instanceof Tok t) {
                return t.t().getTokenIndex();
            }
        }
        return out.lastIndex();
    }

    private int tokenAfter(int op) {
        for (int i = op + 1; i < ops.size(); i++) {
            if (ops.get(i) instanceof Tok t) {
                return t.t().getTokenIndex();
            }
        }
        return tokens.size();
    }

    private int previousCode(int index) {
        int i = index - 1;
        while (i >= 0 && tokens.get(i).getChannel() != Token.DEFAULT_CHANNEL) {
            i--;
        }
        return i;
    }

    private int nextCode(int index) {
        int i = index + 1;
        while (i < tokens.size() - 1 && tokens.get(i).getChannel() != Token.DEFAULT_CHANNEL) {
            i++;
        }
        return i;
    }

    /** Whether a {@code //} or {@code ///} comment lies strictly between two token indexes. */
    private boolean mustEndLine(int from, int to) {
        for (int i = Math.max(from + 1, 0); i < to && i < tokens.size(); i++) {
            int type = tokens.get(i).getType();
            if (type == ApplLexer.LINE_COMMENT || type == ApplLexer.DOC_COMMENT) {
                return true;
            }
        }
        return false;
    }

    // ---- Deciding -------------------------------------------------------------------------------

    /** Where a walk over the segment is: the column, the line, and a few metrics. */
    private static final class Walk {
        int col;
        int lineIndent;
        boolean space; // a space is requested before the next output
        boolean lineStart; // a line break is pending: nothing written on the line yet
        boolean afterAssignBreak; // the line was just started by a broken ASSIGN
        int last; // index of the last source token written
        // Metrics, for choosing how a value is placed.
        int maxCol;
        int brokenInside; // groups broken, not counting the chain that is a whole value

        static Walk start(Printer out) {
            Walk w = new Walk();
            w.lineStart = out.atLineStart();
            w.lineIndent = w.lineStart ? out.indentLevel() : out.lineIndent();
            w.col = w.lineStart ? w.lineIndent * INDENT_COLUMNS : out.column();
            w.space = out.pendingSpace();
            w.last = out.lastIndex();
            w.maxCol = w.col;
            return w;
        }

        Walk copy() {
            Walk w = new Walk();
            w.col = col;
            w.lineIndent = lineIndent;
            w.space = space;
            w.lineStart = lineStart;
            w.afterAssignBreak = afterAssignBreak;
            w.last = last;
            w.maxCol = maxCol;
            w.brokenInside = brokenInside;
            return w;
        }

        void resetMetrics() {
            maxCol = col;
            brokenInside = 0;
        }

        void newLine(int indent) {
            lineIndent = indent;
            col = indent * INDENT_COLUMNS;
            lineStart = true;
            space = false;
        }
    }

    /** Decides every group that starts at or after op {@code from}. */
    private void run(int from, Walk w) {
        for (int i = from; i < ops.size(); i++) {
            step(i, w, true);
        }
    }

    /**
     * Advances the walk over op {@code i}. When {@code decide}, a group that opens is decided and a
     * break is taken or not as its group says; otherwise (measuring) a break is never taken.
     */
    private void step(int i, Walk w, boolean decide) {
        switch (ops.get(i)) {
            case Tok t -> write(w, t.t().getText(), t.t().getTokenIndex());
            case Txt t -> write(w, t.s(), -1);
            case Sp s -> w.space = true;
            case Comma c -> {
                if (c.g().broken) {
                    write(w, ",", -1);
                }
            }
            case Open o -> {
                if (decide) {
                    Group g = o.g();
                    g.lineIndent = w.lineIndent;
                    g.hang = g.kind == Kind.CHAIN && w.lineStart && w.afterAssignBreak;
                    w.afterAssignBreak = false;
                    g.broken = switch (g.kind) {
                        case LIST, CHAIN -> g.hard || !fits(i, g, w);
                        case ASSIGN -> breaksValue(i, g, w);
                    };
                    boolean wholeValue = g.kind == Kind.CHAIN
                            && g.parent != null && g.parent.kind == Kind.ASSIGN;
                    if (g.broken && !wholeValue) {
                        w.brokenInside++;
                    }
                }
            }
            case Close c -> {}
            case Brk b -> {
                if (decide && b.g.broken) {
                    Group g = b.g;
                    b.indent = switch (g.kind) {
                        case LIST -> b.closing ? g.lineIndent : g.lineIndent + 1;
                        case CHAIN -> g.hang ? g.lineIndent : g.lineIndent + 1;
                        case ASSIGN -> g.lineIndent + 1;
                    };
                    w.newLine(b.indent);
                    w.afterAssignBreak = g.kind == Kind.ASSIGN;
                    if (b.advanceTo != null) { // those comments end the line before
                        w.last = Math.max(w.last, b.advanceTo.getTokenIndex() - 1);
                    }
                } else {
                    if (decide) {
                        b.indent = -1;
                    }
                    if (b.space) {
                        w.space = true;
                    }
                }
            }
        }
    }

    /** Writes code as the printer would, with the short block comments it keeps inline before it. */
    private void write(Walk w, String s, int index) {
        if (!w.lineStart) {
            if (index >= 0 && !deferred.contains(index)) {
                inlineComments(w, index);
            }
            if (w.space) {
                w.col++;
            }
        }
        w.col += s.codePointCount(0, s.length());
        w.maxCol = Math.max(w.maxCol, w.col);
        w.space = false;
        w.lineStart = false;
        w.afterAssignBreak = false;
        if (index >= 0 && !deferred.contains(index)) {
            w.last = Math.max(w.last, index);
        }
    }

    /** The comments before token {@code index} that the printer keeps inside the line. */
    private void inlineComments(Walk w, int index) {
        int last = w.last;
        for (int j = w.last + 1; j < index; j++) {
            Token c = tokens.get(j);
            if (c.getChannel() != ApplLexer.COMMENTS) {
                continue;
            }
            String text = Printer.commentText(c);
            boolean trailing = last >= 0 && !out.newlineBetween(last, j);
            if (trailing && c.getType() == ApplLexer.BLOCK_COMMENT && !text.contains("\n")) {
                if (w.space) {
                    w.col++;
                }
                w.col += text.codePointCount(0, text.length());
                w.space = true;
            }
            last = j;
        }
    }

    /**
     * Whether group {@code g}, opening at op {@code i}, fits flat: it and what follows it up to the
     * next place the line could break end within the width.
     */
    private boolean fits(int i, Group g, Walk w) {
        Walk m = w.copy();
        for (int j = i + 1; j < ops.size(); j++) {
            Op op = ops.get(j);
            boolean inside = j < g.close;
            if (op instanceof Brk && !inside) {
                break; // an enclosing group's break, or a later group's, taken as a break
            }
            if (op instanceof Comma) {
                if (!inside) {
                    write(m, ",", -1); // an enclosing list's, which is broken
                }
            } else {
                step(j, m, false);
            }
            if (m.col > WIDTH) {
                return false;
            }
        }
        return m.col <= WIDTH;
    }

    /**
     * Whether the value of {@code =} goes on a line of its own: only when that is what makes it
     * fit. It does when a line comment after the {@code =} forces it; it does not when everything
     * fits on the line. Otherwise both ways are tried: the value goes on its own line if that way
     * fits and the other does not, or if the other has to break more groups, not counting the
     * value's own chain (a packet stack broken after each {@code /} stays on the statement's
     * line, but {@code let r =} goes on a line of its own when that keeps a struct literal in the
     * stack from breaking).
     */
    private boolean breaksValue(int i, Group g, Walk w) {
        if (g.commentAtOwnBreak) {
            return true;
        }
        if (!g.hard && fits(i, g, w)) {
            return false;
        }
        Walk same = w.copy();
        same.resetMetrics();
        g.broken = false;
        run(i + 1, same);
        Walk next = w.copy();
        next.resetMetrics();
        g.broken = true;
        run(i + 1, next);
        // The decisions those trials left on later groups and breaks are made again by the caller.
        if (next.maxCol > WIDTH) {
            return false;
        }
        return same.maxCol > WIDTH || same.brokenInside > next.brokenInside;
    }

    // ---- Writing --------------------------------------------------------------------------------

    private void emit() {
        int base = out.indentLevel();
        for (Op op : ops) {
            switch (op) {
                case Tok t -> {
                    if (deferred.contains(t.t().getTokenIndex())) {
                        out.tokenBeforeComments(t.t());
                    } else {
                        out.token(t.t());
                    }
                }
                case Txt t -> out.text(t.s());
                case Sp s -> out.space();
                case Comma c -> {
                    if (c.g().broken) {
                        out.text(",");
                    }
                }
                case Open o -> {}
                case Close c -> {}
                case Brk b -> {
                    if (b.indent >= 0) {
                        out.setIndent(b.indent);
                        out.newline(Blank.NONE);
                        if (b.advanceTo != null) {
                            out.comments(b.advanceTo);
                        }
                    } else if (b.space) {
                        out.space();
                    }
                }
            }
        }
        out.setIndent(base);
    }
}
