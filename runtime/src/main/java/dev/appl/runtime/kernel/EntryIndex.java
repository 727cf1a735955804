package dev.appl.runtime.kernel;

/**
 * A layout of an {@link EntryTable}'s entries for lookups, built from them and dropped at their next
 * change. Every layout answers exactly what the linear first match over the entries answers.
 */
interface EntryIndex {
    /** The index of the first entry that matches {@code key} (one value per key), or -1. */
    int match(long[] key);
}
