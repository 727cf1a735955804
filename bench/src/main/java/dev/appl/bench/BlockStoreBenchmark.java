package dev.appl.bench;

import dev.appl.runtime.store.BlockStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
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
 * Random 4 KiB reads from a memory-mapped {@code blocks} store filled with data, one thread:
 * {@code readIntoReply} copies each block into a reply buffer off the heap (what an NBD read
 * costs the store), {@code view} only takes the view of the mapping and touches its first and last
 * words. The store lives in a temporary file that the page cache holds after the setup writes it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
public class BlockStoreBenchmark {
    static final int BLOCK = 4096;

    /** The store's size in MiB: 64 is the NBD sample's default export, 1024 reaches past the caches. */
    @Param({"64", "1024"})
    long mib;

    private Path folder;
    private BlockStore store;
    private MemorySegment reply;
    private int[] blocks;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        folder = Files.createTempDirectory("appl-bench-blocks");
        long size = mib << 20;
        store = BlockStore.open(folder.resolve("disk.img"), size, BLOCK);
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(1);
        for (long at = 0; at < size; at += chunk.length) {
            r.nextBytes(chunk);
            store.write(at, MemorySegment.ofArray(chunk));
        }
        store.flush();
        reply = Arena.global().allocate(BLOCK + 256, 64).asSlice(16, BLOCK); // a reply header before the data
        blocks = new int[1 << 20];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = r.nextInt((int) (size / BLOCK));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        Files.delete(folder.resolve("disk.img"));
        Files.delete(folder);
    }

    @Benchmark
    public MemorySegment readIntoReply() {
        long offset = (long) blocks[next++ & (blocks.length - 1)] * BLOCK;
        store.read(offset, reply, 0, BLOCK);
        return reply;
    }

    @Benchmark
    public long view() {
        long offset = (long) blocks[next++ & (blocks.length - 1)] * BLOCK;
        MemorySegment block = store.view(offset, BLOCK);
        return block.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0)
                ^ block.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, BLOCK - 8);
    }
}
