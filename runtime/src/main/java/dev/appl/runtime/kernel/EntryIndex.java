package dev.appl.runtime.kernel;

/**
 * A layout of an {@link EntryTable}'s entries for lookups, built from them and dropped at their next
 * change. Every layout answers exactly what the linear first match over the entries answers.
 */
interface EntryIndex {
    /** The index of the first entry that matches {@code key} (one value per key), or -1. */
    int match(long[] key);

    /**
     * {@link #match} for a table of at most four keys, given as values (those past the table's
     * keys are ignored), so that a kernel passes them without an array; {@code key} is scratch as
     * long as the table has keys.
     */
    default int match(long k0, long k1, long k2, long k3, long[] key) {
        fill(key, k0, k1, k2, k3);
        return match(key);
    }

    /** Puts as many of the values as {@code key} holds into it. */
    static void fill(long[] key, long k0, long k1, long k2, long k3) {
        int n = key.length;
        if (n > 0) {
            key[0] = k0;
        }
        if (n > 1) {
            key[1] = k1;
        }
        if (n > 2) {
            key[2] = k2;
        }
        if (n > 3) {
            key[3] = k3;
        }
    }
}
