package dev.appl.compiler.interp;

import java.util.Arrays;

/**
 * The interpreter's packet: bytes that handlers read and rewrite in place, and that push and
 * pop make longer or shorter. Reads and writes outside the packet raise {@link Malformed}.
 */
final class Packet {
    private byte[] data;
    private int length;

    Packet(byte[] bytes) {
        this.data = Arrays.copyOf(bytes, bytes.length + 64);
        this.length = bytes.length;
    }

    int length() {
        return length;
    }

    byte[] bytes() {
        return Arrays.copyOf(data, length);
    }

    /** {@code width} bits starting {@code bit} bits into byte {@code offset}, big-endian. */
    long readBits(long offset, int bit, int width) {
        int bytes = (bit + width + 7) / 8;
        check(offset, bytes);
        long value = 0;
        long total = 0;
        // Up to 9 bytes for a 64-bit field that starts mid-byte: gather them in two steps.
        for (int i = 0; i < bytes; i++) {
            if (i < 8) {
                value = value << 8 | (data[(int) offset + i] & 0xff);
            } else {
                total = data[(int) offset + i] & 0xff;
            }
        }
        if (bytes <= 8) {
            int drop = bytes * 8 - bit - width;
            value >>>= drop;
        } else { // a field spanning nine bytes: the 64 bits from `bit` on, then the field's width of them
            value = value << bit | (total >>> (8 - bit));
            value >>>= 64 - width;
        }
        return width == 64 ? value : value & ((1L << width) - 1);
    }

    void writeBits(long offset, int bit, int width, long value) {
        for (int i = 0; i < width; i++) {
            int position = bit + i;
            long at = offset + position / 8;
            check(at, 1);
            int mask = 0x80 >>> (position % 8);
            boolean set = ((value >>> (width - 1 - i)) & 1) != 0;
            data[(int) at] = (byte) (set ? data[(int) at] | mask : data[(int) at] & ~mask);
        }
    }

    long readLittleEndian(long offset, int width) {
        check(offset, width / 8);
        long value = 0;
        for (int i = width / 8 - 1; i >= 0; i--) {
            value = value << 8 | (data[(int) offset + i] & 0xff);
        }
        return value;
    }

    void writeLittleEndian(long offset, int width, long value) {
        check(offset, width / 8);
        for (int i = 0; i < width / 8; i++) {
            data[(int) offset + i] = (byte) (value >>> (8 * i));
        }
    }

    byte[] slice(long offset, long count) {
        if (count < 0) {
            throw new Malformed();
        }
        check(offset, count);
        return Arrays.copyOfRange(data, (int) offset, (int) (offset + count));
    }

    void insert(long at, byte[] bytes) {
        if (at < 0 || at > length) {
            throw new Malformed();
        }
        byte[] grown = new byte[length + bytes.length + 64];
        System.arraycopy(data, 0, grown, 0, (int) at);
        System.arraycopy(bytes, 0, grown, (int) at, bytes.length);
        System.arraycopy(data, (int) at, grown, (int) at + bytes.length, length - (int) at);
        data = grown;
        length += bytes.length;
    }

    void remove(long at, long count) {
        check(at, count);
        System.arraycopy(data, (int) (at + count), data, (int) at, length - (int) (at + count));
        length -= (int) count;
    }

    void replace(byte[] bytes) {
        data = Arrays.copyOf(bytes, bytes.length + 64);
        length = bytes.length;
    }

    private void check(long offset, long count) {
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new Malformed();
        }
    }
}
