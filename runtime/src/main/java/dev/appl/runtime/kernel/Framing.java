package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Framing of stream ports: a big-endian length prefix, which the runtime can cut alone, and the
 * checks on the size a framing header gives, which both engines share.
 */
public final class Framing {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Framing() {}

    /**
     * {@link Kernel#frameLength} for {@code framed u8}, {@code u16} or {@code u32} ({@code width} 1, 2
     * or 4 bytes): the prefix's value plus the prefix itself, {@link Kernel#NEED_MORE} before the
     * whole prefix has arrived, {@link Kernel#MALFORMED} when the message is longer than
     * {@code max} bytes (the prefix not counted).
     */
    public static int prefixed(MemorySegment buffer, long offset, int available, int width, long max) {
        if (available < width) {
            return Kernel.NEED_MORE;
        }
        long length = switch (width) {
            case 1 -> Byte.toUnsignedLong(buffer.get(ValueLayout.JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(buffer.get(U16, offset));
            case 4 -> Integer.toUnsignedLong(buffer.get(U32, offset));
            default -> throw new IllegalArgumentException("a length prefix is 1, 2 or 4 bytes, not " + width);
        };
        if (length > max || length + width > Integer.MAX_VALUE) {
            return Kernel.MALFORMED;
        }
        return (int) (length + width);
    }

    /**
     * {@link Kernel#frameLength} for a framing header of {@code headerBytes} bytes whose size
     * expression gave {@code size} (a value of a signed type when {@code signed}, else unsigned):
     * {@link Kernel#MALFORMED} when that is shorter than the header or longer than {@code max}.
     */
    public static int sized(long size, boolean signed, int headerBytes, long max) {
        if (signed ? size < headerBytes : Long.compareUnsigned(size, headerBytes) < 0) {
            return Kernel.MALFORMED;
        }
        if (Long.compareUnsigned(size, max) > 0 || Long.compareUnsigned(size, Integer.MAX_VALUE) > 0) {
            return Kernel.MALFORMED;
        }
        return (int) size;
    }

    /**
     * {@link Kernel#frameLength} for {@code framed by FN}, whose function gave {@code length} (a
     * {@code u32}) for the bytes so far: 0 is {@link Kernel#NEED_MORE}; more than {@code max} is
     * {@link Kernel#MALFORMED}, which is how a function says that the bytes are not a frame.
     */
    public static int scanned(long length, long max) {
        if (length == 0) {
            return Kernel.NEED_MORE;
        }
        if (Long.compareUnsigned(length, max) > 0 || Long.compareUnsigned(length, Integer.MAX_VALUE) > 0) {
            return Kernel.MALFORMED;
        }
        return (int) length;
    }

    /** Writes {@code length} as a big-endian prefix of {@code width} bytes at {@code offset}. */
    public static void writePrefix(MemorySegment buffer, long offset, int width, int length) {
        switch (width) {
            case 1 -> buffer.set(ValueLayout.JAVA_BYTE, offset, (byte) length);
            case 2 -> buffer.set(U16, offset, (short) length);
            case 4 -> buffer.set(U32, offset, length);
            default -> throw new IllegalArgumentException("a length prefix is 1, 2 or 4 bytes, not " + width);
        }
    }
}
