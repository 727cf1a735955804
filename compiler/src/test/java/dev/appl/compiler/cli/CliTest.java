package dev.appl.compiler.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code applc} command line, run in-process through picocli against specs in a temporary
 * folder: exit codes, the human and JSON diagnostics, folder expansion, help and version, and
 * {@code fmt}. The last tests run the real {@code ./applc} script when its jar is up to date.
 */
class CliTest {
    @TempDir
    Path dir;

    private static final String CLEAN = """
            import std.net.ethernet.{EtherType}

            const LIMIT: u8 = 200

            fn double(x: u8) -> u16 {
                return (x as u16) * 2
            }
            """;

    /** `300` does not fit in a u8: APPL0022 at 1:19-1:22. */
    private static final String BROKEN = "const LIMIT: u8 = 300\n";

    private static final String MESSY = "const   LIMIT:u8=1;fn f(x:u8)->u8{return x}\n";

    private static final String MESSY_FORMATTED = """
            const LIMIT: u8 = 1

            fn f(x: u8) -> u8 {
                return x
            }
            """;

    /** A syntax error: the expression is missing. */
    private static final String SYNTAX_ERROR = "const LIMIT: u8 =\n";

    /** What a run printed and returned. */
    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    /**
     * Runs applc in-process. The writers are built as picocli builds its defaults for
     * System.out and System.err (buffered, flushed on println only) and are read without
     * flushing them: a command that prints and forgets to flush loses that output in a real run
     * as well.
     */
    private static Run applc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Applc.commandLine();
        cli.setOut(new PrintWriter(new BufferedWriter(out), true));
        cli.setErr(new PrintWriter(new BufferedWriter(err), true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /**
     * `applc run` feeds a datagram port the UDP datagrams of its trace and writes each reply in a frame
     * back to the sender; the frames were built independently (Python, RFC 768/791 checksums).
     */
    @Test
    void runRepliesToTheDatagramsOfATrace() throws IOException {
        Files.writeString(dir.resolve("echo.appl"), """
                appliance Hello {
                    port dns: datagram = "udp:127.0.0.1:5353"
                    counter short
                    on datagram d from dns {
                        if d.len < 3 {
                            short += 1
                            drop
                        }
                        reply x"68656c6c6f"
                    }
                }
                """);
        java.util.HexFormat hex = java.util.HexFormat.of();
        byte[] query = hex.parseHex("02000000000102000000000208004500001f123400003211f263c0000201c00002359c40003500"
                + "0b1ac9616263");
        byte[] tooShort = hex.parseHex("02000000000102000000000208004500001e123400003211f264c0000201c00002359c410035"
                + "000a7dca6162");
        byte[] tcp = query.clone();
        tcp[23] = 6;
        byte[] reply = hex.parseHex("020000000002020000000001080045000021123440004011a461c0000235c000020100359c4000"
                + "0d9b5568656c6c6f");
        Path in = dir.resolve("in.pcap");
        try (dev.appl.runtime.io.PcapWriter w = new dev.appl.runtime.io.PcapWriter(in)) {
            long t = 1_000_000_000L;
            for (byte[] frame : List.of(query, tcp, tooShort)) {
                w.write(t += 1000, java.lang.foreign.MemorySegment.ofArray(frame), 0, frame.length);
            }
        }
        for (String engine : List.of("compiled", "interp")) {
            Path out = dir.resolve(engine + ".pcap");
            Run r = applc("run", dir.resolve("echo.appl").toString(), "--engine", engine,
                    "--port", "dns=pcap:" + in + ",out=" + out);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("port dns          in        2  out        1"), r.out());
            assertTrue(r.out().contains("dropped 1, malformed 0"), r.out());
            assertTrue(r.out().contains("counter short        1"), r.out());
            assertTrue(r.out().contains("1 frame of " + in + " carries no UDP datagram for port `dns` and was skipped"),
                    r.out());
            try (dev.appl.runtime.io.PcapFile written = dev.appl.runtime.io.PcapFile.open(out)) {
                assertEquals(1, written.count());
                assertArrayEquals(reply, written.mapping().asSlice(written.packetOffset(0), written.packetLength(0))
                        .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), engine);
            }
        }
    }

    /** `applc explain --bytecode` prints the generated kernel class. */
    @Test
    void explainPrintsTheGeneratedClass() {
        Path root = Path.of("").toAbsolutePath().getParent();
        Run r = applc("explain", root.resolve("samples/firewall/firewall.appl").toString(), "--bytecode");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("public final class dev/appl/gen/Firewall implements dev/appl/runtime/kernel/Kernel"),
                r.out().lines().limit(5).toList().toString());
        assertTrue(r.out().contains("public final handle(ILdev/appl/runtime/kernel/PacketView;)I"),
                "the kernel's entry point");
    }

    /** `applc explain --passes` lists the pipeline with no spec; anything else without a spec is a usage error. */
    @Test
    void explainListsThePassesWithoutASpec() {
        Run r = applc("explain", "--passes");
        assertEquals(0, r.exit(), r.err());
        for (var pass : dev.appl.compiler.passes.Pipeline.PASSES) {
            assertTrue(r.out().contains(pass.name()), pass.name());
        }
        Run missing = applc("explain", "--bytecode");
        assertEquals(Applc.EXIT_USAGE, missing.exit());
        assertEquals("applc: missing the SPEC to explain (only --passes needs none)", missing.err().strip());
    }

    /**
     * `applc bench` runs a sample's trace on each engine and reports a rate; the compiled kernel
     * handles the packets in the trace itself unless it writes them (the NAT rewrites addresses,
     * the firewall only reads); a missing trace is a usage error.
     */
    @Test
    void benchReportsARateOnEachEngine() {
        Path root = Path.of("").toAbsolutePath().getParent();
        String spec = root.resolve("samples/nat/nat.appl").toString();
        String trace = root.resolve("samples/nat/inside.pcap").toString();
        for (String engine : List.of("compiled", "interp")) {
            Run r = applc("bench", spec, "--trace", trace, "--seconds", "0.2", "--engine", engine);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().matches("(?s)Nat on inside\\.pcap \\((compiled kernel, each packet copied|reference interpreter)\\):"
                    + " \\d+ packets of 110 in [0-9.]+ s: [0-9.]+ Mpps, [0-9.]+ ns/packet\\n"), r.out());
        }
        Run firewall = applc("bench", root.resolve("samples/firewall/firewall.appl").toString(), "--trace",
                root.resolve("samples/firewall/outside.pcap").toString(), "--seconds", "0.2");
        assertEquals(0, firewall.exit(), firewall.err());
        assertTrue(firewall.out().startsWith("Firewall on outside.pcap (compiled kernel, in place): "), firewall.out());
        Run missing = applc("bench", spec, "--trace", dir.resolve("none.pcap").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().startsWith("applc: "), missing.err());
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, UTF_8);
        return file;
    }

    // ---- check ---------------------------------------------------------------------------------

    @Test
    void cleanSpecExitsZeroWithASummary() throws IOException {
        Path file = write("clean.appl", CLEAN);
        Run run = applc("check", file.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of("applc: checked 1 file: no errors"), run.errLines());
        assertEquals("", run.out());
    }

    @Test
    void brokenSpecExitsOneWithLocationSourceLineAndCarets() throws IOException {
        Path file = write("broken.appl", BROKEN);
        Run run = applc("check", file.toString());
        assertEquals(1, run.exit(), run.err());
        List<String> lines = run.errLines();
        Matcher headline = Pattern.compile("(.+):(\\d+):(\\d+): error\\[(APPL\\d{4})]: (.+)").matcher(lines.getFirst());
        assertTrue(headline.matches(), lines.getFirst());
        assertEquals(file.toString(), headline.group(1));
        assertEquals("1", headline.group(2));
        assertEquals("19", headline.group(3));
        assertEquals("APPL0022", headline.group(4));
        assertTrue(headline.group(5).contains("300"), headline.group(5));
        assertEquals(" 1 | const LIMIT: u8 = 300", lines.get(1));
        assertEquals("   |                   ^^^", lines.get(2));
        assertEquals("applc: checked 1 file: 1 error", lines.getLast());
        assertEquals("", run.out());
    }

    /**
     * A handler of 3,000 statements compiles to more than the 64 KiB of bytecode a JVM method
     * holds: a spec error at the handler (APPL0120) with a note on splitting the work, as `applc
     * build`, `run` and `test` print it; never an internal error.
     */
    @Test
    void aHandlerTooLargeForTheJvmIsASpecErrorAtTheHandler() throws IOException {
        Path file = write("huge.appl", tooLargeForTheJvm("Huge"));
        for (String[] args : List.of(new String[] {"build", file.toString(), "--image", "jar", "-o", dir.resolve("out").toString()},
                new String[] {"test", file.toString()})) {
            Run run = applc(args);
            assertEquals(1, run.exit(), run.err());
            List<String> lines = run.errLines();
            assertTooLargeAtLine(file, 4, lines);
            if (args[0].equals("test")) {
                assertEquals(List.of("applc: the tests of `Huge` were not run"), lines.subList(4, lines.size()), run.err());
                assertEquals("0 passed, 1 failed\n", run.out());
            } else {
                assertEquals(4, lines.size(), run.err());
            }
        }
    }

    /**
     * One appliance too large for the JVM does not keep `applc test` from the others: it counts as
     * one failure, and the tests of the appliance after it run on both engines.
     */
    @Test
    void testRunsTheOtherAppliancesWhenOneIsTooLargeForTheJvm() throws IOException {
        Path file = write("two.appl", tooLargeForTheJvm("Huge") + """

                appliance Small {
                    port dns: datagram = "udp:127.0.0.1:5354"
                    counter seen
                    on datagram d from dns {
                        seen += 1
                        drop
                    }
                    test "a datagram is counted and dropped" {
                        send dns x"0001"
                        expect drop
                        expect seen == 1
                    }
                }
                """);
        Run run = applc("test", file.toString());
        assertEquals(1, run.exit(), run.err());
        List<String> lines = run.errLines();
        assertTooLargeAtLine(file, 4, lines);
        assertEquals(List.of("applc: the tests of `Huge` were not run"), lines.subList(4, lines.size()), run.err());
        assertEquals("ok     Small: a datagram is counted and dropped\n1 passed, 1 failed\n", run.out());
    }

    /** An appliance whose datagram handler, at line 4, has 3,000 statements: too large for one JVM method. */
    private static String tooLargeForTheJvm(String name) {
        StringBuilder spec = new StringBuilder("""
                appliance %s {
                    port dns: datagram = "udp:127.0.0.1:5353"
                    counter c
                    on datagram d from dns {
                """.formatted(name));
        for (int i = 0; i < 3000; i++) {
            spec.append("        if d.len == ").append(i).append(" { c += ").append(i).append(" }\n");
        }
        return spec.append("        drop\n    }\n}\n").toString();
    }

    /** The first four lines of {@code lines} are APPL0120 at the handler that starts at {@code line}. */
    private static void assertTooLargeAtLine(Path file, int line, List<String> lines) {
        String err = String.join("\n", lines);
        assertTrue(lines.size() >= 4, err);
        assertTrue(lines.getFirst().matches(Pattern.quote(file + ":" + line + ":5: error[APPL0120]: this handler is too"
                + " large for the JVM: it compiles to ") + "[0-9,]+" + Pattern.quote(" bytes of bytecode, and a JVM method"
                + " holds at most 65,535")), err);
        assertEquals(" " + line + " |     on datagram d from dns {", lines.get(1));
        assertEquals("   |     ^^^^^^^^^^^^^^^^^^^^^^^^", lines.get(2));
        assertTrue(lines.get(3).startsWith("  = note: each handler and function becomes one JVM method: move parts of"
                + " the work into functions"), lines.get(3));
    }

    /** A function whose parameters take more than the 255 slots of a JVM method's: APPL0120 at the function. */
    @Test
    void aFunctionWithTooManyParameterSlotsIsASpecErrorAtTheFunction() throws IOException {
        StringBuilder params = new StringBuilder();
        StringBuilder args = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 128; i++) {
            params.append(i == 0 ? "" : ", ").append("a").append(i).append(": u64");
            args.append(i == 0 ? "" : ", ").append("d.len as u64");
        }
        for (int i = 0; i < 30; i++) {
            // More statements than are expanded where the function is called: it stays a method.
            body.append("        let b").append(i).append(" = a").append(i).append(" * ").append(i + 1).append("\n");
        }
        Path file = write("wide.appl", """
                appliance Wide {
                    port dns: datagram = "udp:127.0.0.1:5353"
                    counter c

                    /// Too many parameters for one JVM method.
                    fn wide(%s) -> u64 {
                %s        return b0 + b29 + a127
                    }

                    on datagram d from dns {
                        c += wide(%s)
                        drop
                    }
                }
                """.formatted(params, body, args));
        Run run = applc("build", file.toString(), "--image", "jar", "-o", dir.resolve("out").toString());
        assertEquals(1, run.exit(), run.err());
        List<String> lines = run.errLines();
        assertEquals(file + ":6:5: error[APPL0120]: function `wide` is too large for the JVM: its parameters take 257"
                + " slots with the kernel's own (a struct takes one per field, a u64 two), and a JVM method takes at"
                + " most 255", lines.getFirst());
        assertEquals("  = note: split it into functions that each take part of the values", lines.getLast());
        assertFalse(Files.exists(dir.resolve("out")), "no image is written");
    }

    @Test
    void jsonFormatPrintsOneObjectPerDiagnosticAndLine() throws IOException {
        Path file = write("broken.appl", "const A: u8 = 300\n\nconst B: u8 = 1\nconst C: u16 = 70000\n");
        Run run = applc("check", "--format", "json", file.toString());
        assertEquals(1, run.exit(), run.err());
        assertEquals("", run.err(), "json mode prints nothing for people");
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size(), run.out());
        Map<String, Object> first = Json.object(lines.get(0));
        assertEquals("APPL0022", first.get("code"));
        assertEquals("error", first.get("severity"));
        assertTrue(((String) first.get("message")).contains("300"), lines.get(0));
        assertEquals(file.toString(), first.get("file"));
        assertEquals(1L, first.get("startLine"));
        assertEquals(15L, first.get("startColumn"));
        assertEquals(1L, first.get("endLine"));
        assertEquals(18L, first.get("endColumn"));
        Map<String, Object> second = Json.object(lines.get(1));
        assertEquals("APPL0022", second.get("code"));
        assertEquals(4L, second.get("startLine"));
        assertEquals(16L, second.get("startColumn"));
        assertEquals(4L, second.get("endLine"));
        assertEquals(21L, second.get("endColumn"));
    }

    @Test
    void jsonEscapesQuotesAndBackslashesInMessages() throws IOException {
        // Messages quote the offending text: `"` and `\` must come out escaped.
        Path file = write("odd.appl", "const A: u8 = 1 \"s\"\nconst B: u8 = 1 \\\n");
        Run run = applc("check", "--format", "json", file.toString());
        assertEquals(1, run.exit(), run.err());
        List<String> messages = new ArrayList<>();
        for (String line : run.out().lines().toList()) {
            Map<String, Object> d = Json.object(line);
            assertTrue(((String) d.get("code")).startsWith("APPL"), line);
            messages.add((String) d.get("message"));
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("\"s\"")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("\\")), messages.toString());
    }

    @Test
    void missingFileExitsTwo() {
        Path missing = dir.resolve("nope.appl");
        Run run = applc("check", missing.toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("nope.appl"), run.err());
    }

    @Test
    void unknownOptionExitsTwoWithUsage() throws IOException {
        Path file = write("clean.appl", CLEAN);
        Run run = applc("check", "--bogus", file.toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("--bogus"), run.err());
        assertTrue(run.err().contains("Usage: applc check"), run.err());
    }

    @Test
    void noSubcommandExitsTwoWithUsage() {
        Run run = applc();
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().contains("Usage: applc"), run.err());
    }

    @Test
    void foldersAreSearchedForSpecs() throws IOException {
        write("specs/a.appl", CLEAN);
        write("specs/deeper/b.appl", "const B: u8 = 1\n");
        write("specs/notes.txt", "not a spec {{{");
        write("specs/deeper/spec.appl.bak", "not a spec {{{");
        Run run = applc("check", dir.resolve("specs").toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of("applc: checked 2 files: no errors"), run.errLines());

        Path broken = write("specs/deeper/c.appl", BROKEN);
        run = applc("check", dir.resolve("specs").toString());
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().startsWith(broken + ":1:19: error[APPL0022]"), run.err());
        assertEquals("applc: checked 3 files: 1 error", run.errLines().getLast());
    }

    @Test
    void checkHelp() {
        Run run = applc("check", "--help");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("Usage: applc check"), run.out());
        assertTrue(run.out().contains("--format"), run.out());
        assertTrue(run.out().contains("--stdlib"), run.out());
    }

    @Test
    void fmtHelp() {
        Run run = applc("fmt", "--help");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("Usage: applc fmt"), run.out());
        assertTrue(run.out().contains("--check"), run.out());
    }

    @Test
    void version() {
        Run run = applc("--version");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().matches("applc \\S.*\\R"), run.out());
    }

    /**
     * Found by the language module's MutationTest: a NUL character in an import makes the loader
     * throw InvalidPathException, which picocli prints as a stack trace (exit 1). It should be a
     * diagnostic.
     */
    @Test
    void badCharacterInAnImportIsADiagnosticNotAStackTrace() throws IOException {
        Path file = write("nul.appl", "import \0std.x\n");
        Run run = applc("check", file.toString());
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.err().contains("error[APPL"), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    // ---- fmt -----------------------------------------------------------------------------------

    @Test
    void fmtRewritesAMessyFile() throws IOException {
        Path file = write("messy.appl", MESSY);
        Run run = applc("fmt", file.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(MESSY_FORMATTED, Files.readString(file));
        assertEquals(List.of("formatted " + file), run.errLines());

        run = applc("fmt", file.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err(), "a formatted file is left alone");
    }

    @Test
    void fmtCheckListsUnformattedFilesAndChangesNothing() throws IOException {
        Path messy = write("fmt/messy.appl", MESSY);
        Path tidy = write("fmt/tidy.appl", MESSY_FORMATTED);
        FileTime messyTime = Files.getLastModifiedTime(messy);
        Run run = applc("fmt", "--check", dir.resolve("fmt").toString());
        assertEquals(1, run.exit(), run.err());
        assertEquals(List.of(messy.toString()), run.out().lines().toList());
        assertEquals(MESSY, Files.readString(messy));
        assertEquals(messyTime, Files.getLastModifiedTime(messy));
        assertEquals(MESSY_FORMATTED, Files.readString(tidy));

        run = applc("fmt", "--check", tidy.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.out());
    }

    @Test
    void fmtRefusesAFileWithSyntaxErrors() throws IOException {
        Path file = write("syntax.appl", SYNTAX_ERROR);
        byte[] before = Files.readAllBytes(file);
        Run run = applc("fmt", file.toString());
        assertEquals(1, run.exit(), run.err());
        assertArrayEquals(before, Files.readAllBytes(file));
        // FmtCommand prints the diagnostics with print() and never flushes stderr: in a real run
        // they are lost and `applc fmt` fails without saying why.
        assertTrue(run.err().contains(file + ":2:1: error[APPL0001]"), "stderr was: " + run.err());
    }

    @Test
    void fmtRefusesInvalidUtf8() throws IOException {
        Path file = dir.resolve("latin1.appl");
        byte[] bytes = {'c', 'o', 'n', 's', 't', ' ', 'X', (byte) 0xE9, ':', ' ', 'u', '8', ' ', '=', ' ', '1', '\n'};
        Files.write(file, bytes);
        Run run = applc("fmt", file.toString());
        assertEquals(1, run.exit(), run.err());
        assertArrayEquals(bytes, Files.readAllBytes(file));
        assertTrue(run.err().contains("UTF-8"), run.err());
    }

    // ---- The real ./applc script ------------------------------------------------------------------

    @Test
    void realScriptVersionAndCheckSamples() throws Exception {
        Path root = repoRootWithFreshJar();
        Run version = script(root, "--version");
        assertEquals(0, version.exit(), version.err());
        assertTrue(version.out().startsWith("applc "), version.out());

        Run check = script(root, "check", "samples");
        assertEquals(0, check.exit(), check.err());
        assertTrue(check.err().lines().anyMatch(l -> l.matches("applc: checked \\d+ files: no errors")), check.err());
    }

    @Test
    void realScriptFmtExplainsWhyItRefusesAFile() throws Exception {
        Path root = repoRootWithFreshJar();
        Path file = write("syntax.appl", SYNTAX_ERROR);
        Run run = script(root, "fmt", file.toString());
        assertEquals(1, run.exit(), run.err());
        assertEquals(SYNTAX_ERROR, Files.readString(file));
        assertTrue(run.err().contains("error[APPL0001]"), "stderr was: " + run.err());
    }

    /**
     * The repository root, if dist/target/applc.jar is newer than everything ./applc compares
     * it with; otherwise the script would rebuild it, which must not happen inside Maven's test
     * phase: the test is skipped. (Run `./mvnw install -DskipTests` first to have it run.)
     */
    private static Path repoRootWithFreshJar() throws IOException {
        Path root = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("applc")) && Files.isDirectory(d.resolve("compiler"))) {
                root = d;
                break;
            }
        }
        Assumptions.assumeTrue(root != null, "no ./applc script above the working folder");
        Path jar = root.resolve("dist/target/applc.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "no " + jar + "; ./applc would build it");
        FileTime built = Files.getLastModifiedTime(jar);
        List<Path> compared = new ArrayList<>();
        for (String d : List.of("language/src", "compiler/src", "runtime/src", "lsp-server/src", "stdlib", ".mvn")) {
            compared.add(root.resolve(d));
        }
        compared.add(root.resolve("pom.xml"));
        try (Stream<Path> children = Files.list(root)) {
            children.map(c -> c.resolve("pom.xml")).filter(Files::isRegularFile).forEach(compared::add);
        }
        for (Path p : compared) {
            Path newer = newerThan(p, built);
            Assumptions.assumeTrue(newer == null,
                    () -> newer + " is newer than " + jar + "; ./applc would rebuild it, not inside a test");
        }
        return root;
    }

    private static Path newerThan(Path path, FileTime time) throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.filter(p -> {
                try {
                    return Files.getLastModifiedTime(p).compareTo(time) > 0;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).findFirst().orElse(null);
        }
    }

    private static Run script(Path root, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("./applc");
        command.addAll(List.of(args));
        Path out = Files.createTempFile("applc-out", ".txt");
        Path err = Files.createTempFile("applc-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).directory(root.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("./applc " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    // ---- A minimal JSON reader: objects, arrays, strings, integers, true/false/null ---------------

    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> object(String text) {
            Json json = new Json(text);
            Object value = json.value();
            json.skipBlanks();
            if (json.i != text.length() || !(value instanceof Map)) {
                throw new AssertionError("not one JSON object: " + text);
            }
            return (Map<String, Object>) value;
        }

        private Object value() {
            skipBlanks();
            char c = peek();
            if (c == '{') {
                Map<String, Object> map = new LinkedHashMap<>();
                i++;
                skipBlanks();
                if (peek() == '}') {
                    i++;
                    return map;
                }
                do {
                    skipBlanks();
                    String key = string();
                    skipBlanks();
                    expect(':');
                    if (map.put(key, value()) != null) {
                        throw error("duplicate key " + key);
                    }
                    skipBlanks();
                } while (next() == ',');
                i--;
                expect('}');
                return map;
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                i++;
                skipBlanks();
                if (peek() == ']') {
                    i++;
                    return list;
                }
                do {
                    list.add(value());
                    skipBlanks();
                } while (next() == ',');
                i--;
                expect(']');
                return list;
            }
            if (c == '"') {
                return string();
            }
            if (c == '-' || Character.isDigit(c)) {
                int start = i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                return Long.parseLong(s.substring(start, i));
            }
            for (String word : List.of("true", "false", "null")) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            throw error("unexpected character");
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("unescaped control character");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private void skipBlanks() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                i--;
                throw error("expected " + c);
            }
        }

        private AssertionError error(String why) {
            return new AssertionError(why + " at " + i + " in " + s);
        }
    }
}
