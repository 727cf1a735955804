package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expands calls of small functions where they are made, so that the passes after it fold the
 * callee's work into the caller (a constant argument, a branch it rules out). A call is expanded
 * when it is the whole value of an assignment, an evaluation or a return: there it runs exactly
 * when it would have, so nothing is evaluated that was not before. The callee's locals become
 * fresh locals of the caller, and its {@code return} leaves a scope around the expanded body.
 */
public final class InlineFunctions implements Pass {
    /** Callees with more statements than this stay calls: the JIT inlines those itself if it likes. */
    public static final int MAX_STATEMENTS = 24;
    /** Rounds of expansion, so that a callee's own small callees are expanded too, without recursion. */
    private static final int ROUNDS = 3;

    @Override
    public String description() {
        return "calls of small functions are expanded where they are made";
    }

    @Override
    public void run(IrAppliance ir) {
        for (int round = 0; round < ROUNDS; round++) {
            for (IrFunction f : Functions.all(ir)) {
                new IrRewriter() {
                    @Override
                    List<IrStmt> after(IrStmt s) {
                        return switch (s) {
                            case IrStmt.Assign a when a.value() instanceof IrExpr.Call c && small(c, f) ->
                                    expand(f, c, a.target());
                            case IrStmt.Eval e when e.expr() instanceof IrExpr.Call c && small(c, f) -> expand(f, c, null);
                            default -> List.of(s);
                        };
                    }
                }.rewrite(f);
            }
        }
    }

    private static boolean small(IrExpr.Call c, IrFunction caller) {
        return c.function() != caller && count(c.function().body()) <= MAX_STATEMENTS;
    }

    private static int count(IrStmt.Block b) {
        int n = 0;
        for (IrStmt s : b.statements()) {
            n += 1 + switch (s) {
                case IrStmt.If i -> count(i.then()) + count(i.orElse());
                case IrStmt.Switch sw -> sw.cases().stream().mapToInt(c -> count(c.body())).sum() + count(sw.otherwise());
                case IrStmt.Loop l -> count(l.body());
                case IrStmt.Scoped sc -> count(sc.body());
                case IrStmt.MapGet g -> count(g.missing());
                case IrStmt.StoreGet g -> count(g.missing());
                case IrStmt.Apply a -> a.actions().stream().mapToInt(x -> count(x.body())).sum();
                default -> 0;
            };
        }
        return n;
    }

    /** The callee's body in the caller: parameters assigned from the arguments, then the body in a scope. */
    private static List<IrStmt> expand(IrFunction caller, IrExpr.Call call, IrLocal result) {
        IrFunction callee = call.function();
        Map<IrLocal, IrLocal> fresh = new IdentityHashMap<>();
        for (IrLocal l : callee.locals()) {
            fresh.put(l, caller.local(callee.name() + "_" + l.name(), l.type()));
        }
        List<IrStmt> out = new ArrayList<>();
        for (int i = 0; i < callee.params().size(); i++) {
            out.add(new IrStmt.Assign(fresh.get(callee.params().get(i)), call.args().get(i)));
        }
        Copy copy = new Copy(fresh, result);
        out.add(new IrStmt.Scoped(copy.block(callee.body())));
        return out;
    }

    /** Copies a callee's code with its locals renamed and each `return v` made `result = v; leave`. */
    private static final class Copy {
        private final Map<IrLocal, IrLocal> fresh;
        private final IrLocal result;

        Copy(Map<IrLocal, IrLocal> fresh, IrLocal result) {
            this.fresh = fresh;
            this.result = result;
        }

        IrLocal local(IrLocal l) {
            return l == null ? null : fresh.getOrDefault(l, l);
        }

        List<IrLocal> locals(List<IrLocal> ls) {
            return ls.stream().map(this::local).toList();
        }

        IrStmt.Block block(IrStmt.Block b) {
            List<IrStmt> out = new ArrayList<>();
            for (IrStmt s : b.statements()) {
                out.addAll(stmt(s));
            }
            return new IrStmt.Block(out);
        }

        List<IrStmt> stmt(IrStmt s) {
            return switch (s) {
                case IrStmt.Return r -> {
                    List<IrStmt> out = new ArrayList<>();
                    if (r.value() != null && result != null) {
                        out.add(new IrStmt.Assign(result, expr(r.value())));
                    }
                    out.add(new IrStmt.Leave());
                    yield out;
                }
                case IrStmt.Assign a -> List.of(new IrStmt.Assign(local(a.target()), expr(a.value())));
                case IrStmt.AssignPart a -> List.of(new IrStmt.AssignPart(local(a.target()), exprs(a.path()),
                        expr(a.value())));
                case IrStmt.Store st -> List.of(new IrStmt.Store(local(st.header()), st.byteOffset(), st.bitOffset(),
                        st.width(), st.littleEndian(), expr(st.value())));
                case IrStmt.If i -> List.of(new IrStmt.If(expr(i.condition()), block(i.then()), block(i.orElse())));
                case IrStmt.Switch sw -> {
                    List<IrStmt.Case> cases = new ArrayList<>();
                    for (IrStmt.Case c : sw.cases()) {
                        cases.add(new IrStmt.Case(c.patterns(), block(c.body())));
                    }
                    yield List.of(new IrStmt.Switch(expr(sw.subject()), cases, block(sw.otherwise())));
                }
                case IrStmt.Loop l -> List.of(new IrStmt.Loop(local(l.counter()), expr(l.from()), expr(l.to()), l.max(),
                        block(l.body())));
                case IrStmt.Fate f -> List.of(new IrStmt.Fate(f.kind(), f.port(),
                        f.payload() == null ? null : expr(f.payload())));
                case IrStmt.Require r -> List.of(new IrStmt.Require(expr(r.end())));
                case IrStmt.CounterAdd c -> List.of(new IrStmt.CounterAdd(c.counter(), expr(c.delta())));
                case IrStmt.ConnectionSet c -> List.of(new IrStmt.ConnectionSet(c.slot(), expr(c.value())));
                case IrStmt.Eval e -> List.of(new IrStmt.Eval(expr(e.expr())));
                case IrStmt.MapGet g -> List.of(new IrStmt.MapGet(g.map(), expr(g.key()), local(g.target()),
                        block(g.missing())));
                case IrStmt.StoreGet g -> List.of(new IrStmt.StoreGet(g.store(), expr(g.key()), local(g.target()),
                        block(g.missing())));
                case IrStmt.Apply a -> {
                    List<IrStmt.ActionCase> cases = new ArrayList<>();
                    for (IrStmt.ActionCase c : a.actions()) {
                        cases.add(new IrStmt.ActionCase(c.action(), locals(c.data()), block(c.body())));
                    }
                    yield List.of(new IrStmt.Apply(a.table(), exprs(a.keys()), cases, local(a.result()), a.runtimeOnly()));
                }
                case IrStmt.Insert i -> List.of(new IrStmt.Insert(expr(i.at()), expr(i.header()), locals(i.moved())));
                case IrStmt.Remove r -> List.of(new IrStmt.Remove(local(r.header()), expr(r.length()),
                        locals(r.moved())));
                case IrStmt.Scoped sc -> List.of(new IrStmt.Scoped(block(sc.body())));
                case IrStmt.Break b -> List.of(b);
                case IrStmt.Continue c -> List.of(c);
                case IrStmt.Leave l -> List.of(l);
            };
        }

        List<IrExpr> exprs(List<IrExpr> es) {
            return es.stream().map(this::expr).toList();
        }

        IrExpr expr(IrExpr e) {
            return new IrRewriter() {
                @Override
                IrExpr after(IrExpr x) {
                    return switch (x) {
                        case IrExpr.Read r -> new IrExpr.Read(local(r.local()));
                        case IrExpr.Load l -> new IrExpr.Load(local(l.header()), l.byteOffset(), l.bitOffset(),
                                l.width(), l.littleEndian(), l.type(), l.inPacket());
                        case IrExpr.HeaderValue h -> new IrExpr.HeaderValue(local(h.header()), h.length(), h.type());
                        default -> x;
                    };
                }
            }.expr(e);
        }
    }
}
