package dev.appl.compiler.passes;

import dev.appl.compiler.ir.Arithmetic;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A decision tree that finds the first entry of a const table that matches a lookup's keys, for
 * {@link CompileConstTables}. Each entry's pattern on a key is seen as an interval of the key's
 * values (in the key's order, signed or unsigned): a value, a range, a prefix, a wildcard; a mask
 * that is not a prefix is seen as the smallest interval holding its values and stays a test.
 *
 * <p>A node holds the candidates: the entries, in table order, that can still match on the path
 * to it, cut after the first one that surely matches there (the later ones are never reached). A
 * cut on a key splits the key's values at every bound of the candidates' intervals (the
 * elementary intervals); each candidate then covers a child's interval whole or not at all, so
 * the key is settled below and the child keeps the candidates that cover it. A leaf tests its
 * candidates in order on the keys their path has not settled; the first that passes is the
 * answer, else its last candidate if that one surely matches, else no entry.
 *
 * <p>The cut (HiCuts-like, one key at a time): each node takes the key whose cut leaves the
 * fewest candidates in its largest child; ties go to the fewer candidates summed over the
 * distinct children (the less replication), then to the cheaper cut, then to the first key. Cost
 * is counted in compares in the worst case: a leaf costs the compares of its tests when all fail
 * (one a key, two for a range of more than one value); a cut costs the depth of its binary search
 * over the intervals (one for a jump table) plus its dearest child as a leaf. A node stays a leaf
 * when no cut leaves fewer candidates in every child or costs less than the leaf. Children with
 * the same candidates, or the same code, are one node, shared.
 *
 * <p>A table whose tree would have more than {@link #NODE_LIMIT} distinct nodes has none
 * ({@link #build} returns null); the caller bounds the code the tree becomes.
 */
final class DecisionTree {
    /** The distinct nodes a tree may have: the bound on the work and memory of building it. */
    static final int NODE_LIMIT = 20_000;
    /** No entry: the leaf's tests all failed and none of its candidates surely matches. */
    static final int NONE = -1;

    sealed interface Node permits Leaf, Cut {}

    /** Entry {@code entry} tested on {@code keys} (the keys its path has not settled). */
    record Test(int entry, List<Integer> keys) {}

    /** The tests in order, the first that passes choosing its entry; else {@code last}, an entry or {@link #NONE}. */
    record Leaf(List<Test> tests, int last) implements Node {}

    /**
     * A cut on {@code key}: interval {@code i} runs from {@code starts.get(i)} up to the next start
     * (the last to the key's largest value) and goes on at {@code children.get(child.get(i))}.
     * With {@code jump}, every interval but those of the wildcard child is one value, and the cut
     * is a switch on the key's values.
     */
    record Cut(int key, List<Long> starts, List<Integer> child, List<Node> children, boolean jump) implements Node {}

    /** An entry's pattern on a key as an interval ({@code low..high}), {@code exact} if it is just that interval. */
    private record Span(long low, long high, boolean exact) {}

    private record Candidates(List<Integer> entries, long settled) {}

    private final IrAppliance.Table table;
    private final int keys;
    private final boolean[] signed;
    private final long[] min;
    private final long[] max;
    private final boolean[] narrow;
    /** {@code spans[e][k]}; null for an entry that can never match. */
    private final Span[][] spans;
    /** {@link #outcomes} of the table. */
    private final int[] outcome;
    private final Map<Candidates, Node> nodes = new HashMap<>();
    /** The node every entry's tree starts at. */
    final Node root;

    private DecisionTree(IrAppliance.Table table) {
        this.table = table;
        this.keys = table.keys().size();
        signed = new boolean[keys];
        min = new long[keys];
        max = new long[keys];
        narrow = new boolean[keys];
        for (int k = 0; k < keys; k++) {
            Type t = table.keys().get(k).type();
            int width = Arithmetic.width(t);
            signed[k] = Arithmetic.signed(t);
            min[k] = !signed[k] ? 0 : width == 64 ? Long.MIN_VALUE : -(1L << (width - 1));
            max[k] = width == 64 ? (signed[k] ? Long.MAX_VALUE : -1L) : signed[k] ? (1L << (width - 1)) - 1 : (1L << width) - 1;
            narrow[k] = !signed[k] && width <= 31; // what the backend's jump tables take
        }
        outcome = outcomes(table);
        spans = new Span[table.entries().size()][];
        List<Integer> all = new ArrayList<>();
        for (int e = 0; e < spans.length; e++) {
            spans[e] = spans(table.entries().get(e));
            if (spans[e] != null) {
                all.add(e);
            }
        }
        root = node(all, 0L);
    }

    /** The tree of a const table; null when its keys are wider than 64 bits or it would be too large. */
    static DecisionTree build(IrAppliance.Table table) {
        for (IrAppliance.Key k : table.keys()) {
            if (Arithmetic.width(k.type()) > 64) {
                return null;
            }
        }
        if (table.keys().size() > 63) {
            return null; // the settled keys are a bit set in a long
        }
        try {
            return new DecisionTree(table);
        } catch (TooLarge e) {
            return null;
        }
    }

    /** The same tree for any table, with no cut at all: every entry tested in order. */
    static Leaf inOrder(IrAppliance.Table table) {
        List<Test> tests = new ArrayList<>();
        for (int e = 0; e < table.entries().size(); e++) {
            List<Integer> tested = new ArrayList<>();
            for (int k = 0; k < table.keys().size(); k++) {
                if (!(table.entries().get(e).patterns().get(k) instanceof IrPattern.Any)) {
                    tested.add(k);
                }
            }
            if (tested.isEmpty()) {
                return new Leaf(tests, e);
            }
            tests.add(new Test(e, tested));
        }
        return new Leaf(tests, NONE);
    }

    /** How many distinct nodes the tree has. */
    int distinctNodes() {
        return nodes.size();
    }

    private static final class TooLarge extends RuntimeException {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    private Span[] spans(IrAppliance.Entry e) {
        Span[] out = new Span[keys];
        for (int k = 0; k < keys; k++) {
            out[k] = span(e.patterns().get(k), k);
            if (out[k] == null) {
                return null;
            }
        }
        return out;
    }

    /** A pattern's interval; null when it matches no value of the key's type. */
    private Span span(IrPattern p, int k) {
        Span all = new Span(min[k], max[k], false);
        return switch (p) {
            case IrPattern.Any any -> new Span(min[k], max[k], true);
            case IrPattern.Exact x -> inside(x.value(), k) ? new Span(x.value(), x.value(), true) : null;
            case IrPattern.Range r when r.signed() != signed[k] -> all;
            case IrPattern.Range r -> {
                long low = compare(r.low(), min[k], k) < 0 ? min[k] : r.low();
                long high = compare(r.high(), max[k], k) > 0 ? max[k] : r.high();
                yield compare(low, high, k) > 0 ? null : new Span(low, high, true);
            }
            case IrPattern.Masked m when signed[k] -> all;
            case IrPattern.Masked m -> {
                if ((m.value() & m.mask() & ~max[k]) != 0) {
                    yield null; // needs bits the key never has
                }
                long fixed = m.mask() & max[k];
                long free = max[k] & ~fixed;
                long low = m.value() & fixed;
                yield new Span(low, low | free, (free & (free + 1)) == 0); // exact when the free bits are the low ones
            }
        };
    }

    private boolean inside(long v, int k) {
        return compare(v, min[k], k) >= 0 && compare(v, max[k], k) <= 0;
    }

    private int compare(long a, long b, int k) {
        return signed[k] ? Long.compare(a, b) : Long.compareUnsigned(a, b);
    }

    private static boolean has(long settled, int k) {
        return (settled & (1L << k)) != 0;
    }

    /** Whether entry {@code e} must be tested on key {@code k} where the keys in {@code settled} are settled. */
    private boolean tested(int e, int k, long settled) {
        Span s = spans[e][k];
        return !s.exact() || !(has(settled, k) || s.low() == min[k] && s.high() == max[k]);
    }

    private boolean surely(int e, long settled) {
        for (int k = 0; k < keys; k++) {
            if (tested(e, k, settled)) {
                return false;
            }
        }
        return true;
    }

    /** The candidates up to the first that surely matches: no later one is ever reached. */
    private List<Integer> reached(List<Integer> candidates, long settled) {
        for (int i = 0; i < candidates.size(); i++) {
            if (surely(candidates.get(i), settled)) {
                return List.copyOf(candidates.subList(0, i + 1));
            }
        }
        return List.copyOf(candidates);
    }

    /** The compares of one test of entry {@code e}: one a key, two for a range of several values. */
    private int compares(int e, long settled) {
        int n = 0;
        for (int k = 0; k < keys; k++) {
            if (tested(e, k, settled)) {
                n += table.entries().get(e).patterns().get(k) instanceof IrPattern.Range r && r.low() != r.high() ? 2 : 1;
            }
        }
        return n;
    }

    /** What a leaf of these (reached) candidates costs when every test fails. */
    private int leafCost(List<Integer> candidates, long settled) {
        int n = 0;
        for (int e : candidates) {
            n += compares(e, settled);
        }
        return n;
    }

    private Node node(List<Integer> candidates, long settled) {
        List<Integer> reached = reached(candidates, settled);
        Candidates key = new Candidates(reached, settled);
        Node known = nodes.get(key);
        if (known != null) {
            return known;
        }
        if (nodes.size() >= NODE_LIMIT) {
            throw new TooLarge();
        }
        Node n = choose(reached, settled);
        nodes.put(key, n);
        return n;
    }

    /** One key's cut of a node: the intervals' starts and the candidates of each. */
    private record Split(int key, List<Long> starts, List<List<Integer>> parts, boolean jump, int cost, int largest,
            int spread) {}

    private Node choose(List<Integer> candidates, long settled) {
        int leaf = leafCost(candidates, settled);
        Split best = null;
        if (leaf > 0) {
            for (int k = 0; k < keys; k++) {
                if (!has(settled, k)) {
                    Split s = split(candidates, settled, k);
                    if (s != null && (best == null || Comparator.comparingInt(Split::largest).thenComparingInt(Split::spread)
                            .thenComparingInt(Split::cost).thenComparingInt((Split x) -> x.starts().size())
                            .compare(s, best) < 0)) {
                        best = s; // keys are tried in order, so on a tie the first stays
                    }
                }
            }
        }
        if (best == null || best.largest() >= candidates.size() || best.cost() >= leaf) {
            return leaf(candidates, settled);
        }
        long below = settled | 1L << best.key();
        List<List<Integer>> distinct = new ArrayList<>();
        List<Integer> child = new ArrayList<>();
        for (List<Integer> part : best.parts()) {
            int i = distinct.indexOf(part);
            if (i < 0) {
                i = distinct.size();
                distinct.add(part);
            }
            child.add(i);
        }
        // Children with other candidates may still be the same code (entries of the same action and data).
        List<Node> children = new ArrayList<>();
        int[] same = new int[distinct.size()];
        for (int i = 0; i < distinct.size(); i++) {
            Node n = node(distinct.get(i), below);
            same[i] = children.indexOf(n);
            if (same[i] < 0) {
                same[i] = children.size();
                children.add(n);
            }
        }
        if (children.size() == 1) {
            return children.getFirst(); // every interval runs the same code: nothing to cut
        }
        child.replaceAll(i -> same[i]);
        return new Cut(best.key(), best.starts(), child, children, best.jump());
    }

    /** The cut of {@code candidates} on key {@code k}; null when it splits nothing. */
    private Split split(List<Integer> candidates, long settled, int k) {
        TreeSet<Long> bounds = new TreeSet<>((a, b) -> compare(a, b, k));
        bounds.add(min[k]);
        boolean points = true;
        for (int e : candidates) {
            Span s = spans[e][k];
            bounds.add(s.low());
            if (s.high() != max[k]) {
                bounds.add(s.high() + 1);
            }
            boolean wildcard = s.exact() && s.low() == min[k] && s.high() == max[k];
            points &= wildcard || s.exact() && s.low() == s.high();
        }
        if (bounds.size() == 1) {
            return null;
        }
        long below = settled | 1L << k;
        List<Long> starts = new ArrayList<>();
        List<List<Integer>> parts = new ArrayList<>();
        for (long b : bounds) {
            List<Integer> part = new ArrayList<>();
            for (int e : candidates) {
                Span s = spans[e][k];
                if (compare(s.low(), b, k) <= 0 && compare(b, s.high(), k) <= 0) {
                    part.add(e);
                }
            }
            part = reached(part, below);
            if (parts.isEmpty() || !parts.getLast().equals(part)) {
                starts.add(b);
                parts.add(part);
            }
        }
        if (parts.size() == 1) {
            return null;
        }
        int values = 0;
        for (int i = 0; i < starts.size(); i++) {
            long end = i + 1 < starts.size() ? starts.get(i + 1) - 1 : max[k];
            values += starts.get(i) == end ? 1 : 0;
        }
        boolean jump = points && narrow[k] && values >= 3;
        int search = jump ? 1 : 64 - Long.numberOfLeadingZeros(parts.size() - 1); // ceil(log2(intervals))
        int dearest = 0;
        int largest = 0;
        int spread = 0;
        List<List<Integer>> seen = new ArrayList<>();
        for (List<Integer> part : parts) {
            dearest = Math.max(dearest, leafCost(part, below));
            largest = Math.max(largest, part.size());
            if (!seen.contains(part)) {
                seen.add(part);
                spread += part.size();
            }
        }
        return new Split(k, starts, parts, jump, search + dearest, largest, spread);
    }

    private Leaf leaf(List<Integer> candidates, long settled) {
        List<Test> tests = new ArrayList<>();
        for (int e : candidates) {
            if (surely(e, settled)) {
                return leaf(tests, outcome[e]);
            }
            List<Integer> tested = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                if (tested(e, k, settled)) {
                    tested.add(k);
                }
            }
            tests.add(new Test(e, tested));
        }
        return leaf(tests, NONE);
    }

    /** A leaf without the tests at its end that choose what their failing would choose anyway. */
    private Leaf leaf(List<Test> tests, int last) {
        while (!tests.isEmpty() && outcome[tests.getLast().entry()] == last) {
            tests.removeLast();
        }
        return new Leaf(tests, last);
    }

    /**
     * The code a tree becomes, counted in compares and assignments, with children shared by
     * several intervals of a cut counted once and each reference as one more.
     */
    static long size(Node n) {
        return size(n, new IdentityHashMap<>());
    }

    private static long size(Node n, Map<Node, Long> known) {
        Long k = known.get(n);
        if (k != null) {
            return k;
        }
        long s = switch (n) {
            case Leaf l -> 1 + l.tests().stream().mapToLong(t -> 1 + t.keys().size()).sum();
            case Cut c -> {
                long[] refs = new long[c.children().size()];
                c.child().forEach(i -> refs[i]++);
                long total = c.jump() ? 1 : c.starts().size() - 1;
                for (int i = 0; i < refs.length; i++) {
                    long child = size(c.children().get(i), known);
                    total = Math.addExact(total, refs[i] > 1 ? refs[i] + child : child);
                }
                yield total;
            }
        };
        known.put(n, s);
        return s;
    }

    /** Entries with the same action and data choose the same thing: the first of them stands for all. */
    static int[] outcomes(IrAppliance.Table table) {
        List<IrAppliance.Entry> entries = table.entries();
        int[] out = new int[entries.size()];
        for (int e = 0; e < out.length; e++) {
            out[e] = e;
            for (int f = 0; f < e; f++) {
                if (out[f] == f && entries.get(f).action() == entries.get(e).action()
                        && Arrays.deepEquals(entries.get(f).data().toArray(), entries.get(e).data().toArray())) {
                    out[e] = f;
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return Objects.toString(root);
    }
}
