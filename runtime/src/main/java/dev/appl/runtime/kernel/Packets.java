package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Push, pop and reply on a packet in its buffer. Each returns 0, or the fate the handler must
 * take: {@link Kernel#MALFORMED} for a position outside the packet, {@link Kernel#NO_ROOM} when
 * the buffer cannot hold the result. Bytes move on whichever side of the change is shorter, into
 * the buffer's headroom or tailroom, so pushing or popping an outer header moves only the
 * Ethernet header in front of it.
 */
public final class Packets {
    private Packets() {}

    /** Inserts bytes {@code [0, n)} of {@code src} at {@code at}, moving what is before or after it. */
    public static int insert(PacketView p, long at, MemorySegment src, long n) {
        int fate = open(p, at, n);
        if (fate == 0) {
            MemorySegment.copy(src, 0, p.segment, p.offset + at, n);
        }
        return fate;
    }

    /**
     * Makes room for {@code n} bytes at {@code at}, moving what is before or after it; the caller
     * writes them (a pushed header's fields go straight into the packet). The room holds stale
     * bytes until then.
     */
    public static int open(PacketView p, long at, long n) {
        long length = p.length;
        if (at < 0 || at > length) {
            return Kernel.MALFORMED;
        }
        MemorySegment seg = p.segment;
        long base = p.offset;
        long headroom = base;
        long tailroom = seg.byteSize() - base - length;
        boolean frontShorter = at <= length - at;
        if (headroom >= n && (frontShorter || tailroom < n)) {
            move(seg, base, base - n, at);
            base -= n;
        } else if (tailroom >= n) {
            move(seg, base + at, base + at + n, length - at);
        } else {
            return Kernel.NO_ROOM;
        }
        p.offset = base;
        p.length = (int) (length + n);
        return 0;
    }

    /**
     * Moves {@code count} bytes of {@code seg} from {@code from} to {@code to}, which may overlap.
     * What moves is most often an Ethernet header in front of a pushed or popped one: up to 16
     * bytes move as two words read before either is written, cheaper than a general copy.
     */
    static void move(MemorySegment seg, long from, long to, long count) {
        if (count >= 8 && count <= 16) {
            long first = seg.get(WORD, from);
            long last = seg.get(WORD, from + count - 8);
            seg.set(WORD, to, first);
            seg.set(WORD, to + count - 8, last);
        } else if (count >= 4 && count < 8) {
            int first = seg.get(INT, from);
            int last = seg.get(INT, from + count - 4);
            seg.set(INT, to, first);
            seg.set(INT, to + count - 4, last);
        } else if (count > 0) {
            MemorySegment.copy(seg, from, seg, to, count);
        }
    }

    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /** Removes {@code count} bytes at {@code at}. */
    public static int remove(PacketView p, long at, long count) {
        long length = p.length;
        if (at < 0 || count < 0 || at + count > length) {
            return Kernel.MALFORMED;
        }
        MemorySegment seg = p.segment;
        long base = p.offset;
        if (at < length - at - count) {
            move(seg, base, base + count, at);
            base += count;
        } else {
            move(seg, base + at + count, base + at, length - at - count);
        }
        p.offset = base;
        p.length = (int) (length - count);
        return 0;
    }

    /** Replaces the whole packet with bytes {@code [0, n)} of {@code src}. */
    public static int replace(PacketView p, MemorySegment src, long n) {
        MemorySegment seg = p.segment;
        if (n > seg.byteSize()) {
            return Kernel.NO_ROOM;
        }
        long base = p.offset;
        if (base + n > seg.byteSize()) {
            base = seg.byteSize() - n;
        }
        MemorySegment.copy(src, 0, seg, base, n);
        p.offset = base;
        p.length = (int) n;
        return 0;
    }
}
