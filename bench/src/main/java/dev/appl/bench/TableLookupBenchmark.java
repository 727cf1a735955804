package dev.appl.bench;

import dev.appl.compiler.codegen.CompiledKernel;
import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.ir.Arithmetic;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.kernel.EntryTable;
import dev.appl.runtime.table.RulesFile;
import dev.appl.runtime.table.TableSchema;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The firewall benchmark's lookup alone: the sample's {@code acl} table as the compiled kernel makes
 * it ({@link EntryTable} with its key kinds and types), holding the rules of
 * {@code bench/firewall/rules-N.txt} (the 1,000 of {@code make_bench.py} by default), looked up with
 * the 4 keys (source, destination, protocol, destination port) of the frames of
 * {@code bench/firewall/trace-64.pcap} in turn, read from the trace in advance. {@code lookup}
 * returns the entry; {@code lookupAndBranch} branches on the action as the handler does, which a
 * CPU cannot predict, so each lookup's latency shows rather than only its throughput.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
public class TableLookupBenchmark {
    /** The rules file in bench/firewall. */
    @Param({"rules-1000.txt"})
    String rules;

    private EntryTable table;
    /** Four keys per frame. */
    private long[] keys;
    private final long[] key = new long[4];
    private int next;
    private long denied;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path root = Path.of(System.getProperty("appl.root", "."));
        Path inputs = root.resolve("bench").resolve("firewall");
        if (!Files.exists(inputs.resolve("trace-64.pcap"))) {
            throw new IllegalStateException("no " + inputs.resolve("trace-64.pcap")
                    + ": run python3 bench/firewall/make_bench.py first");
        }
        Path spec = root.resolve("samples/firewall/firewall.appl");
        Compilation c = new Compilation(root.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result r = c.check();
        Decl.Appliance appliance = (Decl.Appliance) m.decls().stream().filter(Decl.Appliance.class::isInstance)
                .findFirst().orElseThrow();
        IrAppliance ir = Lowering.lower(appliance, r.semantics());
        int acl = 0;
        while (!ir.tables.get(acl).name().equals("acl")) {
            acl++;
        }
        IrAppliance.Table t = ir.tables.get(acl);
        StringBuilder kinds = new StringBuilder(); // as the generated kernel describes the table's keys
        for (IrAppliance.Key k : t.keys()) {
            kinds.append(kinds.isEmpty() ? "" : ", ").append(k.matchKind()).append(' ')
                    .append(Arithmetic.signed(k.type()) ? 'i' : 'u').append(Arithmetic.width(k.type()));
        }
        table = new EntryTable(1 << 20, kinds.toString());
        TableSchema schema = LoadedRules.schema(ir, acl, appliance, r.semantics());
        for (IrAppliance.Entry e : LoadedRules.entries(schema, RulesFile.read(inputs.resolve(rules), schema))) {
            table.add(CompiledKernel.tableEntry(e));
        }
        try (PcapFile trace = PcapFile.open(inputs.resolve("trace-64.pcap"))) {
            keys = new long[trace.count() * 4];
            ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < trace.count(); i++) {
                MemorySegment f = trace.mapping().asSlice(trace.packetOffset(i), trace.packetLength(i));
                long ip = 14; // Ethernet, then IPv4 (every frame of the trace)
                int protocol = f.get(ValueLayout.JAVA_BYTE, ip + 9) & 0xFF;
                long transport = ip + (f.get(ValueLayout.JAVA_BYTE, ip) & 15) * 4L;
                keys[i * 4] = f.get(u32, ip + 12) & 0xFFFFFFFFL;
                keys[i * 4 + 1] = f.get(u32, ip + 16) & 0xFFFFFFFFL;
                keys[i * 4 + 2] = protocol;
                keys[i * 4 + 3] = protocol == 6 || protocol == 17 ? f.get(u16, transport + 2) & 0xFFFF : 0;
            }
        }
        for (int i = 0; i < keys.length / 4; i++) {
            lookup(); // builds the table's index (after entries / 8 lookups) and warms it
        }
    }

    @Benchmark
    public int lookup() {
        int i = next;
        next = i + 4 == keys.length ? 0 : i + 4;
        long[] k = key;
        k[0] = keys[i];
        k[1] = keys[i + 1];
        k[2] = keys[i + 2];
        k[3] = keys[i + 3];
        return table.match(k);
    }

    @Benchmark
    public long lookupAndBranch() {
        int e = lookup();
        if (e < 0 || table.action(e) == 1) { // the default, or deny
            denied++;
        }
        return denied;
    }
}
