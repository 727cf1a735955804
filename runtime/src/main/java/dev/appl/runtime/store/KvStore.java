package dev.appl.runtime.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code kv} store: a persistent hash map from byte strings to byte strings, in the manner of
 * Bitcask. Every {@link #put} and {@link #remove} appends a record to a journal ({@link LogStore});
 * an index in memory maps each key to the offset of its latest record, and values are read as
 * views of the journal's mapping. Opening replays the journal (after the log's own recovery) to
 * rebuild the index. When the records that no longer count outweigh the live ones, {@link #flush}
 * compacts: it writes the live entries into a new journal generation, makes it durable, switches
 * the manifest to it and deletes the old one.
 *
 * <p>Files: {@code NAME} is the manifest (magic {@code appl-kvs}, version, the journal's
 * generation, CRC32C); the journal of generation G is the log {@code NAME.G}. A write is durable
 * only after the next {@link #flush}. Not thread-safe: one kernel thread owns a store.
 */
public final class KvStore implements AutoCloseable, GroupCommit.Held {
    static final String MAGIC = "appl-kvs";
    static final String KIND = "an appl kv store";
    static final int HEADER = 64;
    /**
     * The format version of new stores: 2 since a journal may hold {@link #CLEAR} records. A store
     * of version 1 (puts and removals only) opens, and becomes version 2 when it is first cleared,
     * so that a runtime that reads version 1 only refuses it from then on instead of failing on
     * the clear as on corruption.
     */
    static final int VERSION = 2;
    static final int OLDEST_VERSION = 1;
    static final byte PUT = 1;
    static final byte DELETE = 2;
    /** Removes every entry: a record with an empty key. */
    static final byte CLEAR = 3;
    /** A journal record's payload: {@code u32} key length, {@code u8} operation, key, value. */
    static final int RECORD_HEAD = 5;
    /** Dead journal bytes below which compaction is not worth it. */
    static final long DEFAULT_COMPACT_MINIMUM = 4 << 20;

    private final Path file;
    private final int maxKey;
    private final int maxValue;
    private final long segmentSize;
    private long generation;
    /** The manifest's format version: {@link #VERSION}, or 1 for an older store never cleared. */
    private int version;
    private LogStore journal;
    /** Whether a {@link GroupCommit} holds a flush of this store. */
    private boolean held;
    /** Open addressing, linear probing: the offset of each key's latest record plus one; 0 is free. */
    private long[] slots = new long[64];
    private int[] hashes = new int[64];
    private int count;
    private final MemorySegment head = MemorySegment.ofArray(new byte[RECORD_HEAD]);
    /** Journal bytes taken by records that no longer count (replaced or removed entries, removals). */
    private long deadBytes;
    long compactMinimum = DEFAULT_COMPACT_MINIMUM;

    private KvStore(Path file, int maxKey, int maxValue) {
        this.file = file;
        this.maxKey = maxKey;
        this.maxValue = maxValue;
        long record = LogStore.frameSize(RECORD_HEAD + (long) maxKey + maxValue);
        this.segmentSize = Math.max(64L << 20, 2 * record + LogStore.HEADER);
    }

    /**
     * Opens the store whose manifest is {@code file}, creating an empty one when there is no such
     * file. Keys hold at most {@code maxKey} bytes and values at most {@code maxValue}.
     */
    public static KvStore open(Path file, int maxKey, int maxValue) throws IOException {
        if (maxKey <= 0 || maxValue < 0) {
            throw new IllegalArgumentException("a kv store needs a positive key size, not " + maxKey);
        }
        KvStore kv = new KvStore(file, maxKey, maxValue);
        if (!Files.exists(file)) {
            FileHeader.create(file, FileHeader.buildVersion(MAGIC, VERSION, HEADER, 1), HEADER);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment header = FileHeader.readStart(ch, HEADER);
            FileHeader.check(file, header, ch.size(), MAGIC, KIND, HEADER, OLDEST_VERSION, VERSION);
            kv.version = FileHeader.version(header);
            kv.generation = FileHeader.field(header, 0);
        }
        kv.deleteOtherGenerations();
        kv.journal = LogStore.open(kv.journalName(kv.generation), kv.segmentSize);
        try {
            kv.replay();
        } catch (IOException | RuntimeException e) {
            kv.journal.close();
            throw e;
        }
        return kv;
    }

    private Path journalName(long gen) {
        return file.resolveSibling(file.getFileName() + "." + gen);
    }

    /** Journals of other generations are left over from a compaction a crash interrupted. */
    private void deleteOtherGenerations() throws IOException {
        String prefix = file.getFileName() + ".";
        boolean deleted = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(file.toAbsolutePath().getParent())) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                String rest = name.substring(prefix.length());
                int dot = rest.indexOf('.');
                if (dot > 0 && rest.substring(0, dot).chars().allMatch(Character::isDigit)
                        && !rest.substring(0, dot).equals(Long.toString(generation))
                        && LogStore.segmentFiles(p.resolveSibling(prefix + rest.substring(0, dot))).containsValue(p)) {
                    Files.delete(p);
                    deleted = true;
                }
            }
        }
        if (deleted) {
            FileHeader.forceFolder(file);
        }
    }

    private void replay() throws StoreException {
        long seen = 0;
        for (long offset = journal.start(); offset < journal.end(); offset = journal.next(offset)) {
            MemorySegment record = journal.read(offset);
            long keyLength = record.byteSize() < RECORD_HEAD ? -1
                    : Integer.toUnsignedLong(record.get(FileHeader.U32, 0));
            byte op = record.byteSize() < RECORD_HEAD ? 0 : record.get(ValueLayout.JAVA_BYTE, 4);
            if (keyLength < 0 || keyLength > record.byteSize() - RECORD_HEAD || (op != PUT && op != DELETE && op != CLEAR)
                    || op == CLEAR && record.byteSize() != RECORD_HEAD) {
                throw new StoreException(journalName(generation), "corrupt " + KIND + " journal: the record at offset "
                        + offset + " is not a put, a removal or a clear");
            }
            seen += LogStore.frameSize(record.byteSize());
            MemorySegment key = record.asSlice(RECORD_HEAD, keyLength);
            if (op == CLEAR) {
                // A version 1 manifest over a clear: written by a runtime from before the version
                // said so; from now on it says so.
                upgradeForClear();
                forgetAll();
                deadBytes = seen;
            } else if (op == PUT) {
                index(key, offset);
            } else {
                unindex(key);
                deadBytes += LogStore.frameSize(record.byteSize());
            }
        }
    }

    public Path file() {
        return file;
    }

    public int maxKey() {
        return maxKey;
    }

    public int maxValue() {
        return maxValue;
    }

    /** How many keys the store holds. */
    public long size() {
        return count;
    }

    /** Whether {@code key} and {@code value} are within the store's limits. */
    public boolean fits(MemorySegment key, MemorySegment value) {
        return key.byteSize() <= maxKey && (value == null || value.byteSize() <= maxValue);
    }

    /** Whether {@code key} and a value of {@code valueBytes} bytes are within the store's limits. */
    public boolean fits(MemorySegment key, long valueBytes) {
        return key.byteSize() <= maxKey && valueBytes <= maxValue;
    }

    /** The value of {@code key}, a view that stays valid while referenced; null when absent. */
    public MemorySegment get(MemorySegment key) {
        int slot = find(key, hash(key));
        if (slot < 0) {
            return null;
        }
        MemorySegment record = journal.recordAt(slots[slot] - 1);
        long keyLength = record.get(FileHeader.U32, 0);
        return record.asSlice(RECORD_HEAD + keyLength);
    }

    public boolean contains(MemorySegment key) {
        return find(key, hash(key)) >= 0;
    }

    /**
     * Sets {@code key} to {@code value}; durable after the next {@link #flush}.
     *
     * @throws IllegalArgumentException when they exceed the store's limits, or the value is null
     *                                  (an empty value is a value; a key goes with {@link #remove})
     */
    public void put(MemorySegment key, MemorySegment value) {
        if (value == null) {
            throw new IllegalArgumentException("no value to put for a key of " + key.byteSize() + " bytes in " + file
                    + "; a key is removed with remove");
        }
        if (!fits(key, value)) {
            throw new IllegalArgumentException("a key of " + key.byteSize() + " bytes and a value of " + value.byteSize()
                    + " exceed the limits of " + file + " (" + maxKey + " and " + maxValue + " bytes)");
        }
        long offset = journal.append(head(PUT, key), key, value);
        index(key, offset);
    }

    /**
     * Sets {@code key} to {@code head} followed by {@code tail} (a value and what a spec keeps
     * with it, written without joining them first); durable after the next {@link #flush}.
     */
    public void put(MemorySegment key, MemorySegment head, MemorySegment tail) {
        if (!fits(key, head.byteSize() + tail.byteSize())) {
            throw new IllegalArgumentException("a key of " + key.byteSize() + " bytes and a value of "
                    + (head.byteSize() + tail.byteSize()) + " exceed the limits of " + file + " (" + maxKey + " and "
                    + maxValue + " bytes)");
        }
        long offset = journal.append(head(PUT, key), key, head, tail);
        index(key, offset);
    }

    /** Removes {@code key}; returns whether it was there. Durable after the next {@link #flush}. */
    public boolean remove(MemorySegment key) {
        if (find(key, hash(key)) < 0) {
            return false;
        }
        journal.append(head(DELETE, key), key);
        deadBytes += LogStore.frameSize(RECORD_HEAD + key.byteSize());
        unindex(key);
        return true;
    }

    /** Removes every entry; durable after the next {@link #flush}. */
    public void clear() {
        upgradeForClear();
        journal.append(head(CLEAR, MemorySegment.NULL));
        forgetAll();
        deadBytes = journal.bytes();
    }

    private void forgetAll() {
        java.util.Arrays.fill(slots, 0);
        java.util.Arrays.fill(hashes, 0);
        count = 0;
    }

    /** A record's head in {@link #head}, reused: key length and operation. */
    private MemorySegment head(byte op, MemorySegment key) {
        head.set(FileHeader.U32, 0, (int) key.byteSize());
        head.set(ValueLayout.JAVA_BYTE, 4, op);
        return head;
    }

    /**
     * Makes every put and removal so far durable; then compacts the journal if most of it no
     * longer counts. In a {@link GroupCommit}, both wait for the group to commit.
     */
    public void flush() {
        if (held || GroupCommit.hold(this)) {
            held = true;
            return;
        }
        flushNow();
    }

    @Override
    public void flushHeld() {
        held = false;
        flushNow();
    }

    private void flushNow() {
        journal.flushNow();
        long live = journal.bytes() - deadBytes;
        if (deadBytes >= compactMinimum && deadBytes > live) {
            compact();
        }
    }

    /** Makes the manifest say version 2, durably, before the journal holds a clear (which version 1 does not know). */
    private void upgradeForClear() {
        if (version < 2) {
            writeManifest(VERSION, generation);
            version = VERSION;
        }
    }

    /** Replaces the manifest, durably: a new file renamed over the old one. */
    private void writeManifest(int formatVersion, long journalGeneration) {
        try {
            FileHeader.replace(file, FileHeader.buildVersion(MAGIC, formatVersion, HEADER, journalGeneration));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the live entries into a new journal generation and switches to it, durably. */
    public void compact() {
        try {
            long next = generation + 1;
            LogStore fresh = LogStore.open(journalName(next), segmentSize);
            long[] moved = new long[slots.length];
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != 0) {
                    moved[i] = fresh.append(journal.recordAt(slots[i] - 1)) + 1;
                }
            }
            fresh.flushNow();
            writeManifest(version, next);
            journal.delete();
            journal = fresh;
            generation = next;
            slots = moved;
            deadBytes = 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of the journal that compaction would free. */
    public long deadBytes() {
        return deadBytes;
    }

    @Override
    public void close() {
        journal.close();
    }

    private void index(MemorySegment key, long offset) {
        int h = hash(key);
        int slot = find(key, h);
        if (slot >= 0) {
            deadBytes += LogStore.frameSize(journal.recordAt(slots[slot] - 1).byteSize());
            slots[slot] = offset + 1;
            return;
        }
        if (2 * (count + 1) > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        int i = h & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = offset + 1;
        hashes[i] = h;
        count++;
    }

    private void unindex(MemorySegment key) {
        int slot = find(key, hash(key));
        if (slot < 0) {
            return;
        }
        deadBytes += LogStore.frameSize(journal.recordAt(slots[slot] - 1).byteSize());
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        int mask = slots.length - 1;
        int hole = slot;
        for (int i = (hole + 1) & mask; slots[i] != 0; i = (i + 1) & mask) {
            int home = hashes[i] & mask;
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                slots[hole] = slots[i];
                hashes[hole] = hashes[i];
                hole = i;
            }
        }
        slots[hole] = 0;
        count--;
    }

    private int find(MemorySegment key, int h) {
        int mask = slots.length - 1;
        for (int i = h & mask; slots[i] != 0; i = (i + 1) & mask) {
            if (hashes[i] == h && keyAt(slots[i] - 1, key)) {
                return i;
            }
        }
        return -1;
    }

    private boolean keyAt(long offset, MemorySegment key) {
        MemorySegment record = journal.recordAt(offset);
        long keyLength = record.get(FileHeader.U32, 0);
        return keyLength == key.byteSize()
                && MemorySegment.mismatch(record, RECORD_HEAD, RECORD_HEAD + keyLength, key, 0, keyLength) == -1;
    }

    private void grow() {
        long[] oldSlots = slots;
        int[] oldHashes = hashes;
        slots = new long[oldSlots.length * 2];
        hashes = new int[oldSlots.length * 2];
        int mask = slots.length - 1;
        for (int j = 0; j < oldSlots.length; j++) {
            if (oldSlots[j] != 0) {
                int i = oldHashes[j] & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = oldSlots[j];
                hashes[i] = oldHashes[j];
            }
        }
    }

    /** A 32-bit hash of a key's bytes. */
    static int hash(MemorySegment key) {
        long n = key.byteSize();
        long h = 0x9E3779B97F4A7C15L ^ n;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            h = Long.rotateLeft((h ^ key.get(FileHeader.U64, i)) * 0xff51afd7ed558ccdL, 29);
        }
        long tail = 0;
        for (int shift = 0; i < n; i++, shift += 8) {
            tail |= (key.get(ValueLayout.JAVA_BYTE, i) & 0xffL) << shift;
        }
        h = (h ^ tail) * 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "kv " + file + " (" + count + " keys, generation " + generation + ")";
    }
}
