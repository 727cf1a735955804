package dev.appl.compiler;

import static dev.appl.compiler.SampleFiles.assertSameTrace;
import static dev.appl.compiler.SampleFiles.expectedDir;
import static dev.appl.compiler.SampleFiles.expectedSummary;
import static dev.appl.compiler.SampleFiles.ports;
import static dev.appl.compiler.SampleFiles.spec;
import static dev.appl.compiler.SampleFiles.summary;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.compiler.SampleFiles.Port;
import dev.appl.compiler.cli.Applc;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Runs every sample appliance on the pcap traces shipped beside it and compares what comes out
 * with {@code samples/NAME/expected/}: each port's output trace byte for byte, and the counts
 * {@code applc run} prints (packets in and out per port, dropped, malformed, counters) with
 * {@code expected/summary.txt}. The expected files are written by
 * {@code samples/tools/make_traces.py} from its own Python model of each appliance, not by
 * running applc, so they are an independent oracle. When {@code tshark} is on the PATH it must
 * read every packet of every output with the addresses and ports the generator predicted
 * ({@code expected/PORT.fields}) and, checking checksums, find bad ones only where predicted.
 *
 * <p>The comparison is on whole files: make_traces.py writes the expected traces exactly as
 * {@code PcapWriter} does (nanosecond pcap, each packet stamped with the capture time of the
 * packet that caused it). On a difference the message names the first packet that differs.
 */
class SampleTracesTest {
    /** The fields asked of tshark; make_traces.py's TSHARK_FIELDS, in the same order. */
    private static final List<String> TSHARK_FIELDS = List.of("frame.number", "eth.type", "ip.src", "ip.dst",
            "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport");
    private static final List<String> CHECKSUM_FIELDS = List.of("ip.checksum.status", "tcp.checksum.status",
            "udp.checksum.status");

    /** A packet port and the trace its spec binds it to by default. */
    private record Run(int exit, String out, String err) {}

    // ---- Tests -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void runsWithNoFlagsOnTheTracesBesideIt(String sample) throws IOException {
        Path spec = spec(sample);
        for (Port p : ports(sample)) {
            assertTrue(Files.isRegularFile(p.trace()), "port " + p.name() + " is bound to " + p.trace()
                    + ", which is missing: run python3 samples/tools/make_traces.py");
        }
        Run run = applc("run", spec.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals(expectedSummary(sample), summary(run.out()), "applc run " + spec + " printed:\n" + run.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void everyPortWritesTheExpectedTrace(String sample, @TempDir Path tmp) throws IOException {
        Run run = runWithOutputs(sample, tmp);
        assertEquals(expectedSummary(sample), summary(run.out()), "applc run printed:\n" + run.out());
        for (Port p : ports(sample)) {
            Path expected = expectedDir(sample).resolve(p.name() + ".pcap");
            assertTrue(Files.isRegularFile(expected), "no " + expected + ": run python3 samples/tools/make_traces.py");
            assertSameTrace(expected, tmp.resolve(p.name() + ".pcap"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void tsharkReadsEveryPacketWeWrite(String sample, @TempDir Path tmp) throws Exception {
        Path tshark = onPath("tshark");
        Assumptions.assumeTrue(tshark != null, "tshark is not on the PATH (.ci/run installs it)");
        runWithOutputs(sample, tmp);
        int checked = 0;
        for (Port p : ports(sample)) {
            Path fields = expectedDir(sample).resolve(p.name() + ".fields");
            if (!Files.exists(fields)) {
                continue; // nothing leaves this port
            }
            List<String> expected = new ArrayList<>();
            TreeSet<Integer> expectedBad = new TreeSet<>();
            for (String line : Files.readAllLines(fields, UTF_8)) {
                if (line.startsWith("# bad checksums:")) {
                    for (String n : line.substring("# bad checksums:".length()).trim().split(" ")) {
                        if (!n.equals("none")) {
                            expectedBad.add(Integer.parseInt(n));
                        }
                    }
                } else if (!line.startsWith("#")) {
                    expected.add(normalize(line));
                }
            }
            Path out = tmp.resolve(p.name() + ".pcap");
            List<String> command = new ArrayList<>(List.of(tshark.toString(), "-n", "-r", out.toString(),
                    "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                    "-T", "fields"));
            for (String f : TSHARK_FIELDS) {
                command.addAll(List.of("-e", f));
            }
            for (String f : CHECKSUM_FIELDS) {
                command.addAll(List.of("-e", f));
            }
            List<String> lines = tshark(command, tmp);
            List<String> actual = new ArrayList<>();
            TreeSet<Integer> bad = new TreeSet<>();
            for (String line : lines) {
                String[] columns = line.split("\t", -1);
                assertEquals(TSHARK_FIELDS.size() + CHECKSUM_FIELDS.size(), columns.length, "tshark printed: " + line);
                actual.add(normalize(String.join("\t", List.of(columns).subList(0, TSHARK_FIELDS.size()))));
                for (int i = TSHARK_FIELDS.size(); i < columns.length; i++) {
                    // One status per header (a tunnelled packet has two IPv4 headers); 0 is bad.
                    if (List.of(columns[i].split(",")).contains("0")) {
                        bad.add(Integer.parseInt(columns[0]));
                    }
                }
            }
            assertEquals(expected.size(), actual.size(), "tshark read " + actual.size() + " packets of " + out
                    + ", expected " + expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i), actual.get(i), "tshark's view of packet " + (i + 1) + " of " + out
                        + " (" + String.join(" ", TSHARK_FIELDS) + ")");
            }
            assertEquals(expectedBad, bad, "packets of " + out + " in which tshark finds a bad checksum");
            checked++;
        }
        assertTrue(checked > 0, "no output of " + sample + " was checked with tshark");
    }

    // ---- Running applc -----------------------------------------------------------------------------------

    /** {@code applc run} with --port P=pcap:IN,out=TMP/P.pcap for every packet port. */
    private static Run runWithOutputs(String sample, Path tmp) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", spec(sample).toString()));
        for (Port p : ports(sample)) {
            args.add("--port");
            args.add(p.name() + "=pcap:" + p.trace() + ",out=" + tmp.resolve(p.name() + ".pcap"));
        }
        Run run = applc(args.toArray(String[]::new));
        assertEquals(0, run.exit(), "applc " + String.join(" ", args) + "\n" + run.err());
        return run;
    }

    private static Run applc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Applc());
        cli.setOut(new PrintWriter(new BufferedWriter(out), true));
        cli.setErr(new PrintWriter(new BufferedWriter(err), true));
        int exit = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        return new Run(exit, out.toString(), err.toString());
    }

    // ---- tshark ----------------------------------------------------------------------------------------------

    private static Path onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static List<String> tshark(List<String> command, Path tmp) throws Exception {
        Path out = tmp.resolve("tshark.out");
        Path err = tmp.resolve("tshark.err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        // Its own preferences folder, so that a user's Wireshark settings cannot change what it prints.
        builder.environment().put("WIRESHARK_CONFIG_DIR", tmp.resolve("wireshark").toString());
        Process p = builder.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed: " + Files.readString(err));
        return Files.readAllLines(out, UTF_8);
    }

    /** Hexadecimal values (eth.type) as numbers: tshark versions print 0x0800 or 0x00000800. */
    private static String normalize(String line) {
        String[] columns = line.split("\t", -1);
        for (int i = 0; i < columns.length; i++) {
            if (columns[i].startsWith("0x")) {
                columns[i] = "0x" + Long.toHexString(Long.parseLong(columns[i].substring(2), 16));
            }
        }
        return String.join("\t", columns);
    }
}
