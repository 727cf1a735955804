package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An {@link Engine} seen as a runtime {@link Kernel}, so that the interpreter runs traces through
 * the same replay as compiled kernels ({@code dev.appl.runtime.launch.Replay}). Each packet is
 * copied out of its buffer and the result copied back: the interpreter is not meant to be fast.
 */
public final class EngineKernel implements Kernel {
    private final Engine engine;
    private final List<IrAppliance.Port> ports;
    private final List<IrAppliance.MapState> maps;
    private final int stores;

    public EngineKernel(Engine engine, IrAppliance ir) {
        this.engine = engine;
        this.ports = List.copyOf(ir.ports);
        this.maps = List.copyOf(ir.maps);
        this.stores = ir.stores.size();
    }

    @Override
    public int frameLength(int port, int phase, MemorySegment buffer, long offset, int available) {
        return engine.frameLength(port, phase, buffer, offset, available);
    }

    @Override
    public int framePrefix(int port, int phase) {
        IrAppliance.Framing f = port >= 0 && port < ports.size() ? ports.get(port).framing(phase) : null;
        return f == null ? 0 : f.prefixBytes();
    }

    @Override
    public long frameMax(int port) {
        if (port < 0 || port >= ports.size() || ports.get(port).framings().isEmpty()) {
            return 0;
        }
        IrAppliance.Port p = ports.get(port);
        return p.maxBytes() + p.framings().stream().mapToInt(IrAppliance.Framing::prefixBytes).max().orElse(0);
    }

    @Override
    public int connectionSlots(int port) {
        return engine.connectionSlots(port);
    }

    @Override
    public void openConnection(int port, long[] state, int base) {
        long[] own = new long[engine.connectionSlots(port)];
        engine.openConnection(port, own);
        System.arraycopy(own, 0, state, base, own.length);
    }

    @Override
    public int connections(int port) {
        return port >= 0 && port < ports.size() ? (int) Math.min(Integer.MAX_VALUE, ports.get(port).connections())
                : DEFAULT_CONNECTIONS;
    }

    @Override
    public int handle(int port, PacketView packet) {
        Interpreter.Outcome o;
        if (packet.connection != null) {
            // The engine's own copy of the connection's state, written back after the handler.
            long[] state = new long[engine.connectionSlots(port)];
            System.arraycopy(packet.connection, packet.connectionBase, state, 0, state.length);
            o = engine.handle(port, state, packet.toArray());
            System.arraycopy(state, 0, packet.connection, packet.connectionBase, state.length);
        } else {
            o = engine.handle(port, packet.toArray());
        }
        if (o.fate() == Interpreter.Fate.FORWARD || o.fate() == Interpreter.Fate.REPLY) {
            byte[] out = o.packet();
            if (packet.offset + out.length > packet.segment.byteSize()) {
                return NO_ROOM;
            }
            MemorySegment.copy(MemorySegment.ofArray(out), 0, packet.segment, packet.offset, out.length);
            packet.length = out.length;
        }
        return switch (o.fate()) {
            case FORWARD -> o.port();
            case REPLY -> REPLY;
            case DROP -> DROP;
            case MALFORMED -> MALFORMED;
            case HANDLED -> HANDLED;
        };
    }

    @Override
    public void tick(int timer) {
        engine.tick(timer);
    }

    @Override
    public void setTime(long nanos) {
        engine.setTime(nanos);
    }

    @Override
    public long counter(int index) {
        return engine.counter(index);
    }

    @Override
    public int mapSize(int index) {
        return engine.mapSize(index);
    }

    @Override
    public int mapCount() {
        return maps.size();
    }

    @Override
    public boolean mapShared(int index) {
        return maps.get(index).shared();
    }

    @Override
    public void shareMaps(Kernel first) {
        engine.shareMaps(((EngineKernel) first).engine);
    }

    @Override
    public int storeCount() {
        return stores;
    }

    /** Loaded entries reach the interpreter through {@link Engine#addEntry}, before the replay. */
    @Override
    public void addEntry(int index, TableEntry entry) {
        throw new UnsupportedOperationException("load entries into the engine, not through the replay");
    }
}
