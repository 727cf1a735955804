package dev.appl.runtime.kernel;

import java.util.Arrays;

/**
 * The run-time entries of one table (loaded from a rules file, or inserted by handlers), tried in
 * the order they were added; the first that matches wins. The spec's own entries are compiled into
 * the kernel and tried before these.
 *
 * <p>Entries live in flat arrays: per entry and key one branch-free test of three words (see
 * {@code tests}). Those arrays are the truth; {@link #match} answers from them directly (a linear
 * first-match scan) while the table is small, and otherwise from an index it builds lazily from
 * them, in the layout the table's key kinds call for ({@link Layout}, chosen when the table is
 * made): a hash table per mask tuple for exact and ternary keys ({@link TupleSpace}), sorted
 * bounds for one prefix or range key ({@link IntervalMap}), a bit-vector classifier for several
 * fields ({@link Classifier}). Every layout answers what the scan answers.
 *
 * <p>A table of exact keys only is indexed by {@link ExactIndex} from the start, kept up to date by
 * every change, as long as each entry tests every key for one value and no two entries the same
 * values (a wildcard or a repeated key gives it up until the next {@link #clear}): a learning
 * table's {@code insert} and {@code remove} are a probe and a shift, not a rebuild.
 *
 * <p>Otherwise any change ({@link #add}, {@link #insert}, {@link #remove}, {@link #clear}) drops the index;
 * the table then scans linearly until it has seen {@code entries / 8} lookups since the change,
 * and rebuilds. So a table changed on every packet (a learning table) stays linear, and one
 * changed rarely pays a rebuild per change, amortised over those lookups. Tables of at most
 * {@link #LINEAR_MAX} entries always scan; an index the entries do not fit (a range in a table
 * laid out for masks, which the checker and rules files rule out) falls back to the classifier.
 * A classifier whose bit rows would need more than {@link #MAX_WORDS} words (32 MiB; about 3,500
 * entries of 5 keys) is built without them, its lead key's rows as lists of entries only (10,000
 * firewall rules: 2.9 MB, built in about 0.2 s); one that would not fit even so is not built: the
 * table scans linearly until its next change.
 *
 * <p>A lookup allocates nothing, and neither does an insert or a remove once the table's arrays
 * have grown to hold its entries (an insert copies its data in). Like the kernel that owns it, a
 * table is not thread-safe.
 */
public final class EntryTable {
    /** Tables with at most this many entries are always scanned linearly. */
    public static final int LINEAR_MAX = 16;
    /** The most bitmap words (longs) a table's classifier may take, over all its keys. */
    public static final long MAX_WORDS = 1L << 22;

    /** How a table's entries are laid out for lookups, from the match kinds of its keys. */
    public enum Layout {
        /** Every key exact, or at most one key ternary or lpm beside exact ones: {@link TupleSpace}. */
        TUPLES,
        /** One lpm or range key of an unsigned type: {@link IntervalMap}. */
        INTERVALS,
        /** Anything else (several prefix, range or ternary keys): {@link Classifier}. */
        CLASSIFIER
    }

    private final int keys;
    private final long size;
    private final Layout layout;
    /** For {@link Layout#INTERVALS}: the width of the key. */
    private final int bits;
    /**
     * Per key, for unsigned keys, the mask of all the key's bits: a value under that mask is the
     * same match as the value alone (a spec's {@code 192.0.2.1/32} and an inserted address), which
     * {@link #insert} and {@link #remove} treat as one; 0 for other keys.
     */
    private final long[] fullMasks;
    private int count;
    /**
     * Per entry and key three words {@code mask, low, span}: the key {@code v} matches when
     * {@code (v & mask) - low}, unsigned, is at most {@code span}. One test for every kind, without
     * branches: any is {@code 0, 0, 0}; exact {@code -1, v, 0}; a range {@code -1, low, high - low}
     * (an empty one {@code 0, 1, 0}, which nothing matches); a mask {@code mask, value & mask, 0}.
     */
    private long[] tests;
    /** Scratch for {@link #remove}: the tests of the keys it removes. */
    private long[] scratchTests = new long[0];
    private int[] actions;
    /**
     * Per entry {@link #stride} words: its action's data, then zeros. Flat, so that an insert
     * copies its data in rather than keeping an array; the stride grows (rarely: at most to the
     * widest action's data) when an entry brings more.
     */
    private long[] values;
    private int stride;

    // Tuning, package-private so that tests can force or forbid the index.
    int linearMax = LINEAR_MAX;
    long maxWords = MAX_WORDS;
    /** A rebuild waits for {@code count >>> lookupsShift} lookups after a change. */
    int lookupsShift = 3;
    /** False: a classifier is built without bit rows, as for tables they would not fit. */
    boolean bitRows = true;

    /** Every key is exact (the table is made with {@code exact} keys only): {@link #exact} may serve it. */
    private final boolean exactKeys;
    /**
     * For a table of exact keys, while every entry tests each key for one value and no two the same
     * values: the index of their values, kept up to date by every change; null otherwise (then the
     * table scans or uses {@link #index} as any other).
     */
    private ExactIndex exact;
    /** Scratch for {@link #exact}: an entry's values. */
    private final long[] exactKey;
    /** Scratch of {@link #match(long, long, long, long)}: the key's values for the layouts that take an array. */
    private final long[] valueKey;

    /** The index, or null while the table scans. */
    private EntryIndex index;
    /** Building was tried since the last change and failed (over {@link #maxWords}). */
    private boolean tooBig;
    private int lookupsSinceChange;

    /**
     * A table laid out by the classifier, whatever its keys.
     *
     * @param size the most entries {@link #insert} keeps (the table's declared size)
     */
    public EntryTable(int keys, long size) {
        this(keys, size, Layout.CLASSIFIER, 64, new long[keys], false);
    }

    /**
     * A table whose keys are described by {@code keys}, one {@code KIND TYPE} per key separated by
     * commas, as the compiler writes them: {@code "lpm u32, lpm u32, exact u8, range u16"}. KIND is
     * {@code exact}, {@code lpm}, {@code ternary} or {@code range}; TYPE {@code uN} for a key whose
     * values are N-bit unsigned numbers, {@code iN} for signed ones.
     *
     * @param size the most entries {@link #insert} keeps (the table's declared size)
     */
    public EntryTable(long size, String keys) {
        this(keys.isBlank() ? 0 : keys.split(",").length, size, layout(keys), width(keys), fullMasks(keys),
                !keys.isBlank() && keys.matches("\\s*exact [ui][0-9]+\\s*(,\\s*exact [ui][0-9]+\\s*)*"));
    }

    private EntryTable(int keys, long size, Layout layout, int bits, long[] fullMasks, boolean exactKeys) {
        this.exactKeys = exactKeys;
        this.exact = exactKeys ? new ExactIndex(keys) : null;
        this.exactKey = new long[keys];
        this.valueKey = new long[keys];
        this.fullMasks = fullMasks;
        this.keys = keys;
        this.size = size;
        this.layout = layout;
        this.bits = bits;
        int initial = 8;
        tests = new long[initial * keys * 3];
        actions = new int[initial];
        values = new long[0];
    }

    /** The layout for keys described as {@link #EntryTable(long, String)} takes them. */
    static Layout layout(String keys) {
        if (keys.isBlank()) {
            return Layout.CLASSIFIER;
        }
        String[] all = keys.split(",");
        int masked = 0;
        int ranges = 0;
        for (String key : all) {
            String[] parts = key.trim().split(" ");
            if (parts.length != 2 || !parts[1].matches("[ui][0-9]+")) {
                throw new IllegalArgumentException("a table key described as `" + key.trim() + "`");
            }
            switch (parts[0]) {
                case "exact" -> {}
                case "lpm", "ternary" -> masked++;
                case "range" -> ranges++;
                default -> throw new IllegalArgumentException("a table key of kind `" + parts[0] + "`");
            }
        }
        if (all.length == 1 && all[0].trim().matches("(lpm|range) u[0-9]+")) {
            return Layout.INTERVALS;
        }
        return ranges == 0 && masked <= 1 ? Layout.TUPLES : Layout.CLASSIFIER;
    }

    /** Per key: all its bits set for an unsigned key, under which a mask is an exact match; else 0. */
    private static long[] fullMasks(String keys) {
        if (keys.isBlank()) {
            return new long[0];
        }
        String[] all = keys.split(",");
        long[] out = new long[all.length];
        for (int i = 0; i < all.length; i++) {
            String type = all[i].trim().substring(all[i].trim().lastIndexOf(' ') + 1);
            int bits = Integer.parseInt(type.substring(1));
            out[i] = type.charAt(0) != 'u' ? 0 : bits >= 64 ? -1L : (1L << bits) - 1;
        }
        return out;
    }

    private static int width(String keys) {
        String[] all = keys.split(",");
        String type = all[all.length - 1].trim();
        return Integer.parseInt(type.substring(type.lastIndexOf(' ') + 2));
    }

    public Layout layout() {
        return layout;
    }

    public int count() {
        return count;
    }

    /** The index of the first entry that matches {@code key} (one value per key), or -1. */
    public int match(long[] key) {
        ExactIndex values = exact;
        if (values != null) {
            return values.match(key);
        }
        EntryIndex built = index;
        if (built != null) {
            return built.match(key);
        }
        if (count > linearMax && !tooBig && ++lookupsSinceChange > (count >>> lookupsShift)) {
            index = build();
            if (index != null) {
                return index.match(key);
            }
            tooBig = true;
        }
        return scan(key);
    }

    /**
     * {@link #match} for a table of at most four keys, given as values (those past the table's keys
     * are ignored): what the compiled kernels call, with no array between their locals and the
     * index.
     */
    public int match(long k0, long k1, long k2, long k3) {
        EntryIndex built = exact != null ? exact : index;
        if (built != null) {
            return built.match(k0, k1, k2, k3, valueKey);
        }
        EntryIndex.fill(valueKey, k0, k1, k2, k3);
        return match(valueKey);
    }

    /** Whether an index is built now (for tests). */
    boolean classified() {
        return index != null;
    }

    /** The index that answers now, or null (for tests). */
    EntryIndex index() {
        return exact != null ? exact : index;
    }

    /** The index in the table's layout, or the classifier when the entries do not fit it; null if too big. */
    private EntryIndex build() {
        EntryIndex built = switch (layout) {
            case TUPLES -> TupleSpace.build(tests, keys, count);
            case INTERVALS -> IntervalMap.build(tests, count, bits);
            case CLASSIFIER -> null;
        };
        if (built != null) {
            return built;
        }
        int[] widths = new int[keys];
        for (int i = 0; i < keys; i++) {
            widths[i] = Long.bitCount(fullMasks[i]); // 0 for a signed key
        }
        return bitRows ? Classifier.build(tests, keys, count, maxWords, widths)
                : Classifier.build(tests, keys, count, maxWords, widths, true);
    }

    public int action(int entry) {
        return actions[entry];
    }

    public long data(int entry, int index) {
        return values[entry * stride + index];
    }

    /** Appends an entry, whatever the size (as a rules file's entries are added at start). */
    public void add(TableEntry entry) {
        if (entry.keys().size() != keys) {
            throw new IllegalArgumentException("an entry with " + entry.keys().size() + " keys for a table with " + keys);
        }
        changed();
        grow();
        int at = count * keys * 3;
        for (int i = 0; i < keys; i++, at += 3) {
            TableEntry.Match m = entry.keys().get(i);
            long x = m.a();
            long y = m.b();
            switch (m.kind()) {
                case ANY -> setTest(at, 0, 0, 0);
                case EXACT -> setTest(at, -1L, x, 0);
                case RANGE -> {
                    if (Long.compareUnsigned(x, y) <= 0) {
                        setTest(at, -1L, x, y - x);
                    } else {
                        setTest(at, 0, 1, 0);
                    }
                }
                case MASKED -> setTest(at, y, x & y, 0);
            }
        }
        setValues(count, entry.action(), entry.data());
        indexExact(count);
        count++;
    }

    /**
     * Appends an entry given as its tests ({@code mask, low, span} per key, see {@code tests}), as
     * generated code adds a spec's {@code entries {}} at start.
     */
    public void add(long[] keyTests, int action, long[] values) {
        if (keyTests.length != keys * 3) {
            throw new IllegalArgumentException(keyTests.length + " test words for a table with " + keys + " keys");
        }
        changed();
        grow();
        System.arraycopy(keyTests, 0, tests, count * keys * 3, keys * 3);
        setValues(count, action, values);
        indexExact(count);
        count++;
    }

    /**
     * {@code table.insert(keys..., action(data...))}: replaces the entry that matches exactly what
     * these keys match, or appends one while the table holds fewer than its size. A key whose bit
     * is set in {@code prefixKeys} is an ip4 prefix, its address with its length in bits 32 to 39:
     * it matches the addresses under it; the others match their value.
     */
    public void insert(long[] key, long prefixKeys, int action, long[] values) {
        if (exact != null && prefixKeys == 0) {
            // In place: the entry with these values, if any, goes (those behind it move down),
            // and the new one is appended and indexed, as remove and append would leave them.
            int e = exact.remove(key);
            if (e >= 0) {
                removeAt(e);
            }
            if (count < size) {
                grow();
                written(key, 0, tests, count * keys * 3);
                setValues(count, action, values);
                exact.put(key, 0, count);
                count++;
            }
            return;
        }
        remove(key, prefixKeys);
        if (count < size) {
            changed();
            grow();
            written(key, prefixKeys, tests, count * keys * 3);
            setValues(count, action, values);
            indexExact(count);
            count++;
        }
    }

    /**
     * {@code table.remove(keys...)}: removes every entry that matches exactly what these keys match
     * (keys as {@link #insert} takes them): an entry of the spec's {@code entries {}} as well as one
     * loaded or inserted.
     */
    public void remove(long[] key, long prefixKeys) {
        if (exact != null && prefixKeys == 0) {
            int e = exact.remove(key);
            if (e >= 0) {
                removeAt(e);
            }
            return;
        }
        long[] wanted = scratchTests;
        if (wanted.length != keys * 3) {
            wanted = scratchTests = new long[keys * 3];
        }
        written(key, prefixKeys, wanted, 0);
        int kept = 0;
        for (int e = 0; e < count; e++) {
            if (!sameTests(e, wanted)) {
                if (kept != e) {
                    System.arraycopy(tests, e * keys * 3, tests, kept * keys * 3, keys * 3);
                    actions[kept] = actions[e];
                    System.arraycopy(values, e * stride, values, kept * stride, stride);
                }
                kept++;
            }
        }
        if (kept != count) {
            changed();
            exact = null; // (only reached with prefix keys, which an exact index does not hold)
        }
        count = kept;
    }

    /** The tests of a table write's keys, into {@code out} at {@code at}. */
    private void written(long[] key, long prefixKeys, long[] out, int at) {
        for (int i = 0; i < keys; i++, at += 3) {
            long v = key[i];
            if ((prefixKeys >>> i & 1) == 0) {
                setTest(out, at, -1L, v, 0);
                continue;
            }
            int length = (int) (v >>> 32);
            long address = v & 0xFFFFFFFFL;
            long mask = length >= 32 ? -1L : length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
            setTest(out, at, mask, address & mask, 0);
        }
    }

    /** Whether entry {@code entry} matches exactly what {@code wanted} does, key by key. */
    private boolean sameTests(int entry, long[] wanted) {
        int at = entry * keys * 3;
        for (int i = 0; i < keys; i++, at += 3) {
            long full = fullMasks[i];
            long m = canonicalMask(tests[at], full);
            if (m != canonicalMask(wanted[i * 3], full) || tests[at + 1] != wanted[i * 3 + 1]
                    || tests[at + 2] != wanted[i * 3 + 2]) {
                return false;
            }
        }
        return true;
    }

    /** A mask that covers all of an unsigned key's bits tests what an exact value does. */
    private static long canonicalMask(long mask, long full) {
        return full != 0 && (mask & full) == full ? -1L : mask;
    }

    /** {@code table.clear()}: forgets every run-time entry. */
    public void clear() {
        changed();
        count = 0;
        exact = exactKeys ? new ExactIndex(keys) : null;
    }

    /** Removes entry {@code e}, those behind it moving down by one (its values are out of {@link #exact} already). */
    private void removeAt(int e) {
        int behind = count - e - 1;
        System.arraycopy(tests, (e + 1) * keys * 3, tests, e * keys * 3, behind * keys * 3);
        System.arraycopy(actions, e + 1, actions, e, behind);
        System.arraycopy(values, (e + 1) * stride, values, e * stride, behind * stride);
        count--;
    }

    /**
     * Adds entry {@code e} (written last) to {@link #exact}, or gives the exact index up when the
     * entry does not test each key for one value, or tests the same values as an earlier entry.
     */
    private void indexExact(int e) {
        if (exact == null) {
            return;
        }
        int at = e * keys * 3;
        for (int i = 0; i < keys; i++, at += 3) {
            if (tests[at] != -1L || tests[at + 2] != 0) {
                exact = null;
                return;
            }
            exactKey[i] = tests[at + 1];
        }
        if (!exact.put(exactKey, 0, e)) {
            exact = null;
        }
    }

    private void changed() {
        index = null;
        tooBig = false;
        lookupsSinceChange = 0;
    }

    private void setTest(int at, long mask, long low, long span) {
        setTest(tests, at, mask, low, span);
    }

    private static void setTest(long[] out, int at, long mask, long low, long span) {
        out[at] = mask;
        out[at + 1] = low;
        out[at + 2] = span;
    }

    private void grow() {
        if (count < actions.length) {
            return;
        }
        int n = actions.length * 2;
        tests = Arrays.copyOf(tests, n * keys * 3);
        actions = Arrays.copyOf(actions, n);
        values = Arrays.copyOf(values, n * stride);
    }

    /** Entry {@code entry}'s action and data (whose words are copied), widening every entry's room for data when it needs more. */
    private void setValues(int entry, int action, long[] data) {
        if (data.length > stride) {
            int wider = data.length;
            long[] moved = new long[actions.length * wider];
            for (int e = 0; e < count; e++) {
                System.arraycopy(values, e * stride, moved, e * wider, stride);
            }
            values = moved;
            stride = wider;
        }
        actions[entry] = action;
        int at = entry * stride;
        System.arraycopy(data, 0, values, at, data.length);
        Arrays.fill(values, at + data.length, at + stride, 0);
    }

    /** The linear first match. */
    private int scan(long[] key) {
        int n = count;
        for (int e = 0; e < n; e++) {
            if (matches(tests, keys, e, key)) {
                return e;
            }
        }
        return -1;
    }

    /** Whether entry {@code entry} of {@code tests} matches: every key's test, without a branch per key (they mispredict). */
    static boolean matches(long[] tests, int keys, int entry, long[] key) {
        int at = entry * keys * 3;
        boolean all = true;
        for (int i = 0; i < keys; i++, at += 3) {
            all &= (key[i] & tests[at]) - tests[at + 1] + Long.MIN_VALUE <= tests[at + 2] + Long.MIN_VALUE;
        }
        return all;
    }
}
