package dev.appl.language;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.JsonDiagnostics;
import dev.appl.language.diag.Note;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import dev.appl.language.format.AstEquality;
import dev.appl.language.format.Formatter;
import dev.appl.language.resolve.ModuleLoader;
import dev.appl.language.syntax.ApplLexer;
import dev.appl.language.syntax.ParseResult;
import dev.appl.language.syntax.Parsing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Feeds the front end broken specs and checks that it answers with diagnostics only. Every spec in
 * the repository's {@code stdlib/} and {@code samples/} is mutated many times with fixed seeds
 * (tokens deleted, duplicated, swapped or inserted; characters deleted, duplicated, swapped or
 * inserted, non-ASCII and control characters among them; truncation; invalid UTF-8 fed as bytes),
 * and each mutant is compiled in batch mode and in editor mode (which goes on past syntax errors).
 * A run fails on any exception or error (a {@link StackOverflowError} included), and on a
 * diagnostic without a span inside its source. A mutant that parses without syntax errors must
 * also format to text that parses to the same tree, formats to itself, and keeps every comment.
 *
 * <p>A failure prints the seed and the mutation, and writes the input to
 * {@code target/mutation-failures/}; {@code -Dmutation.replay=FILE_OR_FOLDER} runs saved inputs
 * again. {@code -Dmutation.runs=N} sets the number of mutants per spec and kind of mutation.
 */
class MutationTest {
    private static final Path ROOT = repoRoot();
    private static final Path STDLIB = ROOT.resolve("stdlib");
    private static final Path FAILURES = Path.of("target", "mutation-failures").toAbsolutePath();
    /** Mutants per spec and kind: 16 specs x 12 kinds x 26 is about 5,000 runs. */
    private static final int RUNS = Integer.getInteger("mutation.runs", 26);
    /** Per parameterized case: a hang is reported as the seed that was running. */
    private static final Duration CASE_TIMEOUT = Duration.ofSeconds(120);

    private static final AtomicLong totalRuns = new AtomicLong();
    private static final AtomicLong totalNanos = new AtomicLong();
    private static final AtomicLong slowestNanos = new AtomicLong();
    private static final AtomicReference<String> slowest = new AtomicReference<>("");

    // ---- The mutations -------------------------------------------------------------------------

    /** A mutated spec: as text (fed with {@code Compilation.add(path, text)}) or as raw bytes. */
    record Mutant(String description, String text, byte[] bytes) {
        static Mutant text(String description, String text) {
            return new Mutant(description, text, text.getBytes(UTF_8));
        }

        static Mutant bytes(String description, byte[] bytes) {
            return new Mutant(description, null, bytes);
        }

        /** The text the compiler sees: undecodable bytes become U+FFFD, as in the loader. */
        String decoded() {
            return text != null ? text : new String(bytes, UTF_8);
        }
    }

    /** One edit of a text: what was done, and the result. */
    record Edit(String description, String text) {}

    enum Kind {
        DELETE_TOKEN(MutationTest::deleteToken),
        DUPLICATE_TOKEN(MutationTest::duplicateToken),
        SWAP_TOKENS(MutationTest::swapTokens),
        INSERT_TOKEN(MutationTest::insertToken),
        REPLACE_TOKEN(MutationTest::replaceToken),
        DELETE_CHARS(MutationTest::deleteChars),
        DUPLICATE_CHARS(MutationTest::duplicateChars),
        SWAP_CHARS(MutationTest::swapChars),
        INSERT_CHARS(MutationTest::insertChars),
        TRUNCATE(MutationTest::truncate),
        INVALID_UTF8(null),
        MIXED(null);

        private final TextMutation mutation;

        Kind(TextMutation mutation) {
            this.mutation = mutation;
        }

        Mutant mutate(Random random, String text, byte[] bytes) {
            return switch (this) {
                case INVALID_UTF8 -> invalidUtf8(random, bytes, 1 + random.nextInt(3));
                case MIXED -> mixed(random, text);
                default -> {
                    Edit e = mutation.apply(random, text);
                    yield Mutant.text(e.description(), e.text());
                }
            };
        }
    }

    interface TextMutation {
        Edit apply(Random random, String text);
    }

    private static final Kind[] TEXT_KINDS = Arrays.stream(Kind.values()).filter(k -> k.mutation != null)
            .toArray(Kind[]::new);

    private static Mutant mixed(Random random, String text) {
        int n = 2 + random.nextInt(5);
        List<String> steps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Edit e = TEXT_KINDS[random.nextInt(TEXT_KINDS.length)].mutation.apply(random, text);
            steps.add(e.description());
            text = e.text();
        }
        if (random.nextInt(4) == 0) {
            Mutant m = invalidUtf8(random, text.getBytes(UTF_8), 1);
            steps.add(m.description());
            return Mutant.bytes(String.join("; then ", steps), m.bytes());
        }
        return Mutant.text(String.join("; then ", steps), text);
    }

    /** The code tokens (not white space or comments) as [start, end) ranges of UTF-16 offsets. */
    private static List<int[]> tokens(String text) {
        ApplLexer lexer = new ApplLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        List<int[]> out = new ArrayList<>();
        // The lexer counts code points; the text is indexed in UTF-16 units.
        int cp = 0;
        int offset = 0;
        for (Token t : lexer.getAllTokens()) {
            if (t.getChannel() != Token.DEFAULT_CHANNEL) {
                continue;
            }
            offset = text.offsetByCodePoints(offset, t.getStartIndex() - cp);
            cp = t.getStartIndex();
            int end = text.offsetByCodePoints(offset, t.getStopIndex() + 1 - cp);
            out.add(new int[] {offset, end});
        }
        return out;
    }

    private static String where(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return "offset " + offset + " (line " + line + ")";
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("`");
        s.codePoints().limit(40).forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && !Character.isLetterOrDigit(c))) {
                out.append(String.format("\\u%04X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(s.codePointCount(0, s.length()) > 40 ? "...`" : "`").toString();
    }

    private static Edit deleteToken(Random random, String text) {
        List<int[]> tokens = tokens(text);
        if (tokens.isEmpty()) {
            return truncate(random, text);
        }
        int[] t = tokens.get(random.nextInt(tokens.size()));
        return new Edit("delete token " + quote(text.substring(t[0], t[1])) + " at " + where(text, t[0]),
                text.substring(0, t[0]) + text.substring(t[1]));
    }

    private static Edit duplicateToken(Random random, String text) {
        List<int[]> tokens = tokens(text);
        if (tokens.isEmpty()) {
            return insertChars(random, text);
        }
        int[] t = tokens.get(random.nextInt(tokens.size()));
        String token = text.substring(t[0], t[1]);
        String sep = random.nextBoolean() ? " " : "";
        return new Edit("duplicate token " + quote(token) + " at " + where(text, t[0]),
                text.substring(0, t[1]) + sep + token + text.substring(t[1]));
    }

    private static Edit swapTokens(Random random, String text) {
        List<int[]> tokens = tokens(text);
        if (tokens.size() < 2) {
            return deleteChars(random, text);
        }
        int i = random.nextInt(tokens.size() - 1);
        // Half the time neighbours (`a: u8` -> `: a u8`), else anywhere later in the file.
        int j = random.nextBoolean() ? i + 1 : i + 1 + random.nextInt(tokens.size() - i - 1);
        int[] a = tokens.get(i);
        int[] b = tokens.get(j);
        String ta = text.substring(a[0], a[1]);
        String tb = text.substring(b[0], b[1]);
        return new Edit("swap tokens " + quote(ta) + " at " + where(text, a[0]) + " and " + quote(tb) + " at "
                + where(text, b[0]),
                text.substring(0, a[0]) + tb + text.substring(a[1], b[0]) + ta + text.substring(b[1]));
    }

    /** Tokens worth inserting: every keyword and punctuation, and literals at the edges of their kind. */
    private static final List<String> INSERTABLE = insertable();

    private static List<String> insertable() {
        List<String> out = new ArrayList<>();
        for (int type = 1; type <= ApplLexer.VOCABULARY.getMaxTokenType(); type++) {
            String literal = ApplLexer.VOCABULARY.getLiteralName(type);
            if (literal != null) {
                out.add(literal.substring(1, literal.length() - 1));
            }
        }
        out.addAll(List.of("x", "u8", "u0", "u65", "i1", "i64", "u9999999999", "bytes", "packet", "std", "_",
                "0", "1", "300", "-1", "0x", "0x_", "0b", "0b2", "0xFFFFFFFFFFFFFFFF", "0x1FFFFFFFFFFFFFFFF",
                "999999999999999999999999", "1_000", "64KiB", "0B", "99999999999999999999TiB", "10ms", "0ns",
                "99999999999999999999h", "10.0.0.1", "256.1.1.1", "10.0.0.0/8", "10.0.0.1/8", "1.2.3.4/99",
                "0.0.0.0/0", "fe80::1", "::", "::/0", "fe80::/10", "fe80::1/200", "::ffff:1.2.3.4",
                "1:2:3:4:5:6:7:8", "ab:cd:ef:01:23:45", "\"s\"", "\"\"", "\"\\\"", "x\"\"", "x\"de ad\"",
                "x\"d\"", "x\"zz\"", "true", "false", "..", "...", "&&&", "=>", "->", "//", "/*", "*/", "///"));
        return List.copyOf(out);
    }

    private static Edit insertToken(Random random, String text) {
        List<int[]> tokens = tokens(text);
        int at = tokens.isEmpty() ? 0 : tokens.get(random.nextInt(tokens.size()))[random.nextInt(2)];
        String token = INSERTABLE.get(random.nextInt(INSERTABLE.size()));
        String padded = switch (random.nextInt(3)) {
            case 0 -> token;
            case 1 -> " " + token + " ";
            default -> token + " ";
        };
        return new Edit("insert token " + quote(token) + " at " + where(text, at),
                text.substring(0, at) + padded + text.substring(at));
    }

    /**
     * Replaces a token with another token of the same file or an insertable one: mostly keeps the
     * spec parsing, so that the checkers behind the parser see odd names, literals and operators.
     */
    private static Edit replaceToken(Random random, String text) {
        List<int[]> tokens = tokens(text);
        if (tokens.isEmpty()) {
            return insertToken(random, text);
        }
        int[] t = tokens.get(random.nextInt(tokens.size()));
        String replacement;
        if (random.nextBoolean()) {
            int[] other = tokens.get(random.nextInt(tokens.size()));
            replacement = text.substring(other[0], other[1]);
        } else {
            replacement = INSERTABLE.get(random.nextInt(INSERTABLE.size()));
        }
        return new Edit("replace token " + quote(text.substring(t[0], t[1])) + " at " + where(text, t[0]) + " with "
                + quote(replacement), text.substring(0, t[0]) + replacement + text.substring(t[1]));
    }

    /** A random run length, mostly short. */
    private static int runLength(Random random) {
        return random.nextInt(4) == 0 ? 1 + random.nextInt(40) : 1 + random.nextInt(2);
    }

    private static Edit deleteChars(Random random, String text) {
        if (text.isEmpty()) {
            return insertChars(random, text);
        }
        int at = random.nextInt(text.length());
        int end = Math.min(text.length(), at + runLength(random));
        return new Edit("delete " + quote(text.substring(at, end)) + " at " + where(text, at),
                text.substring(0, at) + text.substring(end));
    }

    private static Edit duplicateChars(Random random, String text) {
        if (text.isEmpty()) {
            return insertChars(random, text);
        }
        int at = random.nextInt(text.length());
        int end = Math.min(text.length(), at + runLength(random));
        String run = text.substring(at, end);
        return new Edit("duplicate " + quote(run) + " at " + where(text, at),
                text.substring(0, end) + run + text.substring(end));
    }

    private static Edit swapChars(Random random, String text) {
        if (text.length() < 2) {
            return insertChars(random, text);
        }
        int i = random.nextInt(text.length() - 1);
        int j = random.nextBoolean() ? i + 1 : i + 1 + random.nextInt(text.length() - i - 1);
        char[] chars = text.toCharArray();
        char c = chars[i];
        chars[i] = chars[j];
        chars[j] = c;
        return new Edit("swap " + quote(String.valueOf(chars[j])) + " at " + where(text, i) + " and "
                + quote(String.valueOf(chars[i])) + " at " + where(text, j), new String(chars));
    }

    private static final String QUOTES = "\"'`";
    private static final String BRACKETS = "(){}[]<>";
    /**
     * Characters beyond ASCII: letters, a CJK character, an emoji (a surrogate pair), a lone
     * surrogate, NUL and other controls, a byte order mark, line and paragraph separators, NBSP,
     * a zero-width space, the replacement character.
     */
    private static final List<String> UNUSUAL = List.of("é", "ß", "中", "😀", "\uD800", "\uDC00", "\u0000",
            "\u0001", "\u001B", "\u007F", "\uFEFF", "\u2028", "\u2029", "\u00A0", "\u200B", "\uFFFD", "\u0085",
            "\f", "\t", "\r", "\n", "\r\n");

    private static String randomChars(Random random) {
        int n = runLength(random);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(4)) {
                case 0 -> out.append((char) (0x20 + random.nextInt(0x5f)));
                case 1 -> out.append(QUOTES.charAt(random.nextInt(QUOTES.length())));
                case 2 -> out.append(BRACKETS.charAt(random.nextInt(BRACKETS.length())));
                default -> out.append(UNUSUAL.get(random.nextInt(UNUSUAL.size())));
            }
        }
        return out.toString();
    }

    private static Edit insertChars(Random random, String text) {
        int at = random.nextInt(text.length() + 1);
        String chars = randomChars(random);
        return new Edit("insert " + quote(chars) + " at " + where(text, at),
                text.substring(0, at) + chars + text.substring(at));
    }

    private static Edit truncate(Random random, String text) {
        int at = text.isEmpty() ? 0 : random.nextInt(text.length());
        return new Edit("truncate at " + where(text, at), text.substring(0, at));
    }

    /**
     * Byte sequences that are not UTF-8: an invalid continuation, bytes never used, a lone
     * continuation byte, overlong forms, encoded surrogates, code points above U+10FFFF, and
     * multi-byte sequences cut short.
     */
    private static final int[][] BAD_UTF8 = {
        {0xC3, 0x28}, {0xFF}, {0xFE}, {0x80}, {0xBF}, {0xC0, 0xAF}, {0xC1, 0xBF}, {0xE0, 0x80, 0xAF},
        {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF8, 0x88, 0x80, 0x80, 0x80}, {0xC3}, {0xE2, 0x82},
        {0xF0, 0x9F, 0x98}, {0xE2, 0x28, 0xA1}, {0xF0, 0x28, 0x8C, 0x28}, {0x00}, {0xEF, 0xBB, 0xBF}
    };

    private static Mutant invalidUtf8(Random random, byte[] bytes, int edits) {
        List<String> steps = new ArrayList<>();
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(bytes.length + 1);
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    int[] bad = BAD_UTF8[random.nextInt(BAD_UTF8.length)];
                    if (random.nextInt(5) == 0) {
                        at = random.nextBoolean() ? 0 : bytes.length;
                    }
                    byte[] seq = new byte[bad.length];
                    for (int i = 0; i < bad.length; i++) {
                        seq[i] = (byte) bad[i];
                    }
                    steps.add("insert bytes " + hex(seq) + " at byte " + at);
                    bytes = splice(bytes, at, at, seq);
                }
                case 2 -> {
                    if (bytes.length == 0) {
                        continue;
                    }
                    at = Math.min(at, bytes.length - 1);
                    byte b = (byte) (0x80 + random.nextInt(0x80));
                    steps.add("replace byte " + at + " with " + hex(new byte[] {b}));
                    bytes = splice(bytes, at, at + 1, new byte[] {b});
                }
                case 3 -> {
                    // Cut a multi-byte character in half: append one and truncate inside it.
                    byte[] ch = UNUSUAL.get(random.nextInt(4)).getBytes(UTF_8);
                    int keep = 1 + random.nextInt(ch.length - 1);
                    steps.add("append the first " + keep + " of bytes " + hex(ch));
                    bytes = splice(bytes, bytes.length, bytes.length, Arrays.copyOf(ch, keep));
                }
                default -> {
                    // Truncate, perhaps inside a multi-byte character (the samples have some).
                    steps.add("truncate at byte " + at);
                    bytes = Arrays.copyOf(bytes, at);
                }
            }
        }
        return Mutant.bytes(steps.isEmpty() ? "no change" : String.join("; then ", steps), bytes);
    }

    private static byte[] splice(byte[] bytes, int from, int to, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, from);
        out.writeBytes(insert);
        out.write(bytes, to, bytes.length - to);
        return out.toByteArray();
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(out.isEmpty() ? "" : " ").append(String.format("%02X", b & 0xff));
        }
        return out.toString();
    }

    // ---- The checks ----------------------------------------------------------------------------

    /** Compiles a mutant in both modes and formats it; returns what went wrong (nothing, normally). */
    static List<String> problems(Path file, Mutant mutant) {
        List<String> problems = new ArrayList<>();
        Path absolute = file.toAbsolutePath().normalize();
        ModuleLoader.SourceReader reader = p -> p.toAbsolutePath().normalize().equals(absolute)
                ? mutant.bytes().clone() : Files.readAllBytes(p);
        for (boolean editor : new boolean[] {false, true}) {
            String mode = editor ? "editor mode" : "batch mode";
            try {
                Compilation compilation = new Compilation(STDLIB, reader, editor);
                if (mutant.text() != null) {
                    compilation.add(file, mutant.text());
                } else {
                    compilation.add(file);
                }
                Compilation.Result result = compilation.check();
                for (Diagnostic d : result.diagnostics().all()) {
                    checkDiagnostic(d, mode, problems);
                }
            } catch (Throwable t) {
                problems.add(mode + ": threw " + trace(t));
            }
        }
        try {
            checkFormatting(mutant.decoded(), problems);
        } catch (Throwable t) {
            problems.add("formatter: threw " + trace(t));
        }
        return problems;
    }

    private static void checkDiagnostic(Diagnostic d, String mode, List<String> problems) {
        String bad = badSpan(d.span());
        if (bad != null) {
            problems.add(mode + ": " + d.code().id() + " \"" + d.message() + "\" has " + bad);
            return;
        }
        for (Note note : d.notes()) {
            if (note.span() != null && (bad = badSpan(note.span())) != null) {
                problems.add(mode + ": a note of " + d.code().id() + " \"" + note.message() + "\" has " + bad);
                return;
            }
        }
        // What a user sees must print too.
        DiagnosticRenderer.render(d);
        JsonDiagnostics.render(d);
    }

    private static String badSpan(Span span) {
        if (span == null) {
            return "no span";
        }
        if (span.source() == null || span.source().text() == null) {
            return "a span without a source";
        }
        int length = span.source().text().length();
        if (span.start() < 0 || span.end() < span.start() || span.end() > length) {
            return "span [" + span.start() + ", " + span.end() + ") outside its source of " + length + " chars";
        }
        return null;
    }

    /** Text that parses cleanly must format to text that parses to the same tree and formats to itself. */
    private static void checkFormatting(String text, List<String> problems) {
        ParseResult before = Parsing.parse(new Source("mutant.appl", text), new Diagnostics());
        if (before.hasSyntaxErrors() || before.tree() == null) {
            return;
        }
        String once = Formatter.format(before.tree(), before.tokens());
        Diagnostics diagnostics = new Diagnostics();
        ParseResult after = Parsing.parse(new Source("formatted.appl", once), diagnostics);
        if (after.hasSyntaxErrors() || after.tree() == null) {
            problems.add("formatter: its output has syntax errors: "
                    + diagnostics.sorted().stream().limit(3).map(DiagnosticRenderer::render).toList()
                    + "\n--- formatted ---\n" + once);
            return;
        }
        String difference = AstEquality.difference(before.unit(), after.unit());
        if (difference != null) {
            problems.add("formatter: its output parses to a different tree: " + difference
                    + "\n--- formatted ---\n" + once);
        }
        String twice = Formatter.format(after.tree(), after.tokens());
        if (!twice.equals(once)) {
            problems.add("formatter: not idempotent: " + firstDifference(once, twice));
        }
        List<String> commentsBefore = comments(text);
        List<String> commentsAfter = comments(once);
        if (!commentsBefore.equals(commentsAfter)) {
            problems.add("formatter: comments changed: " + commentsBefore + " -> " + commentsAfter);
        }
    }

    /** The sorted comment texts, with line ends and trailing blanks of line comments normalised as the formatter does. */
    private static List<String> comments(String text) {
        ApplLexer lexer = new ApplLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        List<String> out = new ArrayList<>();
        for (Token t : lexer.getAllTokens()) {
            if (t.getChannel() == ApplLexer.COMMENTS) {
                String c = t.getText().replace("\r\n", "\n").replace('\r', '\n');
                out.add(t.getType() == ApplLexer.BLOCK_COMMENT ? c : c.stripTrailing());
            }
        }
        out.sort(null);
        return out;
    }

    static String firstDifference(String a, String b) {
        List<String> la = a.lines().toList();
        List<String> lb = b.lines().toList();
        for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
            String x = i < la.size() ? la.get(i) : "<end>";
            String y = i < lb.size() ? lb.get(i) : "<end>";
            if (!x.equals(y)) {
                return "line " + (i + 1) + ":\n  - " + x + "\n  + " + y;
            }
        }
        return "line ends differ";
    }

    private static String trace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        // A stack overflow prints a thousand frames; the top shows the loop.
        return out.toString().lines().limit(30).reduce((a, b) -> a + "\n" + b).orElse("") + "\n";
    }

    // ---- Running ---------------------------------------------------------------------------------

    static Stream<Arguments> specsAndKinds() {
        return specFiles().stream()
                .flatMap(file -> Arrays.stream(Kind.values()).map(kind -> Arguments.of(file, kind)));
    }

    static List<String> specFiles() {
        List<String> files = new ArrayList<>();
        for (String dir : List.of("stdlib", "samples")) {
            try (Stream<Path> walk = Files.walk(ROOT.resolve(dir))) {
                walk.filter(p -> p.toString().endsWith(".appl"))
                        .map(p -> ROOT.relativize(p).toString().replace('\\', '/'))
                        .sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        if (files.size() < 10) {
            throw new IllegalStateException("expected the specs of stdlib/ and samples/ under " + ROOT + ", found " + files);
        }
        return files;
    }

    /** Fixed per spec, kind and run, and independent of which other specs exist. */
    static long seed(String file, Kind kind, int run) {
        return ((long) file.hashCode() << 32) ^ ((long) kind.ordinal() << 20) ^ run;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("specsAndKinds")
    void mutantsGetDiagnosticsOnly(String file, Kind kind) throws IOException {
        Path path = ROOT.resolve(file);
        byte[] bytes = Files.readAllBytes(path);
        String text = new String(bytes, UTF_8);
        List<String> failures = new ArrayList<>();
        AtomicReference<String> running = new AtomicReference<>("");
        assertTimeoutPreemptively(CASE_TIMEOUT, () -> {
            for (int run = 0; run < RUNS; run++) {
                long seed = seed(file, kind, run);
                Mutant mutant = kind.mutate(new Random(seed), text, bytes);
                running.set("seed " + seed + ", " + mutant.description());
                List<String> problems = timed(file + " seed " + seed, () -> problems(path, mutant));
                if (!problems.isEmpty()) {
                    failures.add(failure(file, kind.name(), seed, mutant, problems));
                }
            }
        }, () -> "timed out; running " + running.get());
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + RUNS + " mutants of " + file + " (" + kind + ") failed:\n\n"
                    + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
        }
    }

    private static <T> T timed(String what, java.util.function.Supplier<T> work) {
        long start = System.nanoTime();
        T result = work.get();
        long nanos = System.nanoTime() - start;
        totalRuns.incrementAndGet();
        totalNanos.addAndGet(nanos);
        if (nanos > slowestNanos.get()) {
            slowestNanos.set(nanos);
            slowest.set(what);
        }
        return result;
    }

    /** Saves the input and describes the failure so that it can be reproduced. */
    private static String failure(String file, String kind, long seed, Mutant mutant, List<String> problems) {
        String stem = Path.of(file).getFileName().toString().replace(".appl", "");
        Path input = FAILURES.resolve(stem + "-" + kind + "-" + seed + ".appl");
        String report = "file " + file + ", kind " + kind + ", seed " + seed + "\nmutation: " + mutant.description()
                + "\ninput: " + input + "\nproblems:\n  " + String.join("\n  ", problems) + "\n";
        try {
            Files.createDirectories(FAILURES);
            Files.write(input, mutant.bytes());
            Files.writeString(FAILURES.resolve(stem + "-" + kind + "-" + seed + ".txt"), report);
        } catch (IOException e) {
            report += "(could not save the input: " + e + ")\n";
        }
        System.err.println("MUTATION FAILURE: " + report);
        return report;
    }

    @AfterAll
    static void printTimings() {
        long runs = totalRuns.get();
        if (runs > 0) {
            System.err.printf("MutationTest: %d runs (each: both modes and the formatter) in %.1f s, %.1f ms per run;"
                    + " slowest %.0f ms (%s)%n", runs, totalNanos.get() / 1e9, totalNanos.get() / 1e6 / runs,
                    slowestNanos.get() / 1e6, slowest.get());
        }
    }

    // ---- Hand-written nasty inputs -------------------------------------------------------------

    static Stream<Named<byte[]>> nastyInputs() {
        List<Named<byte[]>> inputs = new ArrayList<>();
        Function<String, byte[]> utf8 = s -> s.getBytes(UTF_8);
        String mb = "x".repeat(1 << 20);
        String parens = "(".repeat(10_000);
        String closing = ")".repeat(10_000);
        Object[][] texts = {
            {"empty file", ""},
            {"only {{{{", "{{{{"},
            {"10,000 nested parens", parens + closing},
            {"10,000 nested parens in a const", "const X: u8 = " + parens + "1" + closing},
            {"10,000 unclosed parens", parens},
            {"10,000 nested blocks", "fn f() " + "{".repeat(10_000) + "}".repeat(10_000)},
            {"10,000 unary minus signs", "-".repeat(10_000)},
            {"10,000 unary minus signs in a const", "const X: i8 = " + "-".repeat(10_000) + "1"},
            {"10,000 unary minus signs in a fn", "fn f() -> i8 {\n    return " + "-".repeat(10_000) + "1\n}\n"},
            {"10,000 unary ~ in a const", "const X: u8 = " + "~".repeat(10_000) + "1"},
            {"10,000 nots in a const", "const X: bool = " + "not ".repeat(10_000) + "true"},
            {"10,000 additions in a const", "const X: u32 = 1" + " + 1".repeat(10_000)},
            {"10,000 casts in a const", "const X: u32 = 1" + " as u32".repeat(10_000)},
            {"10,000 field accesses", "fn f(x: u8) {\n    let y: u8 = x" + ".a".repeat(10_000) + "\n}\n"},
            {"10,000 calls", "fn f() {\n    f" + "()".repeat(10_000) + "\n}\n"},
            {"10,000 indexes", "fn f(d: bytes) {\n    let y: u8 = d" + "[0]".repeat(10_000) + "\n}\n"},
            {"10,000 else ifs", "fn f(x: u8) {\n    if x == 0 {\n    }" + " else if x == 1 {\n    }".repeat(10_000) + "\n}\n"},
            {"a 1 MB line comment", "// " + mb + "\n"},
            {"a 1 MB name", "const " + mb + ": u8 = 1\n"},
            {"a 1 MB string", "appliance A {\n    param p: path = \"" + mb + "\"\n}\n"},
            {"a 10,000-digit number", "const X: u8 = " + "9".repeat(10_000) + "\n"},
            {"a 10,000-digit hex number", "const X: u8 = 0x" + "f".repeat(10_000) + "\n"},
            {"a 1 MB line of names", "const X: u8 = 1\n" + "a ".repeat(1 << 19)},
            {"a 1 MB line of ERROR_CHARs", "#".repeat(1 << 20)},
            {"NUL bytes", "\0\0\0"},
            {"NUL bytes in a spec", "appliance A {\0\n    counter c\0\n}\n"},
            {"a lone quote", "\""},
            {"a quote then a newline", "const S: path = \"abc\nconst X: u8 = 1\n"},
            {"unterminated block comment", "/*"},
            {"unterminated block comment after code", "const X: u8 = 1 /* never closed\n\n"},
            {"unterminated byte string", "x\""},
            {"unterminated byte string in a const", "const B: bytes = x\"de ad"},
            {"byte string with odd digits", "const B: bytes = x\"d\""},
            {"0x", "0x"},
            {"0x in a const", "const X: u8 = 0x"},
            {"0x_ in a const", "const X: u8 = 0x_"},
            {"0b2 in a const", "const X: u8 = 0b2"},
            {"a 24-digit number", "999999999999999999999999"},
            {"a 24-digit number in a const", "const X: u64 = 999999999999999999999999"},
            {"a 24-digit size", "const X: size = 999999999999999999999999TiB"},
            {"a 24-digit duration", "const X: duration = 999999999999999999999999h"},
            {"1.2.3.4/99", "1.2.3.4/99"},
            {"1.2.3.4/99 in a const", "const P: prefix4 = 1.2.3.4/99"},
            {"999.999.999.999 in a const", "const A: ip4 = 999.999.999.999"},
            {"::::", "::::"},
            {":::: in a const", "const A: ip6 = ::::"},
            {"fe80::1::2", "fe80::1::2"},
            {"fe80::1::2 in a const", "const A: ip6 = fe80::1::2"},
            {"an IPv6 prefix of 999", "const A: prefix6 = ::/999"},
            {"an IPv6 group of 5 digits", "const A: ip6 = 12345::1"},
            {"width u0 and u999999999999", "struct S {\n    a: u0\n    b: u999999999999\n    c: i1\n}\n"},
            {"a huge array", "const A: [u8; 999999999999999999999] = [1]\n"},
            {"division by zero", "const X: u8 = 1 / 0\nconst Y: u8 = 1 % 0\n"},
            {"shift by a lot", "const X: u64 = 1 << 99999999999\nconst Y: u64 = 1 >> 64\n"},
            {"a byte order mark", "\uFEFFconst X: u8 = 1\n"},
            {"carriage returns only", "const X: u8 = 1\rconst Y: u8 = 300\r"},
            {"an emoji before an error", "// 😀😀😀\nconst X: u8 = 300\nconst ?\n"},
            {"a line separator", "const X: u8 = 1\u2028const Y: u8 = 2\n"},
            {"a lone surrogate", "const X\uD800: u8 = 1\n"},
            {"an import of itself", "import nasty.{X}\nconst X: u8 = 1\n"},
            {"an import of std alone", "import std\nimport std.{X}\nimport std.net\n"},
            {"an import of nowhere", "import ../../etc/passwd\nimport a..b\nimport .\n"},
            {"only keywords", String.join(" ", INSERTABLE)},
            {"a header with a negative length", "header H {\n    a: u8\n    b: bytes[a - 300]\n}\n"},
            {"a parser that loops", "parser P(p: packet) {\n    goto a\n    state a {\n        goto a\n    }\n}\n"},
            {"5,000 duplicate consts", "const X: u8 = 1\n".repeat(5_000)},
        };
        for (Object[] t : texts) {
            inputs.add(Named.of((String) t[0], utf8.apply((String) t[1])));
        }
        byte[] valid = "const X: u8 = 1\n".getBytes(UTF_8);
        inputs.add(Named.of("bytes C3 28", new byte[] {(byte) 0xC3, 0x28}));
        inputs.add(Named.of("byte FF", new byte[] {(byte) 0xFF}));
        inputs.add(Named.of("bytes C3 28 in a spec", splice(valid, 6, 6, new byte[] {(byte) 0xC3, 0x28})));
        inputs.add(Named.of("byte FF at the end of a spec", splice(valid, valid.length, valid.length, new byte[] {(byte) 0xFF})));
        inputs.add(Named.of("a truncated 3-byte character", new byte[] {'/', '/', ' ', (byte) 0xE2, (byte) 0x82}));
        inputs.add(Named.of("a truncated 4-byte character in a name",
                splice(valid, 7, 7, new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98})));
        inputs.add(Named.of("an encoded surrogate", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80, '1'}));
        inputs.add(Named.of("an overlong slash", new byte[] {'/', (byte) 0xC0, (byte) 0xAF, '/'}));
        inputs.add(Named.of("only continuation bytes", new byte[] {(byte) 0x80, (byte) 0x81, (byte) 0xBF}));
        return inputs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nastyInputs")
    void nastyInputsGetDiagnosticsOnly(byte[] input, TestInfo info) {
        Path file = Path.of("target", "mutation-inputs", "nasty.appl");
        Mutant mutant = Mutant.bytes("hand-written", input);
        AtomicReference<List<String>> problems = new AtomicReference<>();
        assertTimeoutPreemptively(CASE_TIMEOUT, () -> problems.set(problems(file, mutant)));
        if (!problems.get().isEmpty()) {
            String name = info.getDisplayName().replaceAll("[^A-Za-z0-9]+", "_");
            fail(failure("nasty-" + name + ".appl", "HAND_WRITTEN", 0, mutant, problems.get()));
        }
    }

    /**
     * A long number is refused as larger than 64 bits, but only after it was converted to a
     * BigInteger, which takes time quadratic in its length: about 20 s for a 1 MB number, on every
     * parse (the language server parses on each change).
     */
    @Test
    void aMegabyteLongNumberIsRefusedQuickly() {
        Source source = new Source("long-number.appl", "const X: u64 = " + "9".repeat(1 << 20) + "\n");
        Diagnostics diagnostics = new Diagnostics();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Parsing.parse(source, diagnostics),
                "parsing a 1 MB number");
        assertTrue(diagnostics.hasErrors());
    }

    /**
     * Spans are offsets in the text's UTF-16 units (what {@link Source} and editors count), but the
     * lexer counts code points: after a character outside the BMP (an emoji in a comment) every span
     * on the rest of the file points one unit too far left, per such character.
     */
    @ParameterizedTest
    @MethodSource("textsWithAstralCharacters")
    void spansPointAtTheirTextAfterACharacterOutsideTheBmp(String text, String expectedSpanText) {
        Compilation compilation = new Compilation(STDLIB, p -> text.getBytes(UTF_8), true);
        compilation.add(Path.of("astral.appl"), text);
        List<Diagnostic> diagnostics = compilation.check().diagnostics().sorted();
        assertTrue(!diagnostics.isEmpty(), "expected a diagnostic");
        Diagnostic first = diagnostics.getFirst();
        assertEquals(expectedSpanText, first.span().text(), () -> DiagnosticRenderer.render(first));
    }

    static Stream<Arguments> textsWithAstralCharacters() {
        return Stream.of(
                Arguments.of("// \uD83D\uDE00\nconst X: u8 = 300\n", "300"),
                Arguments.of("// \uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\nconst X: u8 = ?\n", "?"),
                Arguments.of("/* \uD83D\uDE00 */ const X: u8 = 1 }\n", "}"));
    }

    /**
     * Found by the fuzzer (gre.appl, INSERT_CHARS, seed 7425046595550314515): after a syntax error
     * in an import, the recovered name's text includes the skipped characters, and the loader
     * turns it into a file path: a NUL throws InvalidPathException out of Compilation.add (both
     * modes; `applc check` prints a stack trace).
     */
    @ParameterizedTest
    @MethodSource("importsWithBadCharacters")
    void aBadCharacterInAnImportIsADiagnostic(String text) {
        for (boolean editor : new boolean[] {false, true}) {
            Compilation compilation = new Compilation(STDLIB, p -> text.getBytes(UTF_8), editor);
            compilation.add(Path.of("bad-import.appl"), text);
            assertTrue(compilation.check().diagnostics().hasErrors());
        }
    }

    static Stream<String> importsWithBadCharacters() {
        return Stream.of("import \0std.x\n", "import \"\0\" x\n", "import (\0std\n");
    }

    /** Runs saved failing inputs again: {@code -Dmutation.replay=target/mutation-failures/x.appl} (or a folder). */
    @Test
    @EnabledIfSystemProperty(named = "mutation.replay", matches = ".+")
    void replay() throws IOException {
        Path given = Path.of(System.getProperty("mutation.replay")).toAbsolutePath();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(given)) {
            files = walk.filter(p -> p.toString().endsWith(".appl")).sorted().toList();
        }
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            List<String> problems = problems(file, Mutant.bytes("replay", Files.readAllBytes(file)));
            if (!problems.isEmpty()) {
                failures.add(file + ":\n  " + String.join("\n  ", problems));
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    // ---- Helpers -------------------------------------------------------------------------------

    /** The repository root: the nearest folder above the working folder with stdlib/std and samples/. */
    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("stdlib").resolve("std")) && Files.isDirectory(dir.resolve("samples"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no stdlib/ and samples/ above " + Path.of("").toAbsolutePath());
    }
}
