package dev.appl.runtime.table;

/**
 * How a loaded entry matches one key field. Values are the numbers they denote as Java longs:
 * unsigned types (and ip4, mac, bool, enums) zero-extended, signed types sign-extended.
 */
public sealed interface KeyMatch {
    /** Whether a key value matches. Range ends compare signed when {@code signed}, else unsigned. */
    boolean matches(long key, boolean signed);

    /**
     * For exact, lpm and ternary keys: the key matches when its bits under {@code mask} equal
     * those of {@code value}. An exact value has every bit of the key's width in the mask, an
     * lpm prefix its leading bits, a wildcard {@code _} none (mask 0). {@code value} has no
     * bits outside {@code mask} other than, for a signed key, its sign extension.
     */
    record Masked(long value, long mask) implements KeyMatch {
        public boolean matches(long key, boolean signed) {
            return (key & mask) == (value & mask);
        }
    }

    /**
     * For range keys: {@code low <= key <= high}, both ends included. A single value is a range
     * of one value and a wildcard {@code _} the whole range of the key's type.
     */
    record Range(long low, long high) implements KeyMatch {
        public boolean matches(long key, boolean signed) {
            return signed ? key >= low && key <= high
                    : Long.compareUnsigned(key, low) >= 0 && Long.compareUnsigned(key, high) <= 0;
        }
    }
}
