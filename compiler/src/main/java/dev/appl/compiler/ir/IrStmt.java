package dev.appl.compiler.ir;

import java.util.List;

/** Statements of the IR: structured control flow, explicit packet writes and the packet's fate. */
public sealed interface IrStmt {
    record Block(List<IrStmt> statements) {}

    record Assign(IrLocal target, IrExpr value) implements IrStmt {}

    /** {@code target.path = value} for a field (or element) of an aggregate local, {@code path} outermost first. */
    record AssignPart(IrLocal target, List<IrExpr> path, IrExpr value) implements IrStmt {}

    /** Writes a packet field in place; the counterpart of {@link IrExpr.Load}. */
    record Store(IrLocal header, int byteOffset, int bitOffset, int width, boolean littleEndian, IrExpr value)
            implements IrStmt {}

    record If(IrExpr condition, Block then, Block orElse) implements IrStmt {}

    /**
     * Runs the first case one of whose patterns matches, else {@code otherwise}. Patterns are
     * constants, closed ranges or value/mask pairs over the subject's bits.
     */
    record Switch(IrExpr subject, List<Case> cases, Block otherwise) implements IrStmt {}

    record Case(List<IrPattern> patterns, Block body) {}

    /** {@code for counter in from..to}, at most {@code max} times (a constant). */
    record Loop(IrLocal counter, IrExpr from, IrExpr to, long max, Block body) implements IrStmt {}

    record Break() implements IrStmt {}

    record Continue() implements IrStmt {}

    record Return(IrExpr value) implements IrStmt {}

    /** The end of a handler: what happens to the buffer. */
    record Fate(Kind kind, int port, IrExpr payload) implements IrStmt {
        public enum Kind { FORWARD, DROP, REPLY, MALFORMED }
    }

    /** Takes the malformed path unless the packet holds at least {@code end} bytes. */
    record Require(IrExpr end) implements IrStmt {}

    record CounterAdd(int counter, IrExpr delta) implements IrStmt {}

    /**
     * Sets slot {@code slot} of the handler's connection state ({@code dev.appl.runtime.kernel.Kernel#PHASE}
     * for {@code enter}, {@code CLOSE} for {@code close}, from {@code SESSION} a session variable).
     */
    record ConnectionSet(int slot, IrExpr value) implements IrStmt {}

    /** An expression evaluated for its effect (a call, a map put). */
    record Eval(IrExpr expr) implements IrStmt {}

    /** {@code target = map[key]}, or run {@code missing} (which does not fall through) if there is none. */
    record MapGet(int map, IrExpr key, IrLocal target, Block missing) implements IrStmt {}

    /**
     * {@code target = store.get(key)} for a kv store, {@code store.read(key)} for a log (the key
     * is an offset), or run {@code missing} (which does not fall through) if there is none.
     */
    record StoreGet(int store, IrExpr key, IrLocal target, Block missing) implements IrStmt {}

    /**
     * Looks {@code keys} up in a table and runs the matching entry's action (or the default) with its
     * data; {@code result} (if not null) receives the index of the action that ran. With
     * {@code runtimeOnly} the table's const entries are not tried: the code around it has tried
     * them already (a const table compiled into code by {@code CompileConstTables} that also loads
     * entries at run time), and only the run-time entries, then the default, are left.
     */
    record Apply(int table, List<IrExpr> keys, List<ActionCase> actions, IrLocal result, boolean runtimeOnly)
            implements IrStmt {
        public Apply(int table, List<IrExpr> keys, List<ActionCase> actions, IrLocal result) {
            this(table, keys, actions, result, false);
        }
    }

    /** How to run action {@code action} of a table: its body with {@code data} bound to the entry's values. */
    record ActionCase(int action, List<IrLocal> data, Block body) {}

    /**
     * Inserts a header's bytes into the packet at {@code at}, moving what follows; offset locals at or
     * after {@code at} move with their headers.
     */
    record Insert(IrExpr at, IrExpr header, List<IrLocal> moved) implements IrStmt {}

    /** Removes {@code length} bytes at the offset in {@code header}, which becomes invalid (-1). */
    record Remove(IrLocal header, IrExpr length, List<IrLocal> moved) implements IrStmt {}

    /** A block that {@link Leave} exits early: the body of an inlined action or function that returns. */
    record Scoped(Block body) implements IrStmt {}

    /** Leaves the innermost {@link Scoped} block. */
    record Leave() implements IrStmt {}
}
