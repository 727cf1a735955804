package dev.appl.language.ast;

import dev.appl.language.diag.Span;
import java.math.BigInteger;
import java.util.List;

/** Expressions. Literal values are decoded when the tree is built. */
public sealed interface Expr extends Node {
    /** An integer literal; untyped until the checker gives it one from its context. */
    record IntLit(BigInteger value, String text, Span span) implements Expr {}

    record BoolLit(boolean value, Span span) implements Expr {}

    /** {@code 64KiB}: a number of bytes. */
    record SizeLit(BigInteger bytes, String text, Span span) implements Expr {}

    /** {@code 10ms}: a number of nanoseconds. */
    record DurationLit(BigInteger nanos, String text, Span span) implements Expr {}

    /** An address literal: ip4 (32 bits), ip6 (128) or mac (48), with a prefix length for prefixes. */
    record AddressLit(AddressKind kind, BigInteger value, int prefixLength, String text, Span span) implements Expr {
        public boolean isPrefix() {
            return prefixLength >= 0;
        }
    }

    enum AddressKind {
        IP4(32),
        IP6(128),
        MAC(48);

        public final int bits;

        AddressKind(int bits) {
            this.bits = bits;
        }
    }

    record StringLit(String value, Span span) implements Expr {}

    /** {@code x"de ad be ef"}; the bytes as lower-case hex without spaces, to keep the record comparable. */
    record BytesLit(String hex, Span span) implements Expr {}

    /** A simple name: a local, a declaration, a state, a port... */
    record NameRef(Name name, Span span) implements Expr {}

    /** {@code target.field}: a field, a header's validity ({@code .valid}), an enum case, a module member. */
    record Field(Expr target, Name field, Span span) implements Expr {}

    record Call(Expr callee, List<Expr> args, Span span) implements Expr {}

    record Index(Expr target, Expr index, Span span) implements Expr {}

    record Cast(Expr value, TypeRef type, Span span) implements Expr {}

    record Unary(UnaryOp op, Expr operand, Span span) implements Expr {}

    record Binary(BinaryOp op, Expr left, Expr right, Span span) implements Expr {}

    /** {@code Ipv4{src: 10.0.0.1, ttl: 64}}: a header or struct value; fields not given are zero. */
    record StructLit(TypeRef.Named type, List<FieldInit> fields, Span span) implements Expr {}

    record FieldInit(Name name, Expr value, Span span) implements Node {}

    record ArrayLit(List<Expr> elements, Span span) implements Expr {}

    /** A place the parser could not make sense of; the syntax error has been reported already. */
    record Error(Span span) implements Expr {}

    enum UnaryOp {
        NEG("-"),
        BIT_NOT("~"),
        NOT("not");

        public final String symbol;

        UnaryOp(String symbol) {
            this.symbol = symbol;
        }
    }

    enum BinaryOp {
        MUL("*"), DIV("/"), MOD("%"),
        ADD("+"), SUB("-"),
        SHL("<<"), SHR(">>"),
        BIT_AND("&"), BIT_XOR("^"), BIT_OR("|"),
        EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
        AND("and"), OR("or");

        public final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }

        public boolean isComparison() {
            return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
        }

        public boolean isLogical() {
            return this == AND || this == OR;
        }

        public boolean isShift() {
            return this == SHL || this == SHR;
        }

        public static BinaryOp bySymbol(String symbol) {
            for (BinaryOp op : values()) {
                if (op.symbol.equals(symbol)) {
                    return op;
                }
            }
            throw new IllegalArgumentException(symbol);
        }
    }
}
