package dev.appl.bench;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
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
 * packets of the sample's default input trace in turn. Each packet is copied into one reused buffer
 * with headroom, as an image does. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes
 * allocated per packet. (The firewall runs without its rules file: its const entries only.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
public class KernelBenchmark {
    @Param({"firewall", "l4lb", "nat"})
    String sample;

    private Kernel kernel;
    private Engine interpreter;
    private PcapFile trace;
    private byte[][] copies;
    private MemorySegment buffer;
    private final PacketView view = new PacketView();
    private int port;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path root = Path.of(System.getProperty("appl.root", "."));
        Path spec = root.resolve("samples").resolve(sample).resolve(sample + ".appl");
        Compilation c = new Compilation(root.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result r = c.check();
        Decl.Appliance appliance = (Decl.Appliance) m.decls().stream().filter(Decl.Appliance.class::isInstance)
                .findFirst().orElseThrow();
        IrAppliance ir = Lowering.lower(appliance, r.semantics());
        interpreter = Engine.interpreter(Lowering.lower(appliance, r.semantics()), Map.of());
        Pipeline.run(ir);
        kernel = CompiledAppliance.compile(ir).newKernel(Map.of()).kernel();
        IrAppliance.Port input = ir.ports.stream().filter(p -> p.binding() != null).findFirst().orElseThrow();
        port = ir.ports.indexOf(input);
        trace = PcapFile.open(spec.getParent().resolve(input.binding().substring("pcap:".length())));
        copies = new byte[trace.count()][];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = trace.packet(i).toArray(ValueLayout.JAVA_BYTE);
        }
        buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 65536 + Kernel.HEADROOM]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trace.close();
    }

    @Benchmark
    public int compiled() {
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
