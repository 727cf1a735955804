package dev.appl.compiler.codegen;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One compiled appliance behind the interpreter's API ({@link Engine}), for tests and differential
 * checks: each packet is copied into a buffer with {@link Kernel#HEADROOM} on both sides, handled
 * in place, and copied out again.
 */
public final class CompiledKernel implements Engine {
    private final CompiledAppliance appliance;
    private final Kernel kernel;
    private final Map<IrExpr, Integer> testExpressions = new IdentityHashMap<>();

    CompiledKernel(CompiledAppliance appliance, Kernel kernel) {
        this.appliance = appliance;
        this.kernel = kernel;
        List<IrExpr> all = appliance.generated().testExpressions();
        for (int i = 0; i < all.size(); i++) {
            testExpressions.putIfAbsent(all.get(i), i);
        }
    }

    /** The generated kernel itself. */
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public Interpreter.Outcome handle(int port, byte[] packet) {
        return handle(port, null, packet);
    }

    @Override
    public Interpreter.Outcome handle(int port, long[] connection, byte[] packet) {
        // Headroom before the packet; after it, room for a reply as long as the port's max (a
        // greeting, a read's data), as the tcp driver's buffers have.
        int after = (int) Math.max(Kernel.HEADROOM + packet.length, Math.min(kernel.frameMax(port), 1 << 26) + Kernel.HEADROOM);
        MemorySegment buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + packet.length + after]);
        MemorySegment.copy(MemorySegment.ofArray(packet), 0, buffer, Kernel.HEADROOM, packet.length);
        PacketView view = new PacketView(buffer, Kernel.HEADROOM, packet.length);
        view.connection = connection;
        view.connectionBase = 0;
        int fate = kernel.handle(port, view);
        byte[] out = view.toArray();
        return switch (fate) {
            case Kernel.REPLY -> new Interpreter.Outcome(Interpreter.Fate.REPLY, port, out);
            case Kernel.DROP -> new Interpreter.Outcome(Interpreter.Fate.DROP, -1, out);
            case Kernel.MALFORMED -> new Interpreter.Outcome(Interpreter.Fate.MALFORMED, -1, out);
            case Kernel.HANDLED -> new Interpreter.Outcome(Interpreter.Fate.HANDLED, -1, out);
            default -> {
                if (fate < 0) {
                    throw new IllegalStateException("the kernel of " + appliance.ir().name() + " answered "
                            + Kernel.describe(fate));
                }
                yield new Interpreter.Outcome(Interpreter.Fate.FORWARD, fate, out);
            }
        };
    }

    @Override
    public void openStores(java.nio.file.Path folder) throws java.io.IOException {
        try {
            kernel.openStores(folder);
        } catch (java.io.IOException | RuntimeException e) {
            kernel.closeStores();
            throw e;
        }
    }

    @Override
    public void closeStores() {
        kernel.closeStores();
    }

    @Override
    public int frameLength(int port, int phase, java.lang.foreign.MemorySegment buffer, long offset, int available) {
        return kernel.frameLength(port, phase, buffer, offset, available);
    }

    @Override
    public int connectionSlots(int port) {
        return kernel.connectionSlots(port);
    }

    @Override
    public void openConnection(int port, long[] state) {
        kernel.openConnection(port, state, 0);
    }

    @Override
    public void shareMaps(Engine first) {
        kernel.shareMaps(((CompiledKernel) first).kernel);
    }

    @Override
    public void tick(int timer) {
        kernel.tick(timer);
    }

    @Override
    public void setTime(long nanos) {
        kernel.setTime(nanos);
    }

    @Override
    public long counter(int index) {
        return kernel.counter(index);
    }

    @Override
    public int mapSize(int index) {
        return kernel.mapSize(index);
    }

    @Override
    public void addEntry(int table, IrAppliance.Entry entry) {
        kernel.addEntry(table, tableEntry(entry));
    }

    /** An IR entry as a run-time one; its data must be scalars or bytes. */
    public static TableEntry tableEntry(IrAppliance.Entry entry) {
        List<TableEntry.Match> keys = new ArrayList<>();
        for (IrPattern p : entry.patterns()) {
            keys.add(switch (p) {
                case IrPattern.Any a -> TableEntry.Match.any();
                case IrPattern.Exact x -> TableEntry.Match.exact(x.value());
                case IrPattern.Range r -> TableEntry.Match.range(r.low(), r.high());
                case IrPattern.Masked m -> TableEntry.Match.masked(m.value(), m.mask());
            });
        }
        long[] data = new long[entry.data().size()];
        byte[][] blobs = null;
        for (int i = 0; i < data.length; i++) {
            switch (entry.data().get(i)) {
                case Long v -> data[i] = v;
                case byte[] b -> {
                    blobs = blobs == null ? new byte[data.length][] : blobs;
                    blobs[i] = b;
                }
                default -> throw new IllegalArgumentException("a run-time entry's data must be numbers or bytes,"
                        + " not " + entry.data().get(i));
            }
        }
        return new TableEntry(keys, entry.action(), data, blobs);
    }

    @Override
    public Object evaluate(IrExpr e, Object[] locals) {
        Integer index = testExpressions.get(e);
        if (index == null || !(kernel instanceof TestEvaluator tests)) {
            throw new IllegalArgumentException("not an expression of " + appliance.ir().name() + "'s tests");
        }
        return tests.testEvaluate(index, locals);
    }

    @Override
    public byte[] packet(IrExpr e, Object[] locals) {
        return ((MemorySegment) evaluate(e, locals)).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public String toString() {
        return "compiled kernel";
    }
}
