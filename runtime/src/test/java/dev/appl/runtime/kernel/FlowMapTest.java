package dev.appl.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * FlowMap against a model written the way the reference interpreter keeps its maps (a
 * LinkedHashMap in insertion or access order, expiry by removeIf on every operation): random
 * operations on a few keys, with the clock mostly moving forward and sometimes backwards.
 */
class FlowMapTest {
    /** The interpreter's map, restated. */
    static final class Model {
        record Entry(long[] value, long touched) {}

        final Map<List<Long>, Entry> map;
        final long capacity;
        final long idle;
        final boolean lru;

        Model(long capacity, long idle, boolean lru) {
            this.map = lru ? new LinkedHashMap<>(16, 0.75f, true) : new LinkedHashMap<>();
            this.capacity = capacity;
            this.idle = idle;
            this.lru = lru;
        }

        void expire(long now) {
            if (idle > 0) {
                map.values().removeIf(e -> now - e.touched() >= idle);
            }
        }

        long[] get(long now, List<Long> key) {
            expire(now);
            Entry e = map.get(key);
            if (e == null) {
                return null;
            }
            map.put(key, new Entry(e.value(), now));
            return e.value();
        }

        boolean put(long now, List<Long> key, long[] value) {
            expire(now);
            if (!map.containsKey(key) && map.size() >= capacity) {
                if (!lru) {
                    return false;
                }
                map.remove(map.keySet().iterator().next());
            }
            map.put(key, new Entry(value, now));
            return true;
        }

        boolean contains(long now, List<Long> key) {
            expire(now);
            return map.containsKey(key);
        }

        boolean remove(long now, List<Long> key) {
            expire(now);
            return map.remove(key) != null;
        }

        int size(long now) {
            expire(now);
            return map.size();
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 0, false", "1, 0, true", "3, 0, false", "3, 0, true", "5, 1000, false", "5, 1000, true",
        "16, 300, true", "16, 300, false", "200, 5000, true", "200, 5000, false", "2, 1, true"})
    void behavesAsTheInterpretersMap(long capacity, long idle, boolean lru) {
        for (long seed = 0; seed < 20; seed++) {
            Random random = new Random(seed * 1000 + capacity);
            FlowMap map = new FlowMap(2, 2, capacity, idle, lru);
            Model model = new Model(capacity, idle, lru);
            long now = 0;
            int keys = (int) Math.min(capacity * 3, 400);
            for (int step = 0; step < 3000; step++) {
                int r = random.nextInt(100);
                if (r < 3) {
                    now -= random.nextInt(2000); // the clock goes back
                } else {
                    now += random.nextInt((int) Math.max(2, idle / 4 + 2));
                }
                long k = random.nextInt(keys);
                long[] key = {k, k * 7};
                List<Long> modelKey = List.of(k, k * 7);
                String where = "seed " + seed + " step " + step;
                switch (random.nextInt(5)) {
                    case 0 -> {
                        long[] value = {random.nextLong(), step};
                        assertEquals(model.put(now, modelKey, value), map.put(now, key, value), where);
                    }
                    case 1 -> {
                        long[] expected = model.get(now, modelKey);
                        int slot = map.get(now, key);
                        assertEquals(expected == null, slot < 0, where);
                        if (expected != null) {
                            assertArrayEquals(expected, map.copyValue(slot), where);
                            assertEquals(expected[1], map.value(slot, 1), where);
                        }
                    }
                    case 2 -> assertEquals(model.contains(now, modelKey), map.contains(now, key), where);
                    case 3 -> assertEquals(model.remove(now, modelKey), map.remove(now, key), where);
                    default -> assertEquals(model.size(now), map.size(now), where);
                }
            }
            // The same entries, in the same order: evicting them all one by one shows the order.
            if (lru) {
                List<List<Long>> order = new ArrayList<>(model.map.keySet());
                for (List<Long> key : order) {
                    long[] k = {key.get(0), key.get(1)};
                    assertEquals(true, map.contains(now, k));
                }
            }
            assertEquals(model.size(now), map.size(now));
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "4", "100"})
    void scalarKeysAndValues(long capacity) {
        FlowMap map = new FlowMap(1, 1, capacity, 0, false);
        for (long k = 0; k < capacity; k++) {
            assertEquals(true, map.put(0, k * 31, k));
        }
        assertEquals(false, map.put(0, -5L, 1L));
        for (long k = 0; k < capacity; k++) {
            int slot = map.get(0, k * 31);
            assertEquals(k, map.value(slot, 0));
            assertEquals(true, map.remove(0, k * 31));
        }
        assertEquals(0, map.size(0));
        assertEquals(true, map.put(0, new long[] {9}, new long[] {10}));
        assertEquals(true, map.contains(0, 9));
        assertArrayEquals(new long[] {10}, map.copyValue(map.get(0, 9)));
        assertEquals(-1, Arrays.stream(new int[] {map.get(0, 8)}).sum());
    }
}
