package dev.appl.compiler.ir;

import dev.appl.language.types.Type;

/**
 * A slot of a function: a parameter, a local, a loop counter, or the offset of a parsed header
 * in the packet (-1 while the header is not valid). Compared by identity; {@code slot} numbers the
 * locals of one function from 0.
 */
public final class IrLocal {
    private final int slot;
    private final String name;
    private final Type type;

    public IrLocal(int slot, String name, Type type) {
        this.slot = slot;
        this.name = name;
        this.type = type;
    }

    public int slot() {
        return slot;
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    @Override
    public String toString() {
        return "%" + name;
    }
}
