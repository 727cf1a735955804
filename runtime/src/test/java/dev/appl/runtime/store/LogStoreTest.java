package dev.appl.runtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogStoreTest {
    static final long SEGMENT = LogStore.MIN_SEGMENT;

    @TempDir
    Path dir;

    static byte[] record(Random r) {
        byte[] b = new byte[r.nextInt(3000)];
        r.nextBytes(b);
        return b;
    }

    static List<byte[]> readAll(LogStore log) {
        List<byte[]> out = new ArrayList<>();
        for (long o = log.start(); o < log.end(); o = log.next(o)) {
            out.add(log.read(o).toArray(ValueLayout.JAVA_BYTE));
        }
        return out;
    }

    static void assertRecords(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "records");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "record " + i);
        }
    }

    @Test
    void recordsAreReadByOffsetAcrossSegmentsAndReopening() throws IOException {
        Path file = dir.resolve("j.log");
        Random r = new Random(7);
        List<byte[]> written = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            for (int i = 0; i < 200; i++) {
                byte[] b = record(r);
                written.add(b);
                offsets.add(log.append(MemorySegment.ofArray(b)));
            }
            log.flush();
            assertRecords(written, readAll(log));
        }
        assertTrue(LogStore.segmentFiles(file).size() > 3, "several segments");
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            assertRecords(written, readAll(log));
            for (int i = 0; i < offsets.size(); i++) {
                assertArrayEquals(written.get(i), log.read(offsets.get(i)).toArray(ValueLayout.JAVA_BYTE));
            }
            long o = log.append(MemorySegment.ofArray(new byte[] {1, 2, 3}));
            assertEquals(o, log.end() - 24);
        }
    }

    @Test
    void offsetsThatAreNoRecordReadAsNothing() throws IOException {
        try (LogStore log = LogStore.open(dir.resolve("j"), SEGMENT)) {
            long a = log.append(MemorySegment.ofArray(new byte[40]));
            log.append(MemorySegment.ofArray(new byte[40]));
            assertNull(log.read(a + 8));
            assertNull(log.read(a + 1));
            assertNull(log.read(-16));
            assertNull(log.read(log.end()));
            assertNull(log.read(Long.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> log.next(a + 8));
            assertThrows(IllegalArgumentException.class, () -> log.append(MemorySegment.ofArray(new byte[(int) SEGMENT])));
        }
    }

    /** Writes records, flushes some, appends more, then tears the unflushed tail at a random byte. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void aTornTailIsCutAtTheLastWholeRecord(long seed) throws IOException {
        Path file = dir.resolve("j.log");
        Random r = new Random(seed);
        List<byte[]> written = new ArrayList<>();
        long durableEnd;
        {
            LogStore log = LogStore.open(file, SEGMENT);
            int flushed = 20 + r.nextInt(40);
            for (int i = 0; i < flushed; i++) {
                written.add(record(r));
                log.append(MemorySegment.ofArray(written.getLast()));
            }
            log.flush();
            durableEnd = log.end();
            for (int i = 0; i < 1 + r.nextInt(20); i++) {
                written.add(record(r));
                log.append(MemorySegment.ofArray(written.getLast()));
            }
            // No flush, no close: the process "dies" here, with its last record torn below.
            long tear = durableEnd + (long) (r.nextDouble() * (log.end() - durableEnd));
            log.abandon();
            tear(file, tear, r);
        }
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            List<byte[]> recovered = readAll(log);
            assertTrue(log.end() >= durableEnd, "nothing durable lost");
            assertRecords(written.subList(0, recovered.size()), recovered);
            written.subList(recovered.size(), written.size()).clear();
            written.add(record(r));
            log.append(MemorySegment.ofArray(written.getLast()));
            log.flush();
        }
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            assertRecords(written, readAll(log));
        }
    }

    /** Garbles the bytes of the log from logical offset {@code at} for a few hundred bytes. */
    static void tear(Path file, long at, Random r) throws IOException {
        TreeMap<Long, Path> segments = LogStore.segmentFiles(file);
        var e = segments.floorEntry(at);
        byte[] raw = Files.readAllBytes(e.getValue());
        int position = (int) (at - e.getKey() + LogStore.HEADER);
        for (int i = position; i < Math.min(raw.length, position + 1 + r.nextInt(400)); i++) {
            raw[i] = (byte) r.nextInt();
        }
        Files.write(e.getValue(), raw);
    }

    @Test
    void corruptionBeforeTheDurableEndIsRefusedAndLeftAlone() throws IOException {
        Path file = dir.resolve("j.log");
        long victim;
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            log.append(MemorySegment.ofArray(new byte[100]));
            victim = log.append(MemorySegment.ofArray(new byte[100]));
            log.append(MemorySegment.ofArray(new byte[100]));
        }
        Path segment = LogStore.segmentFiles(file).firstEntry().getValue();
        byte[] raw = Files.readAllBytes(segment);
        raw[(int) (LogStore.HEADER + victim + LogStore.FRAME + 50)] ^= 1;
        Files.write(segment, raw);
        StoreException e = assertThrows(StoreException.class, () -> LogStore.open(file, SEGMENT));
        assertTrue(e.getMessage().contains("the record at offset " + victim + " fails its checksum"), e.getMessage());
        assertArrayEquals(raw, Files.readAllBytes(segment));
    }

    /**
     * SIGKILL between a flush's two stores into the header (the new durable end, then its checksum)
     * leaves a slot that fails its checksum; the other slot still holds the durable end before that
     * flush, so the log opens with every record acknowledged by then, for either slot and any
     * number of earlier flushes.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void aFlushKilledBetweenItsTwoStoresLeavesTheEarlierDurableEnd(int flushes) throws IOException {
        Path file = dir.resolve("j.log");
        List<byte[]> acknowledged = new ArrayList<>();
        Random r = new Random(flushes);
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            for (int i = 0; i < flushes; i++) {
                byte[] data = new byte[1 + r.nextInt(300)];
                r.nextBytes(data);
                log.append(MemorySegment.ofArray(data));
                log.flush();
                acknowledged.add(data);
            }
        }
        Path segment = LogStore.segmentFiles(file).firstEntry().getValue();
        byte[] raw = Files.readAllBytes(segment);
        MemorySegment header = MemorySegment.ofArray(raw);
        int older = 1 - LogStore.newestSlot(header);
        // The next flush's first store: a later durable end, its checksum not written yet.
        header.set(FileHeader.U64, LogStore.DURABLE_END + (long) older * LogStore.DURABLE_SLOT,
                LogStore.slotValue(header, 1 - older) + 1024);
        Files.write(segment, raw);
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            assertRecords(acknowledged, readAll(log));
        }
    }

    @Test
    void aSegmentWhoseDurableEndSlotsBothFailTheirChecksumsIsRefused() throws IOException {
        Path file = dir.resolve("j.log");
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            log.append(MemorySegment.ofArray(new byte[100]));
            log.flush();
        }
        Path segment = LogStore.segmentFiles(file).firstEntry().getValue();
        byte[] raw = Files.readAllBytes(segment);
        raw[LogStore.DURABLE_END] ^= 1;
        raw[LogStore.DURABLE_END + LogStore.DURABLE_SLOT] ^= 1;
        Files.write(segment, raw);
        StoreException e = assertThrows(StoreException.class, () -> LogStore.open(file, SEGMENT));
        assertTrue(e.getMessage().contains("its durable end fails its checksum"), e.getMessage());
        assertArrayEquals(raw, Files.readAllBytes(segment));
    }

    @Test
    void aForeignSegmentIsRefused() throws IOException {
        Path file = dir.resolve("j.log");
        Path foreign = dir.resolve("j.log.0000000000000000");
        byte[] junk = new byte[100_000];
        new Random(3).nextBytes(junk);
        Files.write(foreign, junk);
        StoreException e = assertThrows(StoreException.class, () -> LogStore.open(file, SEGMENT));
        assertTrue(e.getMessage().startsWith(foreign + ": not an appl log segment"), e.getMessage());
        assertArrayEquals(junk, Files.readAllBytes(foreign));
    }

    @Test
    void unacknowledgedSegmentsAfterATearAreRemoved() throws IOException {
        Path file = dir.resolve("j.log");
        long lastDurable;
        {
            LogStore log = LogStore.open(file, SEGMENT);
            log.append(MemorySegment.ofArray(new byte[30_000]));
            lastDurable = log.append(MemorySegment.ofArray(new byte[20_000]));
            log.flush();
            long torn = log.append(MemorySegment.ofArray(new byte[10_000]));
            log.append(MemorySegment.ofArray(new byte[30_000])); // starts the second segment
            assertEquals(2, LogStore.segmentFiles(file).size());
            log.abandon();
            tear(file, torn + 4, new Random(1));
        }
        try (LogStore log = LogStore.open(file, SEGMENT)) {
            assertEquals(1, LogStore.segmentFiles(file).size());
            assertEquals(2, readAll(log).size());
            assertEquals(20_000, log.read(lastDurable).byteSize());
        }
    }

    /**
     * A power cut as the log sees it: every segment loses what lies past the durable end in its
     * header (bytes never forced may not have reached the disk; here none of them did).
     */
    static void powerCut(Path file) throws IOException {
        for (Path segment : LogStore.segmentFiles(file).values()) {
            byte[] raw = Files.readAllBytes(segment);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long base = b.getLong(FileHeader.FIELDS);
            MemorySegment header = MemorySegment.ofArray(raw);
            int durable = (int) (LogStore.slotValue(header, LogStore.newestSlot(header)) - base + LogStore.HEADER);
            java.util.Arrays.fill(raw, durable, raw.length, (byte) 0);
            Files.write(segment, raw);
        }
    }

    @Test
    void recordsKeptPastTheDurableEndAreMadeDurableWhenTheLogOpens() throws IOException {
        Path file = dir.resolve("j.log");
        Random r = new Random(11);
        List<byte[]> written = new ArrayList<>();
        LogStore log = LogStore.open(file, SEGMENT);
        for (int i = 0; i < 5; i++) {
            written.add(record(r));
            log.append(MemorySegment.ofArray(written.getLast()));
        }
        log.flush();
        // Unflushed records, over two segments: the first segment's durable end lags behind it.
        while (LogStore.segmentFiles(file).size() < 3) {
            written.add(record(r));
            log.append(MemorySegment.ofArray(written.getLast()));
        }
        log.abandon(); // the process dies; its writes are still in the page cache
        log = LogStore.open(file, SEGMENT);
        assertRecords(written, readAll(log)); // what the reopened log hands out...
        log.abandon();
        powerCut(file);
        try (LogStore again = LogStore.open(file, SEGMENT)) {
            assertRecords(written, readAll(again)); // ...is there after a power cut
        }
    }

    @Test
    void segmentsOverFourGibibytesAreRefusedForTheirU32Lengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogStore.open(dir.resolve("j.log"), LogStore.MAX_SEGMENT + 4096));
        assertEquals("a log segment is at most 4 GiB (4294967296 bytes), not 4294971392", e.getMessage());
        assertTrue(dir.toFile().list().length == 0, "a segment was created");
    }

    @Test
    void aNewSegmentHasItsDiskBlocks() throws Exception {
        Path file = dir.resolve("j.log");
        try (LogStore log = LogStore.open(file, 1 << 20)) {
            Path segment = LogStore.segmentFiles(file).firstEntry().getValue();
            Process stat = new ProcessBuilder("stat", "-c", "%b %B", segment.toString()).start();
            String[] blocks = new String(stat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                    .strip().split(" ");
            assertEquals(0, stat.waitFor());
            long allocated = Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
            assertTrue(allocated >= 1 << 20, "a sparse segment: " + allocated + " bytes allocated of " + (1 << 20));
        }
    }
}
