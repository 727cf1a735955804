package dev.appl.runtime.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of an {@link EntryTable} whose entries test every key against a value under a mask:
 * exact keys (mask all ones, or none for {@code _}), prefixes and ternary masks, but no ranges.
 * Tuple space search (Srinivasan, Suri and Varghese): the entries are grouped by their tuple of
 * masks, and each group is a hash table, open addressing with linear probing, from the masked key
 * values to the first entry of the group that has them. A table of exact keys is one group, so one
 * probe; a table of prefixes has a group per combination of prefix lengths.
 *
 * <p>A lookup probes the groups in the order of their first entry and stops as soon as the next
 * group's first entry comes after the best match found: the answer is the linear first match.
 * Entries that no key can match (an empty range) are left out. A lookup allocates nothing.
 */
final class TupleSpace implements EntryIndex {
    private final int keys;
    /** Per group (in order of their first entry): the masks, {@code keys} words each. */
    private final long[] masks;
    /** Per group: its first entry. */
    private final int[] firsts;
    /** Per group: its hash table's slots, {@code keys} values and then the entry per slot. */
    private final long[][] slotKeys;
    private final int[][] slotEntries;

    private TupleSpace(int keys, long[] masks, int[] firsts, long[][] slotKeys, int[][] slotEntries) {
        this.keys = keys;
        this.masks = masks;
        this.firsts = firsts;
        this.slotKeys = slotKeys;
        this.slotEntries = slotEntries;
    }

    /**
     * The tuple space of the first {@code n} entries of {@code tests} ({@link EntryTable}'s layout),
     * or null if some entry tests a range.
     */
    static TupleSpace build(long[] tests, int k, int n) {
        Map<MaskTuple, List<Integer>> groups = new HashMap<>();
        List<MaskTuple> order = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            long[] mask = new long[k];
            boolean never = false;
            for (int i = 0; i < k; i++) {
                int at = (e * k + i) * 3;
                if (tests[at + 2] != 0) {
                    return null; // a range
                }
                mask[i] = tests[at];
                never |= (tests[at + 1] & ~tests[at]) != 0; // the value has bits the mask clears
            }
            if (never) {
                continue;
            }
            MaskTuple t = new MaskTuple(mask);
            List<Integer> group = groups.get(t);
            if (group == null) {
                group = new ArrayList<>();
                groups.put(t, group);
                order.add(t);
            }
            group.add(e);
        }
        int g = order.size();
        long[] masks = new long[g * k];
        int[] firsts = new int[g];
        long[][] slotKeys = new long[g][];
        int[][] slotEntries = new int[g][];
        for (int j = 0; j < g; j++) {
            MaskTuple t = order.get(j);
            System.arraycopy(t.masks, 0, masks, j * k, k);
            List<Integer> members = groups.get(t);
            firsts[j] = members.getFirst();
            int capacity = Integer.highestOneBit(Math.max(4, members.size() * 2 - 1)) << 1;
            long[] keyWords = new long[capacity * k];
            int[] entries = new int[capacity];
            Arrays.fill(entries, -1);
            for (int e : members) {
                int slot = hash(tests, e * k * 3, 3, k) & (capacity - 1);
                while (entries[slot] >= 0 && !sameValues(keyWords, slot * k, tests, e * k * 3, k)) {
                    slot = (slot + 1) & (capacity - 1);
                }
                if (entries[slot] < 0) { // else an earlier entry of the group has these values: it wins
                    entries[slot] = e;
                    for (int i = 0; i < k; i++) {
                        keyWords[slot * k + i] = tests[(e * k + i) * 3 + 1];
                    }
                }
            }
            slotKeys[j] = keyWords;
            slotEntries[j] = entries;
        }
        return new TupleSpace(k, masks, firsts, slotKeys, slotEntries);
    }

    @Override
    public int match(long[] key) {
        int k = keys;
        int best = Integer.MAX_VALUE;
        for (int j = 0; j < firsts.length && firsts[j] < best; j++) {
            int m = j * k;
            int h = 0;
            for (int i = 0; i < k; i++) {
                h = mix(h, key[i] & masks[m + i]);
            }
            long[] keyWords = slotKeys[j];
            int[] entries = slotEntries[j];
            int mask = entries.length - 1;
            for (int slot = h & mask; entries[slot] >= 0; slot = (slot + 1) & mask) {
                if (maskedEquals(key, masks, m, keyWords, slot * k, k)) {
                    best = Math.min(best, entries[slot]);
                    break;
                }
            }
        }
        return best == Integer.MAX_VALUE ? -1 : best;
    }

    private static boolean maskedEquals(long[] key, long[] masks, int m, long[] keyWords, int at, int k) {
        for (int i = 0; i < k; i++) {
            if ((key[i] & masks[m + i]) != keyWords[at + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameValues(long[] keyWords, int at, long[] tests, int from, int k) {
        for (int i = 0; i < k; i++) {
            if (keyWords[at + i] != tests[from + i * 3 + 1]) {
                return false;
            }
        }
        return true;
    }

    /** The hash of {@code k} values at {@code from}, {@code stride} words apart, as a lookup computes it. */
    private static int hash(long[] values, int from, int stride, int k) {
        int h = 0;
        for (int i = 0; i < k; i++) {
            h = mix(h, values[from + i * stride + 1]);
        }
        return h;
    }

    private static int mix(int h, long v) {
        long x = (v ^ h) * 0x9E3779B97F4A7C15L;
        return (int) (x ^ (x >>> 29) ^ (x >>> 32));
    }

    private record MaskTuple(long[] masks) {
        @Override
        public boolean equals(Object o) {
            return o instanceof MaskTuple t && Arrays.equals(masks, t.masks);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(masks);
        }
    }
}
