package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The bytes data of one table's run-time entries (a DNS zone's records): entries keep a number
 * per datum ({@link EntryTable} holds longs), and a bytes datum's number is its index here. Bytes
 * stay as long as the kernel: tables with bytes data are loaded at start, not churned.
 */
public final class BlobPool {
    private MemorySegment[] blobs = new MemorySegment[16];
    private int count;

    /** {@code entry} with each bytes datum ({@link TableEntry#blobs}) replaced by its index here. */
    public TableEntry intern(TableEntry entry) {
        byte[][] given = entry.blobs();
        if (given == null) {
            return entry;
        }
        long[] data = entry.data();
        for (int j = 0; j < given.length; j++) {
            if (given[j] != null) {
                if (count == blobs.length) {
                    blobs = Arrays.copyOf(blobs, count * 2);
                }
                blobs[count] = MemorySegment.ofArray(given[j].clone()).asReadOnly();
                data[j] = count++;
            }
        }
        return new TableEntry(entry.keys(), entry.action(), data);
    }

    /** The bytes datum at {@code index}, read-only. */
    public MemorySegment get(int index) {
        return blobs[index];
    }
}
