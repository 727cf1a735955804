package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrStmt;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds a function's IR bottom-up. A pass overrides {@link #after(IrExpr)} to replace an
 * expression once its parts are rewritten, and {@link #after(IrStmt)} to replace a statement by
 * zero or more statements. Untouched nodes come back unchanged.
 */
abstract class IrRewriter {
    void rewrite(IrFunction f) {
        f.setBody(block(f.body()));
    }

    IrExpr after(IrExpr e) {
        return e;
    }

    List<IrStmt> after(IrStmt s) {
        return List.of(s);
    }

    /** The statements of a block once every statement is rewritten; a pass may also look at the whole list. */
    List<IrStmt> afterBlock(List<IrStmt> statements) {
        return statements;
    }

    final IrStmt.Block block(IrStmt.Block b) {
        List<IrStmt> out = new ArrayList<>();
        for (IrStmt s : b.statements()) {
            out.addAll(after(stmt(s)));
        }
        return new IrStmt.Block(afterBlock(out));
    }

    private List<IrExpr> exprs(List<IrExpr> list) {
        List<IrExpr> out = new ArrayList<>(list.size());
        for (IrExpr e : list) {
            out.add(expr(e));
        }
        return out;
    }

    final IrExpr expr(IrExpr e) {
        IrExpr rebuilt = switch (e) {
            case IrExpr.Slice s -> new IrExpr.Slice(expr(s.start()), expr(s.length()));
            case IrExpr.Unary u -> new IrExpr.Unary(u.op(), expr(u.operand()), u.type());
            case IrExpr.Binary b -> new IrExpr.Binary(b.op(), expr(b.left()), expr(b.right()), b.type());
            case IrExpr.Convert c -> new IrExpr.Convert(expr(c.value()), c.type());
            case IrExpr.Call c -> new IrExpr.Call(c.function(), exprs(c.args()), c.type());
            case IrExpr.Aggregate a -> new IrExpr.Aggregate(exprs(a.parts()), a.type());
            case IrExpr.Element el -> new IrExpr.Element(expr(el.aggregate()), el.index(), el.type());
            case IrExpr.Index i -> new IrExpr.Index(expr(i.target()), expr(i.index()), i.type());
            case IrExpr.HeaderValue h -> new IrExpr.HeaderValue(h.header(), expr(h.length()), h.type());
            case IrExpr.Stack s -> new IrExpr.Stack(exprs(s.parts()));
            case IrExpr.MapOp m -> new IrExpr.MapOp(m.map(), m.op(), exprs(m.args()), m.type());
            case IrExpr.StoreOp s -> new IrExpr.StoreOp(s.store(), s.op(), exprs(s.args()), s.type());
            case IrExpr.Length l -> new IrExpr.Length(expr(l.bytes()), l.type());
            case IrExpr.BytesSlice s -> new IrExpr.BytesSlice(expr(s.bytes()), expr(s.start()), expr(s.length()));
            case IrExpr.TableOp t -> new IrExpr.TableOp(t.table(), t.op(), exprs(t.args()), t.type());
            default -> e; // leaves: constants, reads, loads, params, counters, the packet's length, the clock
        };
        return after(rebuilt);
    }

    final IrStmt stmt(IrStmt s) {
        return switch (s) {
            case IrStmt.Assign a -> new IrStmt.Assign(a.target(), expr(a.value()));
            case IrStmt.AssignPart a -> new IrStmt.AssignPart(a.target(), exprs(a.path()), expr(a.value()));
            case IrStmt.Store st -> new IrStmt.Store(st.header(), st.byteOffset(), st.bitOffset(), st.width(),
                    st.littleEndian(), expr(st.value()));
            case IrStmt.If i -> new IrStmt.If(expr(i.condition()), block(i.then()), block(i.orElse()));
            case IrStmt.Switch sw -> {
                List<IrStmt.Case> cases = new ArrayList<>();
                for (IrStmt.Case c : sw.cases()) {
                    cases.add(new IrStmt.Case(c.patterns(), block(c.body())));
                }
                yield new IrStmt.Switch(expr(sw.subject()), cases, block(sw.otherwise()));
            }
            case IrStmt.Loop l -> new IrStmt.Loop(l.counter(), expr(l.from()), expr(l.to()), l.max(), block(l.body()));
            case IrStmt.Return r -> new IrStmt.Return(r.value() == null ? null : expr(r.value()));
            case IrStmt.Fate f -> new IrStmt.Fate(f.kind(), f.port(), f.payload() == null ? null : expr(f.payload()));
            case IrStmt.Require r -> new IrStmt.Require(expr(r.end()));
            case IrStmt.CounterAdd c -> new IrStmt.CounterAdd(c.counter(), expr(c.delta()));
            case IrStmt.ConnectionSet c -> new IrStmt.ConnectionSet(c.slot(), expr(c.value()));
            case IrStmt.Eval e -> new IrStmt.Eval(expr(e.expr()));
            case IrStmt.MapGet g -> new IrStmt.MapGet(g.map(), expr(g.key()), g.target(), block(g.missing()));
            case IrStmt.StoreGet g -> new IrStmt.StoreGet(g.store(), expr(g.key()), g.target(), block(g.missing()));
            case IrStmt.Apply a -> {
                List<IrStmt.ActionCase> cases = new ArrayList<>();
                for (IrStmt.ActionCase c : a.actions()) {
                    cases.add(new IrStmt.ActionCase(c.action(), c.data(), block(c.body())));
                }
                yield new IrStmt.Apply(a.table(), exprs(a.keys()), cases, a.result(), a.runtimeOnly());
            }
            case IrStmt.Insert i -> new IrStmt.Insert(expr(i.at()), expr(i.header()), i.moved());
            case IrStmt.Remove r -> new IrStmt.Remove(r.header(), expr(r.length()), r.moved());
            case IrStmt.Scoped sc -> new IrStmt.Scoped(block(sc.body()));
            case IrStmt.Break b -> b;
            case IrStmt.Continue c -> c;
            case IrStmt.Leave l -> l;
        };
    }
}
