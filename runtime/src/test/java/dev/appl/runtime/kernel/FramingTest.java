package dev.appl.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class FramingTest {
    private static MemorySegment bytes(int... b) {
        byte[] a = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            a[i] = (byte) b[i];
        }
        return MemorySegment.ofArray(a);
    }

    @Test
    void aU16PrefixGivesTheFrameLengthOnceBothBytesArrived() {
        MemorySegment s = bytes(9, 0x01, 0x02, 0xaa);
        assertEquals(Kernel.NEED_MORE, Framing.prefixed(s, 1, 1, 2, 65535));
        assertEquals(0x0102 + 2, Framing.prefixed(s, 1, 2, 2, 65535));
        assertEquals(0x0102 + 2, Framing.prefixed(s, 1, 3, 2, 65535));
    }

    @Test
    void prefixesAreUnsigned() {
        assertEquals(0xff + 1, Framing.prefixed(bytes(0xff), 0, 1, 1, 1000));
        assertEquals(0xffff + 2, Framing.prefixed(bytes(0xff, 0xff), 0, 2, 2, 1 << 20));
        assertEquals(0x10000 + 4, Framing.prefixed(bytes(0, 1, 0, 0), 0, 4, 4, Long.MAX_VALUE));
        // A frame the runtime cannot index with an int is malformed whatever the max.
        assertEquals(Kernel.MALFORMED, Framing.prefixed(bytes(0x80, 0, 0, 0), 0, 4, 4, Long.MAX_VALUE));
    }

    @Test
    void aMessageLongerThanTheMaxIsMalformed() {
        assertEquals(Kernel.MALFORMED, Framing.prefixed(bytes(0x01, 0x01), 0, 2, 2, 256));
        assertEquals(258, Framing.prefixed(bytes(0x01, 0x00), 0, 2, 2, 256));
    }

    @Test
    void writtenPrefixesReadBack() {
        MemorySegment s = MemorySegment.ofArray(new byte[4]);
        Framing.writePrefix(s, 1, 2, 0x1234);
        assertArrayEquals(new byte[] {0, 0x12, 0x34, 0}, s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        assertEquals(0x1234 + 2, Framing.prefixed(s, 1, 3, 2, 65535));
        assertThrows(IllegalArgumentException.class, () -> Framing.writePrefix(s, 0, 3, 1));
    }
}
