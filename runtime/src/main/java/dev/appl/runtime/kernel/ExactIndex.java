package dev.appl.runtime.kernel;

import java.util.Arrays;

/**
 * The layout of an {@link EntryTable} whose keys are all exact while every entry tests each key for
 * one value and no two entries test the same values: a hash table (open addressing, linear probing)
 * from the keys' values to the entry. Unlike the other layouts, the table keeps it up to date as
 * entries are inserted and removed, rather than dropping it: a handler's {@code insert} or
 * {@code remove} is one probe and a shift of the entries behind the one it removes, not a rebuild.
 * A lookup allocates nothing; neither does an update, except when the table doubles.
 */
final class ExactIndex implements EntryIndex {
    private final int keys;
    /** Per slot, {@code keys} values. */
    private long[] slotKeys;
    /** Per slot, its entry, or -1 for an empty slot. */
    private int[] slotEntries;
    private int mask;
    private int size;

    ExactIndex(int keys) {
        this.keys = keys;
        allocate(16);
    }

    private void allocate(int capacity) {
        slotKeys = new long[capacity * keys];
        slotEntries = new int[capacity];
        Arrays.fill(slotEntries, -1);
        mask = capacity - 1;
    }

    @Override
    public int match(long[] key) {
        int s = find(key, 0);
        return s < 0 ? -1 : slotEntries[s];
    }

    /** The slot holding the {@code keys} values of {@code key} from {@code from}, or -1. */
    private int find(long[] key, int from) {
        for (int s = hash(key, from) & mask; ; s = (s + 1) & mask) {
            if (slotEntries[s] < 0) {
                return -1;
            }
            if (Arrays.equals(slotKeys, s * keys, s * keys + keys, key, from, from + keys)) {
                return s;
            }
        }
    }

    /**
     * Maps the values {@code key[from ..]} to {@code entry}; false, changing nothing, when they are
     * mapped already (two entries would test the same values).
     */
    boolean put(long[] key, int from, int entry) {
        if (find(key, from) >= 0) {
            return false;
        }
        if (2 * (size + 1) > slotEntries.length) {
            long[] oldKeys = slotKeys;
            int[] oldEntries = slotEntries;
            allocate(oldEntries.length * 2);
            for (int s = 0; s < oldEntries.length; s++) {
                if (oldEntries[s] >= 0) {
                    place(oldKeys, s * keys, oldEntries[s]);
                }
            }
        }
        place(key, from, entry);
        size++;
        return true;
    }

    private void place(long[] key, int from, int entry) {
        int s = hash(key, from) & mask;
        while (slotEntries[s] >= 0) {
            s = (s + 1) & mask;
        }
        System.arraycopy(key, from, slotKeys, s * keys, keys);
        slotEntries[s] = entry;
    }

    /**
     * Forgets the values {@code key} (one per key) and the entry they map to, which the table
     * removes: the entries after it move down by one, as the table shifts them. Returns that entry,
     * or -1 (nothing changed) when no entry has those values.
     */
    int remove(long[] key) {
        int s = find(key, 0);
        if (s < 0) {
            return -1;
        }
        int entry = slotEntries[s];
        // Backward-shift deletion: move later entries of the probe run into the hole when their
        // home slot does not lie between the hole and them.
        int hole = s;
        for (int j = (s + 1) & mask; slotEntries[j] >= 0; j = (j + 1) & mask) {
            int home = hash(slotKeys, j * keys) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                System.arraycopy(slotKeys, j * keys, slotKeys, hole * keys, keys);
                slotEntries[hole] = slotEntries[j];
                hole = j;
            }
        }
        slotEntries[hole] = -1;
        size--;
        for (int j = 0; j < slotEntries.length; j++) {
            if (slotEntries[j] > entry) {
                slotEntries[j]--;
            }
        }
        return entry;
    }

    private int hash(long[] key, int from) {
        long h = 0;
        for (int i = 0; i < keys; i++) {
            h = (h ^ key[from + i]) * 0x9E3779B97F4A7C15L;
        }
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }
}
