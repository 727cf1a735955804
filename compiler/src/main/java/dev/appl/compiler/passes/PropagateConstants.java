package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Replaces reads of a local that is written exactly once, with a constant, by that constant. The
 * lowering writes every local before its first read, so the one write reaches every read.
 */
public final class PropagateConstants implements Pass {
    @Override
    public String description() {
        return "locals written once with a constant are replaced by the constant";
    }

    @Override
    public void run(IrAppliance ir) {
        for (IrFunction f : Functions.all(ir)) {
            Uses uses = Uses.of(f);
            Map<IrLocal, IrExpr.Const> constants = new IdentityHashMap<>();
            collect(f.body(), uses, constants);
            if (constants.isEmpty()) {
                continue;
            }
            new IrRewriter() {
                @Override
                IrExpr after(IrExpr e) {
                    if (e instanceof IrExpr.Read r && constants.containsKey(r.local())) {
                        IrExpr.Const c = constants.get(r.local());
                        return new IrExpr.Const(c.value(), r.local().type());
                    }
                    return e;
                }
            }.rewrite(f);
        }
    }

    private static void collect(IrStmt.Block b, Uses uses, Map<IrLocal, IrExpr.Const> out) {
        for (IrStmt s : b.statements()) {
            switch (s) {
                case IrStmt.Assign a when a.value() instanceof IrExpr.Const c && uses.writes(a.target()) == 1
                        && !(c.value() instanceof java.util.List<?>) -> out.put(a.target(), c);
                case IrStmt.If i -> {
                    collect(i.then(), uses, out);
                    collect(i.orElse(), uses, out);
                }
                case IrStmt.Switch sw -> {
                    sw.cases().forEach(c -> collect(c.body(), uses, out));
                    collect(sw.otherwise(), uses, out);
                }
                case IrStmt.Loop l -> collect(l.body(), uses, out);
                case IrStmt.MapGet g -> collect(g.missing(), uses, out);
                case IrStmt.StoreGet g -> collect(g.missing(), uses, out);
                case IrStmt.Apply a -> a.actions().forEach(c -> collect(c.body(), uses, out));
                case IrStmt.Scoped sc -> collect(sc.body(), uses, out);
                default -> {}
            }
        }
    }
}
