package dev.appl.compiler.ir;

import java.util.List;

/** A test block: steps run in order against a fresh appliance, with locals in {@code scope}. */
public record IrTest(String name, IrFunction scope, List<Step> steps) {
    public sealed interface Step {}

    /** Hands a packet to the handler of a port. */
    public record Send(int port, IrExpr packet) implements Step {}

    /** The last packet sent was dropped (by the handler, or as malformed). */
    public record ExpectDrop() implements Step {}

    /** Opens a fresh connection on a stream port and runs its {@code on connect} handler, if any. */
    public record Connect(int port) implements Step {}

    /** The last handler closed its connection. */
    public record ExpectClose() implements Step {}

    /** The connection of the last send or connect, on {@code port}, is in phase {@code phase} (an index). */
    public record ExpectPhase(int port, int phase) implements Step {}

    /** The last packet sent left through {@code port}, equal to {@code packet} if given. */
    public record ExpectForward(int port, IrExpr packet) implements Step {}

    public record ExpectReply(IrExpr packet) implements Step {}

    /** A condition over the appliance's state holds. */
    public record ExpectTrue(IrExpr condition, String text) implements Step {}

    public record Let(IrLocal local, IrExpr value) implements Step {}
}
