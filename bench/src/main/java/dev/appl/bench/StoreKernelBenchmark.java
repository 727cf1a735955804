package dev.appl.bench;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.store.BlockStore;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A 4 KiB read through a compiled handler: a request (offset, length) in a buffer, the handler
 * replies with a 16-byte header and the block read from a 64 MiB {@code blocks} store, written
 * over the request in the buffer, as a stream port's reply would be. Against
 * {@link BlockStoreBenchmark#readIntoReply}, it shows what the language adds to the store's read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
public class StoreKernelBenchmark {
    static final String SPEC = """
            header ReadRequest {
                offset: u64
                length: u32
            }

            header ReadReply {
                magic: u32
                error: u32
                cookie: u64
            }

            parser Requests(p: packet) {
                extract req: ReadRequest
                accept
            }

            appliance BlockReader {
                port clients: packet

                store disk: blocks(size: 64MiB, block: 4KiB, file: "disk.img")

                on packet p from clients {
                    let r = Requests(p)
                    reply ReadReply{magic: 0x67446698, cookie: r.req.offset} / disk.read(r.req.offset, r.req.length)
                }
            }
            """;
    static final int BLOCK = 4096;
    static final long SIZE = 64L << 20;

    private Path folder;
    private Kernel kernel;
    private MemorySegment buffer;
    private final PacketView view = new PacketView();
    private int[] blocks;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path root = Path.of(System.getProperty("appl.root", "."));
        folder = Files.createTempDirectory("appl-bench-store-kernel");
        try (BlockStore store = BlockStore.open(folder.resolve("disk.img"), SIZE, BLOCK)) {
            byte[] chunk = new byte[1 << 20];
            Random r = new Random(1);
            for (long at = 0; at < SIZE; at += chunk.length) {
                r.nextBytes(chunk);
                store.write(at, MemorySegment.ofArray(chunk));
            }
        }
        Path spec = folder.resolve("block-reader.appl");
        Files.writeString(spec, SPEC);
        Compilation c = new Compilation(root.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result result = c.check();
        if (result.diagnostics().hasErrors()) {
            throw new IllegalStateException(result.diagnostics().sorted().toString());
        }
        Decl.Appliance appliance = (Decl.Appliance) m.decls().stream().filter(Decl.Appliance.class::isInstance)
                .findFirst().orElseThrow();
        IrAppliance ir = Lowering.lower(appliance, result.semantics());
        Pipeline.run(ir);
        kernel = CompiledAppliance.compile(ir).newKernel(Map.of()).kernel();
        kernel.openStores(folder);
        buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 65536 + Kernel.HEADROOM]);
        Random r = new Random(2);
        blocks = new int[1 << 20];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = r.nextInt((int) (SIZE / BLOCK));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        kernel.closeStores();
        try (var files = Files.list(folder)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(folder);
    }

    private static final ValueLayout.OfLong OFFSET = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Benchmark
    public int readThroughTheHandler() {
        long offset = (long) blocks[next++ & (blocks.length - 1)] * BLOCK;
        buffer.set(OFFSET, Kernel.HEADROOM, offset);
        buffer.set(LENGTH, Kernel.HEADROOM + 8, BLOCK);
        view.segment = buffer;
        view.offset = Kernel.HEADROOM;
        view.length = 12;
        int fate = kernel.handle(0, view);
        if (fate != Kernel.REPLY || view.length != 16 + BLOCK) {
            throw new IllegalStateException("the handler answered " + Kernel.describe(fate) + " with " + view.length
                    + " bytes");
        }
        return fate;
    }
}
