package dev.appl.compiler.passes;

import dev.appl.compiler.ir.Arithmetic;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.types.BuiltinTypes;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Turns the application of a table whose entries are all in the spec (const, nothing loaded) into
 * plain code that chooses the action and its data, then a switch that runs that action. The choice
 * is made the cheapest way that gives the first match:
 *
 * <ul>
 *   <li>one exact key: a switch on it;
 *   <li>one key of an unsigned type matched by values, ranges or prefixes, with at least
 *       {@link #TREE_MIN} entries: the entries' bounds cut the key's values into intervals, each
 *       mapped to the first entry that covers it, and a binary search over the bounds (a balanced
 *       tree of {@code key < bound} tests) finds the interval: about log2(intervals) compares
 *       instead of one per entry;
 *   <li>otherwise: the entries tried in order, each one condition on all its keys.
 * </ul>
 *
 * Later passes then fold and prune it like any other code.
 */
public final class CompileConstTables implements Pass {
    private static final Type U32 = BuiltinTypes.u(32);
    /** Fewer entries than this are tried in order: a few compares cost less than a search. */
    static final int TREE_MIN = 4;

    @Override
    public String description() {
        return "tables with only const entries become code";
    }

    @Override
    public void run(IrAppliance ir) {
        for (IrFunction f : Functions.all(ir)) {
            new IrRewriter() {
                @Override
                List<IrStmt> after(IrStmt s) {
                    if (s instanceof IrStmt.Apply a) {
                        IrAppliance.Table t = ir.tables.get(a.table());
                        if (t.constEntries() && t.loadParam() == null) {
                            return compile(f, t, a);
                        }
                    }
                    return List.of(s);
                }
            }.rewrite(f);
        }
    }

    private static List<IrStmt> compile(IrFunction f, IrAppliance.Table t, IrStmt.Apply apply) {
        List<IrStmt> out = new ArrayList<>();
        List<IrLocal> keys = new ArrayList<>();
        for (int i = 0; i < apply.keys().size(); i++) {
            IrLocal k = f.local(t.name() + "_key" + i, t.keys().get(i).type());
            out.add(new IrStmt.Assign(k, apply.keys().get(i)));
            keys.add(k);
        }
        IrLocal action = apply.result() != null ? apply.result() : f.local(t.name() + "_action", U32);
        // The choice: the first matching entry sets the action and its data, then leaves.
        List<IrStmt> choose = new ArrayList<>();
        if (keys.size() == 1 && t.keys().getFirst().matchKind().equals("exact") && t.entries().stream()
                .allMatch(e -> e.patterns().getFirst() instanceof IrPattern.Exact)) {
            List<IrStmt.Case> cases = new ArrayList<>();
            List<Long> seen = new ArrayList<>();
            for (IrAppliance.Entry e : t.entries()) {
                long v = ((IrPattern.Exact) e.patterns().getFirst()).value();
                if (!seen.contains(v)) { // a later entry with the same key is never reached
                    seen.add(v);
                    cases.add(new IrStmt.Case(List.of(e.patterns().getFirst()),
                            new IrStmt.Block(select(apply, t, action, e.action(), e.data()))));
                }
            }
            choose.add(new IrStmt.Switch(new IrExpr.Read(keys.getFirst()), cases,
                    new IrStmt.Block(select(apply, t, action, t.defaultAction(), t.defaultData()))));
        } else if (keys.size() == 1 && t.entries().size() >= TREE_MIN && intervals(t) instanceof Intervals in) {
            choose.addAll(search(in, 0, in.starts.length - 1, keys.getFirst(), apply, t, action).statements());
        } else {
            for (IrAppliance.Entry e : t.entries()) {
                List<IrStmt> body = new ArrayList<>(select(apply, t, action, e.action(), e.data()));
                body.add(new IrStmt.Leave());
                IrExpr condition = condition(e, keys);
                choose.add(new IrStmt.If(condition, new IrStmt.Block(body), new IrStmt.Block(List.of())));
            }
            choose.addAll(select(apply, t, action, t.defaultAction(), t.defaultData()));
            choose = List.of(new IrStmt.Scoped(new IrStmt.Block(choose)));
        }
        out.addAll(choose);
        List<IrStmt.Case> run = new ArrayList<>();
        for (IrStmt.ActionCase c : apply.actions()) {
            run.add(new IrStmt.Case(List.of(new IrPattern.Exact(c.action())), c.body()));
        }
        out.add(new IrStmt.Switch(new IrExpr.Read(action), run, new IrStmt.Block(List.of())));
        return out;
    }

    /**
     * The values of a table's one key cut into intervals: interval {@code i} holds the values from
     * {@code starts[i]} up to the next start, and its first matching entry is {@code firsts[i]}
     * (-1 for none). Neighbouring intervals have different entries.
     */
    private record Intervals(long[] starts, int[] firsts) {}

    /**
     * The intervals of a table with one key of an unsigned type of at most 64 bits; null when some
     * pattern is not one interval of its values (a mask that is not a prefix).
     */
    private static Intervals intervals(IrAppliance.Table t) {
        Type kt = t.keys().getFirst().type();
        if (Arithmetic.signed(kt) || Arithmetic.width(kt) > 64) {
            return null;
        }
        int bits = Arithmetic.width(kt);
        long width = bits == 64 ? -1L : (1L << bits) - 1;
        int n = t.entries().size();
        long[] lo = new long[n];
        long[] hi = new long[n];
        boolean[] never = new boolean[n];
        for (int e = 0; e < n; e++) {
            switch (t.entries().get(e).patterns().getFirst()) {
                case IrPattern.Any any -> hi[e] = width;
                case IrPattern.Exact x -> {
                    lo[e] = x.value();
                    hi[e] = x.value();
                }
                case IrPattern.Range r -> {
                    lo[e] = r.low();
                    hi[e] = r.high();
                    never[e] = Long.compareUnsigned(r.low(), r.high()) > 0;
                }
                case IrPattern.Masked m -> {
                    long inside = m.mask() & width;
                    long free = width & ~inside;
                    if ((free & (free + 1)) != 0) {
                        return null; // not a prefix
                    }
                    lo[e] = m.value() & inside;
                    hi[e] = lo[e] | free;
                    never[e] = (m.value() & m.mask() & ~width) != 0; // needs bits the key never has
                }
            }
        }
        TreeSet<Long> bounds = new TreeSet<>(Long::compareUnsigned);
        bounds.add(0L);
        for (int e = 0; e < n; e++) {
            if (!never[e]) {
                bounds.add(lo[e]);
                if (hi[e] != width) {
                    bounds.add(hi[e] + 1);
                }
            }
        }
        List<Long> starts = new ArrayList<>();
        List<Integer> firsts = new ArrayList<>();
        for (long b : bounds) {
            int first = -1;
            for (int e = 0; e < n && first < 0; e++) {
                if (!never[e] && Long.compareUnsigned(lo[e], b) <= 0 && Long.compareUnsigned(b, hi[e]) <= 0) {
                    first = e;
                }
            }
            if (firsts.isEmpty() || firsts.getLast() != first) {
                starts.add(b);
                firsts.add(first);
            }
        }
        return new Intervals(starts.stream().mapToLong(Long::longValue).toArray(),
                firsts.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The binary search over intervals {@code from..to}: nested {@code key < start} tests. */
    private static IrStmt.Block search(Intervals in, int from, int to, IrLocal key, IrStmt.Apply apply,
            IrAppliance.Table t, IrLocal action) {
        if (from == to) {
            int e = in.firsts[from];
            return new IrStmt.Block(e < 0 ? select(apply, t, action, t.defaultAction(), t.defaultData())
                    : select(apply, t, action, t.entries().get(e).action(), t.entries().get(e).data()));
        }
        int mid = (from + to + 1) >>> 1;
        IrExpr below = compare(BinaryOp.LT, new IrExpr.Read(key), in.starts[mid], key.type());
        return new IrStmt.Block(List.of(new IrStmt.If(below, search(in, from, mid - 1, key, apply, t, action),
                search(in, mid, to, key, apply, t, action))));
    }

    /** Sets the chosen action and the data locals of its case. */
    private static List<IrStmt> select(IrStmt.Apply apply, IrAppliance.Table t, IrLocal action, int index,
            List<Object> data) {
        List<IrStmt> out = new ArrayList<>();
        out.add(new IrStmt.Assign(action, new IrExpr.Const((long) index, U32)));
        for (IrStmt.ActionCase c : apply.actions()) {
            if (c.action() == index) {
                for (int i = 0; i < c.data().size(); i++) {
                    IrLocal d = c.data().get(i);
                    out.add(new IrStmt.Assign(d, new IrExpr.Const(data.get(i), d.type())));
                }
            }
        }
        return out;
    }

    /** All of an entry's key patterns, as one condition ({@code true} for an entry of wildcards). */
    private static IrExpr condition(IrAppliance.Entry e, List<IrLocal> keys) {
        IrExpr all = null;
        for (int i = 0; i < keys.size(); i++) {
            IrExpr k = new IrExpr.Read(keys.get(i));
            Type kt = keys.get(i).type();
            IrExpr test = switch (e.patterns().get(i)) {
                case IrPattern.Any any -> null;
                case IrPattern.Exact x -> compare(BinaryOp.EQ, k, x.value(), kt);
                case IrPattern.Range r -> and(compare(BinaryOp.GE, k, r.low(), kt), compare(BinaryOp.LE, k, r.high(), kt));
                case IrPattern.Masked m -> new IrExpr.Binary(BinaryOp.EQ,
                        new IrExpr.Binary(BinaryOp.BIT_AND, k, new IrExpr.Const(m.mask(), kt), kt),
                        new IrExpr.Const(m.value() & m.mask(), kt), Type.BOOL);
            };
            all = test == null ? all : all == null ? test : and(all, test);
        }
        return all == null ? new IrExpr.Const(1L, Type.BOOL) : all;
    }

    /** A key compared as its type compares (signed or unsigned), like the pattern's values are held. */
    private static IrExpr compare(BinaryOp op, IrExpr k, long v, Type kt) {
        return new IrExpr.Binary(op, k, new IrExpr.Const(v, kt), Type.BOOL);
    }

    private static IrExpr and(IrExpr a, IrExpr b) {
        return new IrExpr.Binary(BinaryOp.AND, a, b, Type.BOOL);
    }
}
