package dev.appl.runtime.table;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a rules file: the entries a table with {@code load PARAM} gets at start.
 *
 * <p>The format (docs/rules-files.md): UTF-8 text, one entry per line, written as inside a
 * spec's {@code entries { }} block, with literals only:
 *
 * <pre>
 * # comment                                           // also a comment
 * (10.0.0.0/8, _, IpProto.Tcp, 22..22) =&gt; deny
 * (192.0.2.0/24, _, 6, 1024..65535) =&gt; set_pool(3, 10.1.0.9)
 * 198.51.100.0/24 =&gt; allow                           (a table with a single key)
 * </pre>
 *
 * Patterns follow the key's match kind: exact takes a value or {@code _}; lpm a prefix
 * {@code a.b.c.d/n}, an address (a /32) or {@code _}; ternary {@code v &&& mask}, a value or
 * {@code _}; range {@code lo..hi} (both ends included), a value or {@code _}. Values are integers
 * (decimal, {@code 0x} hex, {@code 0b} binary, {@code _} between digits, a leading {@code -} for
 * signed types), IPv4 and MAC addresses, {@code true}/{@code false} and enum cases
 * {@code Enum.Case} (or, for an enum with a wire type, a number that fits it).
 *
 * <p>Every problem is reported with its file, line and column, up to {@value #MAX_PROBLEMS} of
 * them; a file with any problem loads nothing. Needs the JDK only, so that deployed appliances can
 * load rules without the compiler.
 */
public final class RulesFile {
    /** The most problems one exception lists; the rest are counted. */
    public static final int MAX_PROBLEMS = 20;

    private RulesFile() {}

    /**
     * Reads and checks a rules file.
     *
     * @throws RulesFileException when the file is not a valid rules file for the table (the message has
     *                            every problem, each as {@code file:line:column: message})
     * @throws IOException        when the file cannot be read
     */
    public static List<RulesEntry> read(Path file, TableSchema schema) throws IOException {
        return parse(file.toString(), Files.readAllBytes(file), schema);
    }

    /** Checks the bytes of a rules file; {@code source} names it in messages. */
    public static List<RulesEntry> parse(String source, byte[] bytes, TableSchema schema) throws RulesFileException {
        return parse(source, decode(source, bytes), schema);
    }

    /** Checks the text of a rules file; {@code source} names it in messages. */
    public static List<RulesEntry> parse(String source, String text, TableSchema schema) throws RulesFileException {
        return new Reader(source, schema).read(text);
    }

    private static String decode(String source, byte[] bytes) throws RulesFileException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            int column = 1;
            for (int i = out.position() - 1; i >= 0 && out.get(i) != '\n'; i--) {
                column++;
            }
            throw new RulesFileException(List.of(new RulesFileException.Problem(source, line, column,
                    String.format("not UTF-8 text: byte 0x%02x cannot start or continue a character here", bytes[at]))), 0);
        }
        out.flip();
        return out.toString();
    }

    // ---- Tokens ---------------------------------------------------------------------------------

    private enum T { LPAREN, RPAREN, COMMA, SEMI, ARROW, DOTDOT, MASK, DOT, MINUS, INT, IP4, PREFIX, MAC, NAME, END }

    /** A token; columns count from 1, {@code end} is the index after its last character. */
    private record Token(T type, String text, int column, int end) {
        String shown() {
            return type == T.END ? "the end of the line" : "`" + text + "`";
        }
    }

    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![0-9A-Za-z_:])");
    private static final Pattern IP4 = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+(?:/[0-9]*)?");
    private static final Pattern WORD = Pattern.compile("[0-9A-Za-z_]+");

    /** A problem at a column of the line being read. */
    private static final class Bad extends Exception {
        final int column;

        Bad(int column, String message) {
            super(message, null, false, false);
            this.column = column;
        }
    }

    private static List<Token> tokens(String line) throws Bad {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u000b') {
                i++;
                continue;
            }
            if (c == '#' || line.startsWith("//", i)) {
                break;
            }
            Matcher m = MAC.matcher(line).region(i, n);
            if (m.lookingAt()) {
                out.add(new Token(T.MAC, m.group(), i + 1, m.end()));
                i = m.end();
                continue;
            }
            if (c >= '0' && c <= '9') {
                m = IP4.matcher(line).region(i, n);
                if (m.lookingAt()) {
                    String text = m.group();
                    if (text.endsWith("/")) {
                        throw new Bad(m.end() + 1, "`/` after an address needs a prefix length, as in 10.0.0.0/8");
                    }
                    out.add(new Token(text.indexOf('/') >= 0 ? T.PREFIX : T.IP4, text, i + 1, m.end()));
                    i = m.end();
                    continue;
                }
                m = WORD.matcher(line).region(i, n);
                m.lookingAt();
                out.add(new Token(T.INT, m.group(), i + 1, m.end()));
                i = m.end();
                continue;
            }
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
                m = WORD.matcher(line).region(i, n);
                m.lookingAt();
                out.add(new Token(T.NAME, m.group(), i + 1, m.end()));
                i = m.end();
                continue;
            }
            T punct = null;
            String text = null;
            if (line.startsWith("&&&", i)) {
                punct = T.MASK;
                text = "&&&";
            } else if (line.startsWith("=>", i)) {
                punct = T.ARROW;
                text = "=>";
            } else if (line.startsWith("..", i)) {
                punct = T.DOTDOT;
                text = "..";
            } else {
                switch (c) {
                    case '(' -> punct = T.LPAREN;
                    case ')' -> punct = T.RPAREN;
                    case ',' -> punct = T.COMMA;
                    case ';' -> punct = T.SEMI;
                    case '.' -> punct = T.DOT;
                    case '-' -> punct = T.MINUS;
                    default -> {}
                }
                text = String.valueOf(c);
            }
            if (punct == null) {
                int cp = line.codePointAt(i);
                String shown = Character.isISOControl(cp) || Character.isWhitespace(cp)
                        ? String.format("U+%04X", cp) : "`" + new String(Character.toChars(cp)) + "`";
                String hint = c == ':' ? " (a MAC address is six pairs of hex digits, 02:00:00:00:00:01; IPv6"
                        + " addresses cannot be written in rules files yet)"
                        : c == '/' ? " (comments start with `#` or `//`; a prefix is written 10.0.0.0/8, without spaces)"
                        : "";
                throw new Bad(i + 1, "unexpected character " + shown + hint);
            }
            out.add(new Token(punct, text, i + 1, i + text.length()));
            i += text.length();
        }
        out.add(new Token(T.END, "", n + 1, n));
        return out;
    }

    // ---- Syntax ---------------------------------------------------------------------------------

    private enum VK { INT, IP4, PREFIX, MAC, BOOL, CASE, NAME, WILDCARD }

    /**
     * A value as written. {@code number} holds an integer, an address or a boolean (1/0);
     * {@code prefix} the length of a prefix; {@code owner} and {@code name} an enum case
     * ({@code owner} null for a bare name).
     */
    private record Value(VK kind, String text, int column, BigInteger number, int prefix, String owner, String name) {}

    private enum PK { SINGLE, RANGE, MASK }

    private record Pat(PK kind, Value a, Value b, String text, int column) {}

    private record Call(String name, int column, boolean parens, List<Value> args) {}

    private record Syntax(List<Pat> patterns, boolean parens, int column, Call action) {}

    /** Reads one line's entry. */
    private static final class LineParser {
        private final String line;
        private final List<Token> tokens;
        private int at;

        LineParser(String line, List<Token> tokens) {
            this.line = line;
            this.tokens = tokens;
        }

        private Token peek() {
            return tokens.get(at);
        }

        private Token next() {
            Token t = tokens.get(at);
            if (t.type() != T.END) {
                at++;
            }
            return t;
        }

        private boolean accept(T type) {
            if (peek().type() == type) {
                next();
                return true;
            }
            return false;
        }

        Syntax entry() throws Bad {
            Token first = peek();
            List<Pat> patterns = new ArrayList<>();
            boolean parens = accept(T.LPAREN);
            if (parens) {
                while (true) {
                    patterns.add(pattern());
                    if (accept(T.COMMA)) {
                        if (accept(T.RPAREN)) {
                            break;
                        }
                        continue;
                    }
                    if (accept(T.RPAREN)) {
                        break;
                    }
                    Token t = peek();
                    throw new Bad(t.column(), "expected `,` and another pattern, or `)` to end the patterns, found "
                            + t.shown());
                }
            } else {
                patterns.add(pattern());
            }
            Token arrow = peek();
            if (arrow.type() != T.ARROW) {
                throw new Bad(arrow.column(), "expected `=>` and an action after the "
                        + (parens || patterns.size() > 1 ? "patterns" : "pattern") + ", found " + arrow.shown());
            }
            next();
            Token name = next();
            if (name.type() != T.NAME || name.text().equals("_")) {
                throw new Bad(name.column(), "expected the name of an action after `=>`, found " + name.shown());
            }
            List<Value> args = new ArrayList<>();
            boolean callParens = accept(T.LPAREN);
            if (callParens && !accept(T.RPAREN)) {
                while (true) {
                    args.add(value());
                    if (accept(T.COMMA)) {
                        if (accept(T.RPAREN)) {
                            break;
                        }
                        continue;
                    }
                    if (accept(T.RPAREN)) {
                        break;
                    }
                    Token t = peek();
                    throw new Bad(t.column(), "expected `,` and another value, or `)` to end the action's data, found "
                            + t.shown());
                }
            }
            if (!accept(T.COMMA)) {
                accept(T.SEMI);
            }
            Token end = peek();
            if (end.type() != T.END) {
                throw new Bad(end.column(), "unexpected " + end.shown() + " after the entry: write one entry per line");
            }
            return new Syntax(patterns, parens, first.column(), new Call(name.text(), name.column(), callParens, args));
        }

        private Pat pattern() throws Bad {
            Token start = peek();
            Value a = value();
            PK kind = PK.SINGLE;
            Value b = null;
            if (accept(T.DOTDOT)) {
                kind = PK.RANGE;
                b = value();
            } else if (accept(T.MASK)) {
                kind = PK.MASK;
                b = value();
            }
            int end = tokens.get(at - 1).end();
            return new Pat(kind, a, b, line.substring(start.column() - 1, end), start.column());
        }

        private Value value() throws Bad {
            Token t = next();
            switch (t.type()) {
                case MINUS -> {
                    Token n = next();
                    if (n.type() != T.INT) {
                        throw new Bad(n.column(), "expected a number after `-`, found " + n.shown());
                    }
                    BigInteger v = integer(n).negate();
                    return new Value(VK.INT, line.substring(t.column() - 1, n.end()), t.column(), v, 0, null, null);
                }
                case INT -> {
                    return new Value(VK.INT, t.text(), t.column(), integer(t), 0, null, null);
                }
                case IP4 -> {
                    return new Value(VK.IP4, t.text(), t.column(), BigInteger.valueOf(ip4(t.text(), t.column())), 0,
                            null, null);
                }
                case PREFIX -> {
                    int slash = t.text().indexOf('/');
                    long address = ip4(t.text().substring(0, slash), t.column());
                    String digits = t.text().substring(slash + 1);
                    int length = digits.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(digits);
                    if (length > 32) {
                        throw new Bad(t.column() + slash + 1, "a prefix of an ip4 address is at most 32 bits long, not "
                                + digits);
                    }
                    long mask = prefixMask(length);
                    if ((address & ~mask) != 0) {
                        throw new Bad(t.column(), "`" + t.text() + "` has bits set after its first " + length
                                + ": the prefix is " + dotted(address & mask) + "/" + length);
                    }
                    return new Value(VK.PREFIX, t.text(), t.column(), BigInteger.valueOf(address), length, null, null);
                }
                case MAC -> {
                    return new Value(VK.MAC, t.text(), t.column(), new BigInteger(t.text().replace(":", ""), 16), 0,
                            null, null);
                }
                case NAME -> {
                    switch (t.text()) {
                        case "_" -> {
                            return new Value(VK.WILDCARD, "_", t.column(), null, 0, null, null);
                        }
                        case "true", "false" -> {
                            return new Value(VK.BOOL, t.text(), t.column(),
                                    t.text().equals("true") ? BigInteger.ONE : BigInteger.ZERO, 0, null, null);
                        }
                        default -> {}
                    }
                    if (accept(T.DOT)) {
                        Token c = next();
                        if (c.type() != T.NAME) {
                            throw new Bad(c.column(), "expected the name of a case after `" + t.text() + ".`, found "
                                    + c.shown());
                        }
                        if (peek().type() == T.DOT) {
                            throw new Bad(peek().column(), "an enum case is written Enum.Case, with the enum's own"
                                    + " name and no module in front");
                        }
                        return new Value(VK.CASE, t.text() + "." + c.text(), t.column(), null, 0, t.text(), c.text());
                    }
                    return new Value(VK.NAME, t.text(), t.column(), null, 0, null, t.text());
                }
                default -> throw new Bad(t.column(), "expected a pattern or a value, found " + t.shown());
            }
        }

        private static BigInteger integer(Token t) throws Bad {
            String text = t.text();
            String digits = text.replace("_", "");
            int radix = 10;
            boolean ok;
            if (text.startsWith("0x") || text.startsWith("0X")) {
                radix = 16;
                digits = digits.substring(2);
                ok = text.substring(2).matches("[0-9A-Fa-f_]*") && !digits.isEmpty();
            } else if (text.startsWith("0b") || text.startsWith("0B")) {
                radix = 2;
                digits = digits.substring(2);
                ok = text.substring(2).matches("[01_]*") && !digits.isEmpty();
            } else {
                ok = text.matches("[0-9][0-9_]*");
            }
            if (!ok) {
                throw new Bad(t.column(), "`" + text + "` is not a number (write decimal 80, hex 0x50 or binary"
                        + " 0b1010000; sizes and durations cannot be written in rules files yet)");
            }
            String significant = digits.replaceFirst("^0+(?=.)", "");
            if (significant.length() > (radix == 16 ? 16 : radix == 2 ? 64 : 20)) {
                throw new Bad(t.column(), "`" + text + "` is larger than 64 bits");
            }
            BigInteger v = new BigInteger(digits, radix);
            if (v.bitLength() > 64) {
                throw new Bad(t.column(), "`" + text + "` is larger than 64 bits");
            }
            return v;
        }

        private static long ip4(String text, int column) throws Bad {
            long value = 0;
            int offset = 0;
            for (String part : text.split("\\.")) {
                int octet = part.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(part);
                if (octet > 255) {
                    throw new Bad(column + offset, "`" + text + "` is not an IPv4 address: octet " + part
                            + " is larger than 255");
                }
                value = value << 8 | octet;
                offset += part.length() + 1;
            }
            return value;
        }
    }

    static long prefixMask(int length) {
        return length == 0 ? 0 : (0xffff_ffffL << (32 - length)) & 0xffff_ffffL;
    }

    static String dotted(long a) {
        return (a >>> 24 & 255) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255);
    }

    // ---- Checking against the table -------------------------------------------------------------

    private static final class Reader {
        private final String source;
        private final TableSchema schema;
        private final List<RulesFileException.Problem> problems = new ArrayList<>();
        private int more;

        Reader(String source, TableSchema schema) {
            this.source = source;
            this.schema = schema;
        }

        private void problem(int line, int column, String message) {
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(new RulesFileException.Problem(source, line, column, message));
            } else {
                more++;
            }
        }

        List<RulesEntry> read(String text) throws RulesFileException {
            if (text.startsWith("\ufeff")) {
                text = text.substring(1);
            }
            List<RulesEntry> entries = new ArrayList<>();
            long capacity = schema.capacity();
            long count = 0;
            int lineNumber = 0;
            int overflowLine = 0;
            int start = 0;
            while (start <= text.length()) {
                int nl = text.indexOf('\n', start);
                int stop = nl < 0 ? text.length() : nl;
                String line = text.substring(start, stop);
                start = stop + 1;
                lineNumber++;
                if (nl < 0 && line.isEmpty()) {
                    break;
                }
                try {
                    List<Token> tokens = tokens(line);
                    if (tokens.size() == 1) {
                        continue; // blank or a comment
                    }
                    Syntax syntax = new LineParser(line, tokens).entry();
                    RulesEntry entry = check(syntax, lineNumber);
                    count++;
                    if (count <= capacity) {
                        entries.add(entry);
                    } else if (overflowLine == 0) {
                        overflowLine = lineNumber;
                    }
                } catch (Bad bad) {
                    count++;
                    if (count > capacity && overflowLine == 0) {
                        overflowLine = lineNumber;
                    }
                    problem(lineNumber, bad.column, bad.getMessage());
                }
            }
            if (overflowLine > 0) {
                String room = capacity == 0
                        ? "table `" + schema.name() + "` has no room for loaded entries: its size is " + schema.size()
                                + " and the spec's " + schema.specEntries() + " entries fill it"
                        : "table `" + schema.name() + "` has size " + schema.size() + " and the spec gives "
                                + schema.specEntries() + " entries, so a rules file may add at most " + capacity;
                RulesFileException.Problem p = new RulesFileException.Problem(source, overflowLine, 1,
                        "too many entries: " + room + "; this file has " + count + " (raise the table's `size` or"
                                + " remove entries)");
                // Shown even when the list is full: it is the one problem that concerns the whole file.
                if (problems.size() < MAX_PROBLEMS) {
                    problems.add(p);
                    problems.sort((x, y) -> Integer.compare(x.line(), y.line()));
                } else {
                    problems.set(problems.size() - 1, p);
                    more++;
                }
            }
            if (!problems.isEmpty()) {
                throw new RulesFileException(problems, more);
            }
            return entries;
        }

        private RulesEntry check(Syntax s, int line) throws Bad {
            List<TableSchema.Key> keys = schema.keys();
            if (s.patterns().size() != keys.size()) {
                List<String> names = keys.stream().map(TableSchema.Key::name).toList();
                throw new Bad(s.column(), "table `" + schema.name() + "` has " + count(keys.size(), "key") + " ("
                        + String.join(", ", names) + ") but this entry gives " + count(s.patterns().size(), "pattern")
                        + (keys.size() > 1 && !s.parens() ? "; write (p1, p2, ...) => action" : ""));
            }
            List<KeyMatch> matches = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                matches.add(key(s.patterns().get(i), keys.get(i)));
            }
            Call call = s.action();
            int action = schema.actionIndex(call.name());
            if (action < 0) {
                List<String> names = schema.actions().stream().map(TableSchema.Action::name).toList();
                throw new Bad(call.column(), "`" + call.name() + "` is not an action of table `" + schema.name()
                        + "`" + similar(call.name(), names).map(n -> " (did you mean `" + n + "`?)").orElse(
                                "; its actions are " + String.join(", ", names.stream().map(n -> "`" + n + "`").toList())));
            }
            TableSchema.Action a = schema.actions().get(action);
            if (call.args().size() != a.data().size()) {
                String takes = a.data().isEmpty() ? "takes no data"
                        : "takes " + count(a.data().size(), "value") + " (" + String.join(", ",
                                a.data().stream().map(d -> d.name() + ": " + d.type().name()).toList()) + ")";
                String gives = call.args().isEmpty() && !call.parens() ? "this entry gives none: write " + a.name()
                        + "(" + String.join(", ", a.data().stream().map(TableSchema.Datum::name).toList()) + ")"
                        : "this entry gives " + call.args().size();
                throw new Bad(call.column(), "action `" + a.name() + "` " + takes + ", but " + gives);
            }
            List<Long> data = new ArrayList<>();
            for (int i = 0; i < a.data().size(); i++) {
                TableSchema.Datum d = a.data().get(i);
                Value v = call.args().get(i);
                String what = "`" + d.name() + "` of action `" + a.name() + "` (" + d.type().name() + ")";
                if (v.kind() == VK.WILDCARD) {
                    throw new Bad(v.column(), "`_` matches anything in a pattern, but " + what + " needs a value: "
                            + expectation(d.type()));
                }
                data.add(value(v, d.type(), what));
            }
            return new RulesEntry(matches, action, data, line);
        }

        private KeyMatch key(Pat p, TableSchema.Key k) throws Bad {
            ValueType t = k.type();
            String what = "key `" + k.name() + "` (" + t.name() + ")";
            if (t.kind() == ValueType.Kind.UNSUPPORTED) {
                throw new Bad(p.column(), what + " has a type that rules files cannot write yet");
            }
            switch (p.kind()) {
                case SINGLE -> {
                    Value v = p.a();
                    if (v.kind() == VK.WILDCARD) {
                        return k.match() == MatchKind.RANGE ? new KeyMatch.Range(min(t), max(t))
                                : new KeyMatch.Masked(0, 0);
                    }
                    if (v.kind() == VK.PREFIX) {
                        if (k.match() != MatchKind.LPM) {
                            throw new Bad(p.column(), "`" + p.text() + "` is a prefix, but " + what + " is matched by "
                                    + k.match().text() + ", which takes " + takes(k));
                        }
                        if (t.kind() != ValueType.Kind.IP4) {
                            throw new Bad(p.column(), "`" + p.text() + "` is an ip4 prefix, but " + what + " takes "
                                    + takes(k));
                        }
                        return new KeyMatch.Masked(v.number().longValue(), prefixMask(v.prefix()));
                    }
                    long x = value(v, t, what);
                    return k.match() == MatchKind.RANGE ? new KeyMatch.Range(x, x) : new KeyMatch.Masked(x, t.widthMask());
                }
                case RANGE -> {
                    if (k.match() != MatchKind.RANGE) {
                        throw new Bad(p.column(), "`" + p.text() + "` is a range, but " + what + " is matched by "
                                + k.match().text() + ", which takes " + takes(k));
                    }
                    long low = end(p.a(), t, what);
                    long high = end(p.b(), t, what);
                    boolean empty = t.kind() == ValueType.Kind.SIGNED ? low > high : Long.compareUnsigned(low, high) > 0;
                    if (empty) {
                        throw new Bad(p.column(), "the range `" + p.text() + "` is empty: its low end is above its high"
                                + " end (write the low end first)");
                    }
                    return new KeyMatch.Range(low, high);
                }
                case MASK -> {
                    if (k.match() != MatchKind.TERNARY) {
                        throw new Bad(p.column(), "`" + p.text() + "` is a ternary pattern, but " + what
                                + " is matched by " + k.match().text() + ", which takes " + takes(k));
                    }
                    if (p.a().kind() == VK.WILDCARD || p.b().kind() == VK.WILDCARD) {
                        throw new Bad(p.a().kind() == VK.WILDCARD ? p.a().column() : p.b().column(),
                                "`_` cannot be part of `value &&& mask`; a mask of 0 matches anything, and so does `_`"
                                        + " alone");
                    }
                    long x = value(p.a(), t, what);
                    long mask = mask(p.b(), t, what);
                    long outside = x & ~mask & t.widthMask();
                    if (outside != 0) {
                        throw new Bad(p.column(), "`" + p.text() + "` has bits set outside its mask, which would be"
                                + " ignored: write " + show(x & mask, t) + " &&& " + show(mask, t));
                    }
                    return new KeyMatch.Masked(x, mask);
                }
            }
            throw new IllegalStateException(p.kind().toString());
        }

        /** A range's end: a value, not `_` or a prefix. */
        private long end(Value v, ValueType t, String what) throws Bad {
            if (v.kind() == VK.WILDCARD) {
                throw new Bad(v.column(), "a range's ends are values; `_` alone matches every value");
            }
            return value(v, t, what);
        }

        /** A ternary mask: a value of the key's type, or any number that fits its width. */
        private long mask(Value v, ValueType t, String what) throws Bad {
            if (v.kind() == VK.INT) {
                BigInteger n = v.number();
                BigInteger limit = BigInteger.ONE.shiftLeft(t.bits());
                boolean fits = n.signum() >= 0 ? n.compareTo(limit) < 0
                        : t.kind() == ValueType.Kind.SIGNED && n.compareTo(limit.shiftRight(1).negate()) >= 0;
                if (!fits) {
                    throw new Bad(v.column(), "the mask `" + v.text() + "` does not fit in " + what
                            + ": a mask has at most " + t.bits() + " bits");
                }
                return n.longValue() & t.widthMask();
            }
            return value(v, t, what) & t.widthMask();
        }

        /** A value of type {@code t} for {@code what} (named in messages). */
        private long value(Value v, ValueType t, String what) throws Bad {
            if (t.kind() == ValueType.Kind.UNSUPPORTED) {
                throw new Bad(v.column(), what + " has a type that rules files cannot write yet");
            }
            String found = "`" + v.text() + "`";
            switch (v.kind()) {
                case INT -> {
                    BigInteger n = v.number();
                    switch (t.kind()) {
                        case UNSIGNED, SIGNED -> {
                            BigInteger lo = BigInteger.valueOf(min(t));
                            BigInteger hi = t.kind() == ValueType.Kind.SIGNED ? BigInteger.valueOf(max(t))
                                    : new BigInteger(Long.toUnsignedString(max(t)));
                            if (n.compareTo(lo) < 0 || n.compareTo(hi) > 0) {
                                throw new Bad(v.column(), found + " does not fit in " + what + ", which takes "
                                        + expectation(t));
                            }
                            return n.longValue();
                        }
                        case ENUM -> {
                            if (t.bits() == 0) {
                                throw new Bad(v.column(), what + " takes " + expectation(t) + ", not " + found
                                        + " (the enum has no wire type, so its cases have no numbers)");
                            }
                            if (n.signum() < 0 || n.bitLength() > t.bits()) {
                                throw new Bad(v.column(), found + " does not fit in " + what + ", which takes "
                                        + expectation(t));
                            }
                            return n.longValue();
                        }
                        default -> throw mismatch(v, t, what);
                    }
                }
                case IP4 -> {
                    if (t.kind() != ValueType.Kind.IP4) {
                        throw mismatch(v, t, what);
                    }
                    return v.number().longValue();
                }
                case MAC -> {
                    if (t.kind() != ValueType.Kind.MAC) {
                        throw mismatch(v, t, what);
                    }
                    return v.number().longValue();
                }
                case BOOL -> {
                    if (t.kind() != ValueType.Kind.BOOL) {
                        throw mismatch(v, t, what);
                    }
                    return v.number().longValue();
                }
                case PREFIX -> throw new Bad(v.column(), found + " is a prefix, which only an lpm key of type ip4 takes; "
                        + what + " takes " + expectation(t));
                case WILDCARD -> throw new Bad(v.column(), "`_` is not allowed here: " + what + " takes "
                        + expectation(t));
                case CASE -> {
                    if (t.kind() != ValueType.Kind.ENUM) {
                        throw mismatch(v, t, what);
                    }
                    if (!v.owner().equals(t.name())) {
                        throw new Bad(v.column(), found + " is not a case of " + t.name() + ": " + what + " takes "
                                + expectation(t));
                    }
                    Long value = t.cases().get(v.name());
                    if (value == null) {
                        String similar = similar(v.name(), t.cases().keySet())
                                .map(c -> " (did you mean " + t.name() + "." + c + "?)").orElse("");
                        throw new Bad(v.column() + v.owner().length() + 1, t.name() + " has no case `" + v.name()
                                + "`" + (similar.isEmpty() ? "; its cases are " + caseList(t) : similar));
                    }
                    return value;
                }
                case NAME -> {
                    String hint = t.kind() == ValueType.Kind.ENUM && t.cases().containsKey(v.name())
                            ? " (write the enum's name too: " + t.name() + "." + v.name() + ")" : "";
                    throw new Bad(v.column(), found + " is not a value: " + what + " takes " + expectation(t) + hint);
                }
            }
            throw new IllegalStateException(v.kind().toString());
        }

        private static Bad mismatch(Value v, ValueType t, String what) {
            return new Bad(v.column(), what + " takes " + expectation(t) + ", not `" + v.text() + "`");
        }

        /** What a pattern for key {@code k} may be. */
        private static String takes(TableSchema.Key k) {
            return switch (k.match()) {
                case EXACT -> "a value or `_`";
                case LPM -> k.type().kind() == ValueType.Kind.IP4 ? "a prefix like 10.0.0.0/8, an address or `_`"
                        : "a value or `_`";
                case TERNARY -> "`value &&& mask`, a value or `_`";
                case RANGE -> "`low..high`, a value or `_`";
            };
        }
    }

    /** How a value of type {@code t} is written, for messages: "a number from 0 to 255". */
    static String expectation(ValueType t) {
        return switch (t.kind()) {
            case UNSIGNED -> "a number from 0 to " + Long.toUnsignedString(max(t));
            case SIGNED -> "a number from " + min(t) + " to " + max(t);
            case BOOL -> "true or false";
            case IP4 -> "an IPv4 address like 192.0.2.1";
            case MAC -> "a MAC address like 02:00:00:00:00:01";
            case ENUM -> "a case of " + t.name() + (t.cases().isEmpty() ? ""
                    : " like " + t.name() + "." + t.cases().keySet().iterator().next())
                    + (t.bits() > 0 ? " or a number from 0 to " + Long.toUnsignedString(t.widthMask()) : "");
            case UNSUPPORTED -> "a value of type " + t.name() + ", which rules files cannot write yet";
        };
    }

    private static String caseList(ValueType t) {
        List<String> names = new ArrayList<>();
        int shown = 0;
        for (Map.Entry<String, Long> c : t.cases().entrySet()) {
            if (shown++ == 16) {
                names.add("...");
                break;
            }
            names.add(c.getKey());
        }
        return String.join(", ", names);
    }

    private static String show(long v, ValueType t) {
        return switch (t.kind()) {
            case IP4 -> dotted(v);
            case MAC -> String.format("%02x:%02x:%02x:%02x:%02x:%02x", v >>> 40 & 255, v >>> 32 & 255,
                    v >>> 24 & 255, v >>> 16 & 255, v >>> 8 & 255, v & 255);
            default -> "0x" + Long.toHexString(v & t.widthMask());
        };
    }

    /** The smallest value of the type, as a long (sign-extended for signed types). */
    private static long min(ValueType t) {
        return t.kind() == ValueType.Kind.SIGNED ? -1L << (t.bits() - 1) : 0;
    }

    /** The largest value of the type, as a long (all ones for a u64). */
    private static long max(ValueType t) {
        return t.kind() == ValueType.Kind.SIGNED ? ~(-1L << (t.bits() - 1)) : t.widthMask();
    }

    /** The name most like {@code name}: the same but for case, or a few letters off. */
    static java.util.Optional<String> similar(String name, java.util.Collection<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = n.equalsIgnoreCase(name) ? 0 : distance(n.toLowerCase(java.util.Locale.ROOT),
                    name.toLowerCase(java.util.Locale.ROOT)) + 1;
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return bestDistance <= 1 + Math.min(2, Math.max(1, name.length() / 4)) ? java.util.Optional.of(best)
                : java.util.Optional.empty();
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
