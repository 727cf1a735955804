package dev.appl.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.diag.Note;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of the front end (conventions 4, 5 and 6 of the architecture notes): specs under
 * {@code src/test/resources/golden/} are checked and what they produce is compared with what they
 * say they produce, in two forms.
 *
 * <ul>
 *   <li>{@code X.out} next to each spec {@code X.appl}: the headline of every diagnostic, one per
 *       line, as {@link DiagnosticRenderer#headline} prints it, with paths relative to the golden
 *       folder ({@code err/APPL0042-header-missing-on-path.appl:33:12: error[APPL0042]}).
 *       {@code -Dgolden.update=true} rewrites them instead of failing.
 *   <li>Markers in the specs: a comment line {@code //~ error[APPL0042]} (or {@code warning[...]},
 *       several on one line if need be) expects that diagnostic on the nearest line above it that
 *       is not itself a marker line. The markers must match the diagnostics exactly: lines, codes
 *       and severities.
 * </ul>
 *
 * <p>Layout and conventions:
 *
 * <ul>
 *   <li>{@code ok/*.appl}: valid specs that together use every construct of the language; each
 *       must produce no diagnostic at all, so their {@code .out} files are empty.
 *   <li>{@code err/APPLnnnn-short-description.appl}: an example of code APPLnnnn; it must produce
 *       that code. Every {@link DiagnosticCode} needs at least one, except the codes listed with a
 *       reason in {@code codes-without-example.txt} (the javac {@code examples.not-yet.txt} idea).
 *   <li>Only the files directly in {@code ok/} and {@code err/} are test cases. Subfolders
 *       ({@code ok/lib/}, {@code err/lib/}) hold modules that the cases import, for example the two
 *       modules of the import cycle in {@code APPL0014-import-cycle.appl}. Their diagnostics and
 *       markers belong to the case that imports them, and their paths appear in its {@code .out}.
 *   <li>A spec whose diagnostics are known to be wrong (a checker bug) says so in a comment line
 *       starting with {@code // BUG:}; its markers and {@code .out} record today's behaviour, so
 *       that fixing the bug makes this test point at the file. An {@code err/} file with such a
 *       line is allowed not to produce the code in its name.
 *   <li>{@code APPL0006-nesting-too-deep.appl} was generated (257 nested parentheses) and
 *       {@code APPL0003-invalid-utf8.appl} holds a Latin-1 byte on purpose: edit them with care.
 * </ul>
 *
 * <p>It also checks that the repository's {@code stdlib/} and {@code samples/} are clean, and that
 * {@code docs/diagnostics.md}, generated here from {@link DiagnosticCode} and the examples, is up to
 * date.
 */
class GoldenTest {
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final String RERUN = "rerun with -Dgolden.update=true to accept the new output"
            + " (./mvnw -o -pl language test -Dtest=GoldenTest -Dgolden.update=true)";

    /** The working folder: {@code language/} under Maven. ModuleLoader reports imports relative to it. */
    private static final Path WORKING_DIR = Path.of("").toAbsolutePath().normalize();
    private static final Path REPO = findRepositoryRoot();
    private static final Path STDLIB = REPO.resolve("stdlib");
    private static final Path GOLDEN = REPO.resolve("language/src/test/resources/golden");
    private static final Path DOCS = REPO.resolve("docs/diagnostics.md");
    private static final Path WITHOUT_EXAMPLE = GOLDEN.resolve("codes-without-example.txt");

    private static final Pattern ERR_NAME = Pattern.compile("(APPL\\d{4})-[a-z0-9]+(-[a-z0-9]+)*\\.appl");
    private static final Pattern MARKER_LINE = Pattern.compile("\\s*//~(.*)");
    private static final Pattern MARKER = Pattern.compile("\\s*(error|warning)\\[(APPL\\d{4})\\]");
    private static final Pattern BUG_LINE = Pattern.compile("(?m)^\\s*// BUG:");

    private static final Map<Path, Checked> RESULTS = new ConcurrentHashMap<>();

    // ---- The cases ----------------------------------------------------------------------------

    static Stream<Named<Path>> okSpecs() {
        return named(specsIn("ok"));
    }

    static Stream<Named<Path>> errSpecs() {
        return named(specsIn("err"));
    }

    static Stream<Named<Path>> allSpecs() {
        return Stream.concat(okSpecs(), errSpecs());
    }

    /** Cases are shown by their path relative to the golden folder. */
    private static Stream<Named<Path>> named(Stream<Path> specs) {
        return specs.map(p -> Named.of(label(p), p));
    }

    private static Stream<Path> specsIn(String folder) {
        try (Stream<Path> files = Files.list(GOLDEN.resolve(folder))) {
            return files.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".appl")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The spec's path relative to the golden folder, as cases are named and paths are printed. */
    private static String label(Path spec) {
        return slashes(GOLDEN.relativize(spec));
    }

    // ---- Golden .out files --------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("allSpecs")
    void headlinesMatchTheOutFile(Path spec) throws IOException {
        String actual = headlines(check(spec).diagnostics());
        Path out = outFile(spec);
        String expected = Files.exists(out) ? Files.readString(out) : null;
        if (UPDATE) {
            if (!actual.equals(expected)) {
                Files.writeString(out, actual);
            }
            return;
        }
        if (expected == null) {
            fail(label(out) + " is missing; " + RERUN);
        }
        assertEquals(expected, actual, label(spec) + " produced other diagnostics than " + label(out)
                + " records; " + RERUN + "\n" + rendered(check(spec).diagnostics()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("okSpecs")
    void validSpecsProduceNoDiagnostics(Path spec) {
        List<Diagnostic> diagnostics = check(spec).diagnostics();
        assertTrue(diagnostics.isEmpty(), label(spec) + " must check clean but produced:\n" + rendered(diagnostics));
    }

    @Test
    void everyOutFileHasItsSpec() throws IOException {
        List<String> orphans = new ArrayList<>();
        for (String folder : List.of("ok", "err")) {
            try (Stream<Path> files = Files.list(GOLDEN.resolve(folder))) {
                for (Path out : files.filter(f -> f.toString().endsWith(".out")).sorted().toList()) {
                    Path spec = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.out$", ".appl"));
                    if (!Files.exists(spec)) {
                        if (UPDATE) {
                            Files.delete(out);
                        } else {
                            orphans.add(label(out));
                        }
                    }
                }
            }
        }
        assertTrue(orphans.isEmpty(), "golden files without a spec: " + orphans + "; " + RERUN + " (deletes them)");
    }

    private static Path outFile(Path spec) {
        return spec.resolveSibling(spec.getFileName().toString().replaceFirst("\\.appl$", ".out"));
    }

    private static String headlines(List<Diagnostic> diagnostics) {
        StringBuilder out = new StringBuilder();
        diagnostics.forEach(d -> out.append(DiagnosticRenderer.headline(d)).append('\n'));
        return out.toString();
    }

    private static String rendered(List<Diagnostic> diagnostics) {
        StringBuilder out = new StringBuilder();
        diagnostics.forEach(d -> out.append(DiagnosticRenderer.render(d)));
        return out.toString();
    }

    // ---- Markers in the specs -----------------------------------------------------------------

    /** One expected or actual diagnostic, as far as markers describe it. */
    private record Expectation(String file, int line, String severity, String code) implements Comparable<Expectation> {
        @Override
        public int compareTo(Expectation o) {
            return Comparator.comparing(Expectation::file).thenComparingInt(Expectation::line)
                    .thenComparing(Expectation::code).thenComparing(Expectation::severity).compare(this, o);
        }

        @Override
        public String toString() {
            return file + ":" + line + ": " + severity + "[" + code + "]";
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allSpecs")
    void markersMatchTheDiagnostics(Path spec) {
        Checked checked = check(spec);
        List<Expectation> expected = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        for (Source source : checked.goldenSources()) {
            markers(source, expected, malformed);
        }
        assertTrue(malformed.isEmpty(), "malformed markers (write `//~ error[APPLnnnn]`): " + malformed);
        List<Expectation> actual = checked.diagnostics().stream()
                .map(d -> new Expectation(d.span().source().name(), d.span().startLine(), d.severity().label(),
                        d.code().id()))
                .toList();
        List<Expectation> missing = new ArrayList<>(expected);
        List<Expectation> unexpected = new ArrayList<>();
        for (Expectation a : actual) {
            if (!missing.remove(a)) {
                unexpected.add(a);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            fail(label(spec) + ": the `//~` markers do not match the diagnostics.\n"
                    + (missing.isEmpty() ? "" : "marked but not reported: " + missing.stream().sorted().toList() + "\n")
                    + (unexpected.isEmpty() ? "" : "reported but not marked: " + unexpected.stream().sorted().toList()
                            + "\n")
                    + rendered(checked.diagnostics()));
        }
    }

    /** Reads the {@code //~} markers of one file: each names the nearest line above that is not a marker. */
    private static void markers(Source source, List<Expectation> into, List<String> malformed) {
        int target = 0;
        for (int line = 1; line <= source.lineCount(); line++) {
            Matcher m = MARKER_LINE.matcher(source.lineText(line));
            if (!m.matches()) {
                target = line;
                continue;
            }
            String rest = m.group(1);
            Matcher each = MARKER.matcher(rest);
            int at = 0;
            while (each.lookingAt()) {
                into.add(new Expectation(source.name(), target, each.group(1), each.group(2)));
                at = each.end();
                each.region(at, rest.length());
            }
            if (at == 0 || !rest.substring(at).isBlank() || target == 0) {
                malformed.add(source.name() + ":" + line);
            }
        }
    }

    // ---- One example per code -----------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("errSpecs")
    void errorExampleProducesTheCodeInItsName(Path spec) throws IOException {
        Matcher name = ERR_NAME.matcher(spec.getFileName().toString());
        assertTrue(name.matches(), label(spec) + " is not named APPLnnnn-short-description.appl");
        DiagnosticCode code = DiagnosticCode.byId(name.group(1));
        assertTrue(code != null, label(spec) + " is named after " + name.group(1) + ", which is no DiagnosticCode");
        boolean produced = check(spec).diagnostics().stream().anyMatch(d -> d.code() == code);
        assertTrue(produced || isKnownBug(spec), label(spec) + " does not produce " + code.id()
                + " (if that is a known checker bug, say so in a `// BUG:` comment line)");
    }

    @Test
    void everyCodeHasAnExample() throws IOException {
        Map<DiagnosticCode, String> without = codesWithoutExample();
        Map<DiagnosticCode, List<Path>> examples = examples();
        List<String> missing = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (DiagnosticCode code : DiagnosticCode.values()) {
            boolean has = !examples.getOrDefault(code, List.of()).isEmpty();
            if (!has && !without.containsKey(code)) {
                missing.add(code.id() + " " + code.name());
            } else if (has && without.containsKey(code)) {
                stale.add(code.id() + " " + code.name());
            }
        }
        assertTrue(missing.isEmpty(), "codes without an example in golden/err/ (add APPLnnnn-description.appl"
                + " producing them): " + missing);
        assertTrue(stale.isEmpty(), "codes listed in " + label(WITHOUT_EXAMPLE) + " have an example now;"
                + " remove them from the list: " + stale);
    }

    /**
     * Each code's examples: the err/ specs named after it that produce it, in file name order but
     * those without a known bug first, so that the documentation shows a sound one.
     */
    private static Map<DiagnosticCode, List<Path>> examples() {
        Map<DiagnosticCode, List<Path>> out = new LinkedHashMap<>();
        List<Path> specs = specsIn("err").sorted(Comparator.comparing(GoldenTest::isKnownBug)).toList();
        for (Path spec : specs) {
            Matcher name = ERR_NAME.matcher(spec.getFileName().toString());
            DiagnosticCode code = name.matches() ? DiagnosticCode.byId(name.group(1)) : null;
            if (code != null && check(spec).diagnostics().stream().anyMatch(d -> d.code() == code)) {
                out.computeIfAbsent(code, c -> new ArrayList<>()).add(spec);
            }
        }
        return out;
    }

    /** Whether the spec says, in a {@code // BUG:} comment line, that its diagnostics are known to be wrong. */
    private static boolean isKnownBug(Path spec) {
        try {
            return BUG_LINE.matcher(Files.readString(spec, StandardCharsets.ISO_8859_1)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code APPL0103 reason...} lines; {@code #} starts a comment. */
    private static Map<DiagnosticCode, String> codesWithoutExample() throws IOException {
        Map<DiagnosticCode, String> out = new TreeMap<>();
        if (!Files.exists(WITHOUT_EXAMPLE)) {
            return out;
        }
        for (String line : Files.readAllLines(WITHOUT_EXAMPLE)) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] parts = text.split("\\s+", 2);
            DiagnosticCode code = DiagnosticCode.byId(parts[0]);
            assertTrue(code != null, label(WITHOUT_EXAMPLE) + " names " + parts[0] + ", which is no DiagnosticCode");
            out.put(code, parts.length > 1 ? parts[1] : "");
        }
        return out;
    }

    // ---- The repository's own specs ----------------------------------------------------------

    static Stream<Named<Path>> stdlibAndSamples() throws IOException {
        List<Path> all = new ArrayList<>();
        for (Path root : List.of(STDLIB, REPO.resolve("samples"))) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".appl")).sorted().forEach(all::add);
            }
        }
        return all.stream().map(p -> Named.of(slashes(REPO.relativize(p)), p));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stdlibAndSamples")
    void stdlibAndSamplesCheckClean(Path spec) throws IOException {
        Compilation compilation = new Compilation(STDLIB, Files::readAllBytes, false);
        compilation.add(spec);
        List<Diagnostic> diagnostics = relabel(compilation.check().diagnostics().sorted());
        assertTrue(diagnostics.isEmpty(), slashes(REPO.relativize(spec)) + " must have no errors and no warnings:\n"
                + rendered(diagnostics));
    }

    // ---- docs/diagnostics.md ------------------------------------------------------------------

    @Test
    void diagnosticsDocumentIsUpToDate() throws IOException {
        String generated = diagnosticsDocument();
        String existing = Files.exists(DOCS) ? Files.readString(DOCS) : null;
        if (UPDATE) {
            if (!generated.equals(existing)) {
                Files.writeString(DOCS, generated);
            }
            return;
        }
        assertTrue(existing != null, "docs/diagnostics.md is missing; it is generated: " + RERUN);
        assertEquals(generated, existing, "docs/diagnostics.md is generated from DiagnosticCode and the examples in"
                + " language/src/test/resources/golden/err/ and is out of date; " + RERUN);
    }

    private static String diagnosticsDocument() throws IOException {
        Map<DiagnosticCode, List<Path>> examples = examples();
        Map<DiagnosticCode, String> without = codesWithoutExample();
        StringBuilder doc = new StringBuilder();
        doc.append("""
                # Diagnostics

                <!-- Generated by language/src/test/java/dev/appl/language/GoldenTest.java from DiagnosticCode and
                     the examples in language/src/test/resources/golden/err/. Do not edit by hand; regenerate with
                     ./mvnw -o -pl language test -Dtest=GoldenTest -Dgolden.update=true -->

                Every problem `applc check` finds is a diagnostic with a stable code, `APPL0001` to `APPL9999`: a
                code keeps its number and meaning once released, and a retired code is never reused. Each code
                below has its severity, its message (`{0}`, `{1}` ... stand for the names, types, numbers and
                text filled in), an example spec that produces it, and what `applc check` prints for that
                example. The examples are tested: they are the files `err/APPLnnnn-*.appl` under
                `language/src/test/resources/golden/`, and the `//~ error[APPLnnnn]` comments in them mark the
                line above as where the diagnostic is expected.

                ## Reading a diagnostic

                ```text
                path:line:column: severity[APPLnnnn]: message
                 line | the source line
                      |     ^^^^^ the span the diagnostic is about
                path:line:column: note: a note about another place
                 line | the other source line
                      |     ^^^^
                  = note: a note that points nowhere in particular
                ```

                - The first line names the file as it was given to `applc check` (an imported file relative
                  to the working folder when it is below it), the 1-based line and column where the problem starts (columns count
                  UTF-16 code units, as editors do), the severity, the code and the message. Names and types
                  in messages are written in backticks.
                - The source line follows, with carets under the span; a span that continues on later lines is
                  underlined to the end of its first line.
                - Notes, if any, come after: one with a place of its own is printed like a diagnostic, one
                  without a place as `= note: ...`.
                - **Severity** is `error` or `warning`. Errors make the check fail; warnings (unreachable code,
                  states and patterns) do not.
                - Diagnostics are sorted by file, then position, then code, and the human format ends with a
                  summary line such as `applc: checked 3 files: 2 errors, 1 warning`. It is written to stderr.
                - `applc check` does not check a file with syntax errors any further, so that the parser's
                  error recovery does not cause follow-on errors.

                With `--format json`, `applc check` writes one JSON object per diagnostic and line to stdout
                instead, with the fields `code` (`"APPL0042"`), `severity` (`"error"` or `"warning"`),
                `message`, `file`, `startLine`, `startColumn`, `endLine`, `endColumn` (1-based; the end is
                exclusive) and `notes`, an array of objects with a `message` and, when the note has a place,
                the same position fields.

                Exit status of `applc check`: **0** when there are no errors (warnings allowed), **1** when
                there are errors, **2** for a usage or I/O error (an unknown option, a file that cannot be
                read).

                ## Codes

                | code | name | severity | message |
                | --- | --- | --- | --- |
                """);
        for (DiagnosticCode code : DiagnosticCode.values()) {
            doc.append("| [").append(code.id()).append("](#").append(code.id().toLowerCase(Locale.ROOT)).append(") | ")
                    .append(code.name()).append(" | ").append(code.severity().label()).append(" | ").append(inlineCode(code.template()).replace("|", "\\|"))
                    .append(" |\n");
        }
        for (DiagnosticCode code : DiagnosticCode.values()) {
            doc.append("\n## ").append(code.id()).append("\n\n");
            doc.append("`").append(code.name()).append("`, ").append(code.severity().label()).append(": ")
                    .append(inlineCode(code.template())).append("\n\n");
            List<Path> specs = examples.getOrDefault(code, List.of());
            if (specs.isEmpty()) {
                String reason = without.getOrDefault(code, "");
                doc.append("No example in `golden/err/`").append(reason.isEmpty() ? "." : ": " + reason).append("\n");
                continue;
            }
            Path first = specs.getFirst();
            Checked checked = check(first);
            doc.append("Example, `").append(label(first)).append("`:\n\n");
            doc.append(fenced("appl", checked.text()));
            for (Source helper : checked.goldenSources().subList(1, checked.goldenSources().size())) {
                doc.append("\nwith the imported module `").append(helper.name()).append("`:\n\n")
                        .append(fenced("appl", helper.text()));
            }
            doc.append("\n`applc check` reports:\n\n");
            doc.append(fenced("text", rendered(checked.diagnostics())));
            if (specs.size() > 1) {
                doc.append("\nMore examples: ").append(String.join(", ", specs.subList(1, specs.size()).stream()
                        .map(p -> "`" + label(p) + "`" + (isKnownBug(p) ? " (with a known bug)" : "")).toList()))
                        .append(".\n");
            }
        }
        return doc.toString();
    }

    /** A Markdown code span that may itself contain backticks. */
    private static String inlineCode(String text) {
        return text.contains("`") ? "`` " + text + " ``" : "`" + text + "`";
    }

    private static String fenced(String language, String text) {
        String fence = "```";
        while (text.contains(fence)) {
            fence += "`";
        }
        return fence + language + "\n" + text + (text.endsWith("\n") ? "" : "\n") + fence + "\n";
    }

    // ---- Checking a spec ----------------------------------------------------------------------

    /**
     * What checking one golden spec gave: its diagnostics with paths relative to the golden folder
     * (stdlib modules relative to the repository), the text of the spec as the compiler read it, and
     * the golden files it loaded (the spec and its helper modules), whose markers count.
     */
    private record Checked(List<Diagnostic> diagnostics, String text, List<Source> goldenSources) {}

    private static Checked check(Path spec) {
        return RESULTS.computeIfAbsent(spec, GoldenTest::checkFresh);
    }

    private static Checked checkFresh(Path spec) {
        Compilation compilation = new Compilation(STDLIB, Files::readAllBytes, false);
        Module main;
        try {
            main = compilation.add(spec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Compilation.Result result = compilation.check();
        Map<Source, Source> renamed = new IdentityHashMap<>();
        List<Diagnostic> diagnostics = relabel(result.diagnostics().sorted(), renamed);
        List<Source> golden = new ArrayList<>();
        golden.add(rename(main.source(), renamed));
        for (Module m : result.modules()) {
            if (m != main && m.file() != null && m.file().startsWith(GOLDEN)) {
                golden.add(rename(m.source(), renamed));
            }
        }
        return new Checked(diagnostics, main.source().text(), golden);
    }

    private static List<Diagnostic> relabel(List<Diagnostic> diagnostics) {
        return relabel(diagnostics, new IdentityHashMap<>());
    }

    /**
     * The diagnostics with their sources renamed for printing: relative to the golden folder, or to
     * the repository, whatever the working folder. Sorted by the new names, keeping the compiler's
     * order (position, then code) within a file.
     */
    private static List<Diagnostic> relabel(List<Diagnostic> diagnostics, Map<Source, Source> renamed) {
        List<Diagnostic> out = new ArrayList<>();
        for (Diagnostic d : diagnostics) {
            List<Note> notes = d.notes().stream()
                    .map(n -> new Note(n.message(), n.span() == null ? null : move(n.span(), renamed)))
                    .toList();
            out.add(new Diagnostic(d.code(), d.severity(), move(d.span(), renamed), d.message(), notes));
        }
        out.sort(Comparator.comparing((Diagnostic d) -> d.span().source().name()));
        return out;
    }

    private static Span move(Span span, Map<Source, Source> renamed) {
        return new Span(rename(span.source(), renamed), span.start(), span.end());
    }

    private static Source rename(Source source, Map<Source, Source> renamed) {
        return renamed.computeIfAbsent(source, s -> new Source(displayName(s.name()), s.text()));
    }

    private static String displayName(String name) {
        Path path = Path.of(name);
        path = (path.isAbsolute() ? path : WORKING_DIR.resolve(path)).normalize();
        if (path.startsWith(GOLDEN)) {
            return slashes(GOLDEN.relativize(path));
        }
        if (path.startsWith(REPO)) {
            return slashes(REPO.relativize(path));
        }
        return name;
    }

    private static String slashes(Path path) {
        return path.toString().replace(path.getFileSystem().getSeparator(), "/");
    }

    /** The folder holding {@code stdlib/std} and {@code language/}: the working folder or one above it. */
    private static Path findRepositoryRoot() {
        for (Path p = WORKING_DIR; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("stdlib/std")) && Files.isDirectory(p.resolve("language/src"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (with stdlib/std and language/src) above " + WORKING_DIR);
    }
}
