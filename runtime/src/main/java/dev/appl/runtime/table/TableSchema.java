package dev.appl.runtime.table;

import java.util.List;

/**
 * What a rules file is checked against: a table's keys, its actions and the room it has left.
 *
 * @param name        the table's name, for messages
 * @param keys        the key fields, in order; an entry gives one pattern per key
 * @param actions     the actions the table may run, in order; an entry's action is an index here
 * @param size        the most entries the table holds
 * @param specEntries how many entries the spec itself gives ({@code entries} or {@code const entries});
 *                    a rules file may add {@code size - specEntries}
 */
public record TableSchema(String name, List<Key> keys, List<Action> actions, long size, int specEntries) {
    /**
     * One key field.
     *
     * @param name how the spec writes the key ({@code t.src}), for messages
     */
    public record Key(String name, MatchKind match, ValueType type) {}

    /** An action and the data an entry gives it, in order. */
    public record Action(String name, List<Datum> data) {
        public Action {
            data = List.copyOf(data);
        }
    }

    /** One datum of an action: the action's parameter's name and type. */
    public record Datum(String name, ValueType type) {}

    public TableSchema {
        keys = List.copyOf(keys);
        actions = List.copyOf(actions);
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("table " + name + " has no keys");
        }
    }

    /** How many entries a rules file may add: the size less the spec's own entries. */
    public long capacity() {
        return Math.max(0, size - specEntries);
    }

    /** The index of the action named {@code name}, or -1. */
    public int actionIndex(String name) {
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
