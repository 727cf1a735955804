package dev.appl.runtime.kernel;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * The layout of an {@link EntryTable} with one key whose entries each match one interval of its
 * values: exact values, ranges, prefixes ({@code lpm}). The entries' bounds cut the key's values
 * into elementary intervals, sorted, and each is mapped to the first entry that covers it, so a
 * lookup is one search: a jump table on the value's high bits narrows it to the few intervals of
 * its bucket, then a branch-free binary search (a conditional move per step) finds the interval.
 *
 * <p>The key's values are zero-extended {@code bits}-bit numbers (an unsigned key), so a prefix of
 * {@code p} bits is the interval of the values that share them. Built in O(n log n); a lookup
 * allocates nothing.
 */
final class IntervalMap implements EntryIndex {
    /** Jump tables have at most 2^JUMP_BITS buckets. */
    private static final int JUMP_BITS = 12;

    /** The first value of each interval, ascending (unsigned, as {@code value ^ Long.MIN_VALUE}). */
    private final long[] starts;
    /** Per interval, the first entry that covers it, or -1. */
    private final int[] answers;
    /** Values below 2^{@code jumpBits} are looked up through {@code jump}: per bucket of values
     * shifted right by {@code jumpShift}, the last interval starting at or before its first value. */
    private final int jumpBits;
    private final int jumpShift;
    private final int[] jump;

    private IntervalMap(long[] starts, int[] answers, int jumpBits, int jumpShift, int[] jump) {
        this.starts = starts;
        this.answers = answers;
        this.jumpBits = jumpBits;
        this.jumpShift = jumpShift;
        this.jump = jump;
    }

    /**
     * The interval map of the first {@code n} entries of {@code tests} ({@link EntryTable}'s layout,
     * one key of {@code bits} bits, unsigned), or null if some entry's test is not one interval of
     * those values (a mask that is not a prefix).
     */
    static IntervalMap build(long[] tests, int n, int bits) {
        long width = bits >= 64 ? -1L : (1L << bits) - 1;
        long[] lo = new long[n];
        long[] hi = new long[n];
        int[] owner = new int[n];
        int m = 0;
        for (int e = 0; e < n; e++) {
            long mask = tests[e * 3];
            long low = tests[e * 3 + 1];
            long span = tests[e * 3 + 2];
            if (mask == -1L) {
                lo[m] = low;
                hi[m] = low + span;
            } else if (span != 0) {
                return null; // not a layout EntryTable writes
            } else {
                long inside = mask & width;
                long free = width & ~inside; // the bits the mask leaves free must be the low ones
                if ((low & ~inside) != 0) {
                    continue; // a value with bits the mask clears: nothing matches
                }
                if ((free & (free + 1)) != 0) {
                    return null; // not a prefix
                }
                lo[m] = low;
                hi[m] = low | free;
            }
            owner[m++] = e;
        }
        long[] points = new long[2 * m + 1];
        int unique = elementaryStarts(lo, hi, m, points);
        // Sweep: entries open where their interval starts; the first open entry that has not ended
        // answers each elementary interval.
        Integer[] byStart = new Integer[m];
        for (int j = 0; j < m; j++) {
            byStart[j] = j;
        }
        Arrays.sort(byStart, (x, y) -> Long.compareUnsigned(lo[x], lo[y]));
        PriorityQueue<Integer> open = new PriorityQueue<>((x, y) -> Integer.compare(owner[x], owner[y]));
        long[] starts = new long[unique];
        int[] answers = new int[unique];
        int rows = 0;
        int next = 0;
        for (int p = 0; p < unique; p++) {
            long at = points[p] ^ Long.MIN_VALUE;
            while (next < m && lo[byStart[next]] == at) {
                open.add(byStart[next++]);
            }
            while (!open.isEmpty() && Long.compareUnsigned(hi[open.peek()], at) < 0) {
                open.poll(); // ended before this interval (lazily: only the first one matters)
            }
            int answer = open.isEmpty() ? -1 : owner[open.peek()];
            if (rows > 0 && answers[rows - 1] == answer) {
                continue; // the same answer as the interval before: merged
            }
            starts[rows] = points[p];
            answers[rows] = answer;
            rows++;
        }
        starts = Arrays.copyOf(starts, rows);
        answers = Arrays.copyOf(answers, rows);
        // The jump table: over the key's values (below 2^bits), at most 2^JUMP_BITS buckets, about
        // two per interval.
        int jb = Math.min(Math.min(bits, 63), Math.min(JUMP_BITS, 32 - Integer.numberOfLeadingZeros(rows) + 1));
        int shift = Math.min(bits, 63) - jb;
        int[] jump = new int[(1 << jb) + 1];
        int r = 0;
        for (int q = 0; q <= 1 << jb; q++) {
            long first = ((long) q << shift) ^ Long.MIN_VALUE;
            while (r + 1 < rows && starts[r + 1] <= first) {
                r++;
            }
            jump[q] = r;
        }
        return new IntervalMap(starts, answers, Math.min(bits, 63), shift, jump);
    }

    @Override
    public int match(long[] key) {
        long value = key[0];
        long v = value ^ Long.MIN_VALUE;
        int lo;
        int len;
        if (value >>> jumpBits == 0) {
            int bucket = (int) (value >>> jumpShift);
            lo = jump[bucket];
            len = jump[bucket + 1] - lo + 1;
        } else {
            lo = 0;
            len = starts.length;
        }
        long[] s = starts;
        while (len > 1) {
            int half = len >>> 1;
            lo = s[lo + half] <= v ? lo + half : lo;
            len -= half;
        }
        return answers[lo];
    }

    /**
     * The starts of the elementary intervals that the closed intervals {@code [lo[j], hi[j]]},
     * {@code j < m}, cut the u64 line into: 0 and every bound, sorted and unique in {@code points}
     * (room for {@code 2m + 1}), each as value ^ MIN so that signed order is unsigned order.
     * Returns how many there are.
     */
    static int elementaryStarts(long[] lo, long[] hi, int m, long[] points) {
        int np = 0;
        points[np++] = Long.MIN_VALUE;
        for (int j = 0; j < m; j++) {
            points[np++] = lo[j] ^ Long.MIN_VALUE;
            if (hi[j] != -1L) {
                points[np++] = (hi[j] + 1) ^ Long.MIN_VALUE;
            }
        }
        Arrays.sort(points, 0, np);
        int unique = 0;
        for (int j = 0; j < np; j++) {
            if (unique == 0 || points[j] != points[unique - 1]) {
                points[unique++] = points[j];
            }
        }
        return unique;
    }
}
