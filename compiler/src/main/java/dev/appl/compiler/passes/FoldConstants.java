package dev.appl.compiler.passes;

import dev.appl.compiler.ir.Arithmetic;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.types.Type;
import java.util.List;

/**
 * Computes operations whose operands are constants, with the interpreter's arithmetic, and keeps
 * only the branch of an {@code if} or {@code switch} that a constant selects.
 */
public final class FoldConstants implements Pass {
    @Override
    public String description() {
        return "operations on constants are computed; branches a constant rules out are dropped";
    }

    @Override
    public void run(IrAppliance ir) {
        IrRewriter rewriter = new IrRewriter() {
            @Override
            IrExpr after(IrExpr e) {
                return fold(e);
            }

            // Flattening the chosen branch into the enclosing block keeps the meaning of a `break`,
            // `continue` or `leave` in it: an if or switch is never what they leave.
            @Override
            List<IrStmt> after(IrStmt s) {
                return switch (s) {
                    case IrStmt.If i when constant(i.condition()) != null ->
                            constant(i.condition()) != 0 ? i.then().statements() : i.orElse().statements();
                    case IrStmt.Switch sw when constant(sw.subject()) != null -> {
                        long v = constant(sw.subject());
                        for (IrStmt.Case c : sw.cases()) {
                            if (c.patterns().stream().anyMatch(p -> p.matches(v))) {
                                yield c.body().statements();
                            }
                        }
                        yield sw.otherwise().statements();
                    }
                    default -> List.of(s);
                };
            }
        };
        for (IrFunction f : Functions.all(ir)) {
            rewriter.rewrite(f);
        }
    }

    /** The value of an integer constant, or null. */
    static Long constant(IrExpr e) {
        return e instanceof IrExpr.Const c && c.value() instanceof Long l ? l : null;
    }

    static IrExpr fold(IrExpr e) {
        return switch (e) {
            case IrExpr.Binary b when b.op() == BinaryOp.AND && constant(b.left()) != null ->
                    constant(b.left()) == 0 ? new IrExpr.Const(0L, Type.BOOL) : b.right();
            case IrExpr.Binary b when b.op() == BinaryOp.OR && constant(b.left()) != null ->
                    constant(b.left()) != 0 ? new IrExpr.Const(1L, Type.BOOL) : b.right();
            case IrExpr.Binary b when constant(b.left()) != null && constant(b.right()) != null -> new IrExpr.Const(
                    Arithmetic.binary(b.op(), constant(b.left()), constant(b.right()),
                            Arithmetic.operandType(b.left(), b.right()), b.type()), b.type());
            case IrExpr.Unary u when constant(u.operand()) != null -> {
                long v = constant(u.operand());
                yield new IrExpr.Const(switch (u.op()) {
                    case NEG -> Arithmetic.wrap(-v, u.type());
                    case BIT_NOT -> Arithmetic.wrap(~v, u.type());
                    case NOT -> v == 0 ? 1L : 0L;
                }, u.type());
            }
            case IrExpr.Convert c when constant(c.value()) != null && !(c.type() instanceof Type.Address a
                    && a.bits() > 64) -> new IrExpr.Const(Arithmetic.wrap(constant(c.value()), c.type()), c.type());
            default -> e;
        };
    }
}
