package dev.appl.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.io.PcapWriter;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import dev.appl.runtime.table.KeyMatch;
import dev.appl.runtime.table.MatchKind;
import dev.appl.runtime.table.RulesEntry;
import dev.appl.runtime.table.TableSchema;
import dev.appl.runtime.table.ValueType;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher, run in-process on a hand-written kernel: replay order, timers, what is written
 * and printed, the errors, and that replaying allocates nothing per packet.
 */
class MainTest {
    @TempDir
    Path dir;

    /**
     * A kernel whose packets say what to do with them in their first byte: 1 forwards to the other
     * port after pushing two bytes (0xaa 0xbb) in front, 2 replies, 3 drops, 4 is malformed, 5 throws.
     * Counters: packets handled, timer ticks, the value of param {@code x}.
     */
    public static final class FakeKernel implements Kernel {
        static FakeKernel last;
        /** Allocation is measured from this packet on, when the loop has run a while. */
        static final long WARM = 1000;
        final Object[] params;
        long handled;
        long ticks;
        long now;
        final List<Long> tickTimes = new ArrayList<>();
        long allocatedAtPacket1000 = -1;
        long allocatedAtLastPacket = -1;

        public FakeKernel(Object[] params) {
            this.params = params.clone();
            last = this;
        }

        @Override
        public int handle(int port, PacketView p) {
            handled++;
            if (handled >= WARM) {
                long bytes = allocated();
                if (handled == WARM) {
                    allocatedAtPacket1000 = bytes;
                }
                allocatedAtLastPacket = bytes;
            }
            byte what = p.segment.get(ValueLayout.JAVA_BYTE, p.offset);
            return switch (what) {
                case 1 -> {
                    p.offset -= 2;
                    p.length += 2;
                    p.segment.set(ValueLayout.JAVA_BYTE, p.offset, (byte) 0xaa);
                    p.segment.set(ValueLayout.JAVA_BYTE, p.offset + 1, (byte) 0xbb);
                    yield 1 - port;
                }
                case 2 -> REPLY;
                case 3 -> DROP;
                case 4 -> MALFORMED;
                default -> throw new IllegalStateException("boom");
            };
        }

        @Override
        public void tick(int timer) {
            ticks++;
            tickTimes.add(now);
        }

        @Override
        public void setTime(long nanos) {
            now = nanos;
        }

        @Override
        public long counter(int index) {
            return switch (index) {
                case 0 -> handled;
                case 1 -> ticks;
                default -> (Long) params[0];
            };
        }

        @Override
        public int mapSize(int index) {
            return 0;
        }

        @Override
        public void addEntry(int index, TableEntry entry) {}

        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        private static long allocated() {
            return THREADS.getCurrentThreadAllocatedBytes();
        }
    }

    private static Descriptor descriptor() {
        return new Descriptor("Fake", FakeKernel.class.getName(), "test", "fake.appl", "META-INF/appl/spec/fake.appl",
                "00", List.of(new Descriptor.Port("a", "packet", null), new Descriptor.Port("b", "packet", null),
                        new Descriptor.Port("c", "stream", null)),
                List.of(new Descriptor.Param("x", ParamType.unsigned(16), 7L, false),
                        new Descriptor.Param("fixed", ParamType.of(ParamType.Kind.BOOL), 1L, true)),
                List.of("handled", "ticks", "x"), List.of(), List.of(new Descriptor.Timer("t", 1_000_000_000L)),
                List.of());
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new Main(descriptor(), "fake", new PrintWriter(out), new PrintWriter(err)).run(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** A trace of packets {first byte, index}, each {@code length} bytes, at the given times in ms. */
    private Path trace(String name, int length, long[] millis, int... kinds) throws IOException {
        Path file = dir.resolve(name);
        try (PcapWriter w = new PcapWriter(file)) {
            for (int i = 0; i < kinds.length; i++) {
                byte[] p = new byte[length];
                p[0] = (byte) kinds[i];
                p[1] = (byte) i;
                w.write(millis[i] * 1_000_000L, MemorySegment.ofArray(p), 0, p.length);
            }
        }
        return file;
    }

    @BeforeEach
    void forget() {
        FakeKernel.last = null;
    }

    @Test
    void replaysByCaptureTimeFiresTimersAndWritesOutputs() throws IOException {
        Path a = trace("a.pcap", 20, new long[] {500, 1500, 2500, 2600, 2700}, 1, 1, 2, 3, 4);
        Path b = trace("b.pcap", 30, new long[] {1000, 2000}, 1, 2);
        Path aOut = dir.resolve("a-out.pcap");
        Path bOut = dir.resolve("b-out.pcap");
        Run run = run("--port", "a=pcap:" + a + ",out=" + aOut, "--port=b=pcap:" + b + ",out=" + bOut,
                "--param", "x=0x10");
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        assertEquals(String.join("\n",
                "Fake (compiled kernel)",
                String.format("  port a            in        5  out        2  from %s  to %s", a, aOut),
                String.format("  port b            in        2  out        3  from %s  to %s", b, bOut),
                "  port c            in        0  out        0",
                "  dropped 1, malformed 1",
                "  counter handled      7",
                "  counter ticks        2",
                "  counter x            16",
                ""), run.out());
        FakeKernel k = FakeKernel.last;
        assertEquals(List.of(1_500_000_000L, 2_500_000_000L), k.tickTimes);
        assertEquals(16L, k.params[0]);
        assertEquals(1L, k.params[1]);
        // a gets b's first packet (forwarded, two bytes pushed in front) and the reply to its own third.
        try (PcapFile out = PcapFile.open(aOut)) {
            assertEquals(2, out.count());
            assertEquals(1_000_000_000L, out.timestampNanos(0));
            assertEquals(32, out.packetLength(0));
            assertEquals((byte) 0xaa, out.packet(0).get(ValueLayout.JAVA_BYTE, 0));
            assertEquals((byte) 0xbb, out.packet(0).get(ValueLayout.JAVA_BYTE, 1));
            assertEquals(1, out.packet(0).get(ValueLayout.JAVA_BYTE, 2));
            assertEquals(2_500_000_000L, out.timestampNanos(1));
            assertEquals(20, out.packetLength(1));
            assertEquals(2, out.packet(1).get(ValueLayout.JAVA_BYTE, 1));
        }
        // b gets a's first two packets, forwarded, and the reply to its own second.
        try (PcapFile out = PcapFile.open(bOut)) {
            assertEquals(3, out.count());
            assertEquals(List.of(22, 22, 30), List.of(out.packetLength(0), out.packetLength(1), out.packetLength(2)));
            assertEquals(List.of(500_000_000L, 1_500_000_000L, 2_000_000_000L),
                    List.of(out.timestampNanos(0), out.timestampNanos(1), out.timestampNanos(2)));
        }
    }

    @Test
    void packetsOfEqualTimeGoInBindingOrder() throws IOException {
        Path a = trace("a.pcap", 20, new long[] {1000}, 3);
        Path b = trace("b.pcap", 20, new long[] {1000}, 5);
        // b's packet throws: had it gone first, a's would never be seen.
        Run run = run("--port", "a=pcap:" + a, "--port", "b=pcap:" + b);
        assertEquals(1, run.exit());
        assertEquals(2, FakeKernel.last.handled);
        assertEquals("fake: the kernel failed on packet 1 of " + b + ": java.lang.IllegalStateException: boom\n",
                run.err());
        assertEquals("", run.out());
    }

    @Test
    void allocatesNothingPerPacket() throws IOException {
        int n = 50_000;
        long[] times = new long[n];
        int[] kinds = new int[n];
        for (int i = 0; i < n; i++) {
            times[i] = i;
            kinds[i] = 1 + i % 4; // forward, reply, drop, malformed
        }
        Path a = trace("a.pcap", 60, times, kinds);
        Run run = run("--port", "a=pcap:" + a + ",out=" + dir.resolve("a-out.pcap"), "--port",
                "b=pcap:,out=" + dir.resolve("b-out.pcap"));
        assertEquals(0, run.exit(), run.err());
        FakeKernel k = FakeKernel.last;
        long bytes = k.allocatedAtLastPacket - k.allocatedAtPacket1000;
        assertTrue(bytes < 16 * 1024, "replaying " + (n - FakeKernel.WARM) + " packets allocated " + bytes + " bytes");
    }

    @Test
    void everyMistakeIsOneLineAndExitTwo() throws IOException {
        Path a = trace("a.pcap", 20, new long[] {1}, 3);
        String[][] cases = {
            {"--param", "x=70000"}, {"fake: --param x=70000: `70000` does not fit in `u16`"},
            {"--param", "x"}, {"fake: --param takes NAME=VALUE, not `x`"},
            {"--param", "y=1"}, {"fake: appliance `Fake` has no param `y`; it has `x`, `fixed`"},
            {"--param", "fixed=false"}, {"fake: `fixed` is a build param: it is fixed when the appliance is built"},
            {"--port", "a=pcap:" + dir.resolve("missing.pcap")},
            {"fake: port `a`: no trace at " + dir.resolve("missing.pcap")},
            {"--port", "d=pcap:x.pcap"}, {"fake: appliance `Fake` has no port `d`"},
            {"--port", "c=pcap:x.pcap"}, {"fake: port `c` is a stream port: it takes tcp:HOST:PORT, not `pcap:x.pcap`"},
            {"--port", "a=x.pcap"}, {"fake: port `a`: `x.pcap` is not a binding; a packet port takes "
                    + "pcap:IN.pcap[,out=OUT.pcap] or afpacket:IFACE"},
            {"--port", "a=udp:127.0.0.1:53"}, {"fake: port `a` is a packet port: it takes pcap:IN.pcap[,out=OUT.pcap]"
                    + " or afpacket:IFACE, not `udp:127.0.0.1:53`"},
            {"--port", "c=tcp:127.0.0.1"}, {"fake: port `c`: `tcp:127.0.0.1` is not HOST:PORT with a port from 0 to "
                    + "65535 (an IPv6 host goes in brackets: [::1]:5353)"},
            {"--port", "c=tcp:no-such-host.invalid:53"}, {"fake: port `c`: `tcp:no-such-host.invalid:53`: unknown host "
                    + "no-such-host.invalid"},
            {"--port", "a=afpacket:nosuch0"}, {"fake: port `a`: afpacket:nosuch0: no such network interface"},
            {"--port", "a=afpacket:nosuch0", "--port", "b=pcap:x.pcap"}, {"fake: port `b` is bound to a trace (pcap:x.pcap) while others are live; bind every port live, or every port "
                    + "to a trace"},
            {"--port", "a=pcap:" + a, "--workers", "2"}, {"fake: traces are replayed by one worker, in capture order: "
                    + "--workers 2 needs live ports (afpacket, udp or tcp)"},
            {"--workers", "0"}, {"fake: --workers takes a number from 1, not `0`"},
            {"--port", "a"}, {"fake: --port takes NAME=BINDING, not `a`"},
            {"--port"}, {"fake: Missing required parameter for option '--port' (NAME=BINDING)"},
            {"--ports", "x"}, {"fake: Unknown option: '--ports' (--help lists the options)"},
            {"run"}, {"fake: Unmatched argument at index 0: 'run' (--help lists the options)"},
            {"--port", "a=pcap:" + a + ",out=" + dir.resolve("no/such/folder.pcap")},
            {"fake: port `a`: cannot write " + dir.resolve("no/such/folder.pcap") + ": its folder does not exist"},
        };
        Files.writeString(dir.resolve("not.pcap"), "");
        for (int i = 0; i < cases.length; i += 2) {
            Run run = run(cases[i]);
            assertEquals(2, run.exit(), String.join(" ", cases[i]) + "\n" + run.err());
            assertEquals(cases[i + 1][0] + "\n", run.err(), String.join(" ", cases[i]));
            assertEquals("", run.out(), String.join(" ", cases[i]));
        }
        Run empty = run("--port", "a=pcap:" + dir.resolve("not.pcap"));
        assertEquals(2, empty.exit());
        assertEquals("fake: " + dir.resolve("not.pcap") + " is not a pcap file: it is shorter than a pcap header\n",
                empty.err());
    }

    @Test
    void helpListsPortsAndParams() {
        Run run = run("--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().startsWith("Usage: java -jar fake.jar [-hV] [--workers=N] [--param=NAME=VALUE]..."),
                run.out());
        assertTrue(run.out().contains("\n  a      packet    (no default binding)\n"), run.out());
        assertTrue(run.out().contains("\n  x      u16       = 7\n"), run.out());
        assertTrue(run.out().contains("\n  fixed  bool      = true  (build param: fixed in this image)\n"), run.out());
        assertEquals("", run.err());
        Run version = run("-V");
        assertEquals("Fake, built by applc test from fake.appl (sha256 00)\n", version.out());
    }

    @Test
    void loadedEntriesTakeTheKernelsForm() {
        TableSchema schema = new TableSchema("t",
                List.of(new TableSchema.Key("a", MatchKind.TERNARY, ValueType.unsigned(8)),
                        new TableSchema.Key("b", MatchKind.RANGE, ValueType.signed(8)),
                        new TableSchema.Key("c", MatchKind.RANGE, ValueType.unsigned(16))),
                List.of(new TableSchema.Action("go", List.of(new TableSchema.Datum("d", ValueType.unsigned(8))))),
                10, 0);
        List<TableEntry> entries = Main.tableEntries(schema, List.of(
                new RulesEntry(List.of(new KeyMatch.Masked(0, 0), new KeyMatch.Range(-128, 127),
                        new KeyMatch.Range(0, 0xffff)), 0, List.of(5L), 1),
                new RulesEntry(List.of(new KeyMatch.Masked(0x10, 0xff), new KeyMatch.Range(-3, 4),
                        new KeyMatch.Range(22, 22)), 0, List.of(6L), 2),
                new RulesEntry(List.of(new KeyMatch.Masked(0x10, 0xf0), new KeyMatch.Range(1, 4),
                        new KeyMatch.Range(1, 2)), 0, List.of(7L), 3)));
        TableEntry.Match any = TableEntry.Match.any();
        assertEquals(List.of(
                List.of(any, any, any),
                List.of(TableEntry.Match.exact(0x10), TableEntry.Match.range(-3, -1), TableEntry.Match.range(22, 22)),
                List.of(TableEntry.Match.exact(0x10), TableEntry.Match.range(0, 4), TableEntry.Match.range(22, 22)),
                List.of(TableEntry.Match.masked(0x10, 0xf0), TableEntry.Match.range(1, 4), TableEntry.Match.range(1, 2))),
                entries.stream().map(TableEntry::keys).toList());
        assertEquals(List.of(5L, 6L, 6L, 7L), entries.stream().map(e -> e.data()[0]).toList());
    }
}
