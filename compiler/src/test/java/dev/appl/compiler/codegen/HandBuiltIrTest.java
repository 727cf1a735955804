package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.ast.Expr.AddressKind;
import dev.appl.language.types.BuiltinTypes;
import dev.appl.language.types.Type;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IR that lowering does not make today but passes may: constant aggregates (flat and nested, with
 * ip6 parts), break, continue and leave with nowhere to go, a return in a handler, signed loop
 * counters. Built by hand, then compiled against interpreted on packets of every length up to 12.
 */
class HandBuiltIrTest {
    private static final Type U16 = BuiltinTypes.u(16);
    private static final Type U64 = BuiltinTypes.u(64);
    private static final Type I8 = new Type.Int(8, true);
    private static final Type IP6 = new Type.Address(AddressKind.IP6);

    private static IrExpr c(long v, Type t) {
        return new IrExpr.Const(v, t);
    }

    private static IrStmt count(int counter, IrExpr delta) {
        return new IrStmt.CounterAdd(counter, delta);
    }

    private static IrStmt.Block block(IrStmt... s) {
        return new IrStmt.Block(List.of(s));
    }

    @Test
    void handBuiltIr() {
        IrAppliance ir = new IrAppliance("Hand");
        ir.ports.add(new IrAppliance.Port("input", "packet", null, null));
        ir.ports.add(new IrAppliance.Port("output", "packet", null, null));
        ir.counters.add("a");
        ir.counters.add("b");
        ir.counters.add("c");

        // Handler 0: constant arrays, flat and nested; an index that the packet's length may put
        // out of range; a signed loop with break and continue.
        IrFunction h = new IrFunction("packet_input", IrFunction.Kind.HANDLER, Type.VOID);
        Type flat = new Type.Array(U16, 3);
        Type inner = new Type.Array(IP6, 2);
        Type nested = new Type.Array(inner, 2);
        IrLocal arr = h.local("arr", flat);
        IrLocal deep = h.local("deep", nested);
        IrLocal i = h.local("i", I8);
        IrExpr len = new IrExpr.PacketLength(U64);
        h.setBody(block(
                new IrStmt.Assign(arr, new IrExpr.Const(List.of(5L, 6L, 7L), flat)),
                new IrStmt.Assign(deep, new IrExpr.Const(List.of(List.of(BigInteger.ONE, BigInteger.TWO),
                        List.of(BigInteger.TEN, BigInteger.ONE.shiftLeft(127))), nested)),
                new IrStmt.If(new IrExpr.Binary(BinaryOp.EQ,
                        new IrExpr.Element(new IrExpr.Element(new IrExpr.Read(deep), 1, inner), 1, IP6),
                        new IrExpr.Const(BigInteger.ONE.shiftLeft(127), IP6), Type.BOOL),
                        block(count(0, c(100, U64))), block()),
                new IrStmt.Loop(i, c(-3, I8), c(4, I8), 10, block(
                        new IrStmt.If(new IrExpr.Binary(BinaryOp.EQ, new IrExpr.Read(i), c(0, I8), Type.BOOL),
                                block(new IrStmt.Continue()), block()),
                        new IrStmt.If(new IrExpr.Binary(BinaryOp.GT, new IrExpr.Convert(new IrExpr.Read(i), U64),
                                new IrExpr.Binary(BinaryOp.MOD, len, c(5, U64), U64), Type.BOOL),
                                block(new IrStmt.Break()), block()),
                        count(1, new IrExpr.Convert(new IrExpr.Read(i), U64)))),
                count(2, new IrExpr.Convert(new IrExpr.Index(new IrExpr.Read(arr), len, U16), U64)),
                new IrStmt.Fate(IrStmt.Fate.Kind.FORWARD, 1, null)));
        ir.handlers.add(new IrAppliance.Handler("packet", 0, -1, h));

        // Handler 1: leave, break and return where nothing encloses them end the handler (a drop).
        IrFunction g = new IrFunction("packet_output", IrFunction.Kind.HANDLER, Type.VOID);
        IrExpr mod = new IrExpr.Binary(BinaryOp.MOD, new IrExpr.PacketLength(U64), c(4, U64), U64);
        g.setBody(block(
                count(0, c(1, U64)),
                new IrStmt.Switch(mod, List.of(
                        new IrStmt.Case(List.of(new dev.appl.compiler.ir.IrPattern.Exact(0)), block(new IrStmt.Leave())),
                        new IrStmt.Case(List.of(new dev.appl.compiler.ir.IrPattern.Exact(1)), block(new IrStmt.Break())),
                        new IrStmt.Case(List.of(new dev.appl.compiler.ir.IrPattern.Exact(2)),
                                block(new IrStmt.Return(null)))),
                        block(new IrStmt.Fate(IrStmt.Fate.Kind.MALFORMED, -1, null))),
                new IrStmt.Fate(IrStmt.Fate.Kind.FORWARD, 0, null)));
        ir.handlers.add(new IrAppliance.Handler("packet", 1, -1, g));

        Codegen.Generated generated = Codegen.generate(ir, true);
        assertEquals("", Specs.verify(generated.bytes()));
        CompiledAppliance compiled = CompiledAppliance.load(ir, generated);
        Differential d = new Differential(ir, compiled);
        for (int n = 0; n <= 12; n++) {
            d.send(0, new byte[n]);
            d.send(1, new byte[n]);
        }
        assertEquals(26, d.packets);
    }
}
