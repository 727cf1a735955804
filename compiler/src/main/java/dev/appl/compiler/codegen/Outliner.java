package dev.appl.compiler.codegen;

import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.compiler.ir.IrWalk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Keeps a packet handler's methods under HotSpot's compile limit: a method of more than 8,000
 * bytes of bytecode ({@code HugeMethodLimit}) is never JIT-compiled and runs in the bytecode
 * interpreter however hot. When a handler's method would be larger than {@link #TARGET}, statements
 * of it are moved ("outlined") into private methods of the kernel, its pieces, until every method
 * is under it.
 *
 * <p>A piece is called with the handler's view, packet segment, start and length and with the
 * locals its statement shares with the rest of the handler, one argument per part of a
 * scalar-replaced value (the locals only it uses are its own). It writes the shared locals it
 * assigns back through fields of the kernel ({@code h$0$1$slot$part} for piece 1 of handler
 * {@code h$0}), as functions return
 * struct values, so nothing is allocated. It returns the handler's fate, or one of the codes
 * below when the handler goes on: the caller then reads the written locals back and falls
 * through, or breaks, continues or leaves where the statement would have.
 *
 * <p>Which statements: the handler is generated into a scratch class with a label around every
 * statement, which gives each statement's size; one statement of a method over the target goes
 * ({@link #choose}), and this repeats until no method is over it or none can be split further.
 * The same IR gives the same sizes, so the choice, and the class, are the same on every build.
 * Timer handlers and functions are not split.
 */
final class Outliner {
    /** The most bytecode a handler's method is left with: HotSpot's limit (8,000) with a margin. */
    static final int TARGET = 7_000;
    /** The most a statement moved into a piece may take, leaving room for the piece's exits. */
    private static final int PIECE_MAX = TARGET - 1_000;
    /** About what the call that replaces a statement takes: arguments, locals read back, exits. */
    private static final int CALL_ALLOWANCE = 128;
    /** Statements smaller than this stay where they are: the call would cost about as much. */
    private static final int MIN_PIECE = 256;
    /** The JVM's bound on a method's parameter slots, {@code this} included. */
    private static final int MAX_PARAM_SLOTS = 255;

    /** What a piece returns when the handler goes on, below the kernel's fates (-1 to -6, ports >= 0). */
    static final int FALL_THROUGH = -64;
    static final int BREAK = -65;
    static final int CONTINUE = -66;
    static final int LEAVE = -67;

    /** The handler's fixed arguments, after {@code this}: view, segment, start and length. */
    static final String FIXED_ARGUMENTS = "L" + Codegen.VIEW + ";L" + Codegen.SEGMENT + ";JJ";

    /** One outlined statement and how its method is called. */
    static final class Piece {
        final IrStmt statement;
        final String name;
        /** Locals passed in, in slot order: used by the statement and elsewhere in the handler. */
        final List<IrLocal> in;
        /** Locals of {@link #in} that the statement writes: written back through fields. */
        final List<IrLocal> out;
        /** Locals only the statement uses: the piece's own, starting as 0 or null. */
        final List<IrLocal> own;
        /** Whether the statement breaks, continues or leaves out of itself. */
        final boolean breaks;
        final boolean continues;
        final boolean leaves;
        /** Set where it is called: whether a loop, or a scope, encloses the call. */
        boolean loopOutside;
        boolean scopeOutside;

        Piece(IrStmt statement, String name, List<IrLocal> in, List<IrLocal> out, List<IrLocal> own,
                boolean breaks, boolean continues, boolean leaves) {
            this.statement = statement;
            this.name = name;
            this.in = in;
            this.out = out;
            this.own = own;
            this.breaks = breaks;
            this.continues = continues;
            this.leaves = leaves;
        }

        String descriptor(Shapes shapes) {
            StringBuilder d = new StringBuilder("(").append(FIXED_ARGUMENTS);
            for (IrLocal l : in) {
                for (Repr r : reprs(shapes, l)) {
                    d.append(r.descriptor);
                }
            }
            return d.append(")I").toString();
        }

        /** The field through which part {@code part} of {@code l} is written back. */
        String field(IrLocal l, int part) {
            return name + "$" + l.slot() + "$" + part;
        }
    }

    /** The plan for one handler: its pieces, by statement, and the order they were last called in. */
    static final class Plan {
        final String method;
        final IrFunction fn;
        final Map<IrStmt, Piece> pieces = new IdentityHashMap<>();
        final List<Piece> called = new ArrayList<>();

        Plan(String method, IrFunction fn) {
            this.method = method;
            this.fn = fn;
        }

        Piece piece(IrStmt s) {
            return pieces.get(s);
        }

        /** A call of {@code p} was generated: it is generated after the methods before it. */
        void calledAt(Piece p, boolean loopOutside, boolean scopeOutside) {
            p.loopOutside = loopOutside;
            p.scopeOutside = scopeOutside;
            if (!called.contains(p)) {
                called.add(p);
            }
        }
    }

    /** A method's size and, when probed, the size of each statement generated in it, in order. */
    record Measured(int size, Map<IrStmt, Integer> statements) {}

    private final Codegen cg;
    private final IrFunction fn;
    private final Plan plan;
    /** How often each local is named in the whole handler. */
    private final Map<IrLocal, Integer> uses = new HashMap<>();
    /** How often each statement occurs in the handler: one shared by two places is not moved. */
    private final Map<IrStmt, Integer> occurrences = new IdentityHashMap<>();

    private Outliner(Codegen cg, String method, IrFunction fn) {
        this.cg = cg;
        this.fn = fn;
        this.plan = new Plan(method, fn);
        IrWalk.block(fn.body(), e -> count(e, uses), s -> {
            count(s, uses);
            occurrences.merge(s, 1, Integer::sum);
        });
    }

    /** The pieces of handler {@code fn}, generated as method {@code method}: none when it is small enough. */
    static Plan plan(Codegen cg, String method, IrFunction fn) {
        Outliner o = new Outliner(cg, method, fn);
        Set<String> unsplittable = new java.util.HashSet<>();
        // Each round moves one statement out; a handler has far fewer statements worth it than this.
        for (int round = 0; round < 1_000; round++) {
            Map<String, Measured> sizes = o.measure();
            String over = null;
            for (Map.Entry<String, Measured> m : sizes.entrySet()) {
                if (m.getValue().size() > TARGET && !unsplittable.contains(m.getKey())) {
                    over = m.getKey();
                    break;
                }
            }
            if (over == null) {
                break;
            }
            Piece p = o.choose(sizes.get(over));
            if (p == null) {
                unsplittable.add(over);
            } else {
                o.plan.pieces.put(p.statement, p);
            }
        }
        o.plan.called.clear();
        return o.plan;
    }

    /** Generates the handler and its pieces into a scratch class: the size of each method and statement. */
    private Map<String, Measured> measure() {
        ClassWriter scratch = new ClassWriter(0);
        Map<String, Measured> out = new LinkedHashMap<>();
        plan.called.clear();
        out.put(plan.method, measureOne(scratch, null));
        for (int i = 0; i < plan.called.size(); i++) {
            Piece p = plan.called.get(i);
            out.put(p.name, measureOne(scratch, p));
        }
        return out;
    }

    private Measured measureOne(ClassWriter scratch, Piece p) {
        MethodVisitor mv = scratch.visitMethod(0, p == null ? plan.method : p.name, "()V", null, null);
        Map<IrStmt, Label[]> probes = new LinkedHashMap<>();
        Label end = new Label();
        MethodGen g = new MethodGen(cg, mv, MethodGen.Mode.HANDLER, fn, plan, p);
        g.probe(probes, end);
        g.body();
        Map<IrStmt, Integer> statements = new LinkedHashMap<>();
        for (Map.Entry<IrStmt, Label[]> e : probes.entrySet()) {
            statements.put(e.getKey(), e.getValue()[1].getOffset() - e.getValue()[0].getOffset());
        }
        return new Measured(end.getOffset(), statements);
    }

    /**
     * The statement of a method over the target to move out: the smallest that brings it under
     * the target and fits in a piece (the fewer bytes moved, the fewer calls); else the largest
     * that fits, and more go in later rounds; else the largest smaller than the method, to be split
     * in turn; null when none is worth it.
     */
    private Piece choose(Measured method) {
        int need = method.size() - TARGET + CALL_ALLOWANCE;
        IrStmt enough = null;
        int enoughSize = Integer.MAX_VALUE;
        IrStmt largest = null;
        int largestSize = 0;
        IrStmt fallback = null;
        int fallbackSize = 0;
        for (Map.Entry<IrStmt, Integer> e : method.statements().entrySet()) {
            IrStmt s = e.getKey();
            int size = e.getValue();
            if (size < MIN_PIECE || size >= method.size() - MIN_PIECE || !worthMoving(s) || plan.pieces.containsKey(s)
                    || occurrences.get(s) != 1 || !fits(s)) {
                continue;
            }
            if (size <= PIECE_MAX) {
                if (size >= need && size < enoughSize) {
                    enough = s;
                    enoughSize = size;
                }
                if (size > largestSize) {
                    largest = s;
                    largestSize = size;
                }
            } else if (size > fallbackSize) {
                fallback = s;
                fallbackSize = size;
            }
        }
        IrStmt s = enough != null ? enough : largest != null ? largest : fallback;
        return s == null ? null : piece(s);
    }

    private static boolean worthMoving(IrStmt s) {
        return !(s instanceof IrStmt.Break || s instanceof IrStmt.Continue || s instanceof IrStmt.Leave
                || s instanceof IrStmt.Return || s instanceof IrStmt.Fate);
    }

    /** Whether the locals {@code s} takes fit in a method's parameters. */
    private boolean fits(IrStmt s) {
        int slots = 1 + 1 + 1 + 2 + 2;
        for (IrLocal l : piece(s).in) {
            for (Repr r : reprs(cg.shapes, l)) {
                slots += r.slots();
            }
        }
        return slots <= MAX_PARAM_SLOTS;
    }

    private Piece piece(IrStmt s) {
        Map<IrLocal, Integer> inside = new HashMap<>();
        Set<IrLocal> written = new LinkedHashSet<>();
        IrWalk.block(new IrStmt.Block(List.of(s)), e -> count(e, inside), t -> {
            count(t, inside);
            targets(t, written::add);
        });
        List<IrLocal> in = new ArrayList<>();
        List<IrLocal> own = new ArrayList<>();
        for (IrLocal l : fn.locals()) {
            Integer n = inside.get(l);
            if (n == null) {
                continue;
            }
            (uses.getOrDefault(l, 0) > n ? in : own).add(l);
        }
        List<IrLocal> out = in.stream().filter(written::contains).toList();
        boolean[] escapes = new boolean[3];
        escapes(s, 0, 0, escapes);
        return new Piece(s, plan.method + "$" + plan.pieces.size(), List.copyOf(in), out, List.copyOf(own),
                escapes[0], escapes[1], escapes[2]);
    }

    /** Marks in {@code found} a break, continue or leave of {@code s} that goes out of it. */
    private static void escapes(IrStmt s, int loops, int scopes, boolean[] found) {
        switch (s) {
            case IrStmt.Break b -> found[0] |= loops == 0;
            case IrStmt.Continue c -> found[1] |= loops == 0;
            case IrStmt.Leave l -> found[2] |= scopes == 0;
            case IrStmt.If i -> {
                escapes(i.then(), loops, scopes, found);
                escapes(i.orElse(), loops, scopes, found);
            }
            case IrStmt.Switch sw -> {
                sw.cases().forEach(c -> escapes(c.body(), loops, scopes, found));
                escapes(sw.otherwise(), loops, scopes, found);
            }
            case IrStmt.Loop l -> escapes(l.body(), loops + 1, scopes, found);
            case IrStmt.Scoped sc -> escapes(sc.body(), loops, scopes + 1, found);
            case IrStmt.MapGet g -> escapes(g.missing(), loops, scopes, found);
            case IrStmt.StoreGet g -> escapes(g.missing(), loops, scopes, found);
            case IrStmt.Apply a -> a.actions().forEach(c -> escapes(c.body(), loops, scopes, found));
            default -> {}
        }
    }

    private static void escapes(IrStmt.Block b, int loops, int scopes, boolean[] found) {
        for (IrStmt s : b.statements()) {
            escapes(s, loops, scopes, found);
        }
    }

    private static void count(IrExpr e, Map<IrLocal, Integer> uses) {
        switch (e) {
            case IrExpr.Read r -> uses.merge(r.local(), 1, Integer::sum);
            case IrExpr.Load l -> uses.merge(l.header(), 1, Integer::sum);
            case IrExpr.HeaderValue h -> uses.merge(h.header(), 1, Integer::sum);
            default -> {}
        }
    }

    private static void count(IrStmt s, Map<IrLocal, Integer> uses) {
        Consumer<IrLocal> use = l -> uses.merge(l, 1, Integer::sum);
        targets(s, use);
        if (s instanceof IrStmt.Store st) {
            use.accept(st.header());
        }
    }

    /** The locals statement {@code s} itself (not its inner statements) writes. */
    private static void targets(IrStmt s, Consumer<IrLocal> write) {
        switch (s) {
            case IrStmt.Assign a -> write.accept(a.target());
            case IrStmt.AssignPart a -> write.accept(a.target());
            case IrStmt.Loop l -> write.accept(l.counter());
            case IrStmt.MapGet g -> write.accept(g.target());
            case IrStmt.StoreGet g -> write.accept(g.target());
            case IrStmt.Apply a -> {
                if (a.result() != null) {
                    write.accept(a.result());
                }
                a.actions().forEach(c -> c.data().forEach(write));
            }
            case IrStmt.Insert ins -> ins.moved().forEach(write);
            case IrStmt.Remove rm -> {
                write.accept(rm.header());
                rm.moved().forEach(write);
            }
            default -> {}
        }
    }

    /** The representation of each JVM value {@code l} is held in: one per part when scalar-replaced. */
    static Repr[] reprs(Shapes shapes, IrLocal l) {
        if (shapes.exploded(l.type())) {
            return shapes.partReprs(l.type());
        }
        Repr r = shapes.repr(l.type());
        return r == Repr.VOID ? new Repr[0] : new Repr[] {r};
    }
}
