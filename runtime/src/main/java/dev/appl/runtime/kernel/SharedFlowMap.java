package dev.appl.runtime.kernel;

import java.util.Arrays;

/**
 * A {@code shared} map of a spec (language.md §10.4): one {@link FlowMap} for all the workers of an
 * appliance, each worker reaching it through its own instance of this class ({@link #another}).
 *
 * <p>Every operation holds the map's monitor for the little it does (a probe of the index and a
 * few list links), so the map behaves as if the workers' operations ran one after the other, and
 * capacity, {@code lru} order and expiry are those of one map. One lock rather than stripes:
 * eviction and expiry take the eldest entry of the whole map, which stripes could not tell without
 * taking every lock. Nothing is allocated per operation: a monitor costs no heap. A map that no
 * other worker was given ({@link #another} never called: one worker, or a trace's replay) takes
 * no lock, which would cost a third of a NAT's time per packet for nothing.
 *
 * <p>{@link #get} copies the value found into this worker's own array while it holds the lock, and
 * {@link #value} reads that copy: a slot number would be no use once the lock is released, since
 * another worker may remove or replace the entry at any time. Expiry needs no care for the
 * workers' clocks: a worker that read its clock before another's reaches the map after it at
 * times, and the map files the entry by its time ({@link FlowMap}).
 *
 * <p>The methods are those of {@link FlowMap}, so that a compiled kernel calls either the same way.
 */
public final class SharedFlowMap {
    private final FlowMap map;
    /** The value of this worker's last successful {@link #get}. */
    private final long[] value;
    /**
     * Whether other workers have the map: set on both handles by {@link #another}, which is called
     * before any worker starts (so the workers' threads see it).
     */
    private boolean locking;

    /** A new map; {@link #another} gives the other workers theirs. */
    public SharedFlowMap(int keyWords, int valueWords, long capacity, long idleNanos, boolean lru) {
        this(new FlowMap(keyWords, valueWords, capacity, idleNanos, lru), valueWords, false);
    }

    private SharedFlowMap(FlowMap map, int valueWords, boolean locking) {
        this.map = map;
        this.value = new long[valueWords];
        this.locking = locking;
    }

    /** Another worker's handle on this same map; before the workers start. */
    public SharedFlowMap another() {
        locking = true;
        return new SharedFlowMap(map, value.length, true);
    }

    public int size(long now) {
        if (!locking) {
            return map.size(now);
        }
        synchronized (map) {
            return map.size(now);
        }
    }

    public boolean contains(long now, long[] key) {
        if (!locking) {
            return map.contains(now, key);
        }
        synchronized (map) {
            return map.contains(now, key);
        }
    }

    public boolean contains(long now, long key) {
        if (!locking) {
            return map.contains(now, key);
        }
        synchronized (map) {
            return map.contains(now, key);
        }
    }

    /**
     * Finds and touches {@code key}'s entry and copies its value for {@link #value}: 0 when found,
     * -1 when not.
     */
    public int get(long now, long[] key) {
        if (!locking) {
            return copied(map.get(now, key));
        }
        synchronized (map) {
            return copied(map.get(now, key));
        }
    }

    public int get(long now, long key) {
        if (!locking) {
            return copied(map.get(now, key));
        }
        synchronized (map) {
            return copied(map.get(now, key));
        }
    }

    private int copied(int slot) {
        if (slot < 0) {
            return -1;
        }
        for (int w = 0; w < value.length; w++) {
            value[w] = map.value(slot, w);
        }
        return 0;
    }

    /** Word {@code word} of the value the last {@link #get} found. */
    public long value(int found, int word) {
        return value[word];
    }

    /** A copy of the value the last {@link #get} found. */
    public long[] copyValue(int found) {
        return Arrays.copyOf(value, value.length);
    }

    public boolean remove(long now, long[] key) {
        if (!locking) {
            return map.remove(now, key);
        }
        synchronized (map) {
            return map.remove(now, key);
        }
    }

    public boolean remove(long now, long key) {
        if (!locking) {
            return map.remove(now, key);
        }
        synchronized (map) {
            return map.remove(now, key);
        }
    }

    public boolean put(long now, long[] key, long[] value) {
        if (!locking) {
            return map.put(now, key, value);
        }
        synchronized (map) {
            return map.put(now, key, value);
        }
    }

    public boolean put(long now, long key, long value) {
        if (!locking) {
            return map.put(now, key, value);
        }
        synchronized (map) {
            return map.put(now, key, value);
        }
    }

    public boolean put(long now, long[] key, long value) {
        if (!locking) {
            return map.put(now, key, value);
        }
        synchronized (map) {
            return map.put(now, key, value);
        }
    }

    public boolean put(long now, long key, long[] value) {
        if (!locking) {
            return map.put(now, key, value);
        }
        synchronized (map) {
            return map.put(now, key, value);
        }
    }
}
