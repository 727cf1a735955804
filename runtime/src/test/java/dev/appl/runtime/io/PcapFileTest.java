package dev.appl.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pcapng as well as classic pcap: the same packets, times and lengths whichever a trace is in. */
class PcapFileTest {
    @TempDir
    Path dir;

    @Test
    void aTraceConvertedToPcapngByEditcapReadsTheSame() throws Exception {
        Path classic = Path.of("").toAbsolutePath().getParent().resolve("samples/firewall/outside.pcap");
        Path ng = dir.resolve("outside.pcapng");
        Process p;
        try {
            p = new ProcessBuilder("editcap", "-F", "pcapng", classic.toString(), ng.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "editcap (wireshark-common) is not installed");
            return;
        }
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        try (PcapFile a = PcapFile.open(classic); PcapFile b = PcapFile.open(ng)) {
            assertTrue(a.count() > 0);
            assertEquals(a.count(), b.count());
            assertEquals(a.linkType(), b.linkType());
            assertFalse(b.truncated());
            for (int i = 0; i < a.count(); i++) {
                assertArrayEquals(a.packet(i).toArray(ValueLayout.JAVA_BYTE), b.packet(i).toArray(ValueLayout.JAVA_BYTE));
                assertEquals(a.timestampNanos(i), b.timestampNanos(i));
                assertEquals(a.originalLength(i), b.originalLength(i));
            }
        }
    }

    /** One pcapng block: type, total length, body padded to 4 bytes, total length. */
    private static byte[] block(ByteOrder order, int type, byte[] body) {
        int padded = (body.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(12 + padded).order(order);
        b.putInt(type).putInt(12 + padded).put(body).position(8 + padded);
        b.putInt(12 + padded);
        return b.array();
    }

    private static byte[] bytes(ByteOrder order, int size, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        fill.accept(b);
        return b.array();
    }

    @Test
    void bigEndianSectionsNanosecondResolutionSimplePacketsAndUnknownBlocks() throws Exception {
        ByteOrder be = ByteOrder.BIG_ENDIAN;
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        // Section header: byte-order magic, version 1.0, section length unknown.
        file.write(block(be, 0x0a0d0d0a, bytes(be, 16, b -> b.putInt(0x1a2b3c4d).putShort((short) 1)
                .putShort((short) 0).putLong(-1))));
        // Interface: Ethernet, snap length 100, if_tsresol 9 (nanoseconds), end of options.
        file.write(block(be, 1, bytes(be, 20, b -> b.putShort((short) 1).putShort((short) 0).putInt(100)
                .putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]))));
        // Enhanced packet: interface 0, time 5,000,000,123 ns, 3 bytes captured of 60.
        file.write(block(be, 6, bytes(be, 24, b -> b.putInt(0).putInt(1).putInt(705_032_827).putInt(3).putInt(60)
                .put(new byte[] {1, 2, 3}))));
        // A block this reader does not know is skipped.
        file.write(block(be, 0x0bad, new byte[] {9, 9, 9, 9}));
        // Simple packet: 5 bytes, no time of its own.
        file.write(block(be, 3, bytes(be, 9, b -> b.putInt(5).put(new byte[] {4, 5, 6, 7, 8}))));
        // A block cut short at the end of the file.
        file.write(new byte[] {0, 0, 0, 6, 0, 0, 0, 64, 0});
        Path path = dir.resolve("made.pcapng");
        Files.write(path, file.toByteArray());
        try (PcapFile f = PcapFile.open(path)) {
            assertEquals(1, f.linkType());
            assertEquals(2, f.count());
            assertArrayEquals(new byte[] {1, 2, 3}, f.packet(0).toArray(ValueLayout.JAVA_BYTE));
            assertEquals((1L << 32) + 705_032_827L, f.timestampNanos(0));
            assertEquals(60, f.originalLength(0));
            assertArrayEquals(new byte[] {4, 5, 6, 7, 8}, f.packet(1).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(f.timestampNanos(0), f.timestampNanos(1));
            assertTrue(f.truncated());
        }
    }

    @Test
    void pcapngWithoutInterfacesOrWithMixedLinkTypesIsRefusedClearly() throws Exception {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        byte[] section = block(le, 0x0a0d0d0a, bytes(le, 16, b -> b.putInt(0x1a2b3c4d).putShort((short) 1)
                .putShort((short) 0).putLong(-1)));
        Path empty = dir.resolve("empty.pcapng");
        Files.write(empty, section);
        PcapException none = assertThrows(PcapException.class, () -> PcapFile.open(empty));
        assertEquals(empty + " is a pcapng file without an interface description", none.getMessage());

        ByteArrayOutputStream mixed = new ByteArrayOutputStream();
        mixed.write(section);
        mixed.write(block(le, 1, bytes(le, 8, b -> b.putShort((short) 1).putShort((short) 0).putInt(0))));
        mixed.write(block(le, 1, bytes(le, 8, b -> b.putShort((short) 101).putShort((short) 0).putInt(0))));
        Path two = dir.resolve("mixed.pcapng");
        Files.write(two, mixed.toByteArray());
        PcapException e = assertThrows(PcapException.class, () -> PcapFile.open(two));
        assertEquals(two + " mixes link types 1 and 101; split it with editcap first", e.getMessage());
    }
}
