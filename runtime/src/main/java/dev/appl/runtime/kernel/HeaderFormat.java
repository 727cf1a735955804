package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;

/**
 * The wire layout of one header type, for what generated code does with a header as a whole:
 * build its bytes from a header value (push, reply, tests) and read a header value out of a
 * packet. Field reads and writes of parsed headers do not come here: they are compiled inline.
 *
 * <p>A header value is a {@code long[]} with one word per field when every field is a scalar of
 * at most 64 bits ("flat"), else an {@code Object[]} holding a {@code Long} per scalar, a
 * {@code BigInteger} per ip6 field and a {@code MemorySegment} for the trailing bytes.
 *
 * <p>The layout is written as text so that generated classes can build it from one constant:
 * {@code fixedBytes;flat;K:bitOffset:bitWidth,...} with K one of {@code B} (big-endian bits),
 * {@code L} (little-endian bytes), {@code S} and {@code l} (the same, for a signed field, which is
 * read sign-extended), {@code I} (ip6, 16 bytes), {@code T} (trailing bytes).
 */
public final class HeaderFormat {
    private static final byte BITS = 0;
    private static final byte LITTLE = 1;
    private static final byte IP6 = 2;
    private static final byte TRAILING = 3;

    private final int fixedBytes;
    private final boolean flat;
    private final byte[] kinds;
    private final int[] bitOffsets;
    private final int[] widths;
    private final boolean[] signed;

    private HeaderFormat(int fixedBytes, boolean flat, byte[] kinds, int[] bitOffsets, int[] widths,
            boolean[] signed) {
        this.fixedBytes = fixedBytes;
        this.flat = flat;
        this.kinds = kinds;
        this.bitOffsets = bitOffsets;
        this.widths = widths;
        this.signed = signed;
    }

    public static HeaderFormat parse(String text) {
        String[] parts = text.split(";", -1);
        int fixed = Integer.parseInt(parts[0]);
        boolean flat = parts[1].equals("1");
        String[] fields = parts[2].isEmpty() ? new String[0] : parts[2].split(",");
        byte[] kinds = new byte[fields.length];
        int[] offsets = new int[fields.length];
        int[] widths = new int[fields.length];
        boolean[] signed = new boolean[fields.length];
        for (int i = 0; i < fields.length; i++) {
            String[] f = fields[i].split(":");
            signed[i] = f[0].equals("S") || f[0].equals("l");
            kinds[i] = switch (f[0]) {
                case "B", "S" -> BITS;
                case "L", "l" -> LITTLE;
                case "I" -> IP6;
                case "T" -> TRAILING;
                default -> throw new IllegalArgumentException("field kind " + f[0]);
            };
            offsets[i] = Integer.parseInt(f[1]);
            widths[i] = Integer.parseInt(f[2]);
        }
        return new HeaderFormat(fixed, flat, kinds, offsets, widths, signed);
    }

    public int fixedBytes() {
        return fixedBytes;
    }

    /** Appends the bytes of header value {@code value}: its fixed fields, then its trailing bytes. */
    public void append(Object value, ByteScratch out) {
        int at = out.extend(fixedBytes);
        MemorySegment seg = out.segment();
        seg.asSlice(at, fixedBytes).fill((byte) 0);
        MemorySegment trailing = null;
        for (int i = 0; i < kinds.length; i++) {
            long address = at + bitOffsets[i] / 8;
            switch (kinds[i]) {
                case TRAILING -> trailing = (MemorySegment) ((Object[]) value)[i];
                case IP6 -> Bits.putIp6(seg, address, (BigInteger) ((Object[]) value)[i]);
                case LITTLE -> Bits.putLittleEndian(seg, address, widths[i], word(value, i));
                default -> Bits.put(seg, address, bitOffsets[i] % 8, widths[i], word(value, i));
            }
        }
        if (trailing != null) {
            out.append(trailing);
        }
    }

    /** The bytes of header value {@code value} in a segment of their own. */
    public MemorySegment toBytes(Object value) {
        ByteScratch out = new ByteScratch();
        append(value, out);
        return out.copy();
    }

    private long word(Object value, int i) {
        return flat ? ((long[]) value)[i] : (Long) ((Object[]) value)[i];
    }

    /**
     * The header at {@code offset} of a packet of {@code packetLength} bytes at {@code base} in
     * {@code seg}, {@code length} bytes long (its trailing bytes are what the fixed fields leave of
     * that), as a value: every field read as its type holds it (signed ones sign-extended), the
     * trailing bytes copied.
     *
     * @throws MalformedPacket if a field lies outside the packet
     */
    public Object read(MemorySegment seg, long base, long packetLength, long offset, long length) {
        long[] words = flat ? new long[kinds.length] : null;
        Object[] objects = flat ? null : new Object[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            long at = offset + bitOffsets[i] / 8;
            switch (kinds[i]) {
                case TRAILING -> {
                    long count = length - bitOffsets[i] / 8;
                    check(at, count, packetLength);
                    byte[] copy = new byte[(int) count];
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base + at, copy, 0, copy.length);
                    objects[i] = MemorySegment.ofArray(copy);
                }
                case IP6 -> {
                    check(at, 16, packetLength);
                    objects[i] = Bits.getIp6(seg, base + at);
                }
                case LITTLE -> {
                    check(at, widths[i] / 8, packetLength);
                    store(words, objects, i, extend(Bits.getLittleEndian(seg, base + at, widths[i]), i));
                }
                default -> {
                    int bit = bitOffsets[i] % 8;
                    check(at, (bit + widths[i] + 7) / 8, packetLength);
                    store(words, objects, i, extend(Bits.get(seg, base + at, bit, widths[i]), i));
                }
            }
        }
        return flat ? words : objects;
    }

    private long extend(long v, int i) {
        int w = widths[i];
        return signed[i] && w < 64 ? v << (64 - w) >> (64 - w) : v;
    }

    private static void store(long[] words, Object[] objects, int i, long v) {
        if (words != null) {
            words[i] = v;
        } else {
            objects[i] = v;
        }
    }

    private static void check(long offset, long count, long packetLength) {
        if (offset < 0 || count < 0 || offset + count > packetLength) {
            throw MalformedPacket.INSTANCE;
        }
    }
}
