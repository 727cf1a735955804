package dev.appl.compiler.ir;

/**
 * A pattern of a {@link IrStmt.Switch} or a table entry's key. Values are held as the matched
 * value is: zero-extended for unsigned types, sign-extended for signed ones.
 */
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

    /** Both ends included, compared as the type compares: signed or unsigned. */
    record Range(long low, long high, boolean signed) implements IrPattern {
        public Range(long low, long high) {
            this(low, high, false);
        }

        public boolean matches(long v) {
            return signed ? v >= low && v <= high
                    : Long.compareUnsigned(v, low) >= 0 && Long.compareUnsigned(v, high) <= 0;
        }
    }

    /** The bits set in {@code mask} equal those of {@code value}; a prefix is a mask of its leading bits. */
    record Masked(long value, long mask) implements IrPattern {
        public boolean matches(long v) {
            return (v & mask) == (value & mask);
        }
    }
}
