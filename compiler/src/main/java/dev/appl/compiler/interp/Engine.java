package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import java.util.List;
import java.util.Map;

/**
 * One appliance, run by either engine: the reference interpreter ({@link #interpreter}) or the
 * compiled kernel ({@code dev.appl.compiler.codegen.CompiledKernel}). What tests and differential
 * checks drive: packets in,
 * outcomes out, and the state they can see. Each instance is a fresh appliance.
 */
public interface Engine {
    /** Runs the handler of {@code port} on a copy of {@code packet}. */
    Interpreter.Outcome handle(int port, byte[] packet);

    void tick(int timer);

    /** {@link dev.appl.runtime.kernel.Kernel#frameLength}: where a stream port's frame ends. */
    int frameLength(int port, java.lang.foreign.MemorySegment buffer, long offset, int available);

    /**
     * Opens the appliance's stores, file names relative to {@code folder}; before the first
     * packet. On failure none stays open.
     */
    void openStores(java.nio.file.Path folder) throws java.io.IOException;

    /** Flushes and closes the stores. */
    void closeStores();

    void setTime(long nanos);

    long counter(int index);

    int mapSize(int index);

    /** Adds a run-time entry to a table, after the spec's entries and those added before. */
    void addEntry(int table, IrAppliance.Entry entry);

    /**
     * Evaluates an expression of one of the appliance's tests over its state, with the test's
     * locals (values this engine returned before; each engine has its own representation).
     */
    Object evaluate(IrExpr e, Object[] locals);

    /** The bytes of a packet a test sends or expects (headers and bytes stacked). */
    byte[] packet(IrExpr e, Object[] locals);

    /** The interpreter as an engine. */
    static Engine interpreter(IrAppliance ir, Map<String, Object> params) {
        Interpreter interpreter = new Interpreter(ir, params);
        return new Engine() {
            @Override
            public Interpreter.Outcome handle(int port, byte[] packet) {
                return interpreter.handle(port, packet);
            }

            @Override
            public void tick(int timer) {
                interpreter.tick(timer);
            }

            @Override
            public int frameLength(int port, java.lang.foreign.MemorySegment buffer, long offset, int available) {
                return interpreter.frameLength(port, buffer, offset, available);
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
        };
    }
}
