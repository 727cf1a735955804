package dev.appl.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * One {@link SharedFlowMap} driven by several threads at once, each through its own handle, with
 * seeded random operations: what each thread sees of its own keys is what a map of its own would
 * show, capacity holds exactly across threads, and a value is never seen half written.
 */
class SharedFlowMapTest {
    private static final int THREADS = 4;

    /** Runs {@code work(thread, handle)} on {@link #THREADS} threads started together. */
    private static <T> List<T> together(SharedFlowMap map, Work<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<T>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                SharedFlowMap handle = t == 0 ? map : map.another();
                Callable<T> task = () -> {
                    start.await();
                    return work.run(thread, handle);
                };
                results.add(pool.submit(task));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : results) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    interface Work<T> {
        T run(int thread, SharedFlowMap handle) throws Exception;
    }

    @Test
    void eachThreadSeesItsOwnKeysAsInAMapOfItsOwn() throws Exception {
        for (boolean lru : new boolean[] {false, true}) {
            // Room for every key of every thread: no thread's put can evict or fail for another's.
            SharedFlowMap map = new SharedFlowMap(2, 2, THREADS * 64, 0, lru);
            AtomicLong clock = new AtomicLong();
            together(map, (thread, handle) -> {
                Random random = new Random(0x5eed + thread);
                FlowMap own = new FlowMap(2, 2, 64, 0, lru);
                for (int step = 0; step < 200_000; step++) {
                    long now = clock.incrementAndGet();
                    long k = random.nextInt(64);
                    long[] key = {thread, k};
                    String where = "thread " + thread + " step " + step;
                    switch (random.nextInt(4)) {
                        case 0 -> {
                            long[] value = {random.nextLong(), step};
                            assertEquals(own.put(now, key, value), handle.put(now, key, value), where);
                        }
                        case 1 -> {
                            int slot = own.get(now, key);
                            int found = handle.get(now, key);
                            assertEquals(slot < 0, found < 0, where);
                            if (slot >= 0) {
                                assertArrayEquals(own.copyValue(slot), handle.copyValue(found), where);
                                assertEquals(own.value(slot, 1), handle.value(found, 1), where);
                            }
                        }
                        case 2 -> assertEquals(own.contains(now, key), handle.contains(now, key), where);
                        default -> assertEquals(own.remove(now, key), handle.remove(now, key), where);
                    }
                }
                return null;
            });
        }
    }

    @Test
    void capacityHoldsAcrossThreads() throws Exception {
        int capacity = 1000;
        SharedFlowMap map = new SharedFlowMap(1, 1, capacity, 0, false);
        List<Integer> stored = together(map, (thread, handle) -> {
            int n = 0;
            for (long k = 0; k < capacity; k++) {
                n += handle.put(0, thread * 1_000_000L + k, k) ? 1 : 0;
            }
            return n;
        });
        assertEquals(capacity, stored.stream().mapToInt(Integer::intValue).sum());
        assertEquals(capacity, map.size(0));
        for (int t = 0; t < THREADS; t++) {
            for (long k = 0; k < stored.get(t); k++) {
                // A thread's puts fail only once the map is full, so its stored keys are its first ones.
                assertTrue(map.get(0, t * 1_000_000L + k) >= 0);
                assertEquals(k, map.value(0, 0));
            }
        }
    }

    @Test
    void lruAndExpiryKeepTheBoundWhileThreadsRaceOnTheSameKeys() throws Exception {
        int capacity = 50;
        SharedFlowMap map = new SharedFlowMap(1, 2, capacity, 5_000, true);
        AtomicLong clock = new AtomicLong();
        together(map, (thread, handle) -> {
            Random random = new Random(0xe1de + thread);
            for (int step = 0; step < 200_000; step++) {
                // Each thread reads the clock before it reaches the map, as a worker does: the map
                // sees times slightly out of order.
                long now = clock.addAndGet(random.nextInt(3));
                long k = random.nextInt(200);
                if (random.nextBoolean()) {
                    handle.put(now, k, new long[] {k, ~k});
                } else if (handle.get(now, k) >= 0) {
                    assertEquals(k, handle.value(0, 0));
                    assertEquals(~k, handle.value(0, 1));
                }
                assertTrue(handle.size(now) <= capacity);
            }
            return null;
        });
        // Once every entry has been idle for the expiry time, none is left.
        long later = clock.get() + 5_000;
        assertEquals(0, map.size(later));
    }

    @Test
    void aValueIsNeverSeenHalfWritten() throws Exception {
        SharedFlowMap map = new SharedFlowMap(1, 4, 16, 0, false);
        map.put(0, 7L, new long[] {0, ~0L, 0, ~0L});
        List<Long> reads = together(map, (thread, handle) -> {
            long seen = 0;
            long[] value = new long[4];
            for (long i = 1; i <= 300_000; i++) {
                if (thread % 2 == 0) {
                    long v = i * THREADS + thread;
                    value[0] = v;
                    value[1] = ~v;
                    value[2] = v;
                    value[3] = ~v;
                    handle.put(0, 7L, value);
                } else if (handle.get(0, 7L) >= 0) {
                    long v = handle.value(0, 0);
                    assertEquals(~v, handle.value(0, 1));
                    assertEquals(v, handle.value(0, 2));
                    assertEquals(~v, handle.value(0, 3));
                    seen++;
                }
            }
            return seen;
        });
        assertEquals(300_000L * (THREADS / 2), reads.stream().mapToLong(Long::longValue).sum());
    }
}
