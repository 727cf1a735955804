package dev.appl.language.ast;

import dev.appl.language.diag.Span;
import java.util.List;

/** Statements of functions, actions and handlers. */
public sealed interface Stmt extends Node {
    record Block(List<Stmt> statements, Span span) implements Node {}

    /** {@code let x = e}, {@code var x: T = e}, or {@code let x = map.get(k) else { drop }}. */
    record Let(Name name, TypeRef type, Expr value, Block orElse, boolean mutable, Span span) implements Stmt {}

    /** {@code else if} is an else block holding one {@code If}. */
    record If(Expr condition, Block then, Block orElse, Span span) implements Stmt {}

    record Match(Expr subject, List<MatchArm> arms, Span span) implements Stmt {}

    record MatchArm(List<Pattern> patterns, Block body, Span span) implements Node {}

    /** {@code for i in from..to [max bound] { }}: {@code to} is exclusive. */
    record For(Name variable, Expr from, Expr to, Expr max, Block body, Span span) implements Stmt {}

    record Break(Span span) implements Stmt {}

    record Continue(Span span) implements Stmt {}

    record Return(Expr value, Span span) implements Stmt {}

    record Forward(Name port, Span span) implements Stmt {}

    /** {@code reply} sends the buffer back where it came from; {@code reply e} sends e instead. */
    record Reply(Expr value, Span span) implements Stmt {}

    record Drop(Span span) implements Stmt {}

    /** {@code enter options}: the connection's next message is framed and handled in that phase. */
    record Enter(Name phase, Span span) implements Stmt {}

    /** {@code close}: the connection closes once this handler's reply (if any) is sent. */
    record Close(Span span) implements Stmt {}

    /** {@code push H{...} after h.eth}: inserts a header's bytes next to one already in the packet. */
    record Push(Expr header, boolean after, Expr anchor, Span span) implements Stmt {}

    /** {@code pop h.outer}: removes a header's bytes from the packet. */
    record Pop(Expr header, Span span) implements Stmt {}

    record Assign(Expr target, AssignOp op, Expr value, Span span) implements Stmt {}

    /** A call made for its effect: {@code flows.remove(k)}. */
    record ExprStmt(Expr expr, Span span) implements Stmt {}

    enum AssignOp {
        SET("=", null),
        ADD("+=", Expr.BinaryOp.ADD),
        SUB("-=", Expr.BinaryOp.SUB),
        AND("&=", Expr.BinaryOp.BIT_AND),
        OR("|=", Expr.BinaryOp.BIT_OR),
        XOR("^=", Expr.BinaryOp.BIT_XOR),
        SHL("<<=", Expr.BinaryOp.SHL),
        SHR(">>=", Expr.BinaryOp.SHR);

        public final String symbol;
        /** The operator a compound assignment applies, null for plain {@code =}. */
        public final Expr.BinaryOp binary;

        AssignOp(String symbol, Expr.BinaryOp binary) {
            this.symbol = symbol;
            this.binary = binary;
        }

        public static AssignOp bySymbol(String symbol) {
            for (AssignOp op : values()) {
                if (op.symbol.equals(symbol)) {
                    return op;
                }
            }
            throw new IllegalArgumentException(symbol);
        }
    }
}
