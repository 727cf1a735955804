package dev.appl.runtime.table;

import java.util.List;

/**
 * One entry read from a rules file.
 *
 * @param keys   one match per key field of the table, in the table's order
 * @param action the index of the action in the table's action list ({@link TableSchema#actions()})
 * @param data   the action's data, one value per datum, as the numbers they denote ({@link KeyMatch}:
 *               signed types sign-extended, everything else zero-extended)
 * @param line   the line of the file the entry is on, for messages
 */
public record RulesEntry(List<KeyMatch> keys, int action, List<Long> data, int line) {
    public RulesEntry {
        keys = List.copyOf(keys);
        data = List.copyOf(data);
    }
}
