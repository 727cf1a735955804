package dev.appl.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.cli.Applc;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.lower.Lowering;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.language.types.Semantics;
import dev.appl.runtime.table.KeyMatch;
import dev.appl.runtime.table.MatchKind;
import dev.appl.runtime.table.RulesEntry;
import dev.appl.runtime.table.RulesFileException;
import dev.appl.runtime.table.TableSchema;
import dev.appl.runtime.table.ValueType;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Rules files end to end on the reference interpreter: a spec with a {@code load} table is lowered,
 * a rules file is loaded into it, and packets show that the loaded entries are tried after the
 * spec's own, in the file's order, with their action data.
 */
class LoadedRulesTest {
    private static final String SPEC = """
            import std.net.ethernet.{Ethernet, EtherType}
            import std.net.ipv4.{Ipv4, IpProto}
            import std.net.udp.{Udp}

            appliance Filter {
                param rules: path = "rules.txt"
                port outside: packet = "pcap:outside.pcap"
                port inside: packet = "pcap:inside.pcap"
                counter allowed
                counter denied
                counter missed
                counter pooled

                parser Headers(p: packet) {
                    extract eth: Ethernet
                    select eth.type {
                        EtherType.Ipv4 => ip,
                        _ => accept,
                    }
                    state ip {
                        extract ip: Ipv4
                        select ip.protocol {
                            IpProto.Udp => udp,
                            _ => accept,
                        }
                    }
                    state udp {
                        extract udp: Udp
                        accept
                    }
                }

                action allow() {
                    allowed += 1
                }
                action deny() {
                    denied += 1
                }
                action miss() {
                    missed += 1
                }
                /// Rewrites the destination: `h` comes from the table, `pool` and `next` from the entry.
                action to_pool(h: Headers, pool: u8, next: ip4) {
                    pooled += pool as u64
                    if h.ip.valid {
                        h.ip.dst = next
                    }
                }

                table acl(h: Headers, port: u16) {
                    key {
                        h.ip.src: lpm
                        h.ip.dst: lpm
                        h.ip.protocol: exact
                        port: range
                    }
                    actions { allow, deny, miss, to_pool }
                    default miss
                    size 6
                    const entries {
                        (10.0.0.0/8, _, _, _) => deny
                        (_, _, IpProto.Udp, 53..53) => allow
                    }
                    load rules
                }

                on packet p from outside {
                    let h = Headers(p)
                    if not h.ip.valid {
                        drop
                    }
                    var port: u16 = 0
                    if h.udp.valid {
                        port = h.udp.dst_port
                    }
                    match acl(h, port) {
                        allow => forward inside,
                        to_pool => forward inside,
                        deny => drop,
                        miss => drop,
                    }
                }
            }
            """;

    private static final String RULES = """
            # Loaded after the spec's entries: the first two are shadowed by them.
            (10.1.0.0/16, _, _, _) => allow                 // 10/8 is denied first
            (_, _, IpProto.Udp, 53) => deny                  # DNS is allowed first
            (192.0.2.0/24, _, IpProto.Udp, 1000..2000) => to_pool(3, 10.9.0.1)
            (192.0.2.0/24, _, 17, _) => deny
            (_, 198.51.100.7, _, _) => allow
            """;

    @TempDir
    Path dir;

    private IrAppliance ir;
    private Decl.Appliance appliance;
    private Semantics semantics;

    @BeforeEach
    void lower() throws IOException {
        Path spec = dir.resolve("filter.appl");
        Files.writeString(spec, SPEC);
        Compilation compilation = new Compilation();
        Module module = compilation.add(spec);
        Compilation.Result result = compilation.check();
        assertFalse(result.diagnostics().hasErrors(), () -> result.diagnostics().sorted().toString());
        appliance = module.decls().stream().filter(Decl.Appliance.class::isInstance).map(Decl.Appliance.class::cast)
                .findFirst().orElseThrow();
        semantics = result.semantics();
        ir = Lowering.lower(appliance, semantics);
    }

    private int table(String name) {
        for (int i = 0; i < ir.tables.size(); i++) {
            if (ir.tables.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no table " + name);
    }

    private int port(String name) {
        for (int i = 0; i < ir.ports.size(); i++) {
            if (ir.ports.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no port " + name);
    }

    private long counter(Engine engine, String name) {
        return engine.counter(ir.counters.indexOf(name));
    }

    private TableSchema schema() {
        return LoadedRules.schema(ir, table("acl"), appliance, semantics);
    }

    private Path rules(String text) throws IOException {
        Path file = dir.resolve("rules.txt");
        Files.writeString(file, text);
        return file;
    }

    /** Ethernet / IPv4 / UDP from {@code src} to {@code dst}, to UDP port {@code port}. */
    private static byte[] udp(int src, int dst, int port) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 28).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
        b.putInt(src).putInt(dst);
        b.putShort((short) 40000).putShort((short) port).putShort((short) 8).putShort((short) 0);
        return b.array();
    }

    private static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    @Test
    void theSchemaComesFromTheTable() {
        TableSchema s = schema();
        assertEquals("acl", s.name());
        assertEquals(List.of("h.ip.src", "h.ip.dst", "h.ip.protocol", "port"),
                s.keys().stream().map(TableSchema.Key::name).toList());
        assertEquals(List.of(MatchKind.LPM, MatchKind.LPM, MatchKind.EXACT, MatchKind.RANGE),
                s.keys().stream().map(TableSchema.Key::match).toList());
        ValueType proto = s.keys().get(2).type();
        assertEquals(ValueType.Kind.ENUM, proto.kind());
        assertEquals("IpProto", proto.name());
        assertEquals(8, proto.bits());
        assertEquals(6L, proto.cases().get("Tcp"));
        assertEquals(17L, proto.cases().get("Udp"));
        assertEquals(ValueType.ip4(), s.keys().get(0).type());
        assertEquals(ValueType.unsigned(16), s.keys().get(3).type());
        assertEquals(List.of("allow", "deny", "miss", "to_pool"), s.actions().stream().map(TableSchema.Action::name).toList());
        assertEquals(List.of(new TableSchema.Datum("pool", ValueType.unsigned(8)), new TableSchema.Datum("next",
                ValueType.ip4())), s.actions().get(3).data(), "`h` is bound from the table, not given by entries");
        assertEquals(6, s.size());
        assertEquals(2, s.specEntries());
        assertEquals(4, s.capacity());
    }

    @Test
    void loadedEntriesComeAfterTheSpecsInFileOrder() throws IOException {
        Engine engine = Engine.interpreter(ir, Map.of());
        assertEquals(4, LoadedRules.load(engine, table("acl"), schema(), rules(RULES.lines()
                .filter(l -> !l.contains("198.51.100.7")).reduce("", (a, l) -> a + l + "\n"))));
        int outside = port("outside");
        int inside = port("inside");

        // The spec's 10/8 denial comes before the loaded 10.1/16 allow.
        assertEquals(Interpreter.Fate.DROP, engine.handle(outside, udp(ip(10, 1, 2, 3), ip(192, 0, 2, 1), 99)).fate());
        assertEquals(1, counter(engine, "denied"));
        assertEquals(0, counter(engine, "allowed"));

        // The spec's DNS allow comes before the loaded DNS deny.
        Interpreter.Outcome dns = engine.handle(outside, udp(ip(203, 0, 113, 1), ip(192, 0, 2, 53), 53));
        assertEquals(Interpreter.Fate.FORWARD, dns.fate());
        assertEquals(inside, dns.port());
        assertEquals(1, counter(engine, "allowed"));

        // A loaded entry with data: the action sees the entry's pool and next hop.
        Interpreter.Outcome pooled = engine.handle(outside, udp(ip(192, 0, 2, 5), ip(192, 0, 2, 80), 1500));
        assertEquals(Interpreter.Fate.FORWARD, pooled.fate());
        assertEquals(3, counter(engine, "pooled"));
        assertEquals(ip(10, 9, 0, 1), ByteBuffer.wrap(pooled.packet()).getInt(14 + 16), "the destination is rewritten");

        // The same source outside 1000..2000 falls through to the next loaded entry, written with a number.
        assertEquals(Interpreter.Fate.DROP, engine.handle(outside, udp(ip(192, 0, 2, 5), ip(192, 0, 2, 80), 2500)).fate());
        assertEquals(2, counter(engine, "denied"));

        // Nothing matches: the default.
        assertEquals(Interpreter.Fate.DROP, engine.handle(outside, udp(ip(203, 0, 113, 1), ip(198, 51, 100, 7), 80)).fate());
        assertEquals(1, counter(engine, "missed"));
    }

    @Test
    void withoutTheFileOnlyTheSpecsEntriesMatch() {
        Engine engine = Engine.interpreter(ir, Map.of());
        assertEquals(Interpreter.Fate.DROP,
                engine.handle(port("outside"), udp(ip(192, 0, 2, 5), ip(192, 0, 2, 80), 1500)).fate());
        assertEquals(1, counter(engine, "missed"));
        assertEquals(0, counter(engine, "pooled"));
    }

    @Test
    void aFileTooLargeForTheTableAddsNothing() throws IOException {
        Engine engine = Engine.interpreter(ir, Map.of());
        Path file = rules(RULES);
        RulesFileException e = assertThrows(RulesFileException.class,
                () -> LoadedRules.load(engine, table("acl"), schema(), file));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertEquals(6, e.problems().getFirst().line());
        assertTrue(e.getMessage().startsWith(file + ":6:1: too many entries: table `acl` has size 6 and the spec gives 2"
                + " entries, so a rules file may add at most 4; this file has 5"), e.getMessage());
        engine.handle(port("outside"), udp(ip(192, 0, 2, 5), ip(192, 0, 2, 80), 1500));
        assertEquals(1, counter(engine, "missed"), "no entry of the refused file was added");
    }

    @Test
    void problemsNameTheKeysAndDataAsTheSpecWritesThem() throws IOException {
        Engine engine = Engine.interpreter(ir, Map.of());
        Path file = rules("(_, _, _, _) => to_pool(300, 10.0.0.1)\n(_, _, IpProto.Bogus, _) => allow\n");
        RulesFileException e = assertThrows(RulesFileException.class,
                () -> LoadedRules.load(engine, table("acl"), schema(), file));
        List<String> problems = e.problems().stream().map(Object::toString).toList();
        assertEquals(2, problems.size(), e.getMessage());
        assertEquals(file + ":1:25: `300` does not fit in `pool` of action `to_pool` (u8), which takes a number from"
                + " 0 to 255", problems.get(0));
        assertTrue(problems.get(1).startsWith(file + ":2:16: IpProto has no case `Bogus`; its cases are HopByHop, Icmp,"),
                problems.get(1));
        assertTrue(problems.get(1).endsWith(", ..."), "a long list of cases is cut short: " + problems.get(1));
    }

    // ---- applc run --------------------------------------------------------------------------------

    private record Run(int exit, String out, String err) {}

    /** `applc run` on the spec, in-process, without traces. */
    private Run run(String... params) {
        List<String> args = new java.util.ArrayList<>(List.of("run", dir.resolve("filter.appl").toString(),
                "--port", "outside=pcap:", "--port", "inside=pcap:"));
        for (String p : params) {
            args.add("--param");
            args.add(p);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Applc());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void runLoadsTheDefaultFileBesideTheSpec() throws IOException {
        Path file = rules("(_, 198.51.100.7, _, _) => allow\n");
        Run r = run();
        assertEquals(0, r.exit(), r.err());
        assertEquals("applc: table `acl`: 1 entry loaded from " + file + "\n", r.err());
        assertTrue(r.out().startsWith("Filter (compiled kernel)"), r.out());
    }

    @Test
    void runLoadsTheFileGivenByParam() throws IOException {
        Path other = dir.resolve("other.txt");
        Files.writeString(other, "(_, 198.51.100.7, _, _) => allow\n(_, 198.51.100.8, _, _) => allow\n");
        Run r = run("rules=" + other);
        assertEquals(0, r.exit(), r.err());
        assertEquals("applc: table `acl`: 2 entries loaded from " + other + "\n", r.err());
    }

    @Test
    void runWithoutTheDefaultFileSaysWhichParamToSet() {
        Run r = run();
        assertEquals(2, r.exit(), r.err());
        assertEquals("applc: table `acl` loads entries from the file named by param `rules`; its default, "
                + dir.resolve("rules.txt") + " (beside the spec), does not exist: pass --param rules=FILE to load another"
                + " file, or --param rules= to start without loaded entries\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void runWithAnEmptyParamLoadsNothing() {
        Run r = run("rules=");
        assertEquals(0, r.exit(), r.err());
        assertEquals("applc: table `acl`: no rules loaded (--param rules= is empty)\n", r.err());
    }

    @Test
    void runWithAMissingGivenFile() {
        Path missing = dir.resolve("missing.txt");
        Run r = run("rules=" + missing);
        assertEquals(2, r.exit(), r.err());
        assertEquals("applc: --param rules=" + missing + ": no such file " + missing + "\n", r.err());
    }

    @Test
    void runWithABadFileReportsEveryProblemAndDoesNotStart() throws IOException {
        Path file = rules("(_, _, _, _) => allow\n(_, _, _, _) => drop\n\n(_, _, IpProto.Udp, 1..70000) => allow\n");
        Run r = run();
        assertEquals(2, r.exit(), r.err());
        assertEquals(List.of(
                file + ":2:17: error: `drop` is not an action of table `acl`; its actions are `allow`, `deny`, `miss`,"
                        + " `to_pool`",
                file + ":4:24: error: `70000` does not fit in key `port` (u16), which takes a number from 0 to 65535",
                "applc: " + file + ": 2 problems; the appliance was not started"), r.err().lines().toList());
        assertEquals("", r.out(), "nothing ran");
        assertFalse(r.err().contains("Exception"), r.err());
    }

    // ---- Conversion to the IR ----------------------------------------------------------------------

    @Test
    void wildcardsAndFullMasksBecomeAnyAndExact() throws RulesFileException {
        TableSchema s = schema();
        List<RulesEntry> loaded = dev.appl.runtime.table.RulesFile.parse("r", "(_, 192.0.2.1, IpProto.Tcp, _) => allow\n", s);
        List<IrAppliance.Entry> entries = LoadedRules.entries(s, loaded);
        assertEquals(List.of(new IrAppliance.Entry(List.of(new IrPattern.Any(), new IrPattern.Exact(0xc0000201L),
                new IrPattern.Exact(6), new IrPattern.Any()), 0, List.of())), entries);
    }

    @Test
    void aSignedRangeAcrossZeroBecomesTwoEntries() {
        TableSchema s = new TableSchema("t", List.of(new TableSchema.Key("temp", MatchKind.RANGE, ValueType.signed(8))),
                List.of(new TableSchema.Action("hot", List.of())), 10, 0);
        List<IrAppliance.Entry> entries = LoadedRules.entries(s,
                List.of(new RulesEntry(List.of(new KeyMatch.Range(-5, 5)), 0, List.of(), 1)));
        assertEquals(2, entries.size());
        // The interpreter holds an i8 sign-extended: -1 is 0xffff_ffff_ffff_ffff.
        for (long v = -128; v <= 127; v++) {
            long key = v;
            boolean matched = entries.stream().anyMatch(e -> e.patterns().getFirst().matches(key));
            assertEquals(v >= -5 && v <= 5, matched, "key " + v);
        }
    }
}
