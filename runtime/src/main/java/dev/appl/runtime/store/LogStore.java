package dev.appl.runtime.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A {@code log} store: an append-only sequence of records, each found again by the offset
 * {@link #append} returned. Records live in segment files {@code NAME.<base offset, 16 hex
 * digits>} beside {@code NAME}, each a memory-mapped file of the segment size (at most 4 GiB),
 * its disk blocks allocated when it is created; a record that does not fit in the last segment
 * starts the next one. Offsets are dense: the next record's offset is {@link #next}{@code
 * (offset)}, also across segments.
 *
 * <p>Every record carries its own offset, its length and a CRC32C of both and its payload. Each
 * segment's header records its <em>durable end</em>, set by {@link #flush} after the records
 * before it were forced to the disk. Opening scans every segment: a record before the durable end
 * that fails its checksum is corruption, and the log is refused; after the durable end, the
 * records are kept up to the first that does not check (and forced, and the durable end moved past
 * them, before the log is used), and from there on the tail (written but never acknowledged, maybe
 * torn) is zeroed and later segments are removed.
 *
 * <p>Not thread-safe: one kernel thread owns a store.
 */
public final class LogStore implements AutoCloseable, GroupCommit.Held {
    static final String MAGIC = "appl-log";
    static final String KIND = "an appl log segment";
    /** Records start one page into a segment; the header is fields, the checksum, the durable end. */
    static final int HEADER = 4096;
    /**
     * Where a segment's durable end is: two slots of a {@code u64} and its CRC32C ({@code u32}),
     * 16 bytes apart. A flush writes the slot holding the older value, so a process killed between
     * the two stores of a slot leaves the other slot, and the durable end before that flush, intact.
     */
    static final int DURABLE_END = 64;
    static final int DURABLE_SLOT = 16;
    /** A record's frame: {@code u64} offset, {@code u32} length, {@code u32} CRC32C; then the payload. */
    static final int FRAME = 16;
    /** Records start at multiples of 8 bytes. */
    static final int ALIGN = 8;
    /** The smallest segment: room for the header and a record of some size. */
    static final long MIN_SEGMENT = 64 * 1024;
    /** The largest segment: its records' lengths are {@code u32}s. */
    static final long MAX_SEGMENT = 1L << 32;

    private final Path file;
    private final long segmentSize;
    private final List<Segment> segments = new ArrayList<>();
    private final CRC32C crc = new CRC32C();
    /** The offset the next record gets. */
    private long end;
    /** Whether a {@link GroupCommit} holds a flush of this log. */
    private boolean held;

    /** One segment file, mapped whole. */
    private static final class Segment {
        final Path file;
        final long base;
        final long capacity;
        final FileChannel channel;
        final Arena arena;
        final MemorySegment map;
        /** Where the records end in this segment, as a position in the file. */
        long recordsEnd = HEADER;
        /** Positions written since the last flush, {@code [dirtyFrom, recordsEnd)}; none when equal. */
        long dirtyFrom = HEADER;
        /** Whether the durable end in the header lags behind {@code recordsEnd}. */
        boolean endPending;
        /** The durable-end slot the next flush writes: the one not holding the current value. */
        int nextSlot = 1;

        Segment(Path file, long base, long capacity, FileChannel channel) throws IOException {
            this.file = file;
            this.base = base;
            this.capacity = capacity;
            this.channel = channel;
            // Views of records may outlive the store (a kv value handed out before compaction):
            // the automatic arena unmaps a segment only once nothing refers to it.
            this.arena = Arena.ofAuto();
            this.map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity, arena);
        }

        long offsetAt(long position) {
            return base + position - HEADER;
        }

        long positionOf(long offset) {
            return offset - base + HEADER;
        }
    }

    private LogStore(Path file, long segmentSize) {
        this.file = file;
        this.segmentSize = segmentSize;
    }

    /**
     * Opens the log whose segments are {@code file.<16 hex digits>}, recovering it as described
     * above, or starts an empty one with its first segment. {@code segmentSize} is the size of the
     * segments it creates; existing segments keep theirs.
     */
    public static LogStore open(Path file, long segmentSize) throws IOException {
        if (segmentSize < MIN_SEGMENT) {
            throw new IllegalArgumentException("a log segment is at least " + MIN_SEGMENT + " bytes, not " + segmentSize);
        }
        if (segmentSize > MAX_SEGMENT) {
            throw new IllegalArgumentException("a log segment is at most 4 GiB (" + MAX_SEGMENT + " bytes), not "
                    + segmentSize);
        }
        LogStore log = new LogStore(file, segmentSize);
        try {
            log.recover();
        } catch (IOException | RuntimeException e) {
            log.closeChannels();
            throw e;
        }
        return log;
    }

    /** The largest payload a record can have in segments of {@code segmentSize} bytes. */
    public static long maxRecord(long segmentSize) {
        return segmentSize - HEADER - FRAME;
    }

    private static String segmentName(Path file, long base) {
        return file.getFileName() + "." + HexFormat.of().toHexDigits(base);
    }

    /** The segment files of {@code file}, by base offset. */
    static TreeMap<Long, Path> segmentFiles(Path file) throws IOException {
        String prefix = file.getFileName() + ".";
        Path folder = file.toAbsolutePath().getParent();
        TreeMap<Long, Path> found = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.length() == prefix.length() + 16 && name.startsWith(prefix)) {
                    String hex = name.substring(prefix.length());
                    if (hex.chars().allMatch(c -> Character.digit(c, 16) >= 0 && !Character.isUpperCase(c))) {
                        found.put(HexFormat.fromHexDigitsToLong(hex), p);
                    }
                }
            }
        }
        return found;
    }

    private void recover() throws IOException {
        TreeMap<Long, Path> files = segmentFiles(file);
        if (files.isEmpty()) {
            createSegment(0);
            return;
        }
        for (var e : files.entrySet()) {
            segments.add(openSegment(e.getValue(), e.getKey()));
        }
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            long durable = durableEnd(s);
            long position = scan(s);
            if (s.offsetAt(position) < durable) {
                throw new StoreException(s.file, "corrupt " + KIND + ": the record at offset " + s.offsetAt(position)
                        + " fails its checksum, before the durable end " + durable);
            }
            s.recordsEnd = position;
            // Records kept past the durable end may still be only in the page cache (the process
            // died before forcing them): they are forced, and the durable end moved past them, before
            // the log is used, so that no later durable end covers records that never reached the disk.
            s.dirtyFrom = s.positionOf(durable);
            s.endPending = position > s.dirtyFrom;
            boolean last = i == segments.size() - 1;
            Segment next = last ? null : segments.get(i + 1);
            if (next != null && next.base == s.offsetAt(position)) {
                continue; // this segment ends where the next begins: it is whole
            }
            if (next != null && next.base < s.offsetAt(position)) {
                throw new StoreException(next.file, "corrupt log: this segment starts at offset " + next.base
                        + ", inside the records of " + s.file.getFileName());
            }
            // The log ends here. Whatever follows was never acknowledged as durable: check that, then drop it.
            for (Segment later : segments.subList(i + 1, segments.size())) {
                if (durableEnd(later) > later.base) {
                    throw new StoreException(s.file, "corrupt log: the record at offset " + s.offsetAt(position)
                            + " fails its checksum, but " + later.file.getFileName() + " holds durable records after it");
                }
            }
            zeroTail(s, position);
            for (Segment later : new ArrayList<>(segments.subList(i + 1, segments.size()))) {
                later.channel.close();
                Files.delete(later.file);
                segments.remove(later);
            }
            if (next != null) {
                FileHeader.forceFolder(file);
            }
            break;
        }
        Segment last = segments.getLast();
        end = last.offsetAt(last.recordsEnd);
        flushNow();
    }

    private Segment openSegment(Path path, long base) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long length = ch.size();
            MemorySegment header = FileHeader.readStart(ch, FileHeader.CRC + 4);
            FileHeader.check(path, header, length, MAGIC, KIND, HEADER);
            long hasBase = FileHeader.field(header, 0);
            long capacity = FileHeader.field(header, 1);
            if (hasBase != base) {
                throw new StoreException(path, "corrupt " + KIND + ": its header says it starts at offset " + hasBase
                        + ", its name says " + base);
            }
            if (capacity != length || capacity < MIN_SEGMENT || capacity > MAX_SEGMENT) {
                throw new StoreException(path, "corrupt " + KIND + ": " + length + " bytes long, its header says "
                        + capacity);
            }
            return new Segment(path, base, capacity, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The segment's durable end, from the slot that checks and holds the larger (later) value. */
    private static long durableEnd(Segment s) throws StoreException {
        int slot = newestSlot(s.map);
        if (slot < 0) {
            throw new StoreException(s.file, "corrupt " + KIND + ": its durable end fails its checksum");
        }
        s.nextSlot = 1 - slot;
        long durable = slotValue(s.map, slot);
        if (durable < s.base || durable > s.offsetAt(s.capacity)) {
            throw new StoreException(s.file, "corrupt " + KIND + ": its durable end " + durable + " lies outside it");
        }
        return durable;
    }

    /** The durable-end slot that checks and holds the larger value; -1 when neither checks. */
    static int newestSlot(MemorySegment header) {
        int newest = -1;
        for (int slot = 0; slot < 2; slot++) {
            long at = DURABLE_END + (long) slot * DURABLE_SLOT;
            boolean checks = header.get(FileHeader.U32, at + 8) == FileHeader.crc(header, at, 8);
            if (checks && (newest < 0 || Long.compareUnsigned(slotValue(header, slot), slotValue(header, newest)) > 0)) {
                newest = slot;
            }
        }
        return newest;
    }

    static long slotValue(MemorySegment header, int slot) {
        return header.get(FileHeader.U64, DURABLE_END + (long) slot * DURABLE_SLOT);
    }

    /** The position after the last record, from the start, that checks. */
    private long scan(Segment s) {
        long position = HEADER;
        while (true) {
            long length = recordLength(s, position);
            if (length < 0) {
                return position;
            }
            position += frameSize(length);
        }
    }

    /** The payload length of the record at {@code position}, or -1 if there is no valid record there. */
    private long recordLength(Segment s, long position) {
        if (position + FRAME > s.capacity) {
            return -1;
        }
        long offset = s.map.get(FileHeader.U64, position);
        long length = Integer.toUnsignedLong(s.map.get(FileHeader.U32, position + 8));
        if (offset != s.offsetAt(position) || length > s.capacity - position - FRAME) {
            return -1;
        }
        return s.map.get(FileHeader.U32, position + 12) == checksum(s.map, position, length) ? length : -1;
    }

    private int checksum(MemorySegment map, long position, long length) {
        crc.reset();
        crc.update(map.asSlice(position, 12).asByteBuffer());
        crc.update(map.asSlice(position + FRAME, length).asByteBuffer());
        return (int) crc.getValue();
    }

    static long frameSize(long length) {
        return (FRAME + length + ALIGN - 1) & -ALIGN;
    }

    /** Zeroes what is not zero from {@code position} to the end of the segment, and forces it. */
    private static void zeroTail(Segment s, long position) {
        long page = 4096;
        for (long at = position; at < s.capacity; ) {
            long to = Math.min(s.capacity, (at / page + 1) * page);
            MemorySegment chunk = s.map.asSlice(at, to - at);
            if (!isZero(chunk)) {
                chunk.fill((byte) 0);
                chunk.force();
            }
            at = to;
        }
    }

    private static boolean isZero(MemorySegment chunk) {
        long n = chunk.byteSize();
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            if (chunk.get(FileHeader.U64, i) != 0) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (chunk.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != 0) {
                return false;
            }
        }
        return true;
    }

    private Segment createSegment(long base) throws IOException {
        Path path = file.resolveSibling(segmentName(file, base));
        var header = FileHeader.build(MAGIC, HEADER, base, segmentSize);
        byte[] withEnd = header.array();
        java.nio.ByteBuffer.wrap(withEnd).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(DURABLE_END, base)
                .putInt(DURABLE_END + 8, FileHeader.crc(MemorySegment.ofArray(withEnd).asSlice(DURABLE_END, 8), 0, 8));
        FileHeader.create(path, header, segmentSize);
        Segment s = new Segment(path, base, segmentSize, FileChannel.open(path, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
        segments.add(s);
        return s;
    }

    public Path file() {
        return file;
    }

    /** The offset of the first record. */
    public long start() {
        return segments.getFirst().base;
    }

    /** The offset the next appended record will get: just after the last record. */
    public long end() {
        return end;
    }

    /** Bytes the records take, frames included (what compaction would free of a log made garbage). */
    public long bytes() {
        return end - start();
    }

    /** The largest payload {@link #append} takes. */
    public long maxRecord() {
        return maxRecord(segmentSize);
    }

    /**
     * Appends a record whose payload is {@code parts} one after the other; returns its offset.
     * Durable after the next {@link #flush}.
     */
    public long append(MemorySegment... parts) {
        long length = 0;
        for (MemorySegment part : parts) {
            length += part.byteSize();
        }
        if (length > maxRecord()) {
            throw new IllegalArgumentException("a record of " + length + " bytes is larger than the " + maxRecord()
                    + " a segment of " + file + " holds");
        }
        Segment s = segments.getLast();
        long position = s.recordsEnd;
        if (position + frameSize(length) > s.capacity) {
            try {
                s = createSegment(end);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            position = s.recordsEnd;
        }
        long offset = s.offsetAt(position);
        s.map.set(FileHeader.U64, position, offset);
        s.map.set(FileHeader.U32, position + 8, (int) length);
        long at = position + FRAME;
        for (MemorySegment part : parts) {
            MemorySegment.copy(part, 0, s.map, at, part.byteSize());
            at += part.byteSize();
        }
        s.map.set(FileHeader.U32, position + 12, checksum(s.map, position, length));
        long size = frameSize(length);
        if (size > FRAME + length) { // zero the padding, which may hold bytes of a torn earlier life
            s.map.asSlice(position + FRAME + length, size - FRAME - length).fill((byte) 0);
        }
        s.recordsEnd = position + size;
        s.endPending = true;
        end = offset + size;
        return offset;
    }

    /**
     * The payload of the record at {@code offset}, a view of the mapping; null when no record
     * starts there (an offset {@link #append} never returned, or past the end).
     */
    public MemorySegment read(long offset) {
        Segment s = segmentOf(offset);
        if (s == null) {
            return null;
        }
        long position = s.positionOf(offset);
        if (position >= s.recordsEnd) {
            return null;
        }
        long length = recordLength(s, position);
        return length < 0 ? null : s.map.asSlice(position + FRAME, length);
    }

    /**
     * The payload of the record at {@code offset}, which {@link #append} returned, without checking
     * it again: records do not change once appended, and recovery checked the older ones.
     */
    MemorySegment recordAt(long offset) {
        Segment s = segmentOf(offset);
        long position = s.positionOf(offset);
        long length = Integer.toUnsignedLong(s.map.get(FileHeader.U32, position + 8));
        return s.map.asSlice(position + FRAME, length);
    }

    /** The offset of the record after the one at {@code offset} (which {@link #read} must find). */
    public long next(long offset) {
        MemorySegment payload = read(offset);
        if (payload == null) {
            throw new IllegalArgumentException("no record of " + file + " starts at offset " + offset);
        }
        return offset + frameSize(payload.byteSize());
    }

    private Segment segmentOf(long offset) {
        if (offset < start() || offset >= end) {
            return null;
        }
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) { // the last segment whose base is at most offset
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).base <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return segments.get(lo);
    }

    /**
     * Forces every record appended since the last flush to the disk, then records each touched
     * segment's durable end (forced too); returns once both are there, or, in a
     * {@link GroupCommit}, once the group commits.
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

    /** {@link #flush} outside any {@link GroupCommit}: at open and close, and for a kv store's journal. */
    void flushNow() {
        for (Segment s : segments) {
            if (!s.endPending) {
                continue;
            }
            if (s.recordsEnd > s.dirtyFrom) {
                s.map.asSlice(s.dirtyFrom, s.recordsEnd - s.dirtyFrom).force();
            }
            long at = DURABLE_END + (long) s.nextSlot * DURABLE_SLOT;
            s.map.set(FileHeader.U64, at, s.offsetAt(s.recordsEnd));
            s.map.set(FileHeader.U32, at + 8, FileHeader.crc(s.map, at, 8));
            s.map.asSlice(0, HEADER).force();
            s.nextSlot = 1 - s.nextSlot;
            s.dirtyFrom = s.recordsEnd;
            s.endPending = false;
        }
    }

    /** Flushes and closes the segment files. Views of records stay readable until dropped. */
    @Override
    public void close() {
        flushNow();
        closeChannels();
    }

    /** Closes the files without flushing, as if the process had died here (for the recovery tests). */
    void abandon() {
        closeChannels();
    }

    private void closeChannels() {
        for (Segment s : segments) {
            try {
                s.channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Closes the log and deletes its segment files (a kv store's old generation after compaction). */
    void delete() throws IOException {
        closeChannels();
        for (Segment s : segments) {
            Files.deleteIfExists(s.file);
        }
        FileHeader.forceFolder(file);
    }
}
