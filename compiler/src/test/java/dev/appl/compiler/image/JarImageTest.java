package dev.appl.compiler.image;

import static dev.appl.compiler.SampleFiles.assertSameTrace;
import static dev.appl.compiler.SampleFiles.expectedSummary;
import static dev.appl.compiler.SampleFiles.ports;
import static dev.appl.compiler.SampleFiles.sampleDir;
import static dev.appl.compiler.SampleFiles.spec;
import static dev.appl.compiler.SampleFiles.summary;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.compiler.SampleFiles.Port;
import dev.appl.compiler.cli.Applc;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.launch.Descriptor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code applc build} and the jar it writes, run as a real process ({@code java -jar}, with the JDK
 * that runs the tests): each sample's image must write exactly {@code samples/NAME/expected/*.pcap}
 * and print the counts of {@code expected/summary.txt}, as {@code applc run} does on the
 * interpreter (SampleTracesTest). The jar must be the same bytes every time, hold nothing of the
 * compiler, and fail in one line with status 2 on a bad param, a missing trace or a bad rules file.
 *
 * <p>A sample the backend cannot compile yet fails here with applc's message, not silently.
 */
class JarImageTest {
    /** Where each sample is built once, for every test of the class. */
    @TempDir
    static Path images;

    private static final Map<String, Run> BUILDS = new ConcurrentHashMap<>();

    private record Run(int exit, String out, String err) {}

    // ---- Running the images ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void writesTheExpectedTracesAndCounts(String sample, @TempDir Path tmp) throws IOException {
        Path jar = jar(sample);
        List<String> args = new ArrayList<>();
        for (Port p : ports(sample)) {
            args.add("--port");
            args.add(p.name() + "=pcap:" + p.trace() + ",out=" + tmp.resolve(p.name() + ".pcap"));
        }
        // From the sample's folder, where the firewall's default rules file is.
        Run run = java(sampleDir(sample), jar, args.toArray(String[]::new));
        assertEquals(0, run.exit(), "java -jar " + jar + " " + String.join(" ", args) + "\n" + run.err());
        assertNoStackTrace(run);
        assertEquals(descriptor(jar).appliance() + " (compiled kernel)", run.out().lines().findFirst().orElse(""));
        assertEquals(expectedSummary(sample), summary(run.out()), "java -jar " + jar + " printed:\n" + run.out());
        for (Port p : ports(sample)) {
            assertSameTrace(sampleDir(sample).resolve("expected").resolve(p.name() + ".pcap"),
                    tmp.resolve(p.name() + ".pcap"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void runsOnItsDefaultBindingsFromTheWorkingFolder(String sample) throws IOException {
        Path jar = jar(sample);
        Run run = java(sampleDir(sample), jar);
        assertEquals(0, run.exit(), run.err());
        assertEquals(expectedSummary(sample), summary(run.out()), "java -jar " + jar + " printed:\n" + run.out());
        for (Port p : ports(sample)) {
            assertTrue(run.out().contains("  from " + p.trace().toAbsolutePath()), run.out());
        }
    }

    @Test
    void theDnsSampleLoadsItsZoneFileAndAnswersTheQueriesOfItsTrace(@TempDir Path tmp) throws IOException {
        Path jar = jar("dns");
        Descriptor.LoadedTable records = descriptor(jar).tables().getFirst();
        assertEquals(Descriptor.Format.DNS_ZONE, records.format());
        assertEquals("zone", records.param());
        // From the sample's folder, where its default zone file is.
        Run run = java(sampleDir("dns"), jar, "--port", "udp=pcap:queries.pcap,out=" + tmp.resolve("udp.pcap"));
        assertEquals(0, run.exit(), run.err());
        assertNoStackTrace(run);
        assertEquals(List.of("dns: table `records`: 19 entries loaded from example.test.zone",
                "dns: table `zones`: 1 entry loaded from example.test.zone"), run.err().lines().toList());
        assertEquals(expectedSummary("dns"), summary(run.out()), run.out());
        assertSameTrace(sampleDir("dns").resolve("expected/udp.pcap"), tmp.resolve("udp.pcap"));
    }

    @Test
    void aMissingOrBadZoneFileIsOneLineAndStatusTwo(@TempDir Path tmp) throws IOException {
        Path queries = sampleDir("dns").resolve("queries.pcap");
        Run missing = java(tmp, jar("dns"), "--port", "udp=pcap:" + queries);
        assertEquals(2, missing.exit());
        assertEquals(List.of("dns: table `records` loads entries from the file named by param `zone`; its default, "
                + "example.test.zone (in the working folder), does not exist: pass --param zone=FILE to load another "
                + "file, or --param zone= to start without loaded entries"), missing.err().lines().toList());
        Path outside = tmp.resolve("outside.zone");
        Files.writeString(outside, "$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns host 1 2 3 4 5\nwww.other.test. IN A"
                + " 192.0.2.1\n", UTF_8);
        Run unservable = java(tmp, jar("dns"), "--param", "zone=" + outside, "--port", "udp=pcap:" + queries);
        assertEquals(2, unservable.exit());
        assertEquals(List.of("dns: " + outside + ": line 4: the record's owner is outside the zone of the SOA"),
                unservable.err().lines().toList());
        Path noTtl = tmp.resolve("no-ttl.zone");
        Files.writeString(noTtl, "$ORIGIN example.test.\nwww IN A 192.0.2.1\n", UTF_8);
        Run bad = java(tmp, jar("dns"), "--param", "zone=" + noTtl, "--port", "udp=pcap:" + queries);
        assertEquals(2, bad.exit());
        assertEquals(List.of(noTtl + ":2:1: error: a record without a TTL, and no $TTL or record before it",
                "dns: " + noTtl + ": 1 problem; the appliance was not started"), bad.err().lines().toList());
        assertEquals("", missing.out() + unservable.out() + bad.out());
    }

    @Test
    void paramsReachTheKernelAsApplcRunGivesThemToTheInterpreter(@TempDir Path tmp) throws IOException {
        String[] params = {"--param", "public_ip=198.51.100.7", "--param", "port_first=40_000", "--param",
            "port_secret=0x1234"};
        List<String> jarArgs = new ArrayList<>(List.of(params));
        List<String> runArgs = new ArrayList<>(List.of("run", spec("nat").toString(), "--engine", "interp"));
        runArgs.addAll(List.of(params));
        for (Port p : ports("nat")) {
            jarArgs.addAll(List.of("--port", p.name() + "=pcap:" + p.trace() + ",out=" + tmp.resolve("jar-" + p.name())));
            runArgs.addAll(List.of("--port", p.name() + "=pcap:" + p.trace() + ",out=" + tmp.resolve("run-" + p.name())));
        }
        Run image = java(tmp, jar("nat"), jarArgs.toArray(String[]::new));
        Run interpreter = applc(runArgs.toArray(String[]::new));
        assertEquals(0, image.exit(), image.err());
        assertEquals(0, interpreter.exit(), interpreter.err());
        assertTrue(interpreter.out().startsWith("Nat (reference interpreter)\n"), interpreter.out());
        assertEquals(summary(interpreter.out()), summary(image.out()));
        assertTrue(summary(image.out()).get("port inside out") < expectedSummary("nat").get("port inside out"),
                "with port_first=40000 most replies find no binding: " + image.out());
        for (Port p : ports("nat")) {
            assertSameTrace(tmp.resolve("run-" + p.name()), tmp.resolve("jar-" + p.name()));
        }
    }

    @Test
    void buildParamsAreFixedInTheImage(@TempDir Path tmp) throws IOException {
        Run build = applc("build", spec("l4lb").toString(), "-o", tmp.toString(), "--param", "use_gue=true");
        assertEquals(0, build.exit(), build.err());
        Path jar = tmp.resolve("load-balancer.jar");
        Descriptor.Param gue = descriptor(jar).params().stream().filter(p -> p.name().equals("use_gue")).findFirst()
                .orElseThrow();
        assertTrue(gue.build());
        assertEquals(1L, gue.value());
        Run run = java(sampleDir("l4lb"), jar, "--port", "servers=pcap:servers.pcap,out=" + tmp.resolve("servers.pcap"));
        assertEquals(0, run.exit(), run.err());
        assertEquals(expectedSummary("l4lb"), summary(run.out()));
        // The same packets leave, each in UDP and GUE (8 + 4 bytes) rather than in IP-in-IP alone.
        try (PcapFile expected = PcapFile.open(sampleDir("l4lb").resolve("expected/servers.pcap"));
                PcapFile actual = PcapFile.open(tmp.resolve("servers.pcap"))) {
            assertEquals(expected.count(), actual.count());
            for (int i = 0; i < actual.count(); i++) {
                assertEquals(expected.packetLength(i) + 12, actual.packetLength(i), "packet " + (i + 1));
            }
        }
        Run refused = java(tmp, jar, "--param", "use_gue=false");
        assertEquals(2, refused.exit());
        assertEquals("load-balancer: `use_gue` is a build param: it is fixed when the appliance is built\n",
                refused.err());
    }

    // ---- The jar -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void theSameSpecGivesTheSameBytes(String sample, @TempDir Path tmp) throws IOException {
        Path first = jar(sample);
        Run again = applc("build", spec(sample).toString(), "-o", tmp.toString());
        assertEquals(0, again.exit(), again.err());
        Path second = tmp.resolve(first.getFileName());
        assertEquals(second + " (" + Files.size(second) + " bytes)\n", again.out());
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), first + " and " + second + " differ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void holdsTheKernelTheRuntimeAndTheSpecAndNothingOfTheCompiler(String sample) throws Exception {
        Path jar = jar(sample);
        Descriptor d = descriptor(jar);
        List<String> forbidden = List.of("dev/appl/compiler", "dev/appl/language", "org/antlr", "picocli");
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            assertEquals("dev.appl.runtime.launch.Main", main.getValue("Main-Class"));
            assertTrue(main.getValue("Created-By").startsWith("applc "), main.getValue("Created-By"));
            assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access"));
            List<String> names = file.stream().map(ZipEntry::getName).toList();
            assertEquals(List.of("META-INF/", "META-INF/MANIFEST.MF"), names.subList(0, 2));
            List<String> rest = names.subList(2, names.size());
            assertEquals(rest.stream().sorted().toList(), rest, "entries in name order");
            List<String> generated = new ArrayList<>();
            for (ZipEntry e : file.stream().toList()) {
                assertEquals(LocalDateTime.of(2026, 1, 1, 0, 0), e.getTimeLocal(), e.getName());
                if (!e.getName().endsWith(".class")) {
                    continue;
                }
                assertTrue(e.getName().startsWith("dev/appl/gen/") || e.getName().startsWith("dev/appl/runtime/"),
                        e.getName());
                if (e.getName().startsWith("dev/appl/gen/")) {
                    generated.add(e.getName());
                }
                String text = new String(file.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                for (String f : forbidden) {
                    assertFalse(text.contains(f), e.getName() + " refers to " + f);
                }
            }
            assertEquals(List.of(d.kernelClass().replace('.', '/') + ".class"), generated);
            assertNotNull(file.getEntry("dev/appl/runtime/launch/Main.class"));
            assertNotNull(file.getEntry("dev/appl/runtime/table/RulesFile.class"));
            byte[] spec = Files.readAllBytes(spec(sample));
            assertEquals(sample + ".appl", d.specFile());
            assertArrayEquals(spec, file.getInputStream(file.getEntry(d.specResource())).readAllBytes());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spec)), d.specSha256());
        }
    }

    @Test
    void leavesOutTheRuntimeClassesTheApplianceDoesNotReach() throws IOException {
        // The firewall keeps no flows and the NAT has no match-action table: each image has the
        // runtime class of what its kernel uses and not the other's.
        String flows = "dev/appl/runtime/kernel/FlowMap.class";
        String tables = "dev/appl/runtime/kernel/EntryTable.class";
        try (ZipFile firewall = new ZipFile(jar("firewall").toFile()); ZipFile nat = new ZipFile(jar("nat").toFile())) {
            assertNull(firewall.getEntry(flows));
            assertNotNull(firewall.getEntry(tables));
            assertNotNull(nat.getEntry(flows));
            assertNotNull(nat.getEntry("dev/appl/runtime/kernel/SharedFlowMap.class"), "the NAT's maps are shared");
            assertNull(nat.getEntry(tables));
            assertNull(nat.getEntry("dev/appl/runtime/kernel/package-info.class"), "nothing names a package-info");
            // Packet ports only: not the UDP or TCP driver.
            assertNull(firewall.getEntry("dev/appl/runtime/io/UdpEndpoint.class"));
            assertNull(firewall.getEntry("dev/appl/runtime/io/TcpEndpoint.class"));
        }
    }

    @Test
    void keepsTheDriverOfEachKindOfPortTheApplianceHas(@TempDir Path tmp) throws IOException {
        Path spec = tmp.resolve("echo.appl");
        Files.writeString(spec, """
                appliance Echo {
                    port queries: datagram = "udp:127.0.0.1:5353"
                    on datagram d from queries {
                        reply
                    }
                }
                """, UTF_8);
        Run build = applc("build", spec.toString(), "-o", tmp.toString());
        assertEquals(0, build.exit(), build.err());
        try (ZipFile echo = new ZipFile(tmp.resolve("echo.jar").toFile())) {
            // The UDP driver is in when the launcher can run live traffic at all.
            assertEquals(echo.getEntry("dev/appl/runtime/launch/Live.class") != null,
                    echo.getEntry("dev/appl/runtime/io/UdpEndpoint.class") != null);
            assertNull(echo.getEntry("dev/appl/runtime/io/TcpEndpoint.class"));
            assertNull(echo.getEntry("dev/appl/runtime/io/PacketRingEndpoint.class"));
        }
    }

    @Test
    void describesTheAppliance() throws IOException {
        Descriptor d = descriptor(jar("nat"));
        assertEquals("Nat", d.appliance());
        assertEquals("dev.appl.gen.Nat", d.kernelClass());
        assertEquals(List.of("inside", "outside"), d.ports().stream().map(Descriptor.Port::name).toList());
        assertEquals("pcap:inside.pcap", d.ports().getFirst().binding());
        assertEquals(List.of("public_ip ip4 3405803777", "port_first u16 1024", "port_last u16 65535",
                "port_secret u32 2654435769"), d.params().stream().map(p -> p.name() + " " + p.type().text() + " "
                + p.value()).toList());
        assertEquals(List.of("outbound", "inbound"), d.maps());
        assertEquals(List.of(new Descriptor.Timer("report", 10_000_000_000L)), d.timers());
        assertEquals(10, d.counters().size());
        Descriptor fw = descriptor(jar("firewall"));
        assertEquals(1, fw.tables().size());
        Descriptor.LoadedTable acl = fw.tables().getFirst();
        assertEquals("rules", acl.param());
        assertEquals("acl", acl.schema().name());
        assertEquals(List.of("t.src", "t.dst", "t.protocol", "t.dst_port"),
                acl.schema().keys().stream().map(k -> k.name()).toList());
    }

    // ---- Help and errors ----------------------------------------------------------------------------------

    @Test
    void helpListsTheOptionsPortsAndParams(@TempDir Path tmp) throws IOException {
        Run run = java(tmp, jar("firewall"), "--help");
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        assertTrue(run.out().startsWith("Usage: java -jar firewall.jar [-hV] [--workers=N] [--param=NAME=VALUE]... "
                + "[--port=NAME=BINDING]...\n"), run.out());
        assertTrue(run.out().contains("\n  outside  packet    = pcap:outside.pcap\n"), run.out());
        assertTrue(run.out().contains("\n  rules    path      = \"rules.txt\"  (rules file of table `acl`)\n"), run.out());
    }

    @Test
    void aBadParamIsOneLineAndStatusTwo(@TempDir Path tmp) throws IOException {
        Run run = java(tmp, jar("nat"), "--param", "port_first=70000");
        assertEquals(2, run.exit());
        assertEquals("nat: --param port_first=70000: `70000` does not fit in `u16`\n", run.err());
        assertEquals("", run.out());
        Run unknown = java(tmp, jar("nat"), "--param", "port=1");
        assertEquals(2, unknown.exit());
        assertEquals("nat: appliance `Nat` has no param `port`; it has `public_ip`, `port_first`, `port_last`, "
                + "`port_secret`\n", unknown.err());
    }

    @Test
    void aMissingTraceIsOneLineAndStatusTwo(@TempDir Path tmp) throws IOException {
        Run run = java(tmp, jar("nat"), "--port", "inside=pcap:missing.pcap");
        assertEquals(2, run.exit());
        assertEquals("nat: port `inside`: no trace at missing.pcap\n", run.err());
        assertEquals("", run.out());
        // From a folder without the traces, the default bindings are missing too.
        Run defaults = java(tmp, jar("nat"));
        assertEquals(2, defaults.exit());
        assertEquals("nat: port `inside`: no trace at " + tmp.toRealPath().resolve("inside.pcap") + "\n",
                defaults.err());
    }

    @Test
    void aBadRulesFileNamesEachProblemAndStopsTheAppliance(@TempDir Path tmp) throws IOException {
        Path rules = tmp.resolve("bad-rules.txt");
        Files.writeString(rules, """
                # two mistakes
                (10.1.2.3/8, _, IpProto.Tcp, 22) => allow
                (_, _, IpProto.Tcpp, 22) => allow
                """, UTF_8);
        Run run = java(tmp, jar("firewall"), "--param", "rules=" + rules, "--port", "outside=pcap:"
                + sampleDir("firewall").resolve("outside.pcap"));
        assertEquals(2, run.exit());
        assertNoStackTrace(run);
        assertEquals(List.of(
                rules + ":2:2: error: `10.1.2.3/8` has bits set after its first 8: the prefix is 10.0.0.0/8",
                rules + ":3:16: error: IpProto has no case `Tcpp` (did you mean IpProto.Tcp?)",
                "firewall: " + rules + ": 2 problems; the appliance was not started"), run.err().lines().toList());
        assertEquals("", run.out());
        Run missing = java(tmp, jar("firewall"));
        assertEquals(2, missing.exit());
        assertEquals(List.of("firewall: table `acl` loads entries from the file named by param `rules`; its default, "
                + "rules.txt (in the working folder), does not exist: pass --param rules=FILE to load another file, "
                + "or --param rules= to start without loaded entries"), missing.err().lines().toList());
    }

    // ---- applc build's own errors ----------------------------------------------------------------------------

    @Test
    void buildRefusesParamsThatAreSetAtStart(@TempDir Path tmp) {
        Run run = applc("build", spec("nat").toString(), "-o", tmp.toString(), "--param", "port_first=2000");
        assertEquals(2, run.exit());
        assertEquals("applc: `port_first` is not a build param: it is set when the appliance starts (--param "
                + "port_first=VALUE when it runs)\n", run.err());
    }

    @Test
    void aConstructTheBackendCannotCompileIsOneLineAndStatusTwo(@TempDir Path tmp) throws IOException {
        Path spec = tmp.resolve("six.appl");
        Files.writeString(spec, """
                appliance Six {
                    port p: packet
                    map seen: ip6 -> u32 capacity 16
                    on packet pkt from p {
                        drop
                    }
                }
                """, UTF_8);
        Run run = applc("build", spec.toString(), "-o", tmp.toString());
        assertEquals(2, run.exit(), "the backend compiles a map with ip6 keys now: pick another construct it cannot"
                + " compile for this test\n" + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("applc: " + spec + ": map `seen`: "), run.err());
        assertFalse(Files.exists(tmp.resolve("six.jar")));
    }

    @Test
    void anApplianceWithStoresKeepsWhatItWroteAcrossRunsAndRefusesAForeignFile(@TempDir Path tmp) throws IOException {
        Path spec = tmp.resolve("stores.appl");
        try (var in = JarImageTest.class.getResourceAsStream("/codegen/stores.appl")) {
            Files.write(spec, in.readAllBytes());
        }
        Run build = applc("build", spec.toString(), "-o", tmp.toString());
        assertEquals(0, build.exit(), build.err());
        Path jar = tmp.resolve("stores.jar");
        Path work = Files.createDirectories(tmp.resolve("work"));
        byte[] data = "persist".getBytes(UTF_8);
        trace(work.resolve("writes.pcap"), command(1, 1, 0, 100, data), command(5, 0, 7, 100, "k".getBytes(UTF_8)),
                command(8, 0, 0, 0, new byte[0]));
        Run first = java(work, jar, "--port", "wire=pcap:writes.pcap,out=" + work.resolve("first.pcap"));
        assertEquals(0, first.exit(), first.err());
        assertEquals(4096 + 65536, Files.size(work.resolve("disk.img")));

        trace(work.resolve("reads.pcap"), command(0, 0, 7, 100, new byte[0]), command(6, 0, 0, 0, "k".getBytes(UTF_8)));
        Run second = java(work, jar, "--port", "wire=pcap:reads.pcap,out=" + work.resolve("second.pcap"));
        assertEquals(0, second.exit(), second.err());
        try (PcapFile replies = PcapFile.open(work.resolve("second.pcap"))) {
            assertEquals(2, replies.count());
            for (int i = 0; i < 2; i++) {
                byte[] reply = replies.packet(i).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                String text = new String(reply, 9, reply.length - 9, UTF_8);
                assertEquals("persist", text, "reply " + i + ": " + HexFormat.of().formatHex(reply));
            }
        }

        byte[] junk = "a file of somebody else's, not a store".getBytes(UTF_8);
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.write(other.resolve("index.db"), junk);
        Files.copy(work.resolve("reads.pcap"), other.resolve("reads.pcap"));
        Run refused = java(other, jar, "--port", "wire=pcap:reads.pcap");
        assertEquals(2, refused.exit());
        assertEquals("stores: index.db: not an appl kv store (its first bytes are not \"appl-kvs\"); refusing to use"
                + " or overwrite it\n", refused.err());
        assertArrayEquals(junk, Files.readAllBytes(other.resolve("index.db")));
    }

    /** A frame of the stores spec's commands: type 0x88b5, the command, its payload. */
    private static byte[] command(int op, int flags, int length, long offset, byte[] payload) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(14 + 12 + payload.length);
        b.position(12);
        b.putShort((short) 0x88b5).put((byte) op).put((byte) flags).putShort((short) length).putLong(offset).put(payload);
        return b.array();
    }

    private static void trace(Path file, byte[]... frames) throws IOException {
        try (dev.appl.runtime.io.PcapWriter w = new dev.appl.runtime.io.PcapWriter(file)) {
            long t = 1_000_000_000L;
            for (byte[] f : frames) {
                w.write(t += 1000, java.lang.foreign.MemorySegment.ofArray(f), 0, f.length);
            }
        }
    }

    // ---- Helpers -------------------------------------------------------------------------------------------

    /** The sample's jar, built once; fails with applc's message when the sample cannot be built. */
    private static Path jar(String sample) {
        Run build = BUILDS.computeIfAbsent(sample, s -> applc("build", spec(s).toString(), "-o",
                images.resolve(s).toString()));
        assertEquals(0, build.exit(), "applc build " + spec(sample) + " failed:\n" + build.err());
        Matcher m = Pattern.compile("(.+\\.jar) \\((\\d+) bytes\\)\n").matcher(build.out());
        assertTrue(m.matches(), "applc build printed: " + build.out());
        Path jar = Path.of(m.group(1));
        assertEquals(images.resolve(sample), jar.getParent());
        return jar;
    }

    private static Descriptor descriptor(Path jar) throws IOException {
        try (ZipFile file = new ZipFile(jar.toFile())) {
            ZipEntry e = file.getEntry(Descriptor.RESOURCE);
            assertNotNull(e, jar + " has no " + Descriptor.RESOURCE);
            return Descriptor.parse(new String(file.getInputStream(e).readAllBytes(), UTF_8));
        }
    }

    private static Run applc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new Applc());
        cli.setOut(new PrintWriter(new BufferedWriter(out), true));
        cli.setErr(new PrintWriter(new BufferedWriter(err), true));
        int exit = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code java -jar JAR ARGS} in {@code workDir}, with the JDK that runs the tests. */
    private static Run java(Path workDir, Path jar, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(images, "out", ".txt");
        Path err = Files.createTempFile(images, "err", ".txt");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        return new Run(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("\tat ") || run.err().contains("Exception in thread"), run.err());
    }
}
