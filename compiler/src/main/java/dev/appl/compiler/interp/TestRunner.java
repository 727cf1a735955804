package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrTest;
import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.runtime.kernel.Kernel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs an appliance's {@code test} blocks on an {@link Engine}, each against a fresh appliance, and
 * says why a failing one failed.
 */
public final class TestRunner {
    /** One test's result; {@code failure} is null when it passed. */
    public record Result(String appliance, String test, String failure) {
        public boolean passed() {
            return failure == null;
        }
    }

    private TestRunner() {}

    /** The tests of {@code ir} on fresh interpreters. */
    public static List<Result> run(IrAppliance ir) {
        return run(ir, () -> Engine.interpreter(ir, Map.of()));
    }

    public static List<Result> run(IrAppliance ir, Supplier<? extends Engine> fresh) {
        List<Result> results = new ArrayList<>();
        for (IrTest test : ir.tests) {
            results.add(new Result(ir.name(), test.name(), withStores(ir, test, fresh.get())));
        }
        return results;
    }

    /** Runs a test with the appliance's stores (if any) in a fresh temporary folder, deleted after. */
    private static String withStores(IrAppliance ir, IrTest test, Engine engine) {
        if (ir.stores.isEmpty()) {
            return run(ir, test, engine);
        }
        java.nio.file.Path folder = null;
        try {
            folder = java.nio.file.Files.createTempDirectory("appl-test-stores");
            engine.openStores(folder);
            try {
                return run(ir, test, engine);
            } finally {
                engine.closeStores();
            }
        } catch (java.io.IOException e) {
            return "the stores could not be opened: " + e.getMessage();
        } finally {
            deleteFolder(folder);
        }
    }

    private static void deleteFolder(java.nio.file.Path folder) {
        if (folder == null) {
            return;
        }
        try (var files = java.nio.file.Files.list(folder)) {
            for (java.nio.file.Path f : files.toList()) {
                java.nio.file.Files.deleteIfExists(f);
            }
            java.nio.file.Files.deleteIfExists(folder);
        } catch (java.io.IOException e) {
            // A temporary folder left behind costs nothing but space; the test's result stands.
        }
    }

    /** Null when the test passes, else the first expectation that failed. */
    private static String run(IrAppliance ir, IrTest test, Engine engine) {
        Object[] locals = new Object[test.scope().locals().size()];
        // The open connection of each stream port that keeps state per connection, and the one the
        // last message came on.
        Map<Integer, long[]> connections = new java.util.HashMap<>();
        long[] lastConnection = null;
        Interpreter.Outcome last = null;
        int step = 0;
        for (IrTest.Step s : test.steps()) {
            step++;
            switch (s) {
                case IrTest.Connect c -> {
                    if (engine.connectionSlots(c.port()) == 0) {
                        // A port that keeps nothing per connection and greets no one: nothing to open.
                        last = null;
                        lastConnection = null;
                        continue;
                    }
                    lastConnection = open(engine, c.port());
                    connections.put(c.port(), lastConnection);
                    last = greet(engine, c.port(), lastConnection);
                }
                case IrTest.Send send -> {
                    byte[] packet = engine.packet(send.packet(), locals);
                    if (engine.connectionSlots(send.port()) == 0) {
                        last = engine.handle(send.port(), packet);
                        lastConnection = null;
                        continue;
                    }
                    long[] connection = connections.get(send.port());
                    if (connection == null || connection[Kernel.CLOSE] != 0) {
                        connection = open(engine, send.port());
                        connections.put(send.port(), connection);
                        greet(engine, send.port(), connection);
                    }
                    lastConnection = connection;
                    last = engine.handle(send.port(), connection, packet);
                }
                case IrTest.ExpectPhase p -> {
                    List<String> phases = ir.ports.get(p.port()).phases();
                    if (lastConnection == null) {
                        return "step " + step + ": expected phase `" + phases.get(p.phase())
                                + "`, but no connection is open";
                    }
                    int phase = (int) lastConnection[Kernel.PHASE];
                    if (phase != p.phase()) {
                        return "step " + step + ": expected the connection in phase `" + phases.get(p.phase())
                                + "`, but it is in " + (phase >= 0 && phase < phases.size()
                                        ? "phase `" + phases.get(phase) + "`" : "no phase yet (" + phase + ")");
                    }
                }
                case IrTest.ExpectClose c -> {
                    if (last == null) {
                        return "step " + step + ": expected the connection to close, but nothing was sent";
                    }
                    if (lastConnection == null || lastConnection[Kernel.CLOSE] == 0) {
                        return "step " + step + ": expected the connection to close, but it stays open";
                    }
                }
                case IrTest.Let let -> locals[let.local().slot()] = engine.evaluate(let.value(), locals);
                case IrTest.ExpectDrop d -> {
                    if (last == null) {
                        return "step " + step + ": expected a drop, but nothing was sent";
                    }
                    if (last.fate() != Interpreter.Fate.DROP && last.fate() != Interpreter.Fate.MALFORMED) {
                        return "step " + step + ": expected the packet to be dropped, but it was " + describe(ir, last);
                    }
                }
                case IrTest.ExpectForward fw -> {
                    String why = expectOut(ir, engine, last, Interpreter.Fate.FORWARD, fw.port(), fw.packet(), locals);
                    if (why != null) {
                        return "step " + step + ": " + why;
                    }
                }
                case IrTest.ExpectReply r -> {
                    String why = expectOut(ir, engine, last, Interpreter.Fate.REPLY, -1, r.packet(), locals);
                    if (why != null) {
                        return "step " + step + ": " + why;
                    }
                }
                case IrTest.ExpectTrue t -> {
                    if ((Long) engine.evaluate(t.condition(), locals) == 0) {
                        return "step " + step + ": expected `" + t.text() + "`" + values(engine, t.condition(), locals);
                    }
                }
            }
        }
        return null;
    }

    /** A fresh connection's state on {@code port}. */
    private static long[] open(Engine engine, int port) {
        long[] state = new long[engine.connectionSlots(port)];
        engine.openConnection(port, state);
        return state;
    }

    /** Runs the port's {@code on connect} handler on a new connection; null when it has none. */
    private static Interpreter.Outcome greet(Engine engine, int port, long[] connection) {
        return connection[Kernel.PHASE] == Kernel.CONNECTING ? engine.handle(port, connection, new byte[0]) : null;
    }

    private static String expectOut(IrAppliance ir, Engine engine, Interpreter.Outcome last, Interpreter.Fate fate,
            int port, IrExpr packet, Object[] locals) {
        String wanted = fate == Interpreter.Fate.REPLY ? "a reply"
                : "a packet forwarded to `" + ir.ports.get(port).name() + "`";
        if (last == null) {
            return "expected " + wanted + ", but nothing was sent";
        }
        if (last.fate() != fate || (fate == Interpreter.Fate.FORWARD && last.port() != port)) {
            return "expected " + wanted + ", but the packet was " + describe(ir, last);
        }
        if (packet != null) {
            byte[] expected = engine.packet(packet, locals);
            int at = firstDifference(expected, last.packet());
            if (at >= 0) {
                return "the packet differs from the expected one at byte " + at + " (expected "
                        + expected.length + " bytes, got " + last.packet().length + ")\n  expected: "
                        + hex(expected) + "\n  actual:   " + hex(last.packet());
            }
        }
        return null;
    }

    private static int firstDifference(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : n;
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            out.append(i > 0 && i % 4 == 0 ? " " : "").append(HexFormat.of().toHexDigits(bytes[i]));
        }
        return out.toString();
    }

    private static String describe(IrAppliance ir, Interpreter.Outcome o) {
        return switch (o.fate()) {
            case FORWARD -> "forwarded to `" + ir.ports.get(o.port()).name() + "`";
            case REPLY -> "replied";
            case DROP -> "dropped";
            case MALFORMED -> "dropped as malformed";
            case HANDLED -> "handled without a reply";
        };
    }

    private static String values(Engine engine, IrExpr condition, Object[] locals) {
        if (condition instanceof IrExpr.Binary b && b.op().isComparison()) {
            return ", but the left side is " + engine.evaluate(b.left(), locals) + " and the right side is "
                    + engine.evaluate(b.right(), locals);
        }
        if (condition instanceof IrExpr.Binary b && b.op() == BinaryOp.AND) {
            return "; it is false";
        }
        return ", but it is false";
    }
}
