package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A growable byte buffer a kernel reuses to build the bytes it pushes or replies, so that building
 * them allocates nothing once it has grown to size. Building first and moving the packet after
 * also keeps a pushed value that views the packet itself correct.
 */
public final class ByteScratch {
    private byte[] bytes = new byte[256];
    private MemorySegment segment = MemorySegment.ofArray(bytes);
    private int size;

    public ByteScratch reset() {
        size = 0;
        return this;
    }

    public int size() {
        return size;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Makes room for {@code n} more bytes and returns where they start. */
    public int extend(long n) {
        if (n < 0 || size + n > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("a value of " + n + " bytes does not fit a packet");
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.max(size + n, bytes.length * 2L));
            segment = MemorySegment.ofArray(bytes);
        }
        int at = size;
        size += (int) n;
        return at;
    }

    public void append(MemorySegment src) {
        long n = src.byteSize();
        int at = extend(n);
        MemorySegment.copy(src, 0, segment, at, n);
    }

    /** The bytes built so far, copied into a segment of their own. */
    public MemorySegment copy() {
        return MemorySegment.ofArray(Arrays.copyOf(bytes, size));
    }
}
