package dev.appl.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import dev.appl.runtime.sys.Libc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How many workers a live run gets, and which run timers, by what the appliance keeps. */
class LiveTest {
    /**
     * An appliance that keeps {@code stores} stores and maps of which those in {@code shared} are
     * shared; it counts its timer ticks and remembers whose maps it was given.
     */
    private static final class State implements Kernel {
        final int stores;
        final boolean[] shared;
        final AtomicInteger ticks = new AtomicInteger();
        volatile Kernel sharing;

        State(int stores, boolean... shared) {
            this.stores = stores;
            this.shared = shared;
        }

        @Override
        public int handle(int port, PacketView packet) {
            return DROP;
        }

        @Override
        public void tick(int timer) {
            ticks.incrementAndGet();
        }

        @Override
        public void shareMaps(Kernel first) {
            sharing = first;
        }

        @Override
        public void setTime(long nanos) {}

        @Override
        public long counter(int index) {
            return 0;
        }

        @Override
        public int mapSize(int index) {
            return 0;
        }

        @Override
        public void addEntry(int index, TableEntry entry) {}

        @Override
        public int storeCount() {
            return stores;
        }

        @Override
        public int mapCount() {
            return shared.length;
        }

        @Override
        public boolean mapShared(int index) {
            return shared[index];
        }
    }

    private static final int CPUS = Math.max(1, Libc.allowedCpus().length);

    @Test
    void aStatelessApplianceGetsOneWorkerPerCpu() throws Exception {
        assertEquals(CPUS, Live.workerCount("Echo", null, new State(0)));
    }

    @Test
    void anApplianceWithPerWorkerMapsGetsOneWorkerUnlessItAsksForMore() throws Exception {
        assertEquals(1, Live.workerCount("Nat", null, new State(0, false, false)));
        assertEquals(1, Live.workerCount("Nat", null, new State(0, true, false)));
        assertEquals(CPUS, Live.workerCount("Nat", CPUS, new State(0, true, false)));
    }

    @Test
    void anApplianceWhoseMapsAreAllSharedGetsOneWorkerPerCpu() throws Exception {
        assertEquals(CPUS, Live.workerCount("Nat", null, new State(0, true, true)));
        assertEquals(1, Live.workerCount("Nat", 1, new State(0, true, true)));
    }

    @Test
    void moreWorkersThanCpusAreRefused() {
        Replay.BadInput e = assertThrows(Replay.BadInput.class, () -> Live.workerCount("Echo", CPUS + 1, new State(0)));
        assertEquals("--workers " + (CPUS + 1) + ": this process may run on " + CPUS + (CPUS == 1 ? " CPU" : " CPUs")
                + ", one per worker: ask for at most " + CPUS, e.getMessage());
    }

    @Test
    void anApplianceWithStoresGetsOneWorkerAndRefusesMore() throws Exception {
        assertEquals(1, Live.workerCount("Kv", null, new State(1)));
        assertEquals(1, Live.workerCount("Kv", 1, new State(1)));
        assertEquals(1, Live.workerCount("Kv", null, new State(1, true)));
        Replay.BadInput e = assertThrows(Replay.BadInput.class, () -> Live.workerCount("Kv", 2, new State(1)));
        assertEquals("appliance `Kv` has stores, which belong to one worker: it runs with --workers 1", e.getMessage());
    }

    /** Starts two workers with a 1 ms timer and no ports, until the first has ticked 20 times. */
    private static void runTwoWorkers(State first, State second) throws Exception {
        Replay.Appliance appliance = new Replay.Appliance("T", List.of(), List.of("t"), new long[] {1_000_000},
                List.of());
        try (Live live = Live.start(List.of(first, second), appliance, Map.of(), false)) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (first.ticks.get() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertTrue(first.ticks.get() >= 20, "ticks of the first worker: " + first.ticks.get());
    }

    @Test
    void theWorkersAfterTheFirstGetItsSharedMapsAndTimersRunOnceWhenAllMapsAreShared() throws Exception {
        State first = new State(0, true, true);
        State second = new State(0, true, true);
        runTwoWorkers(first, second);
        assertSame(first, second.sharing);
        assertNull(first.sharing);
        assertEquals(0, second.ticks.get());
    }

    @Test
    void timersRunOnEveryWorkerWithPerWorkerStateOrNoMaps() throws Exception {
        for (boolean[] maps : new boolean[][] {{true, false}, {}}) {
            State first = new State(0, maps);
            State second = new State(0, maps);
            runTwoWorkers(first, second);
            assertTrue(second.ticks.get() > 0, "the second worker ticks too");
        }
    }
}
