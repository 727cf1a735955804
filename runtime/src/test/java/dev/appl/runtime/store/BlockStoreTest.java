package dev.appl.runtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockStoreTest {
    @TempDir
    Path dir;

    static MemorySegment bytes(byte[] b) {
        return MemorySegment.ofArray(b);
    }

    static byte[] array(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void aNewStoreReadsAsZerosAndKeepsWhatIsWrittenAcrossReopening() throws IOException {
        Path file = dir.resolve("disk.img");
        byte[] data = new byte[8192];
        new Random(1).nextBytes(data);
        try (BlockStore s = BlockStore.open(file, 1 << 20, 4096)) {
            assertEquals(1 << 20, s.size());
            assertArrayEquals(new byte[4096], array(s.view(0, 4096)));
            s.write(12288, bytes(data));
            s.flush();
            assertArrayEquals(data, array(s.view(12288, 8192)));
        }
        assertEquals(BlockStore.HEADER + (1 << 20), Files.size(file));
        try (BlockStore s = BlockStore.open(file, 1 << 20, 4096)) {
            assertArrayEquals(data, array(s.view(12288, 8192)));
            byte[] copy = new byte[100];
            s.read(12290, bytes(copy), 0, 100);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 2, 102), copy);
        }
    }

    @Test
    void zeroAndTrimClearARange() throws IOException {
        try (BlockStore s = BlockStore.open(dir.resolve("d"), 65536, 512)) {
            byte[] ones = new byte[4096];
            java.util.Arrays.fill(ones, (byte) 1);
            s.write(0, bytes(ones));
            s.zero(512, 512);
            s.trim(2048, 1024);
            byte[] got = array(s.view(0, 4096));
            for (int i = 0; i < 4096; i++) {
                boolean cleared = (i >= 512 && i < 1024) || (i >= 2048 && i < 3072);
                assertEquals(cleared ? 0 : 1, got[i], "byte " + i);
            }
        }
    }

    @Test
    void accessOutsideTheRegionIsRefused() throws IOException {
        try (BlockStore s = BlockStore.open(dir.resolve("d"), 65536, 4096)) {
            assertTrue(s.inRange(65536 - 10, 10));
            assertFalse(s.inRange(65536 - 10, 11));
            assertFalse(s.inRange(-1, 1));
            assertFalse(s.inRange(Long.MAX_VALUE, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> s.view(65530, 7));
            assertThrows(IndexOutOfBoundsException.class, () -> s.write(65535, bytes(new byte[2])));
            assertThrows(IndexOutOfBoundsException.class, () -> s.zero(-5, 1));
        }
    }

    @Test
    void aForeignFileIsRefusedAndLeftAsItWas() throws IOException {
        Path file = dir.resolve("notes.txt");
        byte[] text = "these are somebody's notes, not a store\n".repeat(200).getBytes();
        Files.write(file, text);
        StoreException e = assertThrows(StoreException.class, () -> BlockStore.open(file, 65536, 4096));
        assertTrue(e.getMessage().startsWith(file + ": not an appl blocks store"), e.getMessage());
        assertArrayEquals(text, Files.readAllBytes(file));
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        assertThrows(StoreException.class, () -> BlockStore.open(empty, 65536, 4096));
        assertEquals(0, Files.size(empty));
    }

    @Test
    void anotherKindOfStoreIsRefused() throws IOException {
        Path file = dir.resolve("kv.db");
        KvStore.open(file, 16, 16).close();
        StoreException e = assertThrows(StoreException.class, () -> BlockStore.open(file, 65536, 4096));
        assertTrue(e.getMessage().contains("not an appl blocks store"), e.getMessage());
    }

    @Test
    void aCorruptHeaderIsRefused() throws IOException {
        Path file = dir.resolve("d");
        BlockStore.open(file, 65536, 4096).close();
        byte[] raw = Files.readAllBytes(file);
        raw[20] ^= 0x40; // a bit of the size
        Files.write(file, raw);
        StoreException e = assertThrows(StoreException.class, () -> BlockStore.open(file, 65536, 4096));
        assertTrue(e.getMessage().contains("header fails its checksum"), e.getMessage());
        assertArrayEquals(raw, Files.readAllBytes(file));
    }

    @Test
    void aNewerVersionIsRefused() throws IOException {
        Path file = dir.resolve("d");
        BlockStore.open(file, 65536, 4096).close();
        byte[] raw = Files.readAllBytes(file);
        raw[8] = 2;
        Files.write(file, raw);
        StoreException e = assertThrows(StoreException.class, () -> BlockStore.open(file, 65536, 4096));
        assertTrue(e.getMessage().contains("format version 2; this runtime reads version 1"), e.getMessage());
    }

    @Test
    void aStoreOfOtherSettingsOrLengthIsRefused() throws IOException {
        Path file = dir.resolve("d");
        BlockStore.open(file, 65536, 4096).close();
        StoreException e = assertThrows(StoreException.class, () -> BlockStore.open(file, 131072, 4096));
        assertTrue(e.getMessage().contains("holds a blocks store of 65536 bytes in blocks of 4096"), e.getMessage());
        assertThrows(StoreException.class, () -> BlockStore.open(file, 65536, 512));
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(8192);
        }
        e = assertThrows(StoreException.class, () -> BlockStore.open(file, 65536, 4096));
        assertTrue(e.getMessage().contains("8192 bytes long, expected"), e.getMessage());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BlockStore.open(dir.resolve("a"), 65536, 1000));
        assertThrows(IllegalArgumentException.class, () -> BlockStore.open(dir.resolve("a"), 65537, 4096));
        assertFalse(Files.exists(dir.resolve("a")));
    }
}
