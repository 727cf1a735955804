package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.resolve.Symbol;
import java.math.BigInteger;
import java.util.Set;

/**
 * Evaluates constant expressions: literals, consts, enum cases, and arithmetic, shifts, bitwise
 * operators and casts over them. Used for array lengths, loop bounds, capacities and enum values,
 * and by the compiler's constant folding. Reads the references that {@link TypeChecker} recorded.
 */
public final class ConstEval {
    private final Semantics semantics;
    private final Set<Decl.Const> evaluating = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** Enum case values and build param defaults being evaluated: a cycle among them has no value. */
    private final Set<Expr> inProgress = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    private boolean guard(Expr e) {
        return inProgress.add(e);
    }

    public ConstEval(Semantics semantics) {
        this.semantics = semantics;
    }

    /** The value, or null when the expression is not constant (or divides by zero). */
    public BigInteger value(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> i.value();
            case Expr.SizeLit s -> s.bytes();
            case Expr.DurationLit d -> d.nanos();
            case Expr.BoolLit b -> b.value() ? BigInteger.ONE : BigInteger.ZERO;
            case Expr.AddressLit a when !a.isPrefix() -> a.value();
            case Expr.NameRef n -> symbolValue(semantics.referenceOf(n));
            case Expr.Field f -> symbolValue(semantics.referenceOf(f));
            case Expr.Unary u -> unary(u);
            case Expr.Binary b -> binary(b);
            case Expr.Cast c -> {
                BigInteger v = value(c.value());
                yield v == null ? null : fit(v, semantics.typeOf(c.type()));
            }
            default -> null;
        };
    }

    /** Whether e is known when the spec is compiled: a number, or an address, prefix, string or array of them. */
    public boolean isConstant(Expr e) {
        return switch (e) {
            case Expr.AddressLit a -> true;
            case Expr.StringLit s -> true;
            case Expr.BytesLit b -> true;
            case Expr.ArrayLit a -> a.elements().stream().allMatch(this::isConstant);
            case Expr.StructLit s -> s.fields().stream().allMatch(f -> isConstant(f.value()));
            case Expr.Field f when semantics.referenceOf(f) instanceof Symbol.EnumCase c -> true;
            case Expr.NameRef n when semantics.referenceOf(n) instanceof Symbol.DeclSymbol(Decl.Const c, var m) ->
                    evaluating.add(c) && constantThenRelease(c);
            default -> value(e) != null;
        };
    }

    /**
     * Whether a const's value is known when the spec is compiled: a constant expression, or a call
     * of a function declared at the top level of a module (which sees only its arguments and
     * consts) with arguments that are known too, which the compiler evaluates when it builds the
     * appliance; or an array or struct literal of such values. The checker does not know the value
     * of a call, so a const computed by one cannot be used where the checker needs a number (an
     * array length, a pattern, a loop bound).
     */
    public boolean isBuildTimeConstant(Expr e) {
        return switch (e) {
            case Expr.Call c when semantics.referenceOf(c.callee()) instanceof Symbol.DeclSymbol(Decl.Fn f, var m)
                    && m != null && m.decls().stream().anyMatch(d -> d == f) ->
                    c.args().stream().allMatch(this::isBuildTimeConstant);
            case Expr.ArrayLit a -> a.elements().stream().allMatch(this::isBuildTimeConstant);
            case Expr.StructLit s -> s.fields().stream().allMatch(f -> isBuildTimeConstant(f.value()));
            case Expr.NameRef n when semantics.referenceOf(n) instanceof Symbol.DeclSymbol(Decl.Const c, var m) ->
                    evaluating.add(c) && buildTimeThenRelease(c);
            default -> isConstant(e);
        };
    }

    private boolean buildTimeThenRelease(Decl.Const c) {
        try {
            return isBuildTimeConstant(c.value());
        } finally {
            evaluating.remove(c);
        }
    }

    private boolean constantThenRelease(Decl.Const c) {
        try {
            return isConstant(c.value());
        } finally {
            evaluating.remove(c);
        }
    }

    private BigInteger symbolValue(Symbol symbol) {
        return switch (symbol) {
            case Symbol.DeclSymbol(Decl.Const c, var m) when evaluating.add(c) -> {
                try {
                    yield value(c.value());
                } finally {
                    evaluating.remove(c);
                }
            }
            case Symbol.EnumCase(var owner, var c) when c.value() != null && guard(c.value()) -> {
                try {
                    yield value(c.value());
                } finally {
                    inProgress.remove(c.value());
                }
            }
            // A build param is fixed when the appliance is compiled, so it is as constant as a const.
            case Symbol.DeclSymbol(Decl.ParamDecl p, var m)
                    when p.buildTime() && p.defaultValue() != null && guard(p.defaultValue()) -> {
                try {
                    yield value(p.defaultValue());
                } finally {
                    inProgress.remove(p.defaultValue());
                }
            }
            case null, default -> null;
        };
    }

    private BigInteger unary(Expr.Unary u) {
        BigInteger v = value(u.operand());
        if (v == null) {
            return null;
        }
        return switch (u.op()) {
            case NEG -> fit(v.negate(), semantics.typeOf(u));
            case BIT_NOT -> fit(v.not(), semantics.typeOf(u));
            case NOT -> v.signum() == 0 ? BigInteger.ONE : BigInteger.ZERO;
        };
    }

    private BigInteger binary(Expr.Binary b) {
        BigInteger l = value(b.left());
        BigInteger r = value(b.right());
        if (l == null || r == null) {
            return null;
        }
        Type t = semantics.typeOf(b);
        return switch (b.op()) {
            case ADD -> fit(l.add(r), t);
            case SUB -> fit(l.subtract(r), t);
            case MUL -> fit(l.multiply(r), t);
            case DIV -> r.signum() == 0 ? null : fit(l.divide(r), t);
            case MOD -> r.signum() == 0 ? null : fit(l.remainder(r), t); // the sign of the dividend, as at run time
            case SHL -> r.compareTo(BigInteger.valueOf(128)) > 0 ? null : fit(l.shiftLeft(r.intValue()), t);
            case SHR -> r.compareTo(BigInteger.valueOf(128)) > 0 ? BigInteger.ZERO : fit(l.shiftRight(r.intValue()), t);
            case BIT_AND -> fit(l.and(r), t);
            case BIT_OR -> fit(l.or(r), t);
            case BIT_XOR -> fit(l.xor(r), t);
            case EQ -> bool(l.equals(r));
            case NE -> bool(!l.equals(r));
            case LT -> bool(l.compareTo(r) < 0);
            case LE -> bool(l.compareTo(r) <= 0);
            case GT -> bool(l.compareTo(r) > 0);
            case GE -> bool(l.compareTo(r) >= 0);
            case AND -> bool(l.signum() != 0 && r.signum() != 0);
            case OR -> bool(l.signum() != 0 || r.signum() != 0);
        };
    }

    private static BigInteger bool(boolean b) {
        return b ? BigInteger.ONE : BigInteger.ZERO;
    }

    /**
     * Wraps a value to its type, as the machine would: a fixed-width integer to its width, an
     * untyped integer to 64 unsigned bits (how the compiled code holds it).
     */
    static BigInteger fit(BigInteger v, Type type) {
        if (type instanceof Type.UntypedInt) {
            return v.mod(BigInteger.ONE.shiftLeft(64));
        }
        if (!(type instanceof Type.Int(int width, boolean signed))) {
            return v;
        }
        BigInteger modulus = BigInteger.ONE.shiftLeft(width);
        BigInteger wrapped = v.mod(modulus);
        if (signed && wrapped.testBit(width - 1)) {
            wrapped = wrapped.subtract(modulus);
        }
        return wrapped;
    }
}
