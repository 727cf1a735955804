package dev.appl.compiler.ir;

import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.types.Type;

/**
 * The arithmetic of the language, shared by the interpreter and constant folding so that both
 * compute the same bits. Scalars are {@code long}s holding the value's bits: unsigned values
 * zero-extended, signed ones sign-extended; every result is wrapped to its type's width. Division
 * by zero gives 0 and a remainder by zero gives the dividend, as in eBPF: a packet can never make
 * a handler fail.
 */
public final class Arithmetic {
    private Arithmetic() {}

    public static long wrap(long v, Type t) {
        if (t instanceof Type.Int(int width, boolean signed) && width < 64) {
            return signed ? v << (64 - width) >> (64 - width) : v & ((1L << width) - 1);
        }
        if (t instanceof Type.Address a && a.bits() < 64) {
            return v & ((1L << a.bits()) - 1);
        }
        if (t instanceof Type.Bool) {
            return v & 1;
        }
        return v;
    }

    public static boolean signed(Type t) {
        return t instanceof Type.Int i && i.signed();
    }

    public static int width(Type t) {
        return t.bits() == 0 ? 64 : t.bits();
    }

    /** {@code a op b} where the operands have type {@code operand} and the result type {@code result}. */
    public static long binary(BinaryOp op, long a, long b, Type operand, Type result) {
        boolean signed = signed(operand);
        int width = width(operand);
        return switch (op) {
            case ADD -> wrap(a + b, result);
            case SUB -> wrap(a - b, result);
            case MUL -> wrap(a * b, result);
            case DIV -> b == 0 ? 0 : wrap(signed ? a / b : Long.divideUnsigned(a, b), result);
            case MOD -> b == 0 ? a : wrap(signed ? a % b : Long.remainderUnsigned(a, b), result);
            case SHL -> Long.compareUnsigned(b, width) >= 0 ? 0 : wrap(a << b, result);
            case SHR -> Long.compareUnsigned(b, width) >= 0 ? (signed && a < 0 ? -1 : 0)
                    : wrap(signed ? a >> b : a >>> b, result);
            case BIT_AND -> a & b;
            case BIT_OR -> a | b;
            case BIT_XOR -> a ^ b;
            case EQ -> bool(a == b);
            case NE -> bool(a != b);
            case LT -> bool(compare(a, b, signed) < 0);
            case LE -> bool(compare(a, b, signed) <= 0);
            case GT -> bool(compare(a, b, signed) > 0);
            case GE -> bool(compare(a, b, signed) >= 0);
            case AND -> bool(a != 0 && b != 0);
            case OR -> bool(a != 0 || b != 0);
        };
    }

    /** The type whose signedness and width decide an operation: an untyped side takes the other's. */
    public static Type operandType(IrExpr left, IrExpr right) {
        return left.type() instanceof Type.UntypedInt ? right.type() : left.type();
    }

    private static int compare(long a, long b, boolean signed) {
        return signed ? Long.compare(a, b) : Long.compareUnsigned(a, b);
    }

    public static long bool(boolean b) {
        return b ? 1 : 0;
    }
}
