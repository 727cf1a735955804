package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
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

    /**
     * Runs the handler of a message of a stream port that keeps state per connection
     * ({@link #connectionSlots}), on the connection whose state {@code connection} holds
     * ({@link dev.appl.runtime.kernel.Kernel}'s layout; an empty message while it is
     * {@code CONNECTING} runs the {@code on connect} handler).
     */
    Interpreter.Outcome handle(int port, long[] connection, byte[] packet);

    /** {@link dev.appl.runtime.kernel.Kernel#connectionSlots}. */
    int connectionSlots(int port);

    /** {@link dev.appl.runtime.kernel.Kernel#openConnection}, from index 0 of {@code state}. */
    void openConnection(int port, long[] state);

    void tick(int timer);

    /** {@link dev.appl.runtime.kernel.Kernel#frameLength}: where a stream port's frame ends in {@code phase}. */
    int frameLength(int port, int phase, java.lang.foreign.MemorySegment buffer, long offset, int available);

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

    /**
     * Makes this engine, another worker's instance of {@code first}'s appliance (of the same kind of
     * engine), use {@code first}'s {@code shared} maps; before either handles a packet.
     */
    void shareMaps(Engine first);

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
        return new InterpreterEngine(new Interpreter(ir, params));
    }
}
