package dev.appl.compiler.passes;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.language.ast.Expr.BinaryOp;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the length checks of a parser state into one: when a check {@code length >= x + a} is
 * followed, with only pure assignments to locals in between, by {@code length >= x + b} for the
 * same x (after substituting those assignments), the first becomes {@code length >= x + max(a, b)}
 * and the second goes. A packet too short for the later check would reach nothing with an effect
 * before it, so failing earlier changes nothing but the work done.
 */
public final class MergeBoundsChecks implements Pass {
    @Override
    public String description() {
        return "length checks of one parser state are merged into one";
    }

    /** {@code base + offset}; base null for a constant. */
    record Bound(IrExpr base, long offset) {}

    @Override
    public void run(IrAppliance ir) {
        for (IrFunction f : Functions.all(ir)) {
            new IrRewriter() {
                @Override
                List<IrStmt> afterBlock(List<IrStmt> statements) {
                    return merge(statements);
                }
            }.rewrite(f);
        }
    }

    private static List<IrStmt> merge(List<IrStmt> statements) {
        List<IrStmt> out = new ArrayList<>(statements);
        int pending = -1;
        Bound pendingBound = null;
        Map<IrLocal, IrExpr> since = new IdentityHashMap<>();
        for (int i = 0; i < out.size(); i++) {
            IrStmt s = out.get(i);
            if (s instanceof IrStmt.Require r) {
                Bound b = bound(substitute(r.end(), since));
                if (pending >= 0 && b != null && pendingBound != null && sameBase(b, pendingBound)) {
                    long offset = Math.max(b.offset(), pendingBound.offset());
                    pendingBound = new Bound(pendingBound.base(), offset);
                    out.set(pending, new IrStmt.Require(expr(pendingBound, r.end())));
                    out.remove(i--);
                    continue;
                }
                pending = i;
                pendingBound = bound(r.end());
                since.clear();
            } else if (s instanceof IrStmt.Assign a && Uses.pure(a.value()) && pending >= 0) {
                since.put(a.target(), substitute(a.value(), since));
            } else {
                pending = -1;
                since.clear();
            }
        }
        return out;
    }

    static boolean sameBase(Bound a, Bound b) {
        return a.base() == null ? b.base() == null : a.base().equals(b.base());
    }

    private static IrExpr expr(Bound b, IrExpr like) {
        IrExpr offset = new IrExpr.Const(b.offset(), like.type());
        return b.base() == null ? offset : new IrExpr.Binary(BinaryOp.ADD, b.base(), offset, like.type());
    }

    /** {@code x + c} as (x, c), folding nested additions of constants; null for any other shape. */
    static Bound bound(IrExpr e) {
        if (e instanceof IrExpr.Const c && c.value() instanceof Long l) {
            return new Bound(null, l);
        }
        if (e instanceof IrExpr.Binary b && b.op() == BinaryOp.ADD && b.right() instanceof IrExpr.Const c
                && c.value() instanceof Long l) {
            Bound inner = bound(b.left());
            return inner != null ? new Bound(inner.base(), inner.offset() + l) : new Bound(b.left(), l);
        }
        return new Bound(e, 0);
    }

    /** The expression with locals assigned since the pending check replaced by what they were assigned. */
    static IrExpr substitute(IrExpr e, Map<IrLocal, IrExpr> since) {
        if (since.isEmpty()) {
            return e;
        }
        return new IrRewriter() {
            @Override
            IrExpr after(IrExpr x) {
                return x instanceof IrExpr.Read r && since.containsKey(r.local()) ? since.get(r.local()) : x;
            }
        }.expr(e);
    }
}
