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
 *       branch-free binary search among the few rows left, of as many steps for every bucket,
 *       so that the search's loop never mispredicts its end). When it holds at most {@link #SPARSE}
 *       entries (a source or destination address among prefixes usually holds one to three),
 *       those are the only candidates: each is tested in full, in order, and the first that
 *       matches is the answer. That costs one search and a few compares instead of a search per
 *       key and cache misses in every key's rows.
 *   <li>Otherwise the lookup finds every key's row the same way, ANDs the rows' aggregates (a bit
 *       per non-zero word) to pick the words worth ANDing, ANDs those word by word, most-rows key
 *       first, and takes the lowest set bit: the first entry that matches. A candidate is tested
 *       in full when it is marked to verify or a row was approximate, and the next candidate is
 *       tried when that fails, so the answer is always the linear one.
 *   <li>When the bit rows would take more words than the table allows, the classifier is built
 *       without them: every key's rows are listed while building, to pick the lead, and the
 *       lead's lists alone are kept; a lookup tests its lead row's candidates in order, however
 *       many (10,000 firewall rules: 2.9 MB where the bit rows would take about 150 MB; 50 ns a
 *       lookup of the benchmark's keys, where the scan takes 11 us).
 *   <li>The narrow path does the lead key's part in less memory, for tables whose keys' values
 *       fit in 32 bits (a rules file's addresses, protocols and ports) and whose entries each
 *       match one interval of each key's values there: at most {@link #NARROW_KEYS} keys besides
 *       the lead, no ternary mask. Per entry, each other key's test is narrowed to an interval of
 *       32-bit values, {@code low, span} (8 bytes a key, 32 bytes an entry, where the full tests
 *       take 24 bytes a key); the lead key is not tested again, as a row below the jump limit
 *       holds exactly the entries that match its values. Each lead row is one long, its start
 *       and where its candidates are, so that the search's last step has loaded them. A key
 *       with a value wider than the path's (a negative one, or above 2^32 or the key's width)
 *       takes the path above, so the answer is the linear one for every key. On the firewall's
 *       1,000 rules the lookup alone went from 43 to 31 ns (docs/performance.md). Each row also
 *       keeps its first candidate and that candidate's tests beside it, in arrays indexed by the
 *       row, so that the lookups its first candidate answers (most) load them at once with the
 *       row rather than one after the other through the list and the entry.
 * </ul>
 *
 * <p>Cost: building is O(keys x (entries log entries + rows x entries / 64)) time and keys x rows x
 * entries / 64 words of memory, with rows at most about three per entry per key: about 2.5 MB and a
 * few milliseconds for 1,000 entries of 5 keys; the narrow path adds 44 bytes per lead row and 32
 * bytes per entry (about 180 KB for 1,000 entries). A lookup allocates nothing; it uses scratch of its
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
    /** The keys' bit rows were built (else the lead's lists alone: the bit rows would not fit). */
    private final boolean bitRows;

    // The narrow path (see the class comment); narrowRows is null when the table does not take it.
    /**
     * Per row of the lead key, {@code (start << 32 | at << 8 | count) ^ Long.MIN_VALUE}: the row's
     * first value (below 2^32), and where its candidates are in {@link #narrowList} and how many
     * (255: more than {@link #SPARSE}); {@link Long#MAX_VALUE} for rows that start above the
     * narrow values; then the lead's {@code steps} times {@link Long#MAX_VALUE}.
     */
    private final long[] narrowRows;
    /** The lead rows' candidates, row after row, ascending; those that cannot match a narrow key left out. */
    private final int[] narrowList;
    /**
     * Per entry {@link #NARROW_KEYS} times {@code low, span}: the entry matches a narrow key when
     * each other key's value {@code x} has {@code x - low} at most {@code span}, as 32-bit unsigned
     * numbers. (Keys past the table's have {@code 0, -1}: anything.)
     */
    private final int[] narrowTests;
    /**
     * Per lead row, its first candidate ({@code -1} for a row without one) and that candidate's
     * {@link #narrowTests}: a lookup loads them beside the row itself, where going through
     * {@link #narrowList} and then the entry's tests waits on two loads more (most lookups are
     * answered by a row's first candidate).
     */
    private final int[] narrowFirst;
    private final int[] narrowFirstTests;
    /** The lead key, the other keys (the lead again past the table's), and the bits a value of each may have. */
    private final int leadKey;
    private final int leadBits;
    private final int other0, other1, other2, other3;
    private final int bits0, bits1, bits2, bits3;
    /** The lead's jump table, its shift and its search's steps (copied out of {@link #lead}: a load fewer). */
    private final int[] leadJump;
    private final int leadShift;
    private final int leadSteps;

    /** The other keys a narrow lookup tests: at most four besides the lead. */
    static final int NARROW_KEYS = 4;

    private Classifier(long[] tests, int keys, int words, Field[] fields, int aggWords, boolean[] verify, Field lead,
            int[] leadStart, int[] leadList, Narrow narrow, boolean bitRows) {
        this.bitRows = bitRows;
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
        this.leadKey = lead.key;
        this.leadJump = lead.jump;
        this.leadShift = lead.jumpShift;
        this.leadSteps = lead.steps;
        if (narrow == null) {
            narrowRows = null;
            narrowList = null;
            narrowTests = null;
            narrowFirst = null;
            narrowFirstTests = null;
            leadBits = 0;
            other0 = other1 = other2 = other3 = 0;
            bits0 = bits1 = bits2 = bits3 = 0;
            return;
        }
        narrowRows = narrow.rows;
        narrowList = narrow.list;
        narrowTests = narrow.tests;
        narrowFirst = narrow.first;
        narrowFirstTests = narrow.firstTests;
        leadBits = narrow.leadBits;
        other0 = narrow.others[0];
        other1 = narrow.others[1];
        other2 = narrow.others[2];
        other3 = narrow.others[3];
        bits0 = narrow.bits[0];
        bits1 = narrow.bits[1];
        bits2 = narrow.bits[2];
        bits3 = narrow.bits[3];
    }

    /** What {@link #narrow} builds. */
    private record Narrow(long[] rows, int[] list, int[] tests, int[] first, int[] firstTests, int leadBits, int[] others,
            int[] bits) {
        /** What its arrays take, in longs: what it counts for against the classifier's budget. */
        long words() {
            return rows.length + ((long) list.length + tests.length + first.length + firstTests.length + 1) / 2;
        }
    }

    /** Whether the keys' bit rows were built (for tests). */
    boolean bitRows() {
        return bitRows;
    }

    /** Whether lookups of narrow keys take the narrow path (for tests). */
    boolean narrow() {
        return narrowRows != null;
    }

    /** One key's part of the classifier. */
    private static final class Field {
        /** Which key of the table. */
        final int key;
        /** How many rows the key has. */
        final int count;
        /**
         * The first value of each row, as {@code value ^ Long.MIN_VALUE}, ascending, then
         * {@code steps} times {@link Long#MAX_VALUE}, so that a search of {@code steps} rows from any
         * row stays in the array.
         */
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
        /** A power of two above the most rows a bucket spans less one: the rows a search looks among. */
        final int steps;

        Field(int key, int count, long[] starts, long[] rows, long[] agg, boolean[] approx, long jumpLimit, int jumpShift,
                int[] jump, int steps) {
            this.key = key;
            this.count = count;
            this.starts = starts;
            this.rows = rows;
            this.agg = agg;
            this.approx = approx;
            this.jumpLimit = jumpLimit;
            this.jumpShift = jumpShift;
            this.jump = jump;
            this.steps = steps;
        }
    }

    /**
     * The index of the row of {@code f} that holds {@code key}'s value: the last row whose start is
     * at or below it (row 0 starts at the lowest value, so there is one). The jump table narrows
     * the search to the rows of the value's bucket, then a search of a fixed number of steps for
     * every bucket (a conditional move per step, as a search's branches would mispredict, and as
     * many steps for every value, as a loop that ends earlier for some mispredicts its end).
     */
    private static int row(Field f, long[] key) {
        long[] starts = f.starts;
        long v = key[f.key] ^ Long.MIN_VALUE;
        if (v < f.jumpLimit) {
            int lo = f.jump[(int) ((v ^ Long.MIN_VALUE) >>> f.jumpShift)];
            for (int half = f.steps >>> 1; half > 0; half >>>= 1) {
                lo = starts[lo + half] <= v ? lo + half : lo;
            }
            return lo;
        }
        int lo = 0;
        int len = f.count;
        while (len > 1) {
            int half = len >>> 1;
            lo = starts[lo + half] <= v ? lo + half : lo;
            len -= half;
        }
        return lo;
    }

    /**
     * The first entry that matches {@code key}, or -1. Kept small, so that the JIT inlines it into
     * the kernel's handler: the narrow path, and calls for the rest.
     */
    @Override
    public int match(long[] key) {
        if (narrowRows == null) {
            return matchWide(key);
        }
        return matchNarrow(key[leadKey], key[other0], key[other1], key[other2], key[other3], key);
    }

    /** The same for the values of a table of at most four keys, without an array in between. */
    @Override
    public int match(long k0, long k1, long k2, long k3, long[] key) {
        if (narrowRows == null) {
            EntryIndex.fill(key, k0, k1, k2, k3);
            return matchWide(key);
        }
        return matchNarrow(pick(leadKey, k0, k1, k2, k3), pick(other0, k0, k1, k2, k3), pick(other1, k0, k1, k2, k3),
                pick(other2, k0, k1, k2, k3), pick(other3, k0, k1, k2, k3), key);
    }

    /** Value {@code i} of four (a branch the same way on every lookup of a table). */
    private static long pick(int i, long k0, long k1, long k2, long k3) {
        return i == 0 ? k0 : i == 1 ? k1 : i == 2 ? k2 : k3;
    }

    /**
     * The narrow path for the lead value {@code v} and the other keys' values {@code a .. d}; the
     * rare lookups it hands to the paths that take an array write the values into {@code key}
     * first.
     */
    private int matchNarrow(long v, long a, long b, long c, long d, long[] key) {
        long[] rows = narrowRows;
        if (((v >>> leadBits) | (a >>> bits0) | (b >>> bits1) | (c >>> bits2) | (d >>> bits3)) != 0) {
            // a value the narrow layout does not hold (wider than its key, or negative)
            return matchWide(unpick(key, v, a, b, c, d));
        }
        int r = leadRow(rows, v);
        int found = (int) rows[r];
        int first = narrowFirst[r];
        long failed = failed(narrowFirstTests, r * (2 * NARROW_KEYS), a, b, c, d);
        int count = found & 0xFF;
        if (failed >= 0 && count != 0xFF) {
            return first; // (-1 for a row without candidates, whose tests pass anything)
        }
        if (count == 0xFF) {
            return matchRow(unpick(key, v, a, b, c, d), r);
        }
        return count > 1 ? firstNarrow((found >>> 8) + 1, count - 1, a, b, c, d) : -1;
    }

    /** {@code key} holding the lead's and the other keys' values. */
    private long[] unpick(long[] key, long v, long a, long b, long c, long d) {
        key[other3] = d; // (the lead again past the table's keys: written first, then overwritten)
        key[other2] = c;
        key[other1] = b;
        key[other0] = a;
        key[leadKey] = v;
        return key;
    }

    /**
     * The narrow lead row holding {@code v}: the jump table, then a search of the bucket's rows
     * (a method of its own, as is {@link #firstNarrow}, so that {@link #match} stays small enough
     * for the JIT to inline into the handler).
     */
    private int leadRow(long[] rows, long v) {
        int r = leadJump[(int) (v >>> leadShift)];
        long probe = (v << 32 | 0xFFFFFFFEL) ^ Long.MIN_VALUE; // above every row that starts at or below v
        int h = leadSteps >>> 1;
        while (h > 8) { // (only for a lead whose buckets span more than 16 rows)
            r = rows[r + h] <= probe ? r + h : r;
            h >>>= 1;
        }
        // Four steps whatever the lead's: once h is 0, a step stays where it is (row r starts at or below v).
        r = rows[r + h] <= probe ? r + h : r;
        h >>>= 1;
        r = rows[r + h] <= probe ? r + h : r;
        h >>>= 1;
        r = rows[r + h] <= probe ? r + h : r;
        h >>>= 1;
        return rows[r + h] <= probe ? r + h : r;
    }

    /**
     * Negative when a value of {@code a, b, c, d} fails its test in {@code t} from {@code at}: per
     * key, span - (x - low) as 64-bit numbers of 32-bit unsigned ones. Arithmetic rather than
     * compares, which the JIT would turn into a branch per key (they mispredict). The row decides
     * the lead key.
     */
    private static long failed(int[] t, int at, long a, long b, long c, long d) {
        return (t[at + 1] & 0xFFFFFFFFL) - ((a - t[at]) & 0xFFFFFFFFL)
                | (t[at + 3] & 0xFFFFFFFFL) - ((b - t[at + 2]) & 0xFFFFFFFFL)
                | (t[at + 5] & 0xFFFFFFFFL) - ((c - t[at + 4]) & 0xFFFFFFFFL)
                | (t[at + 7] & 0xFFFFFFFFL) - ((d - t[at + 6]) & 0xFFFFFFFFL);
    }

    /**
     * The first of the {@code count} candidates from {@code narrowList[at]} whose narrow tests the
     * other keys' values {@code a, b, c, d} pass, or -1.
     */
    private int firstNarrow(int at, int count, long a, long b, long c, long d) {
        int[] list = narrowList;
        int[] t = narrowTests;
        for (int i = at, end = at + count; i < end; i++) {
            int e = list[i];
            if (failed(t, e * (2 * NARROW_KEYS), a, b, c, d) >= 0) {
                return e;
            }
        }
        return -1;
    }

    /**
     * The first entry that matches {@code key}, whatever its values: the lead key's row alone, when it
     * holds few entries or there are no bit rows (its entries are the only candidates, in order,
     * and each is checked in full), else the AND of every key's row.
     */
    private int matchWide(long[] key) {
        return matchRow(key, row(lead, key));
    }

    /** The first entry that matches {@code key}, whose lead key's row is {@code leadRow}. */
    private int matchRow(long[] key, int leadRow) {
        int from = leadStart[leadRow];
        int to = leadStart[leadRow + 1];
        if (to - from > SPARSE && bitRows) {
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
     * The classifier of the first {@code n} entries of {@code tests} ({@link EntryTable}'s layout),
     * with bit rows if they fit in {@code maxWords} words, else without; null if it would not fit
     * even so. {@code widths[i]} is how many bits a value of key {@code i} may have (1 to 64 for an
     * unsigned key, 0 when unknown or signed), which lets the narrow path take more tables.
     */
    static Classifier build(long[] tests, int k, int n, long maxWords, int[] widths) {
        Classifier bits = build(tests, k, n, maxWords, widths, false);
        return bits != null ? bits : build(tests, k, n, maxWords, widths, true);
    }

    /**
     * With {@code lists}, the classifier without bit rows: every key's rows are kept as lists of
     * entries only while building, to pick the lead, and the lead's alone are kept; a lookup tests
     * its lead row's candidates however many there are. For tables whose bit rows would not fit.
     */
    static Classifier build(long[] tests, int k, int n, long maxWords, int[] widths, boolean lists) {
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
        int[][] listStarts = new int[k][]; // (lists) per key, where each row's entries start in its list
        int[][] keyLists = new int[k][];
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
            long[] last = lists ? new long[w] : null; // (lists) the last row emitted
            int looseOpen = 0;
            long[] keyStarts = new long[Math.min(unique, 16)];
            long[] keyRows = new long[lists ? 0 : keyStarts.length * w];
            boolean[] keyApprox = new boolean[keyStarts.length];
            int[] keyListStarts = lists ? new int[keyStarts.length + 1] : null;
            int[] keyList = lists ? new int[Math.max(16, n)] : null;
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
                        && (lists ? Arrays.equals(last, cur) : Arrays.equals(keyRows, (r - 1) * w, r * w, cur, 0, w))) {
                    continue;
                }
                if (r == keyStarts.length) {
                    int grown = Math.min(unique, r * 2);
                    keyStarts = Arrays.copyOf(keyStarts, grown);
                    keyRows = lists ? keyRows : Arrays.copyOf(keyRows, grown * w);
                    keyApprox = Arrays.copyOf(keyApprox, grown);
                    keyListStarts = lists ? Arrays.copyOf(keyListStarts, grown + 1) : null;
                }
                keyStarts[r] = points[j];
                keyApprox[r] = approx;
                if (lists) {
                    int to = keyListStarts[r];
                    for (int x = 0; x < w; x++) {
                        for (long bits = cur[x]; bits != 0; bits &= bits - 1) {
                            if (to == keyList.length) {
                                keyList = Arrays.copyOf(keyList, to * 2);
                            }
                            keyList[to++] = (x << 6) + Long.numberOfTrailingZeros(bits);
                        }
                    }
                    budget -= (to - keyListStarts[r] + 3) / 2; // the row's entries, start and list start
                    keyListStarts[r + 1] = to;
                    System.arraycopy(cur, 0, last, 0, w);
                } else {
                    budget -= w + ((w + 63) >>> 6); // the row and its aggregate
                    System.arraycopy(cur, 0, keyRows, r * w, w);
                }
                if (budget < 0) {
                    return null;
                }
                r++;
            }
            boolean coversAll = lists ? keyListStarts[1] == n : coversAll(keyRows, n);
            if (r == 1 && !keyApprox[0] && coversAll && (nk > 0 || i < k - 1)) {
                // (The last key is kept when all others were left out: a lookup needs one row.)
                budget += lists ? (n + 3) / 2 : w + ((w + 63) >>> 6);
                continue; // every entry matches every value of this key
            }
            ks[nk] = i;
            starts[nk] = Arrays.copyOf(keyStarts, r);
            rows[nk] = lists ? new long[0] : Arrays.copyOf(keyRows, r * w);
            approxRows[nk] = Arrays.copyOf(keyApprox, r);
            if (lists) {
                listStarts[nk] = Arrays.copyOf(keyListStarts, r + 1);
                keyLists[nk] = Arrays.copyOf(keyList, keyListStarts[r]);
            }
            nk++;
        }
        if (lists) {
            // The lead: the key with the fewest entries per row; the other keys' lists go.
            int best = 0;
            for (int j = 1; j < nk; j++) {
                if ((long) keyLists[j].length * starts[best].length < (long) keyLists[best].length * starts[j].length) {
                    best = j;
                }
            }
            Field lead = field(ks[best], starts[best], rows[best], new long[0], approxRows[best]);
            Narrow narrow = narrow(tests, k, n, verify, lead, listStarts[best], keyLists[best], widths, false);
            if (narrow != null && narrow.words() > budget) {
                narrow = null; // the lists fit, the narrow path's arrays too would not
            }
            return new Classifier(tests, k, w, new Field[] {lead}, 0, verify, lead, listStarts[best], keyLists[best],
                    narrow, false);
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
            if (lead == null || entries * lead.count < leadEntries * f.count) {
                lead = f;
                leadEntries = entries;
            }
        }
        budget -= (leadEntries + lead.count + 1 + 1) / 2;
        if (budget < 0) {
            return null;
        }
        int[] leadStart = new int[lead.count + 1];
        int[] leadList = new int[(int) leadEntries];
        int listed = 0;
        for (int r = 0; r < lead.count; r++) {
            for (int i = 0; i < w; i++) {
                for (long x = lead.rows[r * w + i]; x != 0; x &= x - 1) {
                    leadList[listed++] = (i << 6) + Long.numberOfTrailingZeros(x);
                }
            }
            leadStart[r + 1] = listed;
        }
        Narrow narrow = narrow(tests, k, n, verify, lead, leadStart, leadList, widths, true);
        if (narrow != null) {
            budget -= narrow.words();
            if (budget < 0) {
                narrow = null;
            }
        }
        return new Classifier(tests, k, w, fields, aw, verify, lead, leadStart, leadList, narrow, true);
    }

    /**
     * The narrow path's arrays, or null when the table does not take it: it needs at most
     * {@link #NARROW_KEYS} keys besides the lead, a lead key with a jump table, no entry to verify
     * (so that a row below the jump limit decides the lead key exactly), and every other key's test
     * to be one interval of the narrow values (below 2^32, or below 2^width for a narrower unsigned
     * key), or none.
     */
    private static Narrow narrow(long[] tests, int k, int n, boolean[] verify, Field lead, int[] leadStart,
            int[] leadList, int[] widths, boolean bitRows) {
        if (k - 1 > NARROW_KEYS || lead.jumpLimit == Long.MIN_VALUE) {
            return null;
        }
        for (boolean v : verify) {
            if (v) {
                return null;
            }
        }
        int limitBits = 63 - Long.numberOfLeadingZeros(lead.jumpLimit ^ Long.MIN_VALUE);
        int leadBits = Math.min(limitBits, narrowBits(widths[lead.key]));
        int[] others = new int[NARROW_KEYS];
        int[] bits = new int[NARROW_KEYS];
        int m = 0;
        for (int i = 0; i < k; i++) {
            if (i != lead.key) {
                others[m] = i;
                bits[m] = narrowBits(widths[i]);
                m++;
            }
        }
        for (; m < NARROW_KEYS; m++) {
            others[m] = lead.key; // tested by the guard already; its tests below match anything
            bits[m] = leadBits;
        }
        // Every entry's tests on the other keys, narrowed to intervals; an entry with an empty one never matches.
        int[] narrowTests = new int[n * 2 * NARROW_KEYS];
        boolean[] never = new boolean[n];
        long[] interval = new long[2];
        for (int e = 0; e < n; e++) {
            for (int j = 0; j < NARROW_KEYS; j++) {
                int at = (e * NARROW_KEYS + j) * 2;
                if (j >= k - 1) {
                    narrowTests[at + 1] = -1;
                    continue;
                }
                int t = (e * k + others[j]) * 3;
                switch (narrowInterval(tests[t], tests[t + 1], tests[t + 2], bits[j], interval)) {
                    case NOT_ONE -> {
                        return null;
                    }
                    case EMPTY -> never[e] = true;
                    default -> {
                        narrowTests[at] = (int) interval[0];
                        narrowTests[at + 1] = (int) (interval[1] - interval[0]);
                    }
                }
            }
        }
        int rowCount = lead.count;
        long[] rows = new long[rowCount + lead.steps];
        Arrays.fill(rows, Long.MAX_VALUE);
        int[] list = new int[leadList.length];
        int listed = 0;
        for (int r = 0; r < rowCount; r++) {
            long start = lead.starts[r] ^ Long.MIN_VALUE;
            if (Long.compareUnsigned(start, 1L << leadBits) >= 0) {
                continue; // above the narrow values: never searched (a narrow value's row starts at or below it)
            }
            int at = listed;
            for (int i = leadStart[r]; i < leadStart[r + 1]; i++) {
                if (!never[leadList[i]]) {
                    list[listed++] = leadList[i];
                }
            }
            int count = listed - at;
            if (count > (bitRows ? SPARSE : 0xFE)) {
                listed = at; // looked up by the bit rows instead, or (very long) tested in full
                count = 0xFF;
            }
            if (at >= 1 << 24) {
                return null;
            }
            rows[r] = (start << 32 | (long) at << 8 | count) ^ Long.MIN_VALUE;
        }
        int width = 2 * NARROW_KEYS;
        int[] first = new int[rows.length];
        int[] firstTests = new int[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            int found = (int) rows[r];
            int count = found & 0xFF;
            first[r] = -1;
            for (int j = 1; j < width; j += 2) {
                firstTests[r * width + j] = -1; // anything: a row without candidates answers -1
            }
            if (rows[r] != Long.MAX_VALUE && count > 0 && count != 0xFF) {
                int e = list[found >>> 8];
                first[r] = e;
                System.arraycopy(narrowTests, e * width, firstTests, r * width, width);
            }
        }
        return new Narrow(rows, Arrays.copyOf(list, listed), narrowTests, first, firstTests, leadBits, others, bits);
    }

    /** The bits a narrow value of a key of this width has: its width if unsigned and at most 32 bits, else 32. */
    private static int narrowBits(int width) {
        return width > 0 && width < 32 ? width : 32;
    }

    private static final int ONE = 0;
    private static final int EMPTY = 1;
    private static final int NOT_ONE = 2;

    /**
     * The values {@code v} below 2^{@code bits} that pass the test {@code mask, low, span} (that is,
     * {@code (v & mask) - low <= span}, unsigned), when they are one interval: its ends in
     * {@code out}, and {@link #ONE}; {@link #EMPTY} when none does, {@link #NOT_ONE} when they are
     * not one interval (the mask is not a prefix of the {@code bits} bits, or the test wraps around
     * 2^64 and keeps two pieces apart).
     */
    static int narrowInterval(long mask, long low, long span, int bits, long[] out) {
        long all = (1L << bits) - 1; // bits <= 32
        long free = ~mask & all; // the bits the mask ignores among the value's: must be the low ones
        if ((free & (free + 1)) != 0) {
            return NOT_ONE;
        }
        // v & mask is v with its free bits cleared: c, a multiple of free + 1 at most all. The test
        // passes for the c in the cyclic interval [low, low + span] of u64: one piece, or two when it wraps.
        long end = low + span;
        long lo = -1;
        long hi = -1;
        int pieces = 0;
        long[][] cyclic = Long.compareUnsigned(end, low) >= 0 ? new long[][] {{low, end}} : new long[][] {{0, end}, {low, -1L}};
        for (long[] piece : cyclic) {
            if (Long.compareUnsigned(piece[0], all) > 0) {
                continue;
            }
            long top = Long.compareUnsigned(piece[1], all) > 0 ? all : piece[1];
            long first = (piece[0] + free) & ~free; // the first c at or above the piece's start
            long last = top & ~free;
            if (first > last) {
                continue;
            }
            if (pieces > 0 && first > hi + 1) {
                return NOT_ONE; // (the pieces come in ascending order)
            }
            if (pieces == 0) {
                lo = first;
            }
            hi = last | free;
            pieces++;
        }
        if (pieces == 0) {
            return EMPTY;
        }
        out[0] = lo;
        out[1] = hi;
        return ONE;
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
            return new Field(key, starts.length, padded(starts, 1), rows, agg, approx, Long.MIN_VALUE, 0, new int[2], 1);
        }
        int jb = Math.min(bits, Math.min(JUMP_BITS, 32 - Integer.numberOfLeadingZeros(starts.length) + 1));
        int shift = bits - jb;
        int buckets = 1 << jb;
        int[] jump = new int[buckets + 1];
        int r = 0;
        int widest = 1;
        for (int q = 0; q <= buckets; q++) {
            long first = ((long) q << shift) ^ Long.MIN_VALUE;
            while (r + 1 < starts.length && starts[r + 1] <= first) {
                r++;
            }
            jump[q] = r;
            if (q > 0) {
                widest = Math.max(widest, jump[q] - jump[q - 1] + 1);
            }
        }
        int steps = Integer.highestOneBit(widest - 1) << 1; // the power of two at or above widest - 1, at least 1
        steps = Math.max(steps, 1);
        return new Field(key, starts.length, padded(starts, steps), rows, agg, approx, (1L << bits) ^ Long.MIN_VALUE,
                shift, jump, steps);
    }

    /** The starts, then {@code steps} times {@link Long#MAX_VALUE}, above every value. */
    private static long[] padded(long[] starts, int steps) {
        long[] out = Arrays.copyOf(starts, starts.length + steps);
        Arrays.fill(out, starts.length, out.length, Long.MAX_VALUE);
        return out;
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
