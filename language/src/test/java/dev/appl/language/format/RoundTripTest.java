package dev.appl.language.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.syntax.ApplLexer;
import dev.appl.language.syntax.ParseResult;
import dev.appl.language.syntax.Parsing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The formatter over every real spec: the repository's {@code stdlib/} and {@code samples/}, and
 * the golden {@code ok/} specs when there are any. Formatting must give text that parses to the
 * same tree (spans aside, see {@link AstEquality}), formats to itself, and keeps every comment;
 * and the stdlib and samples must already be formatted.
 */
class RoundTripTest {
    private static final Path ROOT = repoRoot();
    private static final Path GOLDEN_OK = Path.of("src", "test", "resources", "golden", "ok");

    /** Paths relative to the repository root, so that test names stay short. */
    static Stream<String> specs() {
        List<String> files = new ArrayList<>(repositorySpecs().toList());
        files.addAll(specsUnder(ROOT.resolve("language").resolve(GOLDEN_OK)));
        return files.stream();
    }

    static Stream<String> repositorySpecs() {
        List<String> files = new ArrayList<>();
        files.addAll(specsUnder(ROOT.resolve("stdlib")));
        files.addAll(specsUnder(ROOT.resolve("samples")));
        if (files.size() < 10) {
            throw new IllegalStateException("expected the specs of stdlib/ and samples/ under " + ROOT + ", found " + files);
        }
        return files.stream();
    }

    private static List<String> specsUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".appl"))
                    .map(p -> ROOT.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void formattedSpecParsesToTheSameTree(String file) throws IOException {
        String text = read(file);
        ParseResult before = parse(file, text);
        String formatted = format(before);
        ParseResult after = parse(file + " (formatted)", formatted);
        String difference = AstEquality.difference(before.unit(), after.unit());
        assertNull(difference, () -> "formatting " + file + " changed its tree at " + difference);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void formattingIsIdempotent(String file) throws IOException {
        String once = format(parse(file, read(file)));
        String twice = format(parse(file + " (formatted)", once));
        if (!once.equals(twice)) {
            fail("formatting " + file + " twice changes it again at " + firstDifference(once, twice));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void formattingKeepsEveryComment(String file) throws IOException {
        ParseResult before = parse(file, read(file));
        ParseResult after = parse(file + " (formatted)", format(before));
        assertEquals(comments(before), comments(after), () -> "the comments of " + file);
    }

    /** If this fails, run `applc fmt stdlib samples`: the repository's own specs are in the canonical layout. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("repositorySpecs")
    void repositorySpecIsFormatted(String file) throws IOException {
        String text = read(file);
        String formatted = format(parse(file, text));
        if (!formatted.equals(text)) {
            fail(file + " is not formatted (run `applc fmt " + file + "`); first difference at "
                    + firstDifference(text, formatted));
        }
    }

    /**
     * Found by MutationTest: a {@code ///} doc comment with trailing blanks. The formatter strips
     * them (as from every line comment), but the tree's {@code doc} keeps them, so formatting
     * changes the tree (and the hover text). A trailing blank is easily typed or left by an edit.
     */
    @Test
    void docCommentWithTrailingBlanksKeepsItsDoc() {
        String text = "/// The answer. \t\nconst X: u8 = 42\n";
        ParseResult before = parse("doc.appl", text);
        ParseResult after = parse("doc.appl (formatted)", format(before));
        assertNull(AstEquality.difference(before.unit(), after.unit()));
    }

    /** The comparator itself: equal trees at different places compare equal, different literals do not. */
    @Test
    void astEqualityIgnoresPlacesButNotLiteralText() {
        ParseResult a = parse("a.appl", "const X: u16 = 0x10 + 1\n");
        ParseResult b = parse("b.appl", "\n\n  const  X :u16=0x10+1");
        ParseResult c = parse("c.appl", "const X: u16 = 16 + 1\n");
        ParseResult d = parse("d.appl", "const X: u16 = 0x10 + 1 + 1\n");
        assertNull(AstEquality.difference(a.unit(), b.unit()));
        assertFalse(AstEquality.difference(a.unit(), c.unit()) == null, "0x10 and 16 are spelled differently");
        assertFalse(AstEquality.difference(a.unit(), d.unit()) == null);
    }

    // ---- Helpers -------------------------------------------------------------------------------

    private static String read(String file) throws IOException {
        return Files.readString(ROOT.resolve(file), UTF_8);
    }

    private static ParseResult parse(String name, String text) {
        Diagnostics diagnostics = new Diagnostics();
        ParseResult result = Parsing.parse(new Source(name, text), diagnostics);
        if (result.hasSyntaxErrors() || result.tree() == null) {
            fail(name + " has syntax errors:\n" + String.join("", diagnostics.sorted().stream()
                    .limit(5).map(DiagnosticRenderer::render).toList())
                    + (name.endsWith("(formatted)") ? "--- formatted text ---\n" + text : ""));
        }
        return result;
    }

    private static String format(ParseResult parse) {
        return Formatter.format(parse.tree(), parse.tokens());
    }

    /** The comment texts, sorted, as the formatter writes them (line ends as \n; line comments without trailing blanks). */
    private static List<String> comments(ParseResult parse) {
        List<String> out = new ArrayList<>();
        for (Token t : parse.tokens().getTokens()) {
            if (t.getChannel() == ApplLexer.COMMENTS) {
                out.add(Printer.commentText(t));
            }
        }
        out.sort(null);
        return out;
    }

    private static String firstDifference(String a, String b) {
        List<String> la = a.lines().toList();
        List<String> lb = b.lines().toList();
        for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
            String x = i < la.size() ? la.get(i) : "<end of file>";
            String y = i < lb.size() ? lb.get(i) : "<end of file>";
            if (!x.equals(y)) {
                return "line " + (i + 1) + ":\n  was:       " + x + "\n  formatted: " + y;
            }
        }
        return "the line ends or the final newline";
    }

    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("stdlib").resolve("std")) && Files.isDirectory(dir.resolve("samples"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no stdlib/ and samples/ above " + Path.of("").toAbsolutePath());
    }
}
