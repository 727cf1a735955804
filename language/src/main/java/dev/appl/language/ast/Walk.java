package dev.appl.language.ast;

import java.util.function.Consumer;

/** Visits every statement and expression below a node, outer before inner. */
public final class Walk {
    private Walk() {}

    public static void statements(Stmt.Block block, Consumer<Stmt> visit) {
        for (Stmt s : block.statements()) {
            statement(s, visit);
        }
    }

    private static void statement(Stmt s, Consumer<Stmt> visit) {
        visit.accept(s);
        switch (s) {
            case Stmt.Let l -> {
                if (l.orElse() != null) {
                    statements(l.orElse(), visit);
                }
            }
            case Stmt.If i -> {
                statements(i.then(), visit);
                if (i.orElse() != null) {
                    statements(i.orElse(), visit);
                }
            }
            case Stmt.Match m -> m.arms().forEach(a -> statements(a.body(), visit));
            case Stmt.For f -> statements(f.body(), visit);
            default -> {}
        }
    }

    /** Every expression in a block, including those inside nested statements. */
    public static void expressions(Stmt.Block block, Consumer<Expr> visit) {
        statements(block, s -> expressionsOf(s, visit));
    }

    /** The expressions a statement holds directly (not those of nested statements). */
    public static void expressionsOf(Stmt s, Consumer<Expr> visit) {
        switch (s) {
            case Stmt.Let l -> expression(l.value(), visit);
            case Stmt.If i -> expression(i.condition(), visit);
            case Stmt.Match m -> {
                expression(m.subject(), visit);
                m.arms().forEach(a -> a.patterns().forEach(p -> pattern(p, visit)));
            }
            case Stmt.For f -> {
                expression(f.from(), visit);
                expression(f.to(), visit);
                if (f.max() != null) {
                    expression(f.max(), visit);
                }
            }
            case Stmt.Return r -> {
                if (r.value() != null) {
                    expression(r.value(), visit);
                }
            }
            case Stmt.Reply r -> {
                if (r.value() != null) {
                    expression(r.value(), visit);
                }
            }
            case Stmt.Push p -> {
                expression(p.header(), visit);
                expression(p.anchor(), visit);
            }
            case Stmt.Pop p -> expression(p.header(), visit);
            case Stmt.Assign a -> {
                expression(a.target(), visit);
                expression(a.value(), visit);
            }
            case Stmt.ExprStmt e -> expression(e.expr(), visit);
            default -> {}
        }
    }

    public static void pattern(Pattern p, Consumer<Expr> visit) {
        switch (p) {
            case Pattern.Value v -> expression(v.value(), visit);
            case Pattern.Range r -> {
                expression(r.low(), visit);
                expression(r.high(), visit);
            }
            case Pattern.Mask m -> {
                expression(m.value(), visit);
                expression(m.mask(), visit);
            }
            case Pattern.Wildcard w -> {}
        }
    }

    public static void expression(Expr e, Consumer<Expr> visit) {
        visit.accept(e);
        switch (e) {
            case Expr.Field f -> expression(f.target(), visit);
            case Expr.Call c -> {
                expression(c.callee(), visit);
                c.args().forEach(a -> expression(a, visit));
            }
            case Expr.Index i -> {
                expression(i.target(), visit);
                expression(i.index(), visit);
            }
            case Expr.Cast c -> expression(c.value(), visit);
            case Expr.Unary u -> expression(u.operand(), visit);
            case Expr.Binary b -> {
                expression(b.left(), visit);
                expression(b.right(), visit);
            }
            case Expr.StructLit s -> s.fields().forEach(f -> expression(f.value(), visit));
            case Expr.ArrayLit a -> a.elements().forEach(x -> expression(x, visit));
            default -> {}
        }
    }
}
