package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.compiler.ir.IrWalk;
import java.util.IdentityHashMap;
import java.util.Map;

/** Counts, for one function, how often each local is written and read, and which expressions are pure. */
final class Uses {
    final Map<IrLocal, Integer> writes = new IdentityHashMap<>();
    final Map<IrLocal, Integer> reads = new IdentityHashMap<>();

    static Uses of(IrFunction f) {
        Uses u = new Uses();
        f.params().forEach(p -> u.writes.merge(p, 1, Integer::sum));
        u.block(f.body());
        return u;
    }

    int writes(IrLocal l) {
        return writes.getOrDefault(l, 0);
    }

    int reads(IrLocal l) {
        return reads.getOrDefault(l, 0);
    }

    private void write(IrLocal l) {
        writes.merge(l, 1, Integer::sum);
    }

    private void read(IrLocal l) {
        reads.merge(l, 1, Integer::sum);
    }

    private void block(IrStmt.Block b) {
        b.statements().forEach(this::stmt);
    }

    private void stmt(IrStmt s) {
        switch (s) {
            case IrStmt.Assign a -> {
                write(a.target());
                expr(a.value());
            }
            case IrStmt.AssignPart a -> {
                write(a.target());
                read(a.target());
                a.path().forEach(this::expr);
                expr(a.value());
            }
            case IrStmt.Store st -> {
                read(st.header());
                expr(st.value());
            }
            case IrStmt.If i -> {
                expr(i.condition());
                block(i.then());
                block(i.orElse());
            }
            case IrStmt.Switch sw -> {
                expr(sw.subject());
                sw.cases().forEach(c -> block(c.body()));
                block(sw.otherwise());
            }
            case IrStmt.Loop l -> {
                write(l.counter());
                expr(l.from());
                expr(l.to());
                block(l.body());
            }
            case IrStmt.Return r -> {
                if (r.value() != null) {
                    expr(r.value());
                }
            }
            case IrStmt.Fate f -> {
                if (f.payload() != null) {
                    expr(f.payload());
                }
            }
            case IrStmt.Require r -> expr(r.end());
            case IrStmt.CounterAdd c -> expr(c.delta());
            case IrStmt.ConnectionSet c -> expr(c.value());
            case IrStmt.Eval e -> expr(e.expr());
            case IrStmt.StoreGet g -> {
                write(g.target());
                expr(g.key());
                block(g.missing());
            }
            case IrStmt.MapGet g -> {
                write(g.target());
                expr(g.key());
                block(g.missing());
            }
            case IrStmt.Apply a -> {
                a.keys().forEach(this::expr);
                if (a.result() != null) {
                    write(a.result());
                }
                for (IrStmt.ActionCase c : a.actions()) {
                    c.data().forEach(this::write);
                    block(c.body());
                }
            }
            case IrStmt.Insert i -> {
                expr(i.at());
                expr(i.header());
                i.moved().forEach(l -> {
                    read(l);
                    write(l);
                });
            }
            case IrStmt.Remove r -> {
                read(r.header());
                write(r.header());
                expr(r.length());
                r.moved().forEach(l -> {
                    read(l);
                    write(l);
                });
            }
            case IrStmt.Scoped sc -> block(sc.body());
            case IrStmt.Break b -> {}
            case IrStmt.Continue c -> {}
            case IrStmt.Leave l -> {}
        }
    }

    private void expr(IrExpr e) {
        IrWalk.expression(e, x -> {
            switch (x) {
                case IrExpr.Read r -> read(r.local());
                case IrExpr.Load l -> read(l.header());
                case IrExpr.HeaderValue h -> read(h.header());
                default -> {}
            }
        });
    }

    /**
     * Whether evaluating e has no effect and cannot fail, so that it may be dropped or moved:
     * calls, state changes, and indexes or slices (which can take the malformed path) are not.
     */
    static boolean pure(IrExpr e) {
        return switch (e) {
            case IrExpr.Const c -> true;
            case IrExpr.Read r -> true;
            case IrExpr.Load l -> true; // within the extent a Require already checked
            case IrExpr.PacketLength p -> true;
            case IrExpr.ParamValue p -> true;
            case IrExpr.CounterValue c -> true;
            case IrExpr.ConnectionValue c -> true;
            case IrExpr.Unary u -> pure(u.operand());
            case IrExpr.Binary b -> pure(b.left()) && pure(b.right());
            case IrExpr.Convert c -> pure(c.value());
            case IrExpr.Aggregate a -> a.parts().stream().allMatch(Uses::pure);
            case IrExpr.Element el -> pure(el.aggregate());
            case IrExpr.MapOp m -> (m.op().equals("contains") || m.op().equals("size"))
                    && m.args().stream().allMatch(Uses::pure);
            default -> false;
        };
    }
}
