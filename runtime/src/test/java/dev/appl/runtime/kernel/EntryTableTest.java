package dev.appl.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * EntryTable's layouts (the classifier, tuple space, interval map) against a plain linear first
 * match over {@link TableEntry.Match#matches} (the interpreter's semantics: entries in the order
 * added, first match wins, insert replaces the entry with exactly the same keys, remove, clear):
 * seeded random entries of every kind the layout takes, keys near the entries' edges, with changes
 * interleaved with lookups.
 */
class EntryTableTest {
    /** The model: a list, scanned. */
    static final class Model {
        final List<TableEntry> entries = new ArrayList<>();
        final long size;

        Model(long size) {
            this.size = size;
        }

        int match(long[] key) {
            for (int e = 0; e < entries.size(); e++) {
                List<TableEntry.Match> ms = entries.get(e).keys();
                boolean all = true;
                for (int i = 0; i < key.length && all; i++) {
                    all = ms.get(i).matches(key[i]);
                }
                if (all) {
                    return e;
                }
            }
            return -1;
        }

        void remove(long[] key) {
            entries.removeIf(t -> {
                for (int i = 0; i < key.length; i++) {
                    if (!matchesOnly(t.keys().get(i), key[i])) {
                        return false;
                    }
                }
                return true;
            });
        }

        /** Whether the match is of one value: exact, a full mask, or a range of one. */
        static boolean matchesOnly(TableEntry.Match m, long v) {
            return switch (m.kind()) {
                case EXACT -> m.a() == v;
                case MASKED -> m.b() == -1L && m.a() == v;
                case RANGE -> m.a() == v && m.b() == v;
                case ANY -> false;
            };
        }

        void insert(long[] key, int action, long[] data) {
            remove(key);
            if (entries.size() < size) {
                List<TableEntry.Match> ms = new ArrayList<>();
                for (long v : key) {
                    ms.add(TableEntry.Match.exact(v));
                }
                entries.add(new TableEntry(ms, action, data));
            }
        }
    }

    /** Values the entries and keys are drawn around: small, 16- and 32-bit, sign-extended, extremes. */
    private static final long[] POOL = {
        0, 1, 2, 3, 7, 8, 15, 16, 80, 443, 0xFFFF, 0x10000, 0x0A000001L, 0xC0A80000L, 0xFFFFFFFFL,
        0x100000000L, -1, -2, -128, -129, 127, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
        0x7FFFFFFFL, 0xFFFFFFFF80000000L, 0x8000000000000000L | 0x0A000000L,
    };

    private static long value(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextLong();
            case 1 -> r.nextInt(20);
            case 2 -> POOL[r.nextInt(POOL.length)] + r.nextInt(3) - 1;
            case 3 -> r.nextInt() & 0xFFFFFFFFL;
            default -> POOL[r.nextInt(POOL.length)];
        };
    }

    /** Masks: prefixes of 64, 32, 16 and 8 bits, runs, ternary and random ones, zero and all ones. */
    private static long mask(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> -1L << r.nextInt(64);
            case 1 -> (0xFFFFFFFFL << r.nextInt(33)) & 0xFFFFFFFFL;
            case 2 -> (0xFFFFL << r.nextInt(17)) & 0xFFFFL;
            case 3 -> (0xFFL << r.nextInt(9)) & 0xFFL;
            case 4 -> r.nextLong() & r.nextLong();
            case 5 -> r.nextBoolean() ? 0 : -1L;
            case 6 -> 0xFF00FF00L;
            default -> {
                int lo = r.nextInt(64);
                int len = 1 + r.nextInt(64 - lo);
                yield (len == 64 ? -1L : ((1L << len) - 1)) << lo;
            }
        };
    }

    private static TableEntry.Match pattern(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> TableEntry.Match.any();
            case 1 -> TableEntry.Match.exact(value(r));
            case 2 -> {
                long x = value(r);
                long y = r.nextInt(4) == 0 ? value(r) : x + r.nextInt(100);
                yield TableEntry.Match.range(x, y); // sometimes empty (low > high unsigned)
            }
            default -> TableEntry.Match.masked(value(r), mask(r));
        };
    }

    private static TableEntry entry(Random r, int keys) {
        List<TableEntry.Match> ms = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            ms.add(pattern(r));
        }
        return new TableEntry(ms, r.nextInt(4), new long[] {r.nextLong()});
    }

    /** A key mostly taken from or next to an entry's match, so that lookups hit edges and entries. */
    private static long[] key(Random r, Model model, int keys) {
        long[] key = new long[keys];
        TableEntry near = model.entries.isEmpty() ? null : model.entries.get(r.nextInt(model.entries.size()));
        for (int i = 0; i < keys; i++) {
            if (near == null || r.nextInt(4) == 0) {
                key[i] = value(r);
                continue;
            }
            TableEntry.Match m = near.keys().get(i);
            long v = switch (m.kind()) {
                case ANY -> value(r);
                case EXACT -> m.a();
                case RANGE -> r.nextBoolean() ? m.a() : m.b();
                case MASKED -> r.nextBoolean() ? m.a() & m.b() : (m.a() & m.b()) | (value(r) & ~m.b());
            };
            key[i] = v + (r.nextInt(4) == 0 ? r.nextInt(3) - 1 : 0);
        }
        return key;
    }

    private static void check(EntryTable table, Model model, long[] key) {
        int expected = model.match(key);
        int actual = table.match(key);
        assertEquals(expected, actual, () -> "key " + java.util.Arrays.toString(key));
        if (key.length <= 4) { // the kernels' call, with the values themselves
            assertEquals(expected, table.match(value(key, 0), value(key, 1), value(key, 2), value(key, 3)),
                    () -> "the values of key " + java.util.Arrays.toString(key));
        }
        if (expected >= 0) {
            assertEquals(model.entries.get(expected).action(), table.action(actual));
            assertEquals(model.entries.get(expected).data()[0], table.data(actual, 0));
        }
    }

    /** Value {@code i} of {@code key}, 0 past its end (what a kernel passes for a table of fewer keys). */
    private static long value(long[] key, int i) {
        return i < key.length ? key[i] : 0;
    }

    private static EntryTable eager(int keys, long size) {
        return eager(new EntryTable(keys, size));
    }

    /** A table that builds its index at the first lookup after a change, however small. */
    private static EntryTable eager(EntryTable table) {
        table.linearMax = 0;
        table.lookupsShift = 31;
        return table;
    }

    @Test
    void theLayoutFollowsTheKeyKinds() {
        assertEquals(EntryTable.Layout.TUPLES, new EntryTable(10, "exact u32").layout());
        assertEquals(EntryTable.Layout.TUPLES, new EntryTable(10, "exact u32, exact u8, exact i16").layout());
        assertEquals(EntryTable.Layout.TUPLES, new EntryTable(10, "ternary u32").layout());
        assertEquals(EntryTable.Layout.TUPLES, new EntryTable(10, "lpm u32, exact u8").layout());
        assertEquals(EntryTable.Layout.INTERVALS, new EntryTable(10, "lpm u32").layout());
        assertEquals(EntryTable.Layout.INTERVALS, new EntryTable(10, "range u16").layout());
        assertEquals(EntryTable.Layout.CLASSIFIER, new EntryTable(10, "range i16").layout());
        assertEquals(EntryTable.Layout.CLASSIFIER, new EntryTable(10, "lpm u32, lpm u32").layout());
        assertEquals(EntryTable.Layout.CLASSIFIER, new EntryTable(10, "lpm u32, lpm u32, exact u8, range u16").layout());
        assertEquals(EntryTable.Layout.CLASSIFIER, new EntryTable(10, "exact u8, range u16").layout());
    }

    /** A value of {@code bits} bits: around the pool's values, masked to the width. */
    private static long unsigned(Random r, int bits) {
        long v = r.nextInt(3) == 0 ? r.nextInt(40) : value(r);
        return bits == 64 ? v : v & ((1L << bits) - 1);
    }

    /**
     * Tuple space: exact keys (some `_`), with at most one ternary or prefix key; the masks a key
     * takes are few, so that groups hold many entries and values repeat across entries.
     */
    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27, 28})
    void tupleSpaceMatchesTheLinearScan(long seed) {
        Random r = new Random(seed);
        int keys = 1 + r.nextInt(4);
        int maskedKey = r.nextBoolean() ? r.nextInt(keys) : -1;
        boolean prefixes = r.nextBoolean();
        StringBuilder kinds = new StringBuilder();
        for (int i = 0; i < keys; i++) {
            kinds.append(i == 0 ? "" : ", ").append(i == maskedKey ? prefixes ? "lpm" : "ternary" : "exact").append(" u32");
        }
        EntryTable table = eager(new EntryTable(1000, kinds.toString()));
        assertEquals(EntryTable.Layout.TUPLES, table.layout());
        long[] masks = {0xFFFFFFFFL, 0xFFFFFF00L, 0xFFFF0000L, 0xFF000000L, 0, 0x0F0F0F0FL, 0xFF00FF00L};
        Model model = new Model(1000);
        int n = 1 + r.nextInt(seed % 2 == 0 ? 400 : 60);
        for (int e = 0; e < n; e++) {
            List<TableEntry.Match> ms = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                long v = r.nextInt(2) == 0 ? r.nextInt(8) : unsigned(r, 32);
                if (i == maskedKey) {
                    long mask = masks[r.nextInt(prefixes ? 5 : masks.length)];
                    ms.add(TableEntry.Match.masked(v, mask));
                } else {
                    ms.add(r.nextInt(5) == 0 ? TableEntry.Match.any() : TableEntry.Match.exact(v));
                }
            }
            TableEntry t = new TableEntry(ms, r.nextInt(4), new long[] {r.nextLong()});
            model.entries.add(t);
            table.add(t);
        }
        lookUpAndChange(r, table, model, keys, 32, TupleSpace.class);
    }

    /** Interval map: one prefix or range key of 8 to 64 bits, entries overlapping and nested. */
    @ParameterizedTest
    @ValueSource(longs = {31, 32, 33, 34, 35, 36, 37, 38})
    void intervalMapMatchesTheLinearScan(long seed) {
        Random r = new Random(seed);
        int bits = new int[] {8, 16, 32, 48, 64}[r.nextInt(5)];
        boolean prefixes = r.nextBoolean();
        EntryTable table = eager(new EntryTable(1000, (prefixes ? "lpm" : "range") + " u" + bits));
        assertEquals(EntryTable.Layout.INTERVALS, table.layout());
        long width = bits == 64 ? -1L : (1L << bits) - 1;
        Model model = new Model(1000);
        int n = 1 + r.nextInt(seed % 2 == 0 ? 500 : 50);
        for (int e = 0; e < n; e++) {
            long v = unsigned(r, bits);
            TableEntry.Match m;
            if (r.nextInt(10) == 0) {
                m = r.nextBoolean() ? TableEntry.Match.any() : TableEntry.Match.exact(v);
            } else if (prefixes) {
                int length = r.nextInt(bits + 1);
                long mask = length == 0 ? 0 : width & (-1L << (bits - length));
                m = TableEntry.Match.masked(v, mask);
            } else {
                long high = r.nextInt(8) == 0 ? unsigned(r, bits) : (v + r.nextInt(300)) & width;
                m = TableEntry.Match.range(v, high); // sometimes empty
            }
            TableEntry t = new TableEntry(List.of(m), r.nextInt(4), new long[] {r.nextLong()});
            model.entries.add(t);
            table.add(t);
        }
        lookUpAndChange(r, table, model, 1, bits, IntervalMap.class);
    }

    /** Lookups near the entries, interleaved with inserts, removes and clears; keys of {@code bits} bits. */
    private static void lookUpAndChange(Random r, EntryTable table, Model model, int keys, int bits,
            Class<? extends EntryIndex> layout) {
        long width = bits == 64 ? -1L : (1L << bits) - 1;
        for (int round = 0; round < 3000; round++) {
            long[] key = key(r, model, keys);
            for (int i = 0; i < keys; i++) {
                key[i] &= width;
            }
            check(table, model, key);
            Class<?> answering = table.index() == null ? null : table.index().getClass();
            if (answering != ExactIndex.class || layout != TupleSpace.class) { // (exact keys, one value each)
                assertEquals(table.count() > 0 ? layout : null, answering);
            }
            if (r.nextInt(60) == 0) {
                long[] k = exactKeys(r, model, keys);
                for (int i = 0; i < keys; i++) {
                    k[i] &= width;
                }
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        long[] d = {r.nextLong()};
                        model.insert(k, 1, d);
                        table.insert(k, 0, 1, d);
                    }
                    case 2 -> {
                        model.remove(k);
                        table.remove(k, 0);
                    }
                    default -> {
                        if (r.nextInt(3) == 0) {
                            model.entries.clear();
                            table.clear();
                        }
                    }
                }
                assertEquals(model.entries.size(), table.count());
            }
        }
    }

    /** Seeds above 100: the classifier without bit rows (the lead key's lists alone), as for a table too big for them. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 101, 102, 103, 104, 105, 106})
    void randomTablesMatchTheLinearScan(long seed) {
        Random r = new Random(seed);
        int keys = 1 + r.nextInt(5);
        int n = 1 + r.nextInt(seed % 3 == 0 ? 300 : 90);
        Model model = new Model(n + 20);
        EntryTable table = eager(keys, n + 20);
        table.bitRows = seed < 100;
        for (int e = 0; e < n; e++) {
            TableEntry t = entry(r, keys);
            model.entries.add(t);
            table.add(t);
        }
        for (int round = 0; round < 3000; round++) {
            check(table, model, key(r, model, keys));
            assertEquals(table.count() > 0, table.classified());
            if (table.classified()) {
                assertEquals(seed < 100, ((Classifier) table.index()).bitRows());
            }
            if (r.nextInt(50) == 0) {
                // A change: the classifier is dropped, and rebuilt at the next lookup.
                switch (r.nextInt(6)) {
                    case 0 -> {
                        TableEntry t = entry(r, keys);
                        model.entries.add(t);
                        table.add(t);
                    }
                    case 1, 2 -> {
                        long[] k = r.nextBoolean() ? key(r, model, keys) : exactKeys(r, model, keys);
                        long[] d = {r.nextLong()};
                        int action = r.nextInt(4);
                        model.insert(k, action, d);
                        table.insert(k, 0, action, d);
                    }
                    case 3, 4 -> {
                        long[] k = exactKeys(r, model, keys);
                        model.remove(k);
                        table.remove(k, 0);
                    }
                    default -> {
                        if (r.nextInt(4) == 0) {
                            model.entries.clear();
                            table.clear();
                        }
                    }
                }
                assertEquals(model.entries.size(), table.count());
            }
        }
    }

    /** The keys of an all-exact entry, if some entry is one, for removes and replacing inserts. */
    private static long[] exactKeys(Random r, Model model, int keys) {
        for (TableEntry t : model.entries) {
            if (t.keys().stream().allMatch(m -> m.kind() == TableEntry.Match.Kind.EXACT) && r.nextInt(3) == 0) {
                return t.keys().stream().mapToLong(TableEntry.Match::a).toArray();
            }
        }
        long[] k = new long[keys];
        for (int i = 0; i < keys; i++) {
            k[i] = value(r);
        }
        return k;
    }

    /** Many entries, inserted by a handler: exact keys, replacements, the size limit. */
    @Test
    void insertsAndRemovesOfExactEntries() {
        Random r = new Random(99);
        Model model = new Model(500);
        EntryTable table = eager(2, 500);
        for (int round = 0; round < 20000; round++) {
            long[] k = {r.nextInt(40), r.nextInt(20)};
            switch (r.nextInt(4)) {
                case 0 -> {
                    long[] d = {round};
                    model.insert(k, round & 3, d);
                    table.insert(k, 0, round & 3, d);
                }
                case 1 -> {
                    model.remove(k);
                    table.remove(k, 0);
                }
                default -> check(table, model, k);
            }
        }
    }

    /**
     * A table of exact keys whose entries each test one value per key keeps its hash index up to
     * date through inserts and removes (the same index object answers throughout), with the linear
     * scan's answers; an entry with a wildcard gives it up, and clear brings it back.
     */
    @Test
    void exactKeysAreIndexedInPlace() {
        Random r = new Random(11);
        Model model = new Model(300);
        EntryTable table = new EntryTable(300, "exact u32, exact u16");
        EntryIndex kept = table.index();
        assertEquals(ExactIndex.class, kept.getClass());
        for (int e = 0; e < 100; e++) {
            long[] k = {r.nextInt(60), r.nextInt(10)};
            if (model.match(k) < 0) { // rules files may repeat keys; this one does not
                TableEntry t = new TableEntry(List.of(TableEntry.Match.exact(k[0]), TableEntry.Match.exact(k[1])), e & 1,
                        new long[] {e});
                model.entries.add(t);
                table.add(t);
            }
        }
        for (int round = 0; round < 20000; round++) {
            long[] k = {r.nextInt(60), r.nextInt(10)};
            switch (r.nextInt(4)) {
                case 0 -> {
                    long[] d = {round};
                    model.insert(k, round & 3, d);
                    table.insert(k, 0, round & 3, d);
                }
                case 1 -> {
                    model.remove(k);
                    table.remove(k, 0);
                }
                default -> check(table, model, k);
            }
            assertEquals(model.entries.size(), table.count());
        }
        assertSame(kept, table.index());
        table.add(new TableEntry(List.of(TableEntry.Match.any(), TableEntry.Match.exact(3)), 1, new long[] {1}));
        model.entries.add(new TableEntry(List.of(TableEntry.Match.any(), TableEntry.Match.exact(3)), 1, new long[] {1}));
        assertNotEquals(ExactIndex.class, table.index() == null ? null : table.index().getClass());
        for (int round = 0; round < 2000; round++) {
            check(table, model, new long[] {r.nextInt(60), r.nextInt(10)});
        }
        table.clear();
        assertEquals(ExactIndex.class, table.index().getClass());
        table.add(new TableEntry(List.of(TableEntry.Match.exact(5), TableEntry.Match.exact(6)), 1, new long[] {7}));
        table.add(new TableEntry(List.of(TableEntry.Match.exact(5), TableEntry.Match.exact(6)), 0, new long[] {8}));
        assertNotEquals(ExactIndex.class, table.index() == null ? null : table.index().getClass()); // a repeated key
        assertEquals(0, table.match(new long[] {5, 6}));
    }

    /** The default tuning: linear while small or just changed, classified later, same answers. */
    @Test
    void defaultTuningSwitchesToTheClassifier() {
        Random r = new Random(7);
        Model model = new Model(1000);
        EntryTable table = new EntryTable(3, 1000);
        for (int e = 0; e < 400; e++) {
            TableEntry t = entry(r, 3);
            model.entries.add(t);
            table.add(t);
        }
        for (int i = 0; i < 20; i++) { // (each check looks up twice: an array, then the values)
            check(table, model, key(r, model, 3));
        }
        assertFalse(table.classified());
        for (int i = 0; i < 200; i++) {
            check(table, model, key(r, model, 3));
        }
        assertTrue(table.classified());
        table.insert(new long[] {1, 2, 3}, 0, 1, new long[] {5});
        model.insert(new long[] {1, 2, 3}, 1, new long[] {5});
        assertFalse(table.classified());
        for (int i = 0; i < 200; i++) {
            check(table, model, key(r, model, 3));
        }
        assertTrue(table.classified());
    }

    /**
     * Bit rows over the size budget: the classifier is built without them (the lead key's lists),
     * with the same answers, for an ACL of 12,000 entries (whose bit rows would take about 190 MB).
     */
    @Test
    void aLargeAclGetsTheLeadListsAlone() {
        Random r = new Random(12_000);
        Model model = new Model(20_000);
        EntryTable table = eager(new EntryTable(20_000, "lpm u32, lpm u32, exact u8, range u16"));
        for (int e = 0; e < 12_000; e++) {
            List<TableEntry.Match> ms = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int len = new int[] {8, 16, 24, 32}[r.nextInt(4)];
                long mask = (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
                ms.add(TableEntry.Match.masked(r.nextInt() & mask, mask));
            }
            int proto = r.nextInt(3);
            ms.add(proto == 0 ? TableEntry.Match.any() : TableEntry.Match.exact(proto == 1 ? 6 : 17));
            int port = r.nextInt(65536);
            ms.add(TableEntry.Match.range(port, Math.min(65535, port + r.nextInt(1000))));
            TableEntry t = new TableEntry(ms, r.nextInt(2), new long[] {e});
            model.entries.add(t);
            table.add(t);
        }
        for (int i = 0; i < 3000; i++) {
            long[] key = key(r, model, 4);
            key[0] &= 0xFFFFFFFFL;
            key[1] &= 0xFFFFFFFFL;
            key[2] &= 0xFF;
            key[3] &= 0xFFFF;
            check(table, model, key);
        }
        Classifier c = (Classifier) table.index();
        assertFalse(c.bitRows());
        assertTrue(c.narrow());
    }

    /**
     * Without bit rows, the narrow path's arrays count against the budget too: with the least
     * budget the lead's lists fit in, the classifier has no narrow path; with room, it has one.
     * Either way it answers the linear first match.
     */
    @Test
    void theListsAloneDropTheNarrowPathOverTheBudget() {
        long[] budgets = {1L << 20, 0};
        long low = 0; // the lists do not fit
        long high = 1L << 20; // they do
        while (high - low > 1) {
            long mid = (low + high) >>> 1;
            if (listsTable(mid).classified()) {
                high = mid;
            } else {
                low = mid;
            }
        }
        budgets[1] = high;
        for (long words : budgets) {
            EntryTable table = listsTable(words);
            Classifier c = (Classifier) table.index();
            assertFalse(c.bitRows());
            assertEquals(words == budgets[0], c.narrow(), "with a budget of " + words + " words");
        }
    }

    /** A table of 300 narrow entries without bit rows, its index built (if it fits in {@code words}) and checked. */
    private static EntryTable listsTable(long words) {
        Random r = new Random(9);
        Model model = new Model(1000);
        EntryTable table = eager(new EntryTable(1000, "lpm u32, range u16"));
        table.bitRows = false;
        table.maxWords = words;
        for (int e = 0; e < 300; e++) {
            List<TableEntry.Match> ms = List.of(narrowMatch(r, "lpm", 32), narrowMatch(r, "range", 16));
            model.entries.add(new TableEntry(ms, r.nextInt(4), new long[] {r.nextLong()}));
            table.add(model.entries.getLast());
        }
        for (int i = 0; i < 500; i++) {
            long[] key = key(r, model, 2);
            key[0] &= 0xFFFFFFFFL;
            key[1] &= 0xFFFF;
            check(table, model, key);
        }
        return table;
    }

    /** A classifier over the size budget even without bit rows is not built: the table scans, with the same answers. */
    @Test
    void overTheBudgetTheTableScans() {
        Random r = new Random(8);
        Model model = new Model(1000);
        EntryTable table = eager(2, 1000);
        table.maxWords = 10;
        for (int e = 0; e < 300; e++) {
            TableEntry t = entry(r, 2);
            model.entries.add(t);
            table.add(t);
        }
        for (int i = 0; i < 2000; i++) {
            check(table, model, key(r, model, 2));
        }
        assertFalse(table.classified());
    }

    /** Five-tuple ACL entries as a rules file loads them: 32-bit prefixes, protocols, port ranges. */
    @Test
    void aFirewallAcl() {
        Random r = new Random(2026);
        Model model = new Model(2000);
        EntryTable table = eager(5, 2000);
        for (int e = 0; e < 1500; e++) {
            List<TableEntry.Match> ms = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int len = new int[] {0, 8, 16, 24, 32}[r.nextInt(5)];
                long mask = len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
                long v = (r.nextInt() & 0xFFFFFFFFL) & mask;
                ms.add(len == 0 ? TableEntry.Match.any() : len == 32 ? TableEntry.Match.exact(v)
                        : TableEntry.Match.masked(v, mask));
            }
            int proto = r.nextInt(3);
            ms.add(proto == 0 ? TableEntry.Match.any() : TableEntry.Match.exact(proto == 1 ? 6 : 17));
            ms.add(TableEntry.Match.any());
            int port = r.nextInt(65536);
            ms.add(TableEntry.Match.range(port, Math.min(65535, port + r.nextInt(200))));
            TableEntry t = new TableEntry(ms, r.nextInt(2), new long[] {e});
            model.entries.add(t);
            table.add(t);
        }
        for (int i = 0; i < 20000; i++) {
            long[] key = key(r, model, 5);
            for (int k = 0; k < 5; k++) {
                key[k] &= k < 2 ? 0xFFFFFFFFL : 0xFFFF;
            }
            check(table, model, key);
        }
        assertTrue(table.classified());
        assertTrue(((Classifier) table.index()).narrow(), "the ACL is looked up on the narrow path");
    }

    /**
     * The classifier's narrow path (keys of at most 32 bits, each entry one interval per key)
     * against the linear scan: tables of typed keys (lpm, range and exact, 8 to 64 bits, some
     * signed), entries with wildcards, prefixes of every length, exact values and ranges (some
     * empty, some ending at the width's top), many overlapping; keys on and next to the entries'
     * edges, mostly of their width, some wider or negative (which the narrow path hands to the
     * wide one); inserts, removes and clears between lookups, after which the table rebuilds.
     * Seeds above 100: the classifier without bit rows.
     */
    @ParameterizedTest
    @ValueSource(longs = {41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 141, 142, 143, 144, 145, 146})
    void narrowClassifierMatchesTheLinearScan(long seed) {
        Random r = new Random(seed);
        int keys = 2 + r.nextInt(4); // up to the lead and four others
        String[] kinds = new String[keys];
        int[] bits = new int[keys];
        boolean narrowOnly = seed % 3 != 0; // unsigned keys of at most 32 bits only
        boolean[] signed = new boolean[keys];
        for (int i = 0; i < keys; i++) {
            kinds[i] = new String[] {"lpm", "range", "exact"}[r.nextInt(3)];
            bits[i] = narrowOnly ? new int[] {8, 16, 32, 32}[r.nextInt(4)] : new int[] {8, 16, 32, 48, 64}[r.nextInt(5)];
            signed[i] = !narrowOnly && kinds[i].equals("exact") && r.nextInt(3) == 0;
        }
        if (!List.of(kinds).contains("range")) {
            kinds[r.nextInt(keys)] = "range"; // (else the layout may be tuple space)
        }
        StringBuilder description = new StringBuilder();
        for (int i = 0; i < keys; i++) {
            description.append(i == 0 ? "" : ", ").append(kinds[i]).append(signed[i] && kinds[i].equals("exact") ? " i" : " u")
                    .append(bits[i]);
        }
        EntryTable table = eager(new EntryTable(100_000, description.toString()));
        table.bitRows = seed < 100;
        assertEquals(EntryTable.Layout.CLASSIFIER, table.layout(), description::toString);
        Model model = new Model(100_000);
        int n = 20 + r.nextInt(seed % 2 == 0 ? 600 : 100);
        for (int e = 0; e < n; e++) {
            List<TableEntry.Match> ms = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                ms.add(narrowMatch(r, kinds[i], bits[i]));
            }
            TableEntry t = new TableEntry(ms, r.nextInt(4), new long[] {r.nextLong()});
            model.entries.add(t);
            table.add(t);
        }
        int narrowLookups = 0;
        for (int round = 0; round < 4000; round++) {
            long[] key = key(r, model, keys);
            for (int i = 0; i < keys; i++) {
                if (r.nextInt(20) != 0) {
                    key[i] &= bits[i] == 64 ? -1L : (1L << bits[i]) - 1; // else wider than the key, or negative
                }
            }
            check(table, model, key);
            if (table.index() instanceof Classifier c && c.narrow()) {
                narrowLookups++;
                assertEquals(seed < 100, c.bitRows());
            }
            if (r.nextInt(200) == 0) {
                long[] k = exactKeys(r, model, keys);
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        long[] d = {r.nextLong()};
                        model.insert(k, 1, d);
                        table.insert(k, 0, 1, d);
                    }
                    case 2 -> {
                        model.remove(k);
                        table.remove(k, 0);
                    }
                    default -> {
                        List<TableEntry.Match> ms = new ArrayList<>();
                        for (int i = 0; i < keys; i++) {
                            ms.add(narrowMatch(r, kinds[i], bits[i]));
                        }
                        TableEntry t = new TableEntry(ms, 2, new long[] {round});
                        model.entries.add(t);
                        table.add(t);
                    }
                }
            }
        }
        if (narrowOnly) {
            int seen = narrowLookups;
            assertTrue(seen > 3000, () -> "narrow path in " + seen + " lookups: " + description);
        }
    }

    /** A match of a narrow classifier's kind on a key of {@code bits} bits, around a few values so that entries overlap. */
    private static TableEntry.Match narrowMatch(Random r, String kind, int bits) {
        long width = bits == 64 ? -1L : (1L << bits) - 1;
        long[] around = {0, 1, 6, 17, 80, 443, 0xFF, 0x100, 0xFFFF, 0x0A000000L, 0xC0A80000L, 0xFFFFFFFFL, width};
        long v = (r.nextBoolean() ? around[r.nextInt(around.length)] + r.nextInt(3) - 1 : r.nextLong()) & width;
        if (r.nextInt(6) == 0) {
            return TableEntry.Match.any();
        }
        return switch (kind) {
            case "lpm" -> {
                int length = r.nextInt(bits + 1);
                long mask = length == 0 ? 0 : width & (-1L << (bits - length));
                yield r.nextInt(8) == 0 ? TableEntry.Match.exact(v) : TableEntry.Match.masked(v, mask);
            }
            case "range" -> {
                long high = switch (r.nextInt(6)) {
                    case 0 -> width; // to the top
                    case 1 -> v - 1 - r.nextInt(3); // empty, or everything (wrapping below 0)
                    default -> Math.min(width, v + r.nextInt(300)) & width;
                };
                yield TableEntry.Match.range(v, high);
            }
            default -> TableEntry.Match.exact(v);
        };
    }

    /** The narrow values passing a test, as one interval, none, or more than one piece. */
    @Test
    void narrowIntervals() {
        long[] out = new long[2];
        // A /24 of 32 bits; a prefix whose mask has bits above an 8-bit key's (they never count).
        assertEquals(0, Classifier.narrowInterval(0xFFFFFF00L, 0xC0A80100L, 0, 32, out));
        assertEquals(0xC0A80100L, out[0]);
        assertEquals(0xC0A801FFL, out[1]);
        assertEquals(0, Classifier.narrowInterval(-1L << 4, 0x30, 0, 8, out));
        assertEquals(0x30, out[0]);
        assertEquals(0x3F, out[1]);
        // Exact, a range cut at the width's top, anything.
        assertEquals(0, Classifier.narrowInterval(-1L, 443, 0, 16, out));
        assertEquals(443, out[0]);
        assertEquals(443, out[1]);
        assertEquals(0, Classifier.narrowInterval(-1L, 0xFF00, 0x10000, 16, out));
        assertEquals(0xFF00, out[0]);
        assertEquals(0xFFFF, out[1]);
        assertEquals(0, Classifier.narrowInterval(0, 0, 0, 32, out));
        assertEquals(0, out[0]);
        assertEquals(0xFFFFFFFFL, out[1]);
        // Nothing: an empty range (0, 1, 0), a value above the width, a masked value with bits the mask clears.
        assertEquals(1, Classifier.narrowInterval(0, 1, 0, 32, out));
        assertEquals(1, Classifier.narrowInterval(-1L, 0x100, 5, 8, out));
        assertEquals(1, Classifier.narrowInterval(0xF0, 0x0F, 0, 8, out));
        // Not one interval: a ternary mask; a test wrapping around 2^64 that keeps two pieces apart.
        assertEquals(2, Classifier.narrowInterval(0xFF00FF00L, 0, 0, 32, out));
        assertEquals(2, Classifier.narrowInterval(-1L, 200, -100, 8, out)); // 0..100 and 200..255
        // Wrapping, but the pieces meet (0..99 and 100..255): one interval.
        assertEquals(0, Classifier.narrowInterval(-1L, 100, -1L, 8, out));
        assertEquals(0, out[0]);
        assertEquals(0xFF, out[1]);
    }
}
