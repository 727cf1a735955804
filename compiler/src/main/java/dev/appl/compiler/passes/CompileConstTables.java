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
import java.util.List;

/**
 * Turns the application of a table whose entries are all in the spec (const, nothing loaded) into
 * plain code: the entries are tried in order as conditions on the keys (one switch when the only
 * key is exact), which choose the action and its data; then a switch runs that action. Later passes
 * then fold and prune it like any other code.
 */
public final class CompileConstTables implements Pass {
    private static final Type U32 = BuiltinTypes.u(32);

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
