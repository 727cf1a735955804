package dev.appl.compiler;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The samples as the trace tests read them: their specs, their packet ports with the traces of
 * their default bindings, their expected outputs and summaries, and how a written trace is compared
 * with an expected one. Shared by the tests of `applc run` and of built images.
 */
public final class SampleFiles {
    private SampleFiles() {}

    /** A packet port of a sample and the trace its default binding names. */
    public record Port(String name, Path trace) {}

    // ---- The samples -------------------------------------------------------------------------------------

    public static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("samples")) && Files.isDirectory(d.resolve("compiler"))) {
                return d;
            }
        }
        throw new AssertionError("no samples/ folder above " + Path.of("").toAbsolutePath());
    }

    public static Path sampleDir(String sample) {
        return root().resolve("samples").resolve(sample);
    }

    public static Path spec(String sample) {
        return sampleDir(sample).resolve(sample + ".appl");
    }

    public static Path expectedDir(String sample) {
        return root().resolve("samples").resolve(sample).resolve("expected");
    }

    static final Pattern PORT = Pattern.compile("^\\s*port\\s+(\\w+)\\s*:\\s*packet\\b(.*)$", Pattern.MULTILINE);
    static final Pattern PCAP_BINDING = Pattern.compile("=\\s*\"pcap:([^\",]+)[^\"]*\"");

    /** The spec's packet ports, each with the trace of its default binding (relative to the spec). */
    public static List<Port> ports(String sample) throws IOException {
        Path spec = spec(sample);
        List<Port> ports = new ArrayList<>();
        Matcher m = PORT.matcher(Files.readString(spec, UTF_8));
        while (m.find()) {
            Matcher binding = PCAP_BINDING.matcher(m.group(2));
            assertTrue(binding.find(), spec + ": port `" + m.group(1) + "` has no default pcap binding");
            ports.add(new Port(m.group(1), spec.getParent().resolve(binding.group(1))));
        }
        assertFalse(ports.isEmpty(), spec + " declares no packet port");
        return ports;
    }

    // ---- Summaries -----------------------------------------------------------------------------------------

    static final Pattern RUN_PORT = Pattern.compile("^\\s*port\\s+(\\S+)\\s+in\\s+(\\d+)\\s+out\\s+(\\d+)\\b.*");
    static final Pattern RUN_DROPS = Pattern.compile("^\\s*dropped\\s+(\\d+),\\s*malformed\\s+(\\d+)\\s*$");
    static final Pattern RUN_COUNTER = Pattern.compile("^\\s*counter\\s+(\\S+)\\s+(\\d+)\\s*$");

    /** The counts in what {@code applc run} printed, keyed like summary.txt's lines. */
    public static Map<String, Long> summary(String printed) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String line : printed.lines().toList()) {
            Matcher m;
            if ((m = RUN_PORT.matcher(line)).matches()) {
                counts.put("port " + m.group(1) + " in", Long.parseLong(m.group(2)));
                counts.put("port " + m.group(1) + " out", Long.parseLong(m.group(3)));
            } else if ((m = RUN_DROPS.matcher(line)).matches()) {
                counts.put("dropped", Long.parseLong(m.group(1)));
                counts.put("malformed", Long.parseLong(m.group(2)));
            } else if ((m = RUN_COUNTER.matcher(line)).matches()) {
                counts.put("counter " + m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return counts;
    }

    /** expected/summary.txt: `port P in N out M`, `dropped N`, `malformed N`, `counter C N`. */
    public static Map<String, Long> expectedSummary(String sample) throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String line : Files.readAllLines(expectedDir(sample).resolve("summary.txt"), UTF_8)) {
            String[] w = line.trim().split("\\s+");
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            switch (w[0]) {
                case "port" -> {
                    counts.put("port " + w[1] + " in", Long.parseLong(w[3]));
                    counts.put("port " + w[1] + " out", Long.parseLong(w[5]));
                }
                case "dropped", "malformed" -> counts.put(w[0], Long.parseLong(w[1]));
                case "counter" -> counts.put("counter " + w[1], Long.parseLong(w[2]));
                default -> fail("summary.txt: unknown line: " + line);
            }
        }
        return counts;
    }

    // ---- Traces ----------------------------------------------------------------------------------------------

    /** One record of a classic pcap file. */
    record Record(long seconds, long fraction, int originalLength, byte[] data) {
        /** Seconds and the fraction as written (nanoseconds in what PcapWriter writes). */
        String time() {
            return String.format("%d.%09d", seconds, fraction);
        }
    }

    /** The records of a classic pcap file in either byte order. */
    static List<Record> records(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        List<Record> records = new ArrayList<>();
        int at = 24;
        while (at + 16 <= file.length) {
            int captured = b.getInt(at + 8);
            byte[] data = new byte[Math.max(0, Math.min(captured, file.length - at - 16))];
            System.arraycopy(file, at + 16, data, 0, data.length);
            records.add(new Record(Integer.toUnsignedLong(b.getInt(at)), Integer.toUnsignedLong(b.getInt(at + 4)),
                    b.getInt(at + 12), data));
            at += 16 + data.length;
        }
        return records;
    }

    /** Byte for byte; on a difference, says which packet differs and how. */
    public static void assertSameTrace(Path expectedFile, Path actualFile) throws IOException {
        assertTrue(Files.isRegularFile(actualFile), "nothing was written to " + actualFile);
        byte[] expected = Files.readAllBytes(expectedFile);
        byte[] actual = Files.readAllBytes(actualFile);
        if (java.util.Arrays.equals(expected, actual)) {
            return;
        }
        StringBuilder why = new StringBuilder(actualFile + " differs from " + expectedFile + ": ");
        if (java.util.Arrays.mismatch(expected, actual) < 24) {
            why.append("the pcap file headers differ: expected ").append(hex(expected, 0, 24)).append(", got ")
                    .append(hex(actual, 0, 24));
            fail(why.toString());
        }
        List<Record> e = records(expected);
        List<Record> a = records(actual);
        for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
            Record x = e.get(i);
            Record y = a.get(i);
            if (x.seconds() != y.seconds() || x.fraction() != y.fraction()) {
                fail(why.append("packet ").append(i + 1).append(" has time ").append(y.time()).append(", expected ")
                        .append(x.time()).toString());
            }
            if (!java.util.Arrays.equals(x.data(), y.data()) || x.originalLength() != y.originalLength()) {
                int at = java.util.Arrays.mismatch(x.data(), y.data());
                fail(why.append("packet ").append(i + 1).append(" (time ").append(x.time()).append(") differs from byte ").append(at).append(" on: expected ")
                        .append(x.data().length).append(" bytes ").append(hex(x.data(), at, at + 24)).append(", got ")
                        .append(y.data().length).append(" bytes ").append(hex(y.data(), at, at + 24))
                        .append(at >= 0 ? "" : "; original lengths " + x.originalLength() + " and " + y.originalLength())
                        .toString());
            }
        }
        fail(why.append(a.size()).append(" packets, expected ").append(e.size()).toString());
    }

    static String hex(byte[] bytes, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = Math.max(0, from); i < Math.min(bytes.length, to); i++) {
            s.append(String.format("%02x", bytes[i] & 0xff));
        }
        return s.append(to < bytes.length ? "..." : "").toString();
    }

}
