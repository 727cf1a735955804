package dev.appl.runtime.kernel;

import dev.appl.runtime.store.BlockStore;
import dev.appl.runtime.store.KvStore;
import dev.appl.runtime.store.LogStore;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The store operations of a spec as kernels call them (generated code and the reference
 * interpreter alike): opening a store from its settings, and each operation with the language's
 * rule for bad arguments. An offset or length outside a {@code blocks} store, a record too large
 * for a log, an offset where no log record starts for {@code next}, and a key or value larger than
 * a kv store's limits all take the malformed path ({@link MalformedPacket}), as an array index out
 * of range does. Reads return views of the store's mapping (language.md §10.6 says when a kernel
 * copies them).
 */
public final class StoreOps {
    private StoreOps() {}

    /** Where a store's file is: {@code file} (a path param's value) relative to {@code folder}. */
    static Path resolve(Path folder, Object file) {
        return folder.resolve(file.toString());
    }

    public static BlockStore openBlocks(Path folder, Object file, long size, long block) throws IOException {
        return BlockStore.open(resolve(folder, file), size, (int) Math.min(block, Integer.MAX_VALUE));
    }

    public static LogStore openLog(Path folder, Object file, long segment) throws IOException {
        return LogStore.open(resolve(folder, file), segment);
    }

    public static KvStore openKv(Path folder, Object file, long key, long value) throws IOException {
        if (key > Integer.MAX_VALUE || value > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("a kv store's keys and values are at most 2 GiB");
        }
        return KvStore.open(resolve(folder, file), (int) key, (int) value);
    }

    // ---- blocks ---------------------------------------------------------------------------------

    public static MemorySegment read(BlockStore s, long offset, long length) {
        inRange(s, offset, length);
        return s.view(offset, length);
    }

    public static void write(BlockStore s, long offset, MemorySegment bytes) {
        inRange(s, offset, bytes.byteSize());
        s.write(offset, bytes);
    }

    public static void zero(BlockStore s, long offset, long length) {
        inRange(s, offset, length);
        s.zero(offset, length);
    }

    public static void trim(BlockStore s, long offset, long length) {
        inRange(s, offset, length);
        s.trim(offset, length);
    }

    public static void flush(BlockStore s, long offset, long length) {
        inRange(s, offset, length);
        s.flush(offset, length);
    }

    private static void inRange(BlockStore s, long offset, long length) {
        if (!s.inRange(offset, length)) {
            throw MalformedPacket.INSTANCE;
        }
    }

    // ---- log ------------------------------------------------------------------------------------

    public static long append(LogStore s, MemorySegment record) {
        if (record.byteSize() > s.maxRecord()) {
            throw MalformedPacket.INSTANCE;
        }
        return s.append(record);
    }

    /** The record at {@code offset}, or null when none starts there. */
    public static MemorySegment read(LogStore s, long offset) {
        return s.read(offset);
    }

    public static long next(LogStore s, long offset) {
        if (s.read(offset) == null) {
            throw MalformedPacket.INSTANCE;
        }
        return s.next(offset);
    }

    // ---- kv -------------------------------------------------------------------------------------

    public static void put(KvStore s, MemorySegment key, MemorySegment value) {
        if (!s.fits(key, value)) {
            throw MalformedPacket.INSTANCE;
        }
        s.put(key, value);
    }

    /** {@code t.put(key, head, tail)}: the value is {@code head} followed by {@code tail}. */
    public static void put(KvStore s, MemorySegment key, MemorySegment head, MemorySegment tail) {
        if (!s.fits(key, head.byteSize() + tail.byteSize())) {
            throw MalformedPacket.INSTANCE;
        }
        s.put(key, head, tail);
    }
}
