package dev.appl.runtime.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code blocks} store: a fixed-size region of bytes in a memory-mapped file, addressed like
 * memory. Reads are views of the mapping (nothing is copied unless the caller copies); writes go
 * into the mapping, and {@link #flush} forces what was written since the last flush to the disk.
 * A write is durable only once a flush that follows it has returned.
 *
 * <p>File format (docs/storage.md): a 4 KiB header (magic {@code appl-blk}, version, the region's
 * size and block size, CRC32C), then the region. Not thread-safe: one kernel thread owns a store.
 */
public final class BlockStore implements AutoCloseable, GroupCommit.Held {
    static final String MAGIC = "appl-blk";
    static final String KIND = "an appl blocks store";
    /** The region starts one page into the file, so that blocks are page-aligned. */
    static final int HEADER = 4096;

    private final Path file;
    private final long size;
    private final int blockSize;
    private final Arena arena;
    private final FileChannel channel;
    private final MemorySegment region;
    /** The range written since the last flush, {@code [dirtyFrom, dirtyTo)}; empty when equal. */
    private long dirtyFrom;
    private long dirtyTo;
    /** Whether a {@link GroupCommit} holds a flush of this store: all that is dirty, or the ranges held. */
    private boolean held;
    private boolean heldAll;
    /** The ranges of the held {@link #flush(long, long)}s, as one: {@code [heldFrom, heldTo)}. */
    private long heldFrom;
    private long heldTo;

    private BlockStore(Path file, long size, int blockSize, FileChannel channel) throws IOException {
        this.file = file;
        this.size = size;
        this.blockSize = blockSize;
        this.channel = channel;
        this.arena = Arena.ofShared();
        this.region = channel.map(FileChannel.MapMode.READ_WRITE, HEADER, size, arena);
    }

    /**
     * Opens the store in {@code file}, creating it (all zeros) when there is no such file. An
     * existing file must be a blocks store of exactly this size and block size.
     */
    public static BlockStore open(Path file, long size, int blockSize) throws IOException {
        if (blockSize < 512 || blockSize > (1 << 20) || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("a block size is a power of two from 512 B to 1 MiB, not " + blockSize);
        }
        if (size <= 0 || size % blockSize != 0) {
            throw new IllegalArgumentException("a blocks store's size is a positive multiple of its block size ("
                    + blockSize + "), not " + size);
        }
        if (!Files.exists(file)) {
            FileHeader.create(file, FileHeader.build(MAGIC, HEADER, size, blockSize), HEADER + size);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long length = ch.size();
            MemorySegment header = FileHeader.readStart(ch, FileHeader.CRC + 4);
            FileHeader.check(file, header, length, MAGIC, KIND, HEADER);
            long hasSize = FileHeader.field(header, 0);
            long hasBlock = FileHeader.field(header, 1);
            if (hasSize != size || hasBlock != blockSize) {
                throw new StoreException(file, "holds a blocks store of " + hasSize + " bytes in blocks of "
                        + hasBlock + "; the appliance asks for " + size + " bytes in blocks of " + blockSize
                        + " (move the file away to start afresh)");
            }
            if (length != HEADER + size) {
                throw new StoreException(file, "corrupt " + KIND + ": " + length + " bytes long, expected "
                        + (HEADER + size));
            }
            return new BlockStore(file, size, blockSize, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The region's size in bytes. */
    public long size() {
        return size;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Whether {@code [offset, offset + length)} lies within the region. */
    public boolean inRange(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    /**
     * The bytes at {@code [offset, offset + length)}: a view of the mapping, which later writes
     * change. Throws {@link IndexOutOfBoundsException} outside the region.
     */
    public MemorySegment view(long offset, long length) {
        check(offset, length);
        return region.asSlice(offset, length);
    }

    /** Copies {@code length} bytes at {@code offset} into {@code to} at {@code toOffset}. */
    public void read(long offset, MemorySegment to, long toOffset, long length) {
        check(offset, length);
        MemorySegment.copy(region, offset, to, toOffset, length);
    }

    /** Writes {@code bytes} at {@code offset}; durable after the next {@link #flush}. */
    public void write(long offset, MemorySegment bytes) {
        check(offset, bytes.byteSize());
        MemorySegment.copy(bytes, 0, region, offset, bytes.byteSize());
        dirty(offset, bytes.byteSize());
    }

    /** Sets {@code [offset, offset + length)} to zeros; durable after the next {@link #flush}. */
    public void zero(long offset, long length) {
        check(offset, length);
        region.asSlice(offset, length).fill((byte) 0);
        dirty(offset, length);
    }

    /**
     * Discards {@code [offset, offset + length)}: afterwards it reads as zeros (the JDK cannot punch
     * holes in a mapped file, so the bytes are zeroed).
     */
    public void trim(long offset, long length) {
        zero(offset, length);
    }

    /**
     * Forces everything written since the last flush to the disk; returns once it is there, or,
     * in a {@link GroupCommit}, once the group commits.
     */
    public void flush() {
        if (held || GroupCommit.hold(this)) {
            held = true;
            heldAll = true;
            return;
        }
        flushDirty();
    }

    /**
     * Forces {@code [offset, offset + length)} to the disk (an NBD write with FUA); the rest of
     * what was written stays pending until {@link #flush}. In a {@link GroupCommit} the ranges held
     * are forced as one, from the first's start to the last's end, when the group commits (what
     * else was written between them goes to the disk too, early).
     */
    public void flush(long offset, long length) {
        check(offset, length);
        if (length == 0) {
            return;
        }
        if (held || GroupCommit.hold(this)) {
            held = true;
            heldFrom = heldTo == heldFrom ? offset : Math.min(heldFrom, offset);
            heldTo = Math.max(heldTo, offset + length);
            return;
        }
        region.asSlice(offset, length).force();
    }

    @Override
    public void flushHeld() {
        held = false;
        long from = heldFrom;
        long to = heldTo;
        boolean all = heldAll;
        heldFrom = heldTo = 0;
        heldAll = false;
        if (all) {
            flushDirty(); // every byte written so far, the ranges held included, is then on the disk
        } else if (to > from) {
            region.asSlice(from, to - from).force();
        }
    }

    private void flushDirty() {
        if (dirtyTo > dirtyFrom) {
            region.asSlice(dirtyFrom, dirtyTo - dirtyFrom).force();
        }
        dirtyFrom = dirtyTo = 0;
    }

    private void dirty(long offset, long length) {
        if (length == 0) {
            return;
        }
        if (dirtyTo == dirtyFrom) {
            dirtyFrom = offset;
            dirtyTo = offset + length;
        } else {
            dirtyFrom = Math.min(dirtyFrom, offset);
            dirtyTo = Math.max(dirtyTo, offset + length);
        }
    }

    private void check(long offset, long length) {
        if (!inRange(offset, length)) {
            throw new IndexOutOfBoundsException("[" + offset + ", " + (offset + length) + ") is outside the "
                    + size + " bytes of the blocks store in " + file);
        }
    }

    /** Flushes, then unmaps and closes the file; the views handed out are invalid afterwards. */
    @Override
    public void close() {
        try {
            flushDirty();
            arena.close();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
