package dev.appl.compiler.ir;

/** A pattern of a {@link IrStmt.Switch} or a table entry's key, over a value's bits as an unsigned number. */
public sealed interface IrPattern {
    boolean matches(long value);

    record Any() implements IrPattern {
        public boolean matches(long value) {
            return true;
        }
    }

    record Exact(long value) implements IrPattern {
        public boolean matches(long v) {
            return v == value;
        }
    }

    /** Both ends included, compared unsigned. */
    record Range(long low, long high) implements IrPattern {
        public boolean matches(long v) {
            return Long.compareUnsigned(v, low) >= 0 && Long.compareUnsigned(v, high) <= 0;
        }
    }

    /** The bits set in {@code mask} equal those of {@code value}; a prefix is a mask of its leading bits. */
    record Masked(long value, long mask) implements IrPattern {
        public boolean matches(long v) {
            return (v & mask) == (value & mask);
        }
    }
}
