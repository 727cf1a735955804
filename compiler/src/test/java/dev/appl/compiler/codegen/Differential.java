package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrTest;
import dev.appl.runtime.kernel.Kernel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The interpreter and the compiled kernel side by side, each a fresh appliance: every packet,
 * tick and entry goes to both, and after each the fates, output packets, counters and map sizes
 * must be the same.
 */
final class Differential {
    final IrAppliance ir;
    final Engine reference;
    final Engine compiled;
    private final long[] timerDue;
    private long now;
    private boolean started;
    int packets;
    /** How many packets met each fate. */
    final java.util.Map<Interpreter.Fate, Integer> fates = new java.util.EnumMap<>(Interpreter.Fate.class);

    /** Whether the compiled kernel comes from the same IR (else from the IR after the passes). */
    private final boolean sameIr;

    Differential(IrAppliance reference, CompiledAppliance compiled, Map<String, Object> params) {
        this.ir = reference;
        this.sameIr = compiled.ir() == reference;
        this.reference = Engine.interpreter(reference, params);
        this.compiled = compiled.newKernel(params);
        this.timerDue = new long[reference.timers.size()];
        if (!reference.stores.isEmpty()) {
            try {
                referenceFolder = storeFolder();
                compiledFolder = storeFolder();
                this.reference.openStores(referenceFolder);
                this.compiled.openStores(compiledFolder);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Where each engine's stores are, when the appliance has stores: folders of their own. */
    Path referenceFolder;
    Path compiledFolder;

    private static final List<Path> STORE_FOLDERS = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    static {
        // The stores stay open as long as their engines live; the folders go when the tests are done.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path folder : STORE_FOLDERS) {
                try (var files = java.nio.file.Files.list(folder)) {
                    for (Path f : files.toList()) {
                        java.nio.file.Files.deleteIfExists(f);
                    }
                    java.nio.file.Files.deleteIfExists(folder);
                } catch (java.io.IOException e) {
                    // a temporary folder left behind
                }
            }
        }));
    }

    private static Path storeFolder() throws java.io.IOException {
        Path folder = java.nio.file.Files.createTempDirectory("appl-differential-stores");
        STORE_FOLDERS.add(folder);
        return folder;
    }

    Differential(IrAppliance ir, CompiledAppliance compiled) {
        this(ir, compiled, Map.of());
    }

    /** Each engine's state of the open connection of each port that keeps state per connection. */
    private final Map<Integer, long[][]> connections = new java.util.HashMap<>();

    /**
     * Opens a fresh connection on a stream port on both (their states must agree) and runs its
     * {@code on connect} handler; returns the reference's outcome, null when the port greets no one.
     */
    Interpreter.Outcome connect(int port) {
        long[] a = new long[reference.connectionSlots(port)];
        long[] b = new long[compiled.connectionSlots(port)];
        reference.openConnection(port, a);
        compiled.openConnection(port, b);
        assertEquals(Arrays.toString(a), Arrays.toString(b), () -> ir.name() + ": a new connection's state");
        connections.put(port, new long[][] {a, b});
        if (a.length == 0 || a[Kernel.PHASE] != Kernel.CONNECTING) {
            return null;
        }
        packets++;
        return compare(port, new byte[0], reference.handle(port, a, new byte[0]), compiled.handle(port, b, new byte[0]));
    }

    /** The reference's state of the port's open connection; null when there is none. */
    long[] connection(int port) {
        long[][] both = connections.get(port);
        return both == null ? null : both[0];
    }

    /**
     * Sends a packet to both; returns the reference's outcome. On a port that keeps state per
     * connection it goes on the open connection (a new one if there is none or it was closed).
     */
    Interpreter.Outcome send(int port, byte[] packet) {
        if (reference.connectionSlots(port) == 0) {
            packets++;
            return compare(port, packet, reference.handle(port, packet.clone()), compiled.handle(port, packet.clone()));
        }
        long[][] both = connections.get(port);
        if (both == null || both[0][Kernel.CLOSE] != 0) {
            connect(port);
            both = connections.get(port);
        }
        packets++;
        return compare(port, packet, reference.handle(port, both[0], packet.clone()),
                compiled.handle(port, both[1], packet.clone()));
    }

    private Interpreter.Outcome compare(int port, byte[] packet, Interpreter.Outcome a, Interpreter.Outcome b) {
        String where = "packet " + packets + " on port " + port + " (" + ir.ports.get(port).name() + "): "
                + HexFormat.of().formatHex(packet);
        if (a.fate() != b.fate() || a.port() != b.port() || !Arrays.equals(a.packet(), b.packet())) {
            fail(ir.name() + ": " + where + "\n  interpreter: " + describe(a) + "\n  compiled:    " + describe(b));
        }
        long[][] both = connections.get(port);
        if (both != null) {
            assertEquals(Arrays.toString(both[0]), Arrays.toString(both[1]), () -> ir.name() + ": " + where
                    + ": the connection's state (phase, close, session variables)");
        }
        checkState(where);
        fates.merge(a.fate(), 1, Integer::sum);
        return a;
    }

    /** Moves the clock forward by {@code delta} nanoseconds, firing the timers that fall due on the way. */
    void advance(long delta) {
        if (!started) {
            for (int t = 0; t < timerDue.length; t++) {
                timerDue[t] = now + ir.timers.get(t).periodNanos();
            }
            started = true;
        }
        now += delta;
        for (int t = 0; t < timerDue.length; t++) {
            while (timerDue[t] <= now) {
                reference.setTime(timerDue[t]);
                compiled.setTime(timerDue[t]);
                reference.tick(t);
                compiled.tick(t);
                checkState("timer " + ir.timers.get(t).name() + " at " + timerDue[t]);
                timerDue[t] += ir.timers.get(t).periodNanos();
            }
        }
        reference.setTime(now);
        compiled.setTime(now);
    }

    void setTime(long nanos) {
        now = nanos;
        reference.setTime(nanos);
        compiled.setTime(nanos);
    }

    void tick(int timer) {
        reference.tick(timer);
        compiled.tick(timer);
        checkState("timer " + timer);
    }

    void addEntry(int table, IrAppliance.Entry entry) {
        reference.addEntry(table, entry);
        compiled.addEntry(table, entry);
    }

    void checkState(String where) {
        for (int i = 0; i < ir.counters.size(); i++) {
            assertEquals(reference.counter(i), compiled.counter(i), () -> ir.name() + ": after " + where);
        }
        for (int i = 0; i < ir.maps.size(); i++) {
            int m = i;
            assertEquals(reference.mapSize(i), compiled.mapSize(i), () -> ir.name() + ": size of map "
                    + ir.maps.get(m).name() + " after " + where);
        }
    }

    /**
     * Runs a test block's steps on both: the packets it sends (built by the interpreter, and the
     * compiled kernel must build the same), and its expectations evaluated on both (they must agree,
     * whether or not they hold).
     */
    void runTest(IrTest test, List<byte[]> sent) {
        Object[] refLocals = new Object[test.scope().locals().size()];
        Object[] ownLocals = new Object[test.scope().locals().size()];
        for (IrTest.Step s : test.steps()) {
            if (!sameIr && !(s instanceof IrTest.Send) && !(s instanceof IrTest.Let) && !(s instanceof IrTest.Connect)) {
                continue;
            }
            switch (s) {
                case IrTest.Send send -> {
                    byte[] packet = reference.packet(send.packet(), refLocals);
                    if (!sameIr) {
                        sent.add(packet);
                        send(send.port(), packet);
                        continue;
                    }
                    assertEquals(HexFormat.of().formatHex(packet),
                            HexFormat.of().formatHex(compiled.packet(send.packet(), ownLocals)),
                            () -> test.name() + ": the packet built for a send");
                    sent.add(packet);
                    send(send.port(), packet);
                }
                case IrTest.Let let -> {
                    refLocals[let.local().slot()] = reference.evaluate(let.value(), refLocals);
                    if (!sameIr) {
                        continue;
                    }
                    ownLocals[let.local().slot()] = compiled.evaluate(let.value(), ownLocals);
                }
                case IrTest.ExpectTrue t -> assertEquals(reference.evaluate(t.condition(), refLocals),
                        compiled.evaluate(t.condition(), ownLocals), () -> test.name() + ": `" + t.text() + "`");
                case IrTest.ExpectForward f -> {
                    if (f.packet() != null) {
                        assertEquals(HexFormat.of().formatHex(reference.packet(f.packet(), refLocals)),
                                HexFormat.of().formatHex(compiled.packet(f.packet(), ownLocals)), test.name());
                    }
                }
                case IrTest.ExpectReply r -> {
                    if (r.packet() != null) {
                        assertEquals(HexFormat.of().formatHex(reference.packet(r.packet(), refLocals)),
                                HexFormat.of().formatHex(compiled.packet(r.packet(), ownLocals)), test.name());
                    }
                }
                case IrTest.ExpectDrop d -> {}
                case IrTest.Connect c -> connect(c.port());
                case IrTest.ExpectClose c -> {} // the connections' states were compared after each message
                case IrTest.ExpectPhase p -> {}
            }
        }
    }

    private String describe(Interpreter.Outcome o) {
        return o.fate() + (o.fate() == Interpreter.Fate.FORWARD ? " " + ir.ports.get(o.port()).name() : "")
                + " " + HexFormat.of().formatHex(o.packet());
    }
}
