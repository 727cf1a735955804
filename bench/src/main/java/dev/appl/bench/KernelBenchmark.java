package dev.appl.bench;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.codegen.CompiledKernel;
import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.table.TableSchema;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One packet through a sample's compiled kernel, or through the reference interpreter, taking the
 * packets of the sample's default input trace in turn. {@code compiled} hands the kernel each packet
 * where it lies in the trace held in memory (a read-only view, no copy) when the kernel writes none
 * of them, and otherwise copies each into one reused buffer with headroom, as an image does;
 * {@code compiledCopied} always copies. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes
 * allocated per packet. ({@code firewall} runs without its rules file: its const entries only;
 * {@code firewall-1000} is the benchmark: the same spec with the 1,000 rules of
 * {@code bench/firewall/rules-1000.txt} loaded into both engines, on the 64-byte frames of
 * {@code bench/firewall/trace-64.pcap}, both written by {@code bench/firewall/make_bench.py}.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
public class KernelBenchmark {
    @Param({"firewall", "l4lb", "nat", "firewall-1000"})
    String sample;

    private Kernel kernel;
    private Engine interpreter;
    private PcapFile trace;
    private byte[][] copies;
    private MemorySegment buffer;
    /** The trace's mapping, read-only; null when the kernel writes packets and so gets copies. */
    private MemorySegment inPlace;
    private final PacketView view = new PacketView();
    private int port;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path root = Path.of(System.getProperty("appl.root", "."));
        boolean rules = sample.equals("firewall-1000");
        String name = rules ? "firewall" : sample;
        Path spec = root.resolve("samples").resolve(name).resolve(name + ".appl");
        Path inputs = root.resolve("bench").resolve("firewall");
        if (rules && !Files.exists(inputs.resolve("trace-64.pcap"))) {
            throw new IllegalStateException("no " + inputs.resolve("trace-64.pcap")
                    + ": run python3 bench/firewall/make_bench.py first");
        }
        Compilation c = new Compilation(root.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result r = c.check();
        Decl.Appliance appliance = (Decl.Appliance) m.decls().stream().filter(Decl.Appliance.class::isInstance)
                .findFirst().orElseThrow();
        IrAppliance ir = Lowering.lower(appliance, r.semantics());
        interpreter = Engine.interpreter(Lowering.lower(appliance, r.semantics()), Map.of());
        Pipeline.run(ir);
        CompiledKernel compiled = CompiledAppliance.compile(ir).newKernel(Map.of());
        kernel = compiled.kernel();
        IrAppliance.Port input = ir.ports.stream().filter(p -> p.binding() != null).findFirst().orElseThrow();
        port = ir.ports.indexOf(input);
        if (rules) {
            int acl = tableIndex(ir, "acl");
            TableSchema schema = LoadedRules.schema(ir, acl, appliance, r.semantics());
            LoadedRules.load(interpreter, acl, schema, inputs.resolve("rules-1000.txt"));
            LoadedRules.load(compiled, acl, schema, inputs.resolve("rules-1000.txt"));
            trace = PcapFile.open(inputs.resolve("trace-64.pcap"));
        } else {
            trace = PcapFile.open(spec.getParent().resolve(input.binding().substring("pcap:".length())));
        }
        copies = new byte[trace.count()][];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = trace.packet(i).toArray(ValueLayout.JAVA_BYTE);
        }
        buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 65536 + Kernel.HEADROOM]);
        inPlace = kernel.writesPackets() ? null : trace.mapping().asReadOnly();
    }

    private static int tableIndex(IrAppliance ir, String name) {
        for (int i = 0; i < ir.tables.size(); i++) {
            if (ir.tables.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no table " + name);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trace.close();
    }

    @Benchmark
    public int compiled() {
        MemorySegment mapping = inPlace;
        if (mapping == null) {
            return compiledCopied();
        }
        int i = next;
        next = i + 1 == copies.length ? 0 : i + 1;
        view.segment = mapping;
        view.offset = trace.packetOffset(i);
        view.length = trace.packetLength(i);
        return kernel.handle(port, view);
    }

    @Benchmark
    public int compiledCopied() {
        int i = next;
        next = i + 1 == copies.length ? 0 : i + 1;
        int length = trace.packetLength(i);
        MemorySegment.copy(trace.mapping(), trace.packetOffset(i), buffer, Kernel.HEADROOM, length);
        view.segment = buffer;
        view.offset = Kernel.HEADROOM;
        view.length = length;
        return kernel.handle(port, view);
    }

    @Benchmark
    public Object interpreter() {
        int i = next;
        next = i + 1 == copies.length ? 0 : i + 1;
        return interpreter.handle(port, copies[i]);
    }
}
