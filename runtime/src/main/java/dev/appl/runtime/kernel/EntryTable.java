package dev.appl.runtime.kernel;

import java.util.Arrays;

/**
 * The run-time entries of one table (loaded from a rules file, or inserted by handlers), tried in
 * the order they were added; the first that matches wins. The spec's own entries are compiled into
 * the kernel and tried before these. Linear first match: fine for the small tables of v1.
 *
 * <p>Entries live in flat arrays: per entry and key a kind and two words, so that a match walks
 * arrays without touching objects.
 */
public final class EntryTable {
    private static final byte ANY = 0;
    private static final byte EXACT = 1;
    private static final byte RANGE = 2;
    private static final byte MASKED = 3;

    private final int keys;
    private final long size;
    private int count;
    private byte[] kinds;
    private long[] a;
    private long[] b;
    private int[] actions;
    private long[][] data;

    /** @param size the most entries {@link #insert} keeps (the table's declared size) */
    public EntryTable(int keys, long size) {
        this.keys = keys;
        this.size = size;
        int initial = 8;
        kinds = new byte[initial * keys];
        a = new long[initial * keys];
        b = new long[initial * keys];
        actions = new int[initial];
        data = new long[initial][];
    }

    public int count() {
        return count;
    }

    /** The index of the first entry that matches {@code key} (one value per key), or -1. */
    public int match(long[] key) {
        int n = count;
        int k = keys;
        for (int e = 0, base = 0; e < n; e++, base += k) {
            boolean all = true;
            for (int i = 0; i < k && all; i++) {
                long v = key[i];
                int at = base + i;
                all = switch (kinds[at]) {
                    case EXACT -> v == a[at];
                    case RANGE -> Long.compareUnsigned(v, a[at]) >= 0 && Long.compareUnsigned(v, b[at]) <= 0;
                    case MASKED -> (v & b[at]) == (a[at] & b[at]);
                    default -> true;
                };
            }
            if (all) {
                return e;
            }
        }
        return -1;
    }

    public int action(int entry) {
        return actions[entry];
    }

    public long data(int entry, int index) {
        return data[entry][index];
    }

    /** Appends an entry, whatever the size (as a rules file's entries are added at start). */
    public void add(TableEntry entry) {
        if (entry.keys().size() != keys) {
            throw new IllegalArgumentException("an entry with " + entry.keys().size() + " keys for a table with " + keys);
        }
        grow();
        int base = count * keys;
        for (int i = 0; i < keys; i++) {
            TableEntry.Match m = entry.keys().get(i);
            kinds[base + i] = switch (m.kind()) {
                case ANY -> ANY;
                case EXACT -> EXACT;
                case RANGE -> RANGE;
                case MASKED -> MASKED;
            };
            a[base + i] = m.a();
            b[base + i] = m.b();
        }
        actions[count] = entry.action();
        data[count] = entry.data().clone();
        count++;
    }

    /**
     * {@code table.insert(keys..., action(data...))}: replaces the entry with exactly these keys, or
     * appends one while the table holds fewer than its size.
     */
    public void insert(long[] key, int action, long[] values) {
        remove(key);
        if (count < size) {
            grow();
            int base = count * keys;
            for (int i = 0; i < keys; i++) {
                kinds[base + i] = EXACT;
                a[base + i] = key[i];
                b[base + i] = 0;
            }
            actions[count] = action;
            data[count] = values.clone();
            count++;
        }
    }

    /** {@code table.remove(keys...)}: removes every entry whose keys are all exactly these. */
    public void remove(long[] key) {
        int kept = 0;
        for (int e = 0; e < count; e++) {
            if (!sameKeys(e, key)) {
                if (kept != e) {
                    System.arraycopy(kinds, e * keys, kinds, kept * keys, keys);
                    System.arraycopy(a, e * keys, a, kept * keys, keys);
                    System.arraycopy(b, e * keys, b, kept * keys, keys);
                    actions[kept] = actions[e];
                    data[kept] = data[e];
                }
                kept++;
            }
        }
        for (int e = kept; e < count; e++) {
            data[e] = null;
        }
        count = kept;
    }

    /** {@code table.clear()}: forgets every run-time entry. */
    public void clear() {
        Arrays.fill(data, 0, count, null);
        count = 0;
    }

    private boolean sameKeys(int entry, long[] key) {
        int base = entry * keys;
        for (int i = 0; i < keys; i++) {
            if (kinds[base + i] != EXACT || a[base + i] != key[i]) {
                return false;
            }
        }
        return true;
    }

    private void grow() {
        if (count < actions.length) {
            return;
        }
        int n = actions.length * 2;
        kinds = Arrays.copyOf(kinds, n * keys);
        a = Arrays.copyOf(a, n * keys);
        b = Arrays.copyOf(b, n * keys);
        actions = Arrays.copyOf(actions, n);
        data = Arrays.copyOf(data, n);
    }
}
