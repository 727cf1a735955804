package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Helpers for values that are not single numbers: struct, header and array values ({@code long[]}
 * when all their parts are scalars, else {@code Object[]} with boxed parts), bytes
 * ({@code MemorySegment}) and ip6 values ({@code BigInteger}).
 */
public final class Aggregates {
    private Aggregates() {}

    /** Equality by value, parts compared recursively; bytes compare by content. */
    public static boolean equal(Object a, Object b) {
        return switch (a) {
            case long[] x -> b instanceof long[] y && Arrays.equals(x, y);
            case Object[] x -> {
                if (!(b instanceof Object[] y) || x.length != y.length) {
                    yield false;
                }
                for (int i = 0; i < x.length; i++) {
                    if (!equal(x[i], y[i])) {
                        yield false;
                    }
                }
                yield true;
            }
            case MemorySegment x -> b instanceof MemorySegment y && x.byteSize() == y.byteSize()
                    && x.mismatch(y) == -1;
            case null -> b == null;
            default -> a.equals(b);
        };
    }

    /** A copy of {@code bytes} that no later change to the packet it views can reach. */
    public static MemorySegment copy(MemorySegment bytes) {
        return MemorySegment.ofArray(bytes.toArray(ValueLayout.JAVA_BYTE));
    }

    /** {@code value} with every bytes part copied ({@link #copy}); numbers and flat values as they are. */
    public static Object copyBytes(Object value) {
        return switch (value) {
            case MemorySegment s -> copy(s);
            case Object[] parts -> {
                Object[] out = new Object[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    out[i] = copyBytes(parts[i]);
                }
                yield out;
            }
            case null, default -> value;
        };
    }

    /** A constant array of numbers, written as their 64 bits in hex separated by commas. */
    public static long[] longs(String text) {
        String[] parts = text.split(",");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseUnsignedLong(parts[i], 16);
        }
        return out;
    }

    public static MemorySegment bytes(String hex) {
        return MemorySegment.ofArray(java.util.HexFormat.of().parseHex(hex)).asReadOnly();
    }

    /** A constant ip6 value. */
    public static BigInteger ip6(String hex) {
        return new BigInteger(hex, 16);
    }

    /** Unsigned byte {@code i} of {@code bytes}. @throws MalformedPacket if out of range */
    public static long byteAt(MemorySegment bytes, long i) {
        if (i < 0 || i >= bytes.byteSize()) {
            throw MalformedPacket.INSTANCE;
        }
        return bytes.get(ValueLayout.JAVA_BYTE, i) & 0xff;
    }

    /**
     * {@code length} bytes of {@code bytes} from {@code start}, a view (language.md §3,
     * {@code b.slice}). @throws MalformedPacket if the range is not within {@code bytes}
     */
    public static MemorySegment slice(MemorySegment bytes, long start, long length) {
        if ((start | length) < 0 || start > bytes.byteSize() - length) {
            throw MalformedPacket.INSTANCE;
        }
        return bytes.asSlice(start, length);
    }

    /** Compares two ip6 values as unsigned numbers. */
    public static int compare(BigInteger a, BigInteger b) {
        return a.compareTo(b);
    }
}
