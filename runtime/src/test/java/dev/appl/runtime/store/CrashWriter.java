package dev.appl.runtime.store;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * The child process of {@link StoreCrashTest}: writes to a blocks, a log and a kv store in
 * {@code args[0]} what {@link #step} derives from the seed {@code args[1]}, flushes all three now
 * and then, and after each flush prints {@code ack N}: every step up to N is durable. It runs until
 * it is killed (or for a bounded number of steps).
 */
public final class CrashWriter {
    static final long BLOCKS = 1 << 20;
    static final int BLOCK = 4096;
    static final long SEGMENT = 256 * 1024;
    static final int KEYS = 64;
    static final int MAX_STEPS = 200_000;

    /** What step {@code i} writes: a block, a log record, and a kv put (value) or removal (null). */
    record Step(int block, byte[] blockBytes, byte[] record, String key, byte[] value, boolean flushAfter) {}

    static Step step(long seed, int i) {
        Random r = new Random(seed * 1_000_003L + i);
        byte[] blockBytes = new byte[BLOCK];
        r.nextBytes(blockBytes);
        byte[] record = new byte[1 + r.nextInt(5000)];
        r.nextBytes(record);
        String key = "key-" + r.nextInt(KEYS);
        byte[] value = null;
        if (r.nextInt(5) != 0) {
            value = ("value " + i + " ").repeat(1 + r.nextInt(100)).getBytes(StandardCharsets.US_ASCII);
        }
        return new Step(r.nextInt((int) (BLOCKS / BLOCK)), blockBytes, record, key, value, r.nextInt(6) == 0);
    }

    static MemorySegment key(String key) {
        return MemorySegment.ofArray(key.getBytes(StandardCharsets.US_ASCII));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        try (BlockStore blocks = BlockStore.open(dir.resolve("disk.img"), BLOCKS, BLOCK);
                LogStore log = LogStore.open(dir.resolve("journal.log"), SEGMENT);
                KvStore kv = KvStore.open(dir.resolve("data.kv"), 32, 1000)) {
            kv.compactMinimum = 64 * 1024; // compact often, so that kills land inside compactions too
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; i < MAX_STEPS; i++) {
                Step s = step(seed, i);
                blocks.write((long) s.block() * BLOCK, MemorySegment.ofArray(s.blockBytes()));
                log.append(MemorySegment.ofArray(s.record()));
                if (s.value() != null) {
                    kv.put(key(s.key()), MemorySegment.ofArray(s.value()));
                } else {
                    kv.remove(key(s.key()));
                }
                if (s.flushAfter()) {
                    blocks.flush();
                    log.flush();
                    kv.flush();
                    System.out.println("ack " + i);
                    System.out.flush();
                }
            }
        }
    }
}
