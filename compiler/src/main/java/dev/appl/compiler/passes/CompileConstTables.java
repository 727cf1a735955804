package dev.appl.compiler.passes;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the application of a table with const entries into plain code that chooses the action
 * and its data, then a switch that runs that action. The choice is a {@link DecisionTree}: nested
 * {@code key < bound} tests (a binary search over a key's intervals) and switches on narrow exact
 * keys, down to leaves that test the few entries left in order, so that it gives the first
 * matching entry as trying the entries in order would. When no const entry matches, a table that
 * also loads entries at run time looks those up (an {@code apply runtime}, which skips the const
 * entries), else the default action is chosen. A table that loads entries and has only a few
 * const ones is left as it is ({@link #compiles}).
 *
 * <p>A small tree is written where the table is applied. A larger one becomes functions of its
 * own ({@code TABLE_tree}) that return the chosen entry, so that the handler stays small enough
 * for the JIT to compile and inline; a function grows to about {@link #FUNCTION_MAX} units of
 * code, then its largest subtrees (or its entries, or its intervals) go to further functions:
 * no method comes near the JVM's 8,000 bytes beyond which HotSpot does not compile it, nor its
 * 64 KiB limit. A tree of more than {@link #PER_ENTRY} units of code per entry (at least
 * {@link #TOTAL_MIN}) is not used: the entries are tried in order, and a note says why.
 *
 * <p>Later passes then fold and prune it like any other code.
 */
public final class CompileConstTables implements Pass {
    private static final Type U32 = BuiltinTypes.u(32);
    /** The number a search leaves for the child to run after it. */
    private static final Type PART = BuiltinTypes.u(16);
    /** A table that also loads entries keeps up to this many const entries in order ({@link #compiles}). */
    public static final int IN_ORDER_MAX = 16;
    /** Trees up to this size (in {@link DecisionTree#size} units) are written in place. */
    static final int INLINE_MAX = 48;
    /** About the most units of code one tree function holds (roughly 10 to 15 bytes of bytecode each). */
    static final int FUNCTION_MAX = 400;
    /** Out of line, up to this many different entries' choices are written in the handler, as a switch. */
    static final int CHOICES_INLINE = 16;
    /** A tree may be this many units of code per entry... */
    static final int PER_ENTRY = 24;
    /** ...or this many, whichever is more. */
    static final int TOTAL_MIN = 2048;

    @Override
    public String description() {
        return "tables with const entries become code: decision trees over their keys";
    }

    @Override
    public void run(IrAppliance ir) {
        Map<Integer, Compiled> compiled = new HashMap<>();
        for (IrFunction f : Functions.all(ir)) {
            new IrRewriter() {
                @Override
                List<IrStmt> after(IrStmt s) {
                    if (s instanceof IrStmt.Apply a && !a.runtimeOnly() && compiles(ir.tables.get(a.table()))) {
                        return compiled.computeIfAbsent(a.table(), t -> new Compiled(ir, t)).apply(f, a);
                    }
                    return List.of(s);
                }
            }.rewrite(f);
        }
    }

    /**
     * Whether a table's const entries become a tree. A table that also loads entries at run time
     * and has only a few const ones keeps them tried in order by its apply: on traffic whose keys
     * vary at random a tree's cuts mispredict, where a few in-order tests mostly fail the same way
     * (the firewall with 1,000 loaded rules: 67 to 72 ns a packet with its 12 const entries in
     * order, 84 to 103 ns with them as a tree; docs/performance.md). Many const entries are a
     * tree all the same: in order, their tests alone would outgrow what HotSpot compiles.
     */
    private static boolean compiles(IrAppliance.Table table) {
        return table.constEntries() && (table.loadParam() == null || table.entries().size() > IN_ORDER_MAX);
    }

    /** One table's tree, and the functions made of it (shared by every application of the table). */
    private static final class Compiled {
        private final IrAppliance ir;
        private final int index;
        private final IrAppliance.Table table;
        private final int[] outcome;
        private final DecisionTree.Node root;
        /** The tree's functions, by the node (or search range) they compute. */
        private final Map<Object, IrFunction> functions = new HashMap<>();
        private final Type entryType;
        /** What a tree function returns when no const entry matches. */
        private final long none;
        /** What a function of some of a leaf's tests returns when none passes. */
        private final long untried;

        Compiled(IrAppliance ir, int index) {
            this.ir = ir;
            this.index = index;
            this.table = ir.tables.get(index);
            this.outcome = DecisionTree.outcomes(table);
            int n = table.entries().size();
            none = n;
            untried = n + 1;
            entryType = n + 1 < 1 << 16 ? BuiltinTypes.u(16) : U32;
            DecisionTree tree = DecisionTree.build(table);
            long budget = Math.max(TOTAL_MIN, (long) PER_ENTRY * n);
            long size = tree == null ? -1 : DecisionTree.size(tree.root);
            if (tree != null && size <= budget) {
                root = tree.root;
            } else {
                root = DecisionTree.inOrder(table);
                ir.notes.add("table " + table.name() + ": const entries tried in order: " + (tree == null
                        ? "a decision tree over its keys would have more than " + DecisionTree.NODE_LIMIT
                                + " nodes, or a key wider than 64 bits"
                        : "a decision tree over its keys would be " + size + " units of code, more than "
                                + budget + " for " + n + " entries"));
            }
        }

        List<IrStmt> apply(IrFunction f, IrStmt.Apply apply) {
            List<IrStmt> out = new ArrayList<>();
            List<IrLocal> keys = new ArrayList<>();
            for (int i = 0; i < apply.keys().size(); i++) {
                IrLocal k = f.local(table.name() + "_key" + i, table.keys().get(i).type());
                out.add(new IrStmt.Assign(k, apply.keys().get(i)));
                keys.add(k);
            }
            IrLocal action = apply.result() != null ? apply.result() : f.local(table.name() + "_action", U32);
            Choice choice = new Choice(apply, keys, action);
            if (DecisionTree.size(root) <= INLINE_MAX) {
                out.addAll(new Emitter(f, keys, choice).node(root));
            } else {
                IrLocal entry = f.local(table.name() + "_entry", entryType);
                out.add(new IrStmt.Assign(entry, new IrExpr.Call(function(root), reads(keys), entryType)));
                List<IrStmt.Case> cases = new ArrayList<>();
                for (int e = 0; e < outcome.length; e++) {
                    if (outcome[e] == e) {
                        cases.add(new IrStmt.Case(List.of(new IrPattern.Exact(e)), new IrStmt.Block(choice.code(e))));
                    }
                }
                if (cases.size() <= CHOICES_INLINE || !scalarData()) {
                    out.add(new IrStmt.Switch(new IrExpr.Read(entry), cases,
                            new IrStmt.Block(choice.code(DecisionTree.NONE))));
                } else {
                    // Many entries of their own data: the handler asks functions for the entry's
                    // action and each datum rather than holding a case for every entry.
                    List<IrStmt> chosen = new ArrayList<>();
                    chosen.add(new IrStmt.Assign(action, new IrExpr.Call(column(-1, U32), List.of(new IrExpr.Read(entry)), U32)));
                    for (IrStmt.ActionCase c : apply.actions()) {
                        for (int i = 0; i < c.data().size(); i++) {
                            IrLocal d = c.data().get(i);
                            chosen.add(new IrStmt.Assign(d, new IrExpr.Call(column(c.action() * 1024 + i, d.type()),
                                    List.of(new IrExpr.Read(entry)), d.type())));
                        }
                    }
                    out.add(new IrStmt.If(new IrExpr.Binary(BinaryOp.EQ, new IrExpr.Read(entry),
                            new IrExpr.Const(none, entryType), Type.BOOL),
                            new IrStmt.Block(choice.code(DecisionTree.NONE)), new IrStmt.Block(chosen)));
                }
            }
            List<IrStmt.Case> run = new ArrayList<>();
            for (IrStmt.ActionCase c : apply.actions()) {
                run.add(new IrStmt.Case(List.of(new IrPattern.Exact(c.action())), c.body()));
            }
            out.add(new IrStmt.Switch(new IrExpr.Read(action), run, new IrStmt.Block(List.of())));
            return out;
        }

        private boolean scalarData() {
            return table.entries().stream().allMatch(e -> e.data().stream().allMatch(Long.class::isInstance));
        }

        /**
         * The function from an entry's number to its action ({@code which} -1) or to datum
         * {@code which % 1024} of action {@code which / 1024}: a switch, entries of the same value
         * in one case.
         */
        private IrFunction column(int which, Type type) {
            List<Object> key = List.of("column", which);
            IrFunction known = functions.get(key);
            if (known != null) {
                return known;
            }
            IrFunction f = new IrFunction(unique(table.name() + (which < 0 ? "_action_of" : "_datum_of")),
                    IrFunction.Kind.FUNCTION, type);
            IrLocal entry = f.param("entry", entryType);
            ir.functions.add(f);
            functions.put(key, f);
            Map<Long, List<IrPattern>> byValue = new java.util.LinkedHashMap<>();
            for (int e = 0; e < outcome.length; e++) {
                IrAppliance.Entry x = table.entries().get(e);
                if (outcome[e] == e && (which < 0 || x.action() == which / 1024)) {
                    long v = which < 0 ? x.action() : (Long) x.data().get(which % 1024);
                    byValue.computeIfAbsent(v, k -> new ArrayList<>()).add(new IrPattern.Exact(e));
                }
            }
            List<IrStmt.Case> cases = new ArrayList<>();
            byValue.forEach((v, entries) -> cases.add(new IrStmt.Case(entries,
                    new IrStmt.Block(List.of(new IrStmt.Return(new IrExpr.Const(v, type)))))));
            f.setBody(new IrStmt.Block(List.of(new IrStmt.Switch(new IrExpr.Read(entry), cases,
                    new IrStmt.Block(List.of(new IrStmt.Return(new IrExpr.Const(0L, type))))))));
            return f;
        }

        /** What a leaf's outcome becomes where the tree is written in place: the choice itself. */
        private final class Choice implements Outcome {
            private final IrStmt.Apply apply;
            private final List<IrLocal> keys;
            private final IrLocal action;

            Choice(IrStmt.Apply apply, List<IrLocal> keys, IrLocal action) {
                this.apply = apply;
                this.keys = keys;
                this.action = action;
            }

            @Override
            public List<IrStmt> code(int entry) {
                if (entry != DecisionTree.NONE) {
                    IrAppliance.Entry e = table.entries().get(entry);
                    return select(e.action(), e.data());
                }
                if (table.loadParam() == null) {
                    return select(table.defaultAction(), table.defaultData());
                }
                // The run-time entries (then the default) choose; the action runs after the choice.
                List<IrStmt.ActionCase> cases = new ArrayList<>();
                for (IrStmt.ActionCase c : apply.actions()) {
                    cases.add(new IrStmt.ActionCase(c.action(), c.data(), new IrStmt.Block(List.of())));
                }
                return List.of(new IrStmt.Apply(index, reads(keys), cases, action, true));
            }

            @Override
            public boolean exits() {
                return false;
            }

            /** Sets the chosen action and the data locals of its case. */
            private List<IrStmt> select(int chosen, List<Object> data) {
                List<IrStmt> out = new ArrayList<>();
                out.add(new IrStmt.Assign(action, new IrExpr.Const((long) chosen, U32)));
                for (IrStmt.ActionCase c : apply.actions()) {
                    if (c.action() == chosen) {
                        for (int i = 0; i < c.data().size(); i++) {
                            IrLocal d = c.data().get(i);
                            out.add(new IrStmt.Assign(d, new IrExpr.Const(data.get(i), d.type())));
                        }
                    }
                }
                return out;
            }
        }

        /** What a leaf's outcome becomes in a tree function: the entry returned. */
        private final class Returned implements Outcome {
            @Override
            public List<IrStmt> code(int entry) {
                return List.of(new IrStmt.Return(new IrExpr.Const(entry == DecisionTree.NONE ? none : entry, entryType)));
            }

            @Override
            public boolean exits() {
                return true;
            }
        }

        /** The function that computes {@code node}'s entry (made once, whatever the paths to the node). */
        private IrFunction function(DecisionTree.Node node) {
            IrFunction known = functions.get(node);
            if (known != null) {
                return known;
            }
            IrFunction f = newFunction();
            functions.put(node, f);
            f.setBody(new IrStmt.Block(new Emitter(f, f.params(), new Returned()).node(node)));
            return f;
        }

        /** The function that runs intervals {@code from..to} of {@code cut}'s search. */
        private IrFunction searchFunction(DecisionTree.Cut cut, int from, int to) {
            List<Object> key = List.of(cut, from, to);
            IrFunction known = functions.get(key);
            if (known != null) {
                return known;
            }
            IrFunction f = newFunction();
            functions.put(key, f);
            f.setBody(new IrStmt.Block(new Emitter(f, f.params(), new Returned()).search(cut, from, to)));
            return f;
        }

        /** The function that tries {@code tests} in order, returning {@link #untried} if none passes. */
        private IrFunction testsFunction(List<DecisionTree.Test> tests) {
            IrFunction f = newFunction();
            Emitter e = new Emitter(f, f.params(), new Returned());
            List<IrStmt> body = new ArrayList<>();
            for (DecisionTree.Test t : tests) {
                body.add(new IrStmt.If(e.condition(t), new IrStmt.Block(e.leaves.code(outcome[t.entry()])),
                        new IrStmt.Block(List.of())));
            }
            body.add(new IrStmt.Return(new IrExpr.Const(untried, entryType)));
            f.setBody(new IrStmt.Block(body));
            return f;
        }

        private String unique(String name) {
            String unique = name;
            for (int i = 1; taken(unique); i++) {
                unique = name + i;
            }
            return unique;
        }

        private IrFunction newFunction() {
            IrFunction f = new IrFunction(unique(table.name() + "_tree"), IrFunction.Kind.FUNCTION, entryType);
            for (int k = 0; k < table.keys().size(); k++) {
                f.param("key" + k, table.keys().get(k).type());
            }
            ir.functions.add(f);
            return f;
        }

        private boolean taken(String name) {
            return ir.functions.stream().anyMatch(f -> f.name().equals(name));
        }

        /** Writes tree nodes as statements of function {@code f}, over the keys in {@code keys}. */
        private final class Emitter {
            private final IrFunction f;
            private final List<IrLocal> keys;
            final Outcome leaves;

            Emitter(IrFunction f, List<IrLocal> keys, Outcome outcome) {
                this.f = f;
                this.keys = keys;
                this.leaves = outcome;
            }

            List<IrStmt> node(DecisionTree.Node node) {
                return switch (node) {
                    case DecisionTree.Leaf l -> leaf(l);
                    case DecisionTree.Cut c when c.jump() -> jump(c);
                    case DecisionTree.Cut c -> search(c, 0, c.starts().size() - 1);
                };
            }

            /**
             * A child in a tree function: written here while the function stays small, else a call
             * of a function of its own.
             */
            private List<IrStmt> child(DecisionTree.Node child, boolean inline) {
                if (inline) {
                    return node(child);
                }
                return List.of(new IrStmt.Return(new IrExpr.Call(function(child), reads(keys), entryType)));
            }

            private List<IrStmt> leaf(DecisionTree.Leaf l) {
                List<IrStmt> out = new ArrayList<>();
                if (leaves.exits() && DecisionTree.size(l) > FUNCTION_MAX) {
                    // Too many tests for one function: a function per slice of them, tried in order.
                    IrLocal found = f.local("found", entryType);
                    int per = FUNCTION_MAX / 2;
                    List<DecisionTree.Test> slice = new ArrayList<>();
                    int units = 0;
                    for (int i = 0; i <= l.tests().size(); i++) {
                        DecisionTree.Test t = i < l.tests().size() ? l.tests().get(i) : null;
                        if (t == null || units + 1 + t.keys().size() > per && !slice.isEmpty()) {
                            out.add(new IrStmt.Assign(found, new IrExpr.Call(testsFunction(slice), reads(keys), entryType)));
                            out.add(new IrStmt.If(new IrExpr.Binary(BinaryOp.NE, new IrExpr.Read(found),
                                    new IrExpr.Const(untried, entryType), Type.BOOL),
                                    new IrStmt.Block(List.of(new IrStmt.Return(new IrExpr.Read(found)))),
                                    new IrStmt.Block(List.of())));
                            slice = new ArrayList<>();
                            units = 0;
                        }
                        if (t != null) {
                            slice.add(t);
                            units += 1 + t.keys().size();
                        }
                    }
                    out.addAll(leaves.code(l.last()));
                    return out;
                }
                if (l.tests().isEmpty()) {
                    return leaves.code(l.last());
                }
                if (l.tests().size() == 1 && !leaves.exits()) {
                    DecisionTree.Test t = l.tests().getFirst();
                    return List.of(new IrStmt.If(condition(t), new IrStmt.Block(leaves.code(outcome[t.entry()])),
                            new IrStmt.Block(leaves.code(l.last()))));
                }
                for (DecisionTree.Test t : l.tests()) {
                    List<IrStmt> chosen = new ArrayList<>(leaves.code(outcome[t.entry()]));
                    if (!leaves.exits()) {
                        chosen.add(new IrStmt.Leave());
                    }
                    out.add(new IrStmt.If(condition(t), new IrStmt.Block(chosen), new IrStmt.Block(List.of())));
                }
                out.addAll(leaves.code(l.last()));
                return leaves.exits() ? out : List.of(new IrStmt.Scoped(new IrStmt.Block(out)));
            }

            /** A switch on a narrow key: a case for each value some entry names, the wildcards' child otherwise. */
            private List<IrStmt> jump(DecisionTree.Cut c) {
                int otherwise = c.child().getLast();
                for (int i = 0; i < c.starts().size(); i++) {
                    if (!single(c, i)) {
                        otherwise = c.child().get(i);
                        break;
                    }
                }
                boolean[] inline = inlined(c);
                List<IrStmt.Case> cases = new ArrayList<>();
                for (int child = 0; child < c.children().size(); child++) {
                    List<IrPattern> values = new ArrayList<>();
                    for (int i = 0; i < c.starts().size(); i++) {
                        if (c.child().get(i) == child && child != otherwise) {
                            values.add(new IrPattern.Exact(c.starts().get(i)));
                        }
                    }
                    if (!values.isEmpty()) {
                        cases.add(new IrStmt.Case(values, new IrStmt.Block(child(c.children().get(child), inline[child]))));
                    }
                }
                return List.of(new IrStmt.Switch(new IrExpr.Read(keys.get(c.key())), cases,
                        new IrStmt.Block(child(c.children().get(otherwise), inline[otherwise]))));
            }

            private boolean single(DecisionTree.Cut c, int i) {
                return i + 1 < c.starts().size() && c.starts().get(i + 1) - 1 == c.starts().get(i);
            }

            /**
             * Which children of a cut a tree function writes in place: the smallest first while
             * the function stays within {@link #FUNCTION_MAX}; all of them in place of the apply.
             */
            private boolean[] inlined(DecisionTree.Cut c) {
                boolean[] inline = new boolean[c.children().size()];
                java.util.Arrays.fill(inline, true);
                if (!leaves.exits() || DecisionTree.size(c) <= FUNCTION_MAX) {
                    return inline;
                }
                Integer[] bySize = new Integer[inline.length];
                for (int i = 0; i < bySize.length; i++) {
                    bySize[i] = i;
                }
                java.util.Arrays.sort(bySize, java.util.Comparator.comparingLong((Integer i) ->
                        DecisionTree.size(c.children().get(i))).thenComparingInt(i -> i));
                long units = c.starts().size();
                for (int i : bySize) {
                    long size = DecisionTree.size(c.children().get(i));
                    inline[i] = size <= 2 || units + size <= FUNCTION_MAX;
                    units += inline[i] ? size : 1;
                }
                return inline;
            }

            /**
             * How a binary search reaches each child: written in each interval that leads to it, or
             * (when {@code shared} gives it a number) once, after the search, which leaves the
             * number in {@code which}.
             */
            private record Parts(boolean[] inline, int[] shared, IrLocal which) {}

            private Parts parts(DecisionTree.Cut c, int from, int to) {
                boolean[] inline = inlined(c);
                int[] refs = new int[c.children().size()];
                for (int i = from; i <= to; i++) {
                    refs[c.child().get(i)]++;
                }
                // A child reached from several intervals is written once; a child of one
                // statement (or a call) is cheaper written again. Where the tree is written in
                // place nothing returns, so once one child is numbered all are.
                boolean any = false;
                boolean[] share = new boolean[refs.length];
                for (int i = 0; i < refs.length; i++) {
                    share[i] = refs[i] > 1 && inline[i] && DecisionTree.size(c.children().get(i)) > 1;
                    any |= share[i];
                }
                int[] shared = new int[refs.length];
                int n = 0;
                for (int i = 0; i < refs.length; i++) {
                    shared[i] = share[i] || any && !leaves.exits() && refs[i] > 0 ? n++ : -1;
                }
                return new Parts(inline, shared, n == 0 ? null : f.local(table.name() + "_part", PART));
            }

            /** The binary search over intervals {@code from..to} of a cut, then the children it numbered. */
            private List<IrStmt> search(DecisionTree.Cut c, int from, int to) {
                Parts parts = parts(c, from, to);
                List<IrStmt> out = new ArrayList<>(intervals(c, from, to, parts, true));
                if (parts.which() != null) {
                    out.addAll(numbered(c, parts));
                }
                return out;
            }

            /**
             * Nested {@code key < start} tests down to the intervals. In a tree function, a range of
             * more than half a function's worth of intervals below the top goes to a function.
             */
            private List<IrStmt> intervals(DecisionTree.Cut c, int from, int to, Parts parts, boolean top) {
                if (!top && leaves.exits() && to - from + 1 > FUNCTION_MAX / 2) {
                    return List.of(new IrStmt.Return(new IrExpr.Call(searchFunction(c, from, to), reads(keys), entryType)));
                }
                if (from == to) {
                    int child = c.child().get(from);
                    if (parts.shared()[child] >= 0) {
                        return List.of(new IrStmt.Assign(parts.which(), new IrExpr.Const((long) parts.shared()[child], PART)));
                    }
                    return child(c.children().get(child), parts.inline()[child]);
                }
                int mid = (from + to + 1) >>> 1;
                IrLocal key = keys.get(c.key());
                IrExpr below = new IrExpr.Binary(BinaryOp.LT, new IrExpr.Read(key),
                        new IrExpr.Const(c.starts().get(mid), key.type()), Type.BOOL);
                return List.of(new IrStmt.If(below, new IrStmt.Block(intervals(c, from, mid - 1, parts, false)),
                        new IrStmt.Block(intervals(c, mid, to, parts, false))));
            }

            /** The children the search numbered, chosen by their number; the last is the otherwise. */
            private List<IrStmt> numbered(DecisionTree.Cut c, Parts parts) {
                List<IrStmt.Case> cases = new ArrayList<>();
                for (int child = 0; child < parts.shared().length; child++) {
                    if (parts.shared()[child] >= 0) {
                        cases.add(new IrStmt.Case(List.of(new IrPattern.Exact(parts.shared()[child])),
                                new IrStmt.Block(child(c.children().get(child), parts.inline()[child]))));
                    }
                }
                IrStmt.Block last = cases.removeLast().body();
                return cases.isEmpty() ? last.statements()
                        : List.of(new IrStmt.Switch(new IrExpr.Read(parts.which()), cases, last));
            }

            /** Entry {@code t.entry()}'s patterns on the keys its test looks at, as one condition. */
            IrExpr condition(DecisionTree.Test t) {
                IrAppliance.Entry e = table.entries().get(t.entry());
                IrExpr all = null;
                for (int i : t.keys()) {
                    IrExpr k = new IrExpr.Read(keys.get(i));
                    Type kt = keys.get(i).type();
                    IrExpr test = switch (e.patterns().get(i)) {
                        case IrPattern.Any any -> null;
                        case IrPattern.Exact x -> compare(BinaryOp.EQ, k, x.value(), kt);
                        case IrPattern.Range r when r.low() == r.high() -> compare(BinaryOp.EQ, k, r.low(), kt);
                        case IrPattern.Range r -> and(compare(BinaryOp.GE, k, r.low(), kt), compare(BinaryOp.LE, k, r.high(), kt));
                        case IrPattern.Masked m -> new IrExpr.Binary(BinaryOp.EQ,
                                new IrExpr.Binary(BinaryOp.BIT_AND, k, new IrExpr.Const(m.mask(), kt), kt),
                                new IrExpr.Const(m.value() & m.mask(), kt), Type.BOOL);
                    };
                    all = test == null ? all : all == null ? test : and(all, test);
                }
                return all == null ? new IrExpr.Const(1L, Type.BOOL) : all;
            }
        }
    }

    /** What the choice of an entry (or of none, {@link DecisionTree#NONE}) becomes at a leaf. */
    private interface Outcome {
        List<IrStmt> code(int entry);

        /** Whether that code leaves the function (a return), so that nothing after it runs. */
        boolean exits();
    }

    private static List<IrExpr> reads(List<IrLocal> locals) {
        return locals.stream().map(l -> (IrExpr) new IrExpr.Read(l)).toList();
    }

    /** A key compared as its type compares (signed or unsigned), like the pattern's values are held. */
    private static IrExpr compare(BinaryOp op, IrExpr k, long v, Type kt) {
        return new IrExpr.Binary(op, k, new IrExpr.Const(v, kt), Type.BOOL);
    }

    private static IrExpr and(IrExpr a, IrExpr b) {
        return new IrExpr.Binary(BinaryOp.AND, a, b, Type.BOOL);
    }
}
