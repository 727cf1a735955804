package dev.appl.runtime.kernel;

import java.util.Arrays;

/**
 * A {@code map} of a spec: keys and values are fixed numbers of 64-bit words (a struct of scalars
 * is one word per field), held in flat arrays with an open-addressing index, so that a lookup
 * touches no objects and allocates nothing.
 *
 * <p>It behaves exactly as the reference interpreter's map (a {@code LinkedHashMap}): entries keep
 * insertion order, or access order for an {@code lru} map (a get or a put moves the entry to the
 * back); a put of a new key into a full map fails, or for an {@code lru} map first evicts the entry
 * at the front; every operation first removes the entries idle for {@code expire} or longer
 * ({@code now - touched >= expire}), where gets and puts touch an entry. Expiry pops entries off a
 * second list kept sorted by touch time: an entry touched at a time before the newest's (the clock
 * went backwards, or a {@link SharedFlowMap}'s workers read their clocks in one order and reach the
 * map in the other) is inserted where its time belongs, walking from the newest end.
 *
 * <p>Slots are allocated as entries arrive, doubling up to the capacity.
 */
public final class FlowMap {
    private static final int NONE = -1;

    private final int keyWords;
    private final int valueWords;
    private final long capacity;
    private final long idle;
    private final boolean lru;

    private int slots;
    private int used;
    private int free = NONE;
    private int size;
    private long[] keys;
    private long[] values;
    private long[] touched;
    private int[] hashes;
    /** Iteration order (insertion, or access for lru): the front is the eldest. */
    private int[] prev;
    private int[] next;
    private int head = NONE;
    private int tail = NONE;
    /** Entries by touch time, for expiry: {@code oldest} has the earliest. */
    private int[] older;
    private int[] newer;
    private int oldest = NONE;
    private int newest = NONE;
    /** Open addressing, linear probing: slot + 1, or 0 for an empty cell. */
    private int[] index;
    private int mask;

    private final long[] oneKey = new long[1];
    private final long[] oneValue = new long[1];

    /**
     * @param capacity the most entries
     * @param idleNanos the idle time after which an entry expires; 0 for never
     * @param lru whether a put into a full map evicts the least recently used entry
     */
    public FlowMap(int keyWords, int valueWords, long capacity, long idleNanos, boolean lru) {
        this.keyWords = keyWords;
        this.valueWords = valueWords;
        this.capacity = capacity;
        this.idle = idleNanos;
        this.lru = lru;
        allocate((int) Math.min(Math.max(capacity, 1), 64));
    }

    // ---- Operations: each first removes expired entries, as the interpreter does ----------------

    /** How many entries are live at {@code now}. */
    public int size(long now) {
        expire(now);
        return size;
    }

    public boolean contains(long now, long[] key) {
        expire(now);
        return find(key) != NONE;
    }

    public boolean contains(long now, long key) {
        oneKey[0] = key;
        return contains(now, oneKey);
    }

    /** The slot of {@code key}'s entry, touched (and moved to the back of an lru map), or -1. */
    public int get(long now, long[] key) {
        expire(now);
        int s = find(key);
        if (s == NONE) {
            return NONE;
        }
        touch(s, now);
        if (lru) {
            unlinkOrder(s);
            appendOrder(s);
        }
        return s;
    }

    public int get(long now, long key) {
        oneKey[0] = key;
        return get(now, oneKey);
    }

    /** Word {@code word} of the value in {@code slot} (from {@link #get}). */
    public long value(int slot, int word) {
        return values[slot * valueWords + word];
    }

    /** A copy of the value in {@code slot}. */
    public long[] copyValue(int slot) {
        return Arrays.copyOfRange(values, slot * valueWords, slot * valueWords + valueWords);
    }

    public boolean remove(long now, long[] key) {
        expire(now);
        int s = find(key);
        if (s == NONE) {
            return false;
        }
        delete(s);
        return true;
    }

    public boolean remove(long now, long key) {
        oneKey[0] = key;
        return remove(now, oneKey);
    }

    /** Sets {@code key}'s value; false when the map is full and not lru. */
    public boolean put(long now, long[] key, long[] value) {
        expire(now);
        int s = find(key);
        if (s == NONE && size >= capacity) {
            if (!lru || head == NONE) {
                return false;
            }
            delete(head);
        }
        if (s != NONE) {
            System.arraycopy(value, 0, values, s * valueWords, valueWords);
            touch(s, now);
            if (lru) {
                unlinkOrder(s);
                appendOrder(s);
            }
            return true;
        }
        s = allocateSlot();
        System.arraycopy(key, 0, keys, s * keyWords, keyWords);
        System.arraycopy(value, 0, values, s * valueWords, valueWords);
        int h = hash(key);
        hashes[s] = h;
        int i = h & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = s + 1;
        appendOrder(s);
        touched[s] = now;
        appendTouch(s, now);
        size++;
        return true;
    }

    public boolean put(long now, long key, long value) {
        oneKey[0] = key;
        oneValue[0] = value;
        return put(now, oneKey, oneValue);
    }

    public boolean put(long now, long[] key, long value) {
        oneValue[0] = value;
        return put(now, key, oneValue);
    }

    public boolean put(long now, long key, long[] value) {
        oneKey[0] = key;
        return put(now, oneKey, value);
    }

    // ---- Expiry ---------------------------------------------------------------------------------

    private void expire(long now) {
        if (idle <= 0) {
            return;
        }
        while (oldest != NONE && now - touched[oldest] >= idle) {
            delete(oldest);
        }
    }

    private void touch(int s, long now) {
        unlinkTouch(s);
        touched[s] = now;
        appendTouch(s, now);
    }

    /** Links {@code s}, touched at {@code now}, after the last entry touched at or before then. */
    private void appendTouch(int s, long now) {
        int before = newest;
        while (before != NONE && touched[before] > now) {
            before = older[before];
        }
        older[s] = before;
        newer[s] = before == NONE ? oldest : newer[before];
        if (before == NONE) {
            oldest = s;
        } else {
            newer[before] = s;
        }
        if (newer[s] == NONE) {
            newest = s;
        } else {
            older[newer[s]] = s;
        }
    }

    private void unlinkTouch(int s) {
        if (older[s] == NONE) {
            oldest = newer[s];
        } else {
            newer[older[s]] = newer[s];
        }
        if (newer[s] == NONE) {
            newest = older[s];
        } else {
            older[newer[s]] = older[s];
        }
    }

    // ---- Order list -----------------------------------------------------------------------------

    private void appendOrder(int s) {
        prev[s] = tail;
        next[s] = NONE;
        if (tail == NONE) {
            head = s;
        } else {
            next[tail] = s;
        }
        tail = s;
    }

    private void unlinkOrder(int s) {
        if (prev[s] == NONE) {
            head = next[s];
        } else {
            next[prev[s]] = next[s];
        }
        if (next[s] == NONE) {
            tail = prev[s];
        } else {
            prev[next[s]] = prev[s];
        }
    }

    // ---- Slots and the index --------------------------------------------------------------------

    private int find(long[] key) {
        int i = hash(key) & mask;
        while (true) {
            int s = index[i] - 1;
            if (s == NONE) {
                return NONE;
            }
            if (sameKey(s, key)) {
                return s;
            }
            i = (i + 1) & mask;
        }
    }

    private boolean sameKey(int s, long[] key) {
        int base = s * keyWords;
        for (int w = 0; w < keyWords; w++) {
            if (keys[base + w] != key[w]) {
                return false;
            }
        }
        return true;
    }

    private int hash(long[] key) {
        long h = 0x9E3779B97F4A7C15L;
        for (int w = 0; w < keyWords; w++) {
            h = (h ^ key[w]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        h *= 0x94D049BB133111EBL;
        return (int) (h ^ (h >>> 32));
    }

    private void delete(int s) {
        unlinkOrder(s);
        unlinkTouch(s);
        // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
        int i = hashes[s] & mask;
        while (index[i] != s + 1) {
            i = (i + 1) & mask;
        }
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            int other = index[j] - 1;
            if (other == NONE) {
                break;
            }
            int ideal = hashes[other] & mask;
            boolean stays = i <= j ? (i < ideal && ideal <= j) : (i < ideal || ideal <= j);
            if (!stays) {
                index[i] = index[j];
                i = j;
            }
        }
        index[i] = 0;
        next[s] = free;
        free = s;
        size--;
    }

    private int allocateSlot() {
        if (free != NONE) {
            int s = free;
            free = next[s];
            return s;
        }
        if (used == slots) {
            allocate((int) Math.min(capacity, Math.min((long) slots * 2, Integer.MAX_VALUE / 4)));
        }
        return used++;
    }

    private void allocate(int count) {
        count = Math.max(count, 1);
        if (keys != null && count <= slots) {
            return;
        }
        int old = slots;
        slots = count;
        keys = keys == null ? new long[count * keyWords] : Arrays.copyOf(keys, count * keyWords);
        values = values == null ? new long[count * valueWords] : Arrays.copyOf(values, count * valueWords);
        touched = touched == null ? new long[count] : Arrays.copyOf(touched, count);
        hashes = hashes == null ? new int[count] : Arrays.copyOf(hashes, count);
        prev = prev == null ? new int[count] : Arrays.copyOf(prev, count);
        next = next == null ? new int[count] : Arrays.copyOf(next, count);
        older = older == null ? new int[count] : Arrays.copyOf(older, count);
        newer = newer == null ? new int[count] : Arrays.copyOf(newer, count);
        int cells = Integer.highestOneBit(Math.max(2, count * 2 - 1)) << 1;
        index = new int[cells];
        mask = cells - 1;
        for (int s = head; old > 0 && s != NONE; s = next[s]) {
            int i = hashes[s] & mask;
            while (index[i] != 0) {
                i = (i + 1) & mask;
            }
            index[i] = s + 1;
        }
    }
}
