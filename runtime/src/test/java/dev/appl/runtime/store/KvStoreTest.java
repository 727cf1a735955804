package dev.appl.runtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KvStoreTest {
    @TempDir
    Path dir;

    static MemorySegment s(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }

    static String text(MemorySegment m) {
        return m == null ? null : new String(m.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Test
    void putGetRemoveAndReopen() throws IOException {
        Path file = dir.resolve("kv.db");
        try (KvStore kv = KvStore.open(file, 64, 1024)) {
            kv.put(s("a"), s("1"));
            kv.put(s("b"), s("2"));
            kv.put(s("a"), s("3"));
            kv.put(s("empty"), s(""));
            assertEquals("3", text(kv.get(s("a"))));
            assertEquals("", text(kv.get(s("empty"))));
            assertTrue(kv.remove(s("b")));
            assertFalse(kv.remove(s("b")));
            assertNull(kv.get(s("b")));
            assertFalse(kv.contains(s("b")));
            assertEquals(2, kv.size());
            kv.flush();
        }
        try (KvStore kv = KvStore.open(file, 64, 1024)) {
            assertEquals(2, kv.size());
            assertEquals("3", text(kv.get(s("a"))));
            assertNull(kv.get(s("b")));
            assertTrue(kv.contains(s("empty")));
        }
    }

    @Test
    void aPutWithoutAValueIsRefusedAndChangesNothing() throws IOException {
        try (KvStore kv = KvStore.open(dir.resolve("kv.db"), 64, 1024)) {
            kv.put(s("a"), s("1"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kv.put(s("a"), null));
            assertTrue(e.getMessage().startsWith("no value to put for a key of 1 bytes in "), e.getMessage());
            assertEquals("1", text(kv.get(s("a"))));
            assertEquals(1, kv.size());
        }
    }

    @Test
    void aValueInTwoPartsAndClearSurviveReopening() throws IOException {
        Path file = dir.resolve("kv.db");
        try (KvStore kv = KvStore.open(file, 64, 8)) {
            kv.put(s("a"), s("1"));
            kv.put(s("b"), s("2"));
            kv.clear();
            assertEquals(0, kv.size());
            assertNull(kv.get(s("a")));
            kv.put(s("c"), s("head"), s("tail"));
            assertEquals("headtail", text(kv.get(s("c"))));
            assertFalse(kv.fits(s("d"), 9), "the parts together are over the limit");
            kv.flush();
        }
        try (KvStore kv = KvStore.open(file, 64, 8)) {
            assertEquals(1, kv.size(), "the clear is replayed: what came before it is gone");
            assertNull(kv.get(s("a")));
            assertEquals("headtail", text(kv.get(s("c"))));
            assertTrue(kv.deadBytes() > 0, "the cleared entries no longer count");
            kv.compact();
            assertEquals("headtail", text(kv.get(s("c"))));
        }
        try (KvStore kv = KvStore.open(file, 64, 8)) {
            assertEquals(1, kv.size());
            assertEquals("headtail", text(kv.get(s("c"))));
        }
    }

    @Test
    void limitsAreEnforced() throws IOException {
        try (KvStore kv = KvStore.open(dir.resolve("kv.db"), 4, 8)) {
            assertFalse(kv.fits(s("12345"), s("")));
            assertThrows(IllegalArgumentException.class, () -> kv.put(s("12345"), s("")));
            assertThrows(IllegalArgumentException.class, () -> kv.put(s("k"), s("123456789")));
            kv.put(s("1234"), s("12345678"));
            assertEquals(1, kv.size());
        }
    }

    /** Random operations against a HashMap, with flushes, compactions and reopening between them. */
    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14})
    void behavesLikeAMapThroughCompactionAndReopening(long seed) throws IOException {
        Path file = dir.resolve("kv.db");
        Random r = new Random(seed);
        Map<String, String> model = new HashMap<>();
        KvStore kv = KvStore.open(file, 32, 2000);
        kv.compactMinimum = 20_000;
        for (int step = 0; step < 6000; step++) {
            String key = "key" + r.nextInt(300);
            switch (r.nextInt(10)) {
                case 0, 1 -> assertEquals(model.remove(key) != null, kv.remove(s(key)));
                case 2 -> assertEquals(model.get(key), text(kv.get(s(key))));
                case 3 -> kv.flush();
                default -> {
                    String value = "v" + step + "x".repeat(r.nextInt(1000));
                    model.put(key, value);
                    kv.put(s(key), s(value));
                }
            }
            if (r.nextInt(500) == 0) {
                kv.close();
                kv = KvStore.open(file, 32, 2000);
                kv.compactMinimum = 20_000;
            }
        }
        kv.close();
        kv = KvStore.open(file, 32, 2000);
        assertEquals(model.size(), kv.size());
        for (var e : model.entrySet()) {
            assertEquals(e.getValue(), text(kv.get(s(e.getKey()))), e.getKey());
        }
        assertTrue(kv.toString().contains("generation"));
        assertFalse(kv.toString().contains("generation 1)"), "compacted at least once: " + kv);
        kv.close();
        try (var files = Files.list(dir)) {
            long journals = files.filter(p -> p.getFileName().toString().startsWith("kv.db.")).count();
            assertEquals(1, journals, "only the live generation's journal is left");
        }
    }

    @Test
    void valuesHandedOutStayReadableAfterCompaction() throws IOException {
        try (KvStore kv = KvStore.open(dir.resolve("kv.db"), 16, 100)) {
            kv.put(s("k"), s("first"));
            MemorySegment held = kv.get(s("k"));
            kv.put(s("k"), s("second"));
            kv.compact();
            assertEquals("first", text(held));
            assertEquals("second", text(kv.get(s("k"))));
        }
    }

    @Test
    void aCompactionThatDidNotFinishIsForgotten() throws IOException {
        Path file = dir.resolve("kv.db");
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            kv.put(s("k"), s("v"));
            kv.flush();
        }
        // A crash between writing generation 2 and switching the manifest to it leaves its journal.
        try (LogStore stray = LogStore.open(dir.resolve("kv.db.2"), LogStore.MIN_SEGMENT)) {
            stray.append(s("garbage that is not a kv record"));
        }
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            assertEquals("v", text(kv.get(s("k"))));
        }
        assertFalse(Files.exists(dir.resolve("kv.db.2.0000000000000000")));
    }

    @Test
    void aForeignManifestIsRefused() throws IOException {
        Path file = dir.resolve("kv.db");
        Files.writeString(file, "SQLite format 3\0 and more bytes to be long enough to hold a header.......");
        byte[] before = Files.readAllBytes(file);
        StoreException e = assertThrows(StoreException.class, () -> KvStore.open(file, 16, 100));
        assertTrue(e.getMessage().startsWith(file + ": not an appl kv store"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    /** The manifest's format version and journal generation, as written. */
    private static int manifestVersion(Path file) throws IOException {
        return java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    /** Rewrites the manifest as a runtime of format version 1 wrote it (the same layout, version 1). */
    private static void writeVersionOne(Path file) throws IOException {
        long generation = java.nio.ByteBuffer.wrap(Files.readAllBytes(file)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong(16);
        FileHeader.replace(file, FileHeader.buildVersion(KvStore.MAGIC, 1, KvStore.HEADER, generation));
    }

    /** How a runtime that reads format version 1 only checked a kv manifest. */
    private static void checkAsVersionOne(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        FileHeader.check(file, MemorySegment.ofArray(bytes), bytes.length, KvStore.MAGIC, KvStore.KIND,
                KvStore.HEADER, 1, 1);
    }

    /**
     * Clear records came with format version 2. A version 1 store opens and stays version 1 (an
     * older runtime can still open it) until it is first cleared; from then on a runtime that
     * reads version 1 only refuses it for its version, not for a record it does not know.
     */
    @Test
    void aVersionOneStoreOpensAndBecomesVersionTwoWhenCleared() throws IOException {
        Path file = dir.resolve("kv.db");
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            assertEquals(2, manifestVersion(file), "new stores are version 2");
            kv.put(s("a"), s("1"));
            kv.flush();
        }
        writeVersionOne(file);
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            assertEquals("1", text(kv.get(s("a"))));
            kv.put(s("b"), s("2"));
            kv.flush();
        }
        assertEquals(1, manifestVersion(file), "puts and removals keep a version 1 store version 1");
        checkAsVersionOne(file);
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            kv.clear();
            kv.put(s("c"), s("3"));
            kv.flush();
        }
        assertEquals(2, manifestVersion(file));
        StoreException e = assertThrows(StoreException.class, () -> checkAsVersionOne(file));
        assertEquals(file + ": an appl kv store of format version 2; this runtime reads version 1", e.getMessage());
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            assertNull(kv.get(s("a")));
            assertEquals("3", text(kv.get(s("c"))));
            assertEquals(1, kv.size());
        }
    }

    /** A store a runtime cleared while still writing version 1 manifests says version 2 once opened. */
    @Test
    void aVersionOneManifestOverAClearBecomesVersionTwoOnOpening() throws IOException {
        Path file = dir.resolve("kv.db");
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            kv.put(s("a"), s("1"));
            kv.clear();
            kv.put(s("b"), s("2"));
            kv.flush();
        }
        writeVersionOne(file);
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            assertNull(kv.get(s("a")));
            assertEquals("2", text(kv.get(s("b"))));
        }
        assertEquals(2, manifestVersion(file));
    }

    @Test
    void aStoreOfALaterFormatVersionIsRefusedAndLeftAsItWas() throws IOException {
        Path file = dir.resolve("kv.db");
        try (KvStore kv = KvStore.open(file, 16, 100)) {
            kv.put(s("a"), s("1"));
            kv.flush();
        }
        FileHeader.replace(file, FileHeader.buildVersion(KvStore.MAGIC, 3, KvStore.HEADER, 1));
        byte[] before = Files.readAllBytes(file);
        StoreException e = assertThrows(StoreException.class, () -> KvStore.open(file, 16, 100));
        assertEquals(file + ": an appl kv store of format version 3; this runtime reads versions 1 to 2", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void hashSpreadsKeys() {
        assertTrue(KvStore.hash(s("a")) != KvStore.hash(s("b")));
        assertTrue(KvStore.hash(s("12345678a")) != KvStore.hash(s("12345678b")));
        assertEquals(KvStore.hash(s("same key")), KvStore.hash(s("same key")));
    }
}
