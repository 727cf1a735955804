package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;

/**
 * Reads and writes of bit fields that generated code leaves to the runtime: fields spanning nine
 * bytes (a 64-bit field that starts mid-byte), header values built or read whole, ip6 fields.
 * Big-endian: bit 0 is the most significant bit of the byte at {@code address}. Callers have
 * checked the bounds.
 */
public final class Bits {
    private static final BigInteger MASK128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private Bits() {}

    /**
     * {@code width} bits (1..64) starting {@code bit} bits (0..7) into the byte at {@code address}.
     *
     * <p>Reads exactly as the reference interpreter's {@code Packet.readBits}.
     */
    public static long get(MemorySegment segment, long address, int bit, int width) {
        int bytes = (bit + width + 7) / 8;
        long value = 0;
        long ninth = 0;
        for (int i = 0; i < bytes; i++) {
            long b = segment.get(ValueLayout.JAVA_BYTE, address + i) & 0xff;
            if (i < 8) {
                value = value << 8 | b;
            } else {
                ninth = b;
            }
        }
        if (bytes <= 8) {
            value >>>= bytes * 8 - bit - width;
        } else { // the 64 bits from `bit` on, then the field's width of them
            value = value << bit | (ninth >>> (8 - bit));
            value >>>= 64 - width;
        }
        return width == 64 ? value : value & ((1L << width) - 1);
    }

    /** Writes the low {@code width} bits of {@code value}; the other bits of the bytes stay. */
    public static void put(MemorySegment segment, long address, int bit, int width, long value) {
        long v = width == 64 ? value : value & ((1L << width) - 1);
        int end = bit + width;
        for (int i = bit >>> 3; i <= (end - 1) >>> 3; i++) {
            int low = i * 8;
            int from = Math.max(low, bit);
            int to = Math.min(low + 8, end);
            int n = to - from;
            int chunk = (int) ((v >>> (end - to)) & ((1L << n) - 1));
            int shift = low + 8 - to;
            int mask = ((1 << n) - 1) << shift;
            byte old = segment.get(ValueLayout.JAVA_BYTE, address + i);
            segment.set(ValueLayout.JAVA_BYTE, address + i, (byte) ((old & ~mask) | (chunk << shift)));
        }
    }

    /** {@code width / 8} bytes, little-endian. */
    public static long getLittleEndian(MemorySegment segment, long address, int width) {
        long value = 0;
        for (int i = width / 8 - 1; i >= 0; i--) {
            value = value << 8 | (segment.get(ValueLayout.JAVA_BYTE, address + i) & 0xff);
        }
        return value;
    }

    public static void putLittleEndian(MemorySegment segment, long address, int width, long value) {
        for (int i = 0; i < width / 8; i++) {
            segment.set(ValueLayout.JAVA_BYTE, address + i, (byte) (value >>> (8 * i)));
        }
    }

    /** An ip6 field: 16 bytes as an unsigned number. */
    public static BigInteger getIp6(MemorySegment segment, long address) {
        byte[] raw = new byte[16];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, address, raw, 0, 16);
        return new BigInteger(1, raw);
    }

    /** Writes the low 128 bits of {@code value} as 16 big-endian bytes. */
    public static void putIp6(MemorySegment segment, long address, BigInteger value) {
        byte[] raw = value.toByteArray();
        for (int b = 0; b < 16; b++) {
            int from = raw.length - 16 + b;
            segment.set(ValueLayout.JAVA_BYTE, address + b, from >= 0 ? raw[from] : 0);
        }
    }

    /** {@code ~v} of an ip6 value: its 128 bits flipped. */
    public static BigInteger notIp6(BigInteger v) {
        return v.not().and(MASK128);
    }
}
