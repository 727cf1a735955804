package dev.appl.compiler.ir;

import dev.appl.language.diag.Span;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * A function of the IR: a handler, a pure function, a test's body, or the size of a stream frame
 * computed from its framing header (which reads the header's bytes, as a handler reads its packet). Its locals are numbered in
 * the order they are made; parameters come first.
 */
public final class IrFunction {
    public enum Kind { HANDLER, FUNCTION, TEST, FRAMING }

    private final String name;
    private final Kind kind;
    private final Type result;
    /** Where the spec declares it (the handler, function, test or port), or null for IR built by hand. */
    private final Span span;
    private final List<IrLocal> params = new ArrayList<>();
    private final List<IrLocal> locals = new ArrayList<>();
    /** How many locals took each name, so that the next gets a fresh suffix without a search. */
    private final java.util.Map<String, Integer> namesTaken = new java.util.HashMap<>();
    private IrStmt.Block body = new IrStmt.Block(List.of());

    public IrFunction(String name, Kind kind, Type result) {
        this(name, kind, result, null);
    }

    public IrFunction(String name, Kind kind, Type result, Span span) {
        this.name = name;
        this.kind = kind;
        this.result = result;
        this.span = span;
    }

    public IrLocal param(String name, Type type) {
        IrLocal local = local(name, type);
        params.add(local);
        return local;
    }

    /** A new local; names need not be unique (a suffix keeps printed IR readable). */
    public IrLocal local(String name, Type type) {
        int same = namesTaken.merge(name, 1, Integer::sum) - 1;
        IrLocal local = new IrLocal(locals.size(), same == 0 ? name : name + "." + same, type);
        locals.add(local);
        return local;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public Type result() {
        return result;
    }

    /** Where the spec declares this function, for diagnostics about it; null for IR built by hand. */
    public Span span() {
        return span;
    }

    public List<IrLocal> params() {
        return params;
    }

    public List<IrLocal> locals() {
        return locals;
    }

    public IrStmt.Block body() {
        return body;
    }

    public void setBody(IrStmt.Block body) {
        this.body = body;
    }

    @Override
    public String toString() {
        return name;
    }
}
