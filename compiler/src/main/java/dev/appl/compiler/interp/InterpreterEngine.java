package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import java.util.List;

/** The reference interpreter as an {@link Engine}. */
final class InterpreterEngine implements Engine {
    private final Interpreter interpreter;

    InterpreterEngine(Interpreter interpreter) {
        this.interpreter = interpreter;
    }

    @Override
    public Interpreter.Outcome handle(int port, byte[] packet) {
        return interpreter.handle(port, packet);
    }

    @Override
    public Interpreter.Outcome handle(int port, long[] connection, byte[] packet) {
        return interpreter.handle(port, connection, 0, packet);
    }

    @Override
    public int connectionSlots(int port) {
        return interpreter.connectionSlots(port);
    }

    @Override
    public void openConnection(int port, long[] state) {
        interpreter.openConnection(port, state, 0);
    }

    @Override
    public void tick(int timer) {
        interpreter.tick(timer);
    }

    @Override
    public int frameLength(int port, int phase, java.lang.foreign.MemorySegment buffer, long offset, int available) {
        return interpreter.frameLength(port, phase, buffer, offset, available);
    }

    @Override
    public void setTime(long nanos) {
        interpreter.setTime(nanos);
    }

    @Override
    public void openStores(java.nio.file.Path folder) throws java.io.IOException {
        interpreter.openStores(folder);
    }

    @Override
    public void closeStores() {
        interpreter.closeStores();
    }

    @Override
    public long counter(int index) {
        return interpreter.counter(index);
    }

    @Override
    public int mapSize(int index) {
        return interpreter.mapSize(index);
    }

    @Override
    public void addEntry(int table, IrAppliance.Entry entry) {
        interpreter.addEntry(table, entry);
    }

    @Override
    public Object evaluate(IrExpr e, Object[] locals) {
        return interpreter.evaluate(e, locals);
    }

    @Override
    public byte[] packet(IrExpr e, Object[] locals) {
        // A stack of one part is its bytes, whatever the part: the interpreter's own conversion.
        return (byte[]) interpreter.evaluate(new IrExpr.Stack(List.of(e)), locals);
    }

    @Override
    public String toString() {
        return "interpreter";
    }

    @Override
    public void shareMaps(Engine first) {
        interpreter.shareMaps(((InterpreterEngine) first).interpreter);
    }
}
