package dev.appl.runtime.kernel;

import java.util.List;

/**
 * A table entry added at run time ({@link Kernel#addEntry}): one match per key, in the table's key
 * order, the index of the action it runs, and that action's data (scalars, as the numbers they
 * denote: unsigned types zero-extended, signed ones sign-extended). A datum of type {@code bytes}
 * is in {@code blobs} at its index (null elsewhere, and {@code blobs} null when there is none);
 * the kernel keeps it in the table's {@link BlobPool}.
 */
public record TableEntry(List<Match> keys, int action, long[] data, byte[][] blobs) {
    public TableEntry {
        keys = List.copyOf(keys);
        data = data.clone();
        blobs = blobs == null ? null : blobs.clone();
    }

    /** An entry whose data are all scalars. */
    public TableEntry(List<Match> keys, int action, long[] data) {
        this(keys, action, data, null);
    }

    /** How one key matches: any value, one value, a closed unsigned range, or a value under a mask. */
    public record Match(Kind kind, long a, long b) {
        public enum Kind { ANY, EXACT, RANGE, MASKED }

        public static Match any() {
            return new Match(Kind.ANY, 0, 0);
        }

        public static Match exact(long value) {
            return new Match(Kind.EXACT, value, 0);
        }

        /** Both ends included, compared unsigned. */
        public static Match range(long low, long high) {
            return new Match(Kind.RANGE, low, high);
        }

        public static Match masked(long value, long mask) {
            return new Match(Kind.MASKED, value, mask);
        }

        public boolean matches(long key) {
            return switch (kind) {
                case ANY -> true;
                case EXACT -> key == a;
                case RANGE -> Long.compareUnsigned(key, a) >= 0 && Long.compareUnsigned(key, b) <= 0;
                case MASKED -> (key & b) == (a & b);
            };
        }
    }
}
