package dev.appl.runtime.kernel;

import java.util.Arrays;

/**
 * The multi-field layout of an {@link EntryTable}: a bit-vector classifier (Lakshman and
 * Stiliadis, "Lucent bit vector") over its entries' tests, answering the linear first match.
 *
 * <ul>
 *   <li>Per key, every entry's match is turned into closed intervals of the key's 64-bit values
 *       (ordered unsigned, as the tests compare): any is everything, exact one value, a
 *       range itself. A mask whose set bits are one run from bit 63 down
 *       is one interval. A mask whose highest set bit {@code t} is lower matches one interval
 *       among the values whose bits above {@code t} are all zero (zero-extended keys) and one
 *       among those whose bits above {@code t} are all ones (sign-extended keys); the values in
 *       between are covered whole, as a superset, and rows holding them are marked approximate.
 *       Mask bits below the top run of set bits (a non-prefix, ternary mask) are ignored for the
 *       intervals, again a superset, and such entries are marked to verify.
 *   <li>The intervals' endpoints cut the key's values into elementary intervals; for each, a row
 *       of {@code ceil(entries / 64)} words holds a bit per entry whose intervals cover it. Equal
 *       neighbouring rows are merged, and a key whose single row covers every entry is left out.
 *   <li>The key whose rows hold the fewest entries on average leads: its rows are also kept as
 *       lists of entries. A lookup first finds the lead key's row (a jump table on the value's high
 *       bits, for values below a power of two under which no row is approximate, then a
 *       branch-free binary search among the few rows left). When it holds at most {@link #SPARSE}
 *       entries (a source or destination address among prefixes usually holds one to three),
 *       those are the only candidates: each is tested in full, in order, and the first that
 *       matches is the answer. That costs one search and a few compares instead of a search per
 *       key and cache misses in every key's rows.
 *   <li>Otherwise the lookup finds every key's row the same way, ANDs the rows' aggregates (a bit
 *       per non-zero word) to pick the words worth ANDing, ANDs those word by word, most-rows key
 *       first, and takes the lowest set bit: the first entry that matches. A candidate is tested
 *       in full when it is marked to verify or a row was approximate, and the next candidate is
 *       tried when that fails, so the answer is always the linear one.
 * </ul>
 *
 * <p>Cost: building is O(keys x (entries log entries + rows x entries / 64)) time and keys x rows x
 * entries / 64 words of memory, with rows at most about three per entry per key: about 2.5 MB and a
 * few milliseconds for 1,000 entries of 5 keys. A lookup allocates nothing; it uses scratch of its
 * own, so a classifier, like its table, is not thread-safe.
 */
final class Classifier implements EntryIndex {
    /**
     * A lead row with at most this many entries is answered by testing them in turn; a longer one
     * by the AND of every key's row.
     */
    static final int SPARSE = 8;
    /** Jump tables have at most 2^JUMP_BITS buckets. */
    private static final int JUMP_BITS = 12;

    private final long[] tests;
    private final int keys;
    /** Words per row. */
    private final int words;
    /** What the classifier knows of each key it looks at (the others cover every entry). */
    private final Field[] fields;
    /** Words of the aggregate of a row: {@code ceil(words / 64)}. */
    private final int aggWords;
    /** Per entry: its intervals on some key are a superset of its match. */
    private final boolean[] verify;
    /** Scratch: per classified key, the index of the looked-up row. */
    private final int[] offsets;
    /** The key whose rows hold the fewest entries on average, looked up first. */
    private final Field lead;
    /** The entries of each row of the lead key, ascending: row r's are {@code leadList[leadStart[r] ..]}. */
    private final int[] leadStart;
    private final int[] leadList;

    private Classifier(long[] tests, int keys, int words, Field[] fields, int aggWords, boolean[] verify, Field lead,
            int[] leadStart, int[] leadList) {
        this.tests = tests;
        this.keys = keys;
        this.words = words;
        this.fields = fields;
        this.aggWords = aggWords;
        this.verify = verify;
        this.offsets = new int[fields.length];
        this.lead = lead;
        this.leadStart = leadStart;
        this.leadList = leadList;
    }

    /** One key's part of the classifier. */
    private static final class Field {
        /** Which key of the table. */
        final int key;
        /** The first value of each row, as {@code value ^ Long.MIN_VALUE}, ascending. */
        final long[] starts;
        /** The rows, {@code words} words each: a bit per entry that covers the row's values. */
        final long[] rows;
        /**
         * Per row {@code aggWords} words: bit {@code i} says word {@code i} of the row is not zero
         * (an aggregated bit vector), so that a lookup skips words that are.
         */
        final long[] agg;
        /** Per row: some entry covers it as a superset, so candidates must be verified. */
        final boolean[] approx;
        /**
         * Values below {@code jumpLimit} (a power of two; flipped as the starts are) are looked
         * up through {@code jump}: for bucket {@code q} of the values shifted right by
         * {@code jumpShift}, the last row starting at or before the bucket's first value, so that
         * a lookup searches only the rows between two neighbouring buckets. No row below the
         * limit is approximate.
         */
        final long jumpLimit;
        final int jumpShift;
        final int[] jump;

        Field(int key, long[] starts, long[] rows, long[] agg, boolean[] approx, long jumpLimit, int jumpShift, int[] jump) {
            this.key = key;
            this.starts = starts;
            this.rows = rows;
            this.agg = agg;
            this.approx = approx;
            this.jumpLimit = jumpLimit;
            this.jumpShift = jumpShift;
            this.jump = jump;
        }
    }

    /**
     * The index of the row of {@code f} that holds {@code key}'s value: the last row whose start is
     * at or below it (row 0 starts at the lowest value, so there is one). The jump table narrows
     * the search to the rows of the value's bucket; then a branch-free search, a conditional move
     * per step, as a search's branches would mispredict.
     */
    private static int row(Field f, long[] key) {
        long[] starts = f.starts;
        long v = key[f.key] ^ Long.MIN_VALUE;
        int lo;
        int len;
        if (v < f.jumpLimit) {
            int bucket = (int) ((v ^ Long.MIN_VALUE) >>> f.jumpShift);
            lo = f.jump[bucket];
            len = f.jump[bucket + 1] - lo + 1;
        } else {
            lo = 0;
            len = starts.length;
        }
        while (len > 1) {
            int half = len >>> 1;
            lo = starts[lo + half] <= v ? lo + half : lo;
            len -= half;
        }
        return lo;
    }

    /** The first entry that matches {@code key}, or -1. */
    @Override
    public int match(long[] key) {
        // The lead key's row alone, when it holds few entries: they are the only candidates (in
        // order), and each is checked in full. (Kept small, so that the JIT inlines it into the
        // kernel's handler; the rest is in matchByRows.)
        int leadRow = row(lead, key);
        int from = leadStart[leadRow];
        int to = leadStart[leadRow + 1];
        if (to - from > SPARSE) {
            return matchByRows(key, leadRow);
        }
        for (int i = from; i < to; i++) {
            int e = leadList[i];
            if (EntryTable.matches(tests, keys, e, key)) {
                return e;
            }
        }
        return -1;
    }

    /** The first entry that matches {@code key} by the AND of every key's row; {@code leadRow} is the lead key's. */
    private int matchByRows(long[] key, int leadRow) {
        int nk = fields.length;
        int w = words;
        boolean approx = false;
        for (int j = 0; j < nk; j++) {
            Field f = fields[j];
            int r = f == lead ? leadRow : row(f, key);
            offsets[j] = r;
            approx |= f.approx[r];
        }
        int aw = aggWords;
        Field first = fields[0];
        for (int g = 0; g < aw; g++) {
            long nonZero = first.agg[offsets[0] * aw + g];
            for (int j = 1; j < nk && nonZero != 0; j++) {
                nonZero &= fields[j].agg[offsets[j] * aw + g];
            }
            while (nonZero != 0) {
                int i = (g << 6) + Long.numberOfTrailingZeros(nonZero);
                long x = first.rows[offsets[0] * w + i];
                for (int j = 1; j < nk && x != 0; j++) {
                    x &= fields[j].rows[offsets[j] * w + i];
                }
                while (x != 0) {
                    int e = (i << 6) + Long.numberOfTrailingZeros(x);
                    if (!(approx || verify[e]) || EntryTable.matches(tests, keys, e, key)) {
                        return e;
                    }
                    x &= x - 1;
                }
                nonZero &= nonZero - 1;
            }
        }
        return -1;
    }

    /**
     * The classifier of the first {@code n} entries of {@code tests} ({@link EntryTable}'s layout);
     * null if it would take more than {@code maxWords} words.
     */
    static Classifier build(long[] tests, int k, int n, long maxWords) {
        if (k == 0 || n == 0) {
            return null; // nothing to classify on: the scan is as fast
        }
        int w = (n + 63) >>> 6;
        long budget = maxWords;
        boolean[] verify = new boolean[n];
        int[] ks = new int[k];
        long[][] starts = new long[k][];
        long[][] rows = new long[k][];
        boolean[][] approxRows = new boolean[k][];
        int nk = 0;
        // Per key: intervals [lo, hi] (unsigned), their entry, and whether they are a superset.
        long[] lo = new long[3 * n];
        long[] hi = new long[3 * n];
        int[] owner = new int[3 * n];
        boolean[] loose = new boolean[3 * n];
        long[] points = new long[6 * n + 1];
        for (int i = 0; i < k; i++) {
            int m = 0;
            for (int e = 0; e < n; e++) {
                int at = (e * k + i) * 3;
                long y = tests[at];
                long x = tests[at + 1];
                if (y == -1L) { // exact or a range
                    lo[m] = x; hi[m] = x + tests[at + 2]; owner[m] = e; loose[m] = false; m++;
                } else if (y == 0) { // any, or an empty range (low 1), which has no interval
                    if (x == 0) {
                        lo[m] = 0; hi[m] = -1L; owner[m] = e; loose[m] = false; m++;
                    }
                } else {
                    int top = 63 - Long.numberOfLeadingZeros(y);
                    int run = Long.numberOfLeadingZeros(~(y << (63 - top)));
                    int p = top - run + 1; // the top run of set bits is bits p..top
                    long low = p == 0 ? 0 : -1L >>> (64 - p);
                    if ((y & low) != 0) {
                        verify[e] = true; // set bits below the run: a ternary mask
                    }
                    long c = x & ~low;
                    if (top == 63) {
                        lo[m] = c; hi[m] = c | low; owner[m] = e; loose[m] = false; m++;
                    } else {
                        long ones = -1L << (top + 1);
                        lo[m] = c; hi[m] = c | low; owner[m] = e; loose[m] = false; m++;
                        lo[m] = ones | c; hi[m] = ones | c | low; owner[m] = e; loose[m] = false; m++;
                        if (top <= 61) {
                            lo[m] = 1L << (top + 1); hi[m] = ones - 1; owner[m] = e; loose[m] = true; m++;
                        }
                    }
                }
            }
            int unique = IntervalMap.elementaryStarts(lo, hi, m, points);
            // Toggle events: an entry's bit flips where one of its intervals starts and after it
            // ends (an entry's intervals on one key are disjoint, so flips pair up).
            int[] at = new int[unique + 2];
            int[] ev = new int[2 * m];
            boolean[] evLoose = new boolean[2 * m];
            int[] evStart = new int[2 * m];
            int[] evEnd = new int[2 * m];
            for (int j = 0; j < m; j++) {
                evStart[j] = Arrays.binarySearch(points, 0, unique, lo[j] ^ Long.MIN_VALUE);
                evEnd[j] = hi[j] == -1L ? unique : Arrays.binarySearch(points, 0, unique, (hi[j] + 1) ^ Long.MIN_VALUE);
                at[evStart[j] + 1]++;
                at[evEnd[j] + 1]++;
            }
            for (int j = 1; j < at.length; j++) {
                at[j] += at[j - 1];
            }
            int[] fill = Arrays.copyOf(at, at.length);
            for (int j = 0; j < m; j++) {
                int s = fill[evStart[j]]++;
                ev[s] = owner[j];
                evLoose[s] = loose[j];
                int t = fill[evEnd[j]]++;
                ev[t] = ~owner[j]; // an end
                evLoose[t] = loose[j];
            }
            // Sweep, emitting a row where it differs from the last one.
            long[] cur = new long[w];
            int looseOpen = 0;
            long[] keyStarts = new long[Math.min(unique, 16)];
            long[] keyRows = new long[keyStarts.length * w];
            boolean[] keyApprox = new boolean[keyStarts.length];
            int r = 0;
            for (int j = 0; j < unique; j++) {
                for (int s = at[j]; s < at[j + 1]; s++) {
                    int o = ev[s];
                    int e = o < 0 ? ~o : o;
                    cur[e >>> 6] ^= 1L << e;
                    if (evLoose[s]) {
                        looseOpen += o < 0 ? -1 : 1;
                    }
                }
                boolean approx = looseOpen > 0;
                if (r > 0 && keyApprox[r - 1] == approx
                        && Arrays.equals(keyRows, (r - 1) * w, r * w, cur, 0, w)) {
                    continue;
                }
                if (r == keyStarts.length) {
                    int grown = Math.min(unique, r * 2);
                    keyStarts = Arrays.copyOf(keyStarts, grown);
                    keyRows = Arrays.copyOf(keyRows, grown * w);
                    keyApprox = Arrays.copyOf(keyApprox, grown);
                }
                budget -= w + ((w + 63) >>> 6); // the row and its aggregate
                if (budget < 0) {
                    return null;
                }
                keyStarts[r] = points[j];
                System.arraycopy(cur, 0, keyRows, r * w, w);
                keyApprox[r] = approx;
                r++;
            }
            if (r == 1 && !keyApprox[0] && coversAll(keyRows, n) && (nk > 0 || i < k - 1)) {
                // (The last key is kept when all others were left out: a lookup needs one row.)
                budget += w + ((w + 63) >>> 6);
                continue; // every entry matches every value of this key
            }
            ks[nk] = i;
            starts[nk] = Arrays.copyOf(keyStarts, r);
            rows[nk] = Arrays.copyOf(keyRows, r * w);
            approxRows[nk] = Arrays.copyOf(keyApprox, r);
            nk++;
        }
        // Keys with more rows first: their rows tend to be sparser, so the ANDs empty sooner.
        Integer[] order = new Integer[nk];
        for (int j = 0; j < nk; j++) {
            order[j] = j;
        }
        long[][] rowsByKey = rows;
        Arrays.sort(order, (x, y) -> Integer.compare(rowsByKey[y].length, rowsByKey[x].length));
        int aw = (w + 63) >>> 6;
        Field[] fields = new Field[nk];
        for (int j = 0; j < nk; j++) {
            int o = order[j];
            int nr = starts[o].length;
            long[] g = new long[nr * aw];
            for (int r = 0; r < nr; r++) {
                for (int i = 0; i < w; i++) {
                    if (rows[o][r * w + i] != 0) {
                        g[r * aw + (i >>> 6)] |= 1L << i;
                    }
                }
            }
            fields[j] = field(ks[o], starts[o], rows[o], g, approxRows[o]);
        }
        // The lead: the key with the fewest entries per row, listed row by row.
        Field lead = null;
        long leadEntries = 0;
        for (Field f : fields) {
            long entries = 0;
            for (long x : f.rows) {
                entries += Long.bitCount(x);
            }
            if (lead == null || entries * lead.starts.length < leadEntries * f.starts.length) {
                lead = f;
                leadEntries = entries;
            }
        }
        budget -= (leadEntries + lead.starts.length + 1 + 1) / 2;
        if (budget < 0) {
            return null;
        }
        int[] leadStart = new int[lead.starts.length + 1];
        int[] leadList = new int[(int) leadEntries];
        int listed = 0;
        for (int r = 0; r < lead.starts.length; r++) {
            for (int i = 0; i < w; i++) {
                for (long x = lead.rows[r * w + i]; x != 0; x &= x - 1) {
                    leadList[listed++] = (i << 6) + Long.numberOfTrailingZeros(x);
                }
            }
            leadStart[r + 1] = listed;
        }
        return new Classifier(tests, k, w, fields, aw, verify, lead, leadStart, leadList);
    }

    /**
     * A key's field, with its jump table: over the values below 2^B, B the bit length of the
     * greatest row start below 2^62 (so that sign-extended values and the rows above stay with the
     * plain search), lowered until no row below 2^B is approximate.
     */
    private static Field field(int key, long[] starts, long[] rows, long[] agg, boolean[] approx) {
        long greatest = 0;
        long firstApprox = -1L; // unsigned: none
        for (int r = 0; r < starts.length; r++) {
            long s = starts[r] ^ Long.MIN_VALUE;
            if (s >>> 62 == 0 && s > greatest) {
                greatest = s;
            }
            if (approx[r] && Long.compareUnsigned(s, firstApprox) < 0) {
                firstApprox = s;
            }
        }
        int bits = 64 - Long.numberOfLeadingZeros(greatest);
        if (firstApprox != -1L) {
            bits = Math.min(bits, 63 - Long.numberOfLeadingZeros(firstApprox)); // firstApprox 0: -1
        }
        if (bits < 0) {
            return new Field(key, starts, rows, agg, approx, Long.MIN_VALUE, 0, new int[2]);
        }
        int jb = Math.min(bits, Math.min(JUMP_BITS, 32 - Integer.numberOfLeadingZeros(starts.length) + 1));
        int shift = bits - jb;
        int buckets = 1 << jb;
        int[] jump = new int[buckets + 1];
        int r = 0;
        for (int q = 0; q <= buckets; q++) {
            long first = ((long) q << shift) ^ Long.MIN_VALUE;
            while (r + 1 < starts.length && starts[r + 1] <= first) {
                r++;
            }
            jump[q] = r;
        }
        return new Field(key, starts, rows, agg, approx, (1L << bits) ^ Long.MIN_VALUE, shift, jump);
    }

    private static boolean coversAll(long[] row, int n) {
        for (int e = 0; e < n; e++) {
            if ((row[e >>> 6] & (1L << e)) == 0) {
                return false;
            }
        }
        return true;
    }
}
