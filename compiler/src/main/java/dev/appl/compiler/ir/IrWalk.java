package dev.appl.compiler.ir;

import java.util.function.Consumer;

/** Visits every expression and statement of an appliance's IR, outer before inner, in a fixed order. */
public final class IrWalk {
    private final Consumer<IrExpr> onExpr;
    private final Consumer<IrStmt> onStmt;

    private IrWalk(Consumer<IrExpr> onExpr, Consumer<IrStmt> onStmt) {
        this.onExpr = onExpr;
        this.onStmt = onStmt;
    }

    public static void appliance(IrAppliance ir, Consumer<IrExpr> onExpr, Consumer<IrStmt> onStmt) {
        IrWalk w = new IrWalk(onExpr, onStmt);
        for (IrAppliance.Handler h : ir.handlers) {
            w.block(h.function().body());
        }
        for (var f : ir.functions) {
            w.block(f.body());
        }
        for (var f : ir.frameSizes()) {
            w.block(f.body());
        }
        for (IrTest t : ir.tests) {
            for (IrTest.Step s : t.steps()) {
                switch (s) {
                    case IrTest.Send send -> w.expr(send.packet());
                    case IrTest.ExpectForward f -> w.expr(f.packet());
                    case IrTest.ExpectReply r -> w.expr(r.packet());
                    case IrTest.ExpectTrue e -> w.expr(e.condition());
                    case IrTest.Let let -> w.expr(let.value());
                    case IrTest.ExpectDrop d -> {}
                    case IrTest.Connect c -> {}
                    case IrTest.ExpectClose c -> {}
                    case IrTest.ExpectPhase p -> {}
                }
            }
        }
    }

    public static void block(IrStmt.Block b, Consumer<IrExpr> onExpr, Consumer<IrStmt> onStmt) {
        new IrWalk(onExpr, onStmt).block(b);
    }

    private void block(IrStmt.Block b) {
        for (IrStmt s : b.statements()) {
            stmt(s);
        }
    }

    private void stmt(IrStmt s) {
        onStmt.accept(s);
        switch (s) {
            case IrStmt.Assign a -> expr(a.value());
            case IrStmt.AssignPart a -> {
                a.path().forEach(this::expr);
                expr(a.value());
            }
            case IrStmt.Store st -> expr(st.value());
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
                expr(l.from());
                expr(l.to());
                block(l.body());
            }
            case IrStmt.Return r -> expr(r.value());
            case IrStmt.Fate f -> expr(f.payload());
            case IrStmt.Require r -> expr(r.end());
            case IrStmt.CounterAdd c -> expr(c.delta());
            case IrStmt.ConnectionSet c -> expr(c.value());
            case IrStmt.Eval e -> expr(e.expr());
            case IrStmt.StoreGet g -> {
                expr(g.key());
                block(g.missing());
            }
            case IrStmt.MapGet g -> {
                expr(g.key());
                block(g.missing());
            }
            case IrStmt.Apply a -> {
                a.keys().forEach(this::expr);
                a.actions().forEach(c -> block(c.body()));
            }
            case IrStmt.Insert ins -> {
                expr(ins.at());
                expr(ins.header());
            }
            case IrStmt.Remove rm -> expr(rm.length());
            case IrStmt.Scoped sc -> block(sc.body());
            case IrStmt.Break b -> {}
            case IrStmt.Continue c -> {}
            case IrStmt.Leave l -> {}
        }
    }

    /** Every expression in {@code e}, {@code e} first. */
    public static void expression(IrExpr e, Consumer<IrExpr> onExpr) {
        new IrWalk(onExpr, s -> {}).expr(e);
    }

    private void expr(IrExpr e) {
        if (e == null) {
            return;
        }
        onExpr.accept(e);
        switch (e) {
            case IrExpr.Slice s -> {
                expr(s.start());
                expr(s.length());
            }
            case IrExpr.Unary u -> expr(u.operand());
            case IrExpr.Binary b -> {
                expr(b.left());
                expr(b.right());
            }
            case IrExpr.Convert c -> expr(c.value());
            case IrExpr.Call c -> c.args().forEach(this::expr);
            case IrExpr.Aggregate a -> a.parts().forEach(this::expr);
            case IrExpr.Element el -> expr(el.aggregate());
            case IrExpr.Index ix -> {
                expr(ix.target());
                expr(ix.index());
            }
            case IrExpr.HeaderValue h -> expr(h.length());
            case IrExpr.Stack s -> s.parts().forEach(this::expr);
            case IrExpr.MapOp m -> m.args().forEach(this::expr);
            case IrExpr.StoreOp s -> s.args().forEach(this::expr);
            case IrExpr.Length l -> expr(l.bytes());
            case IrExpr.BytesSlice s -> {
                expr(s.bytes());
                expr(s.start());
                expr(s.length());
            }
            case IrExpr.Clock c -> {}
            case IrExpr.TableOp t -> t.args().forEach(this::expr);
            case IrExpr.Const c -> {}
            case IrExpr.Read r -> {}
            case IrExpr.Load l -> {}
            case IrExpr.PacketLength p -> {}
            case IrExpr.CounterValue c -> {}
            case IrExpr.ConnectionValue c -> {}
            case IrExpr.ParamValue p -> {}
        }
    }
}
