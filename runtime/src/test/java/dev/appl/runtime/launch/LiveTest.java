package dev.appl.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.appl.runtime.sys.Libc;
import org.junit.jupiter.api.Test;

/** How many workers a live run gets, by what the appliance keeps. */
class LiveTest {
    @Test
    void aStatelessApplianceGetsOneWorkerPerCpu() throws Exception {
        assertEquals(Math.max(1, Libc.allowedCpus().length), Live.workerCount("Echo", null, 0, 0));
    }

    @Test
    void anApplianceWithMapsGetsOneWorkerUnlessItAsksForMore() throws Exception {
        assertEquals(1, Live.workerCount("Nat", null, 0, 2));
        assertEquals(3, Live.workerCount("Nat", 3, 0, 2));
    }

    @Test
    void anApplianceWithStoresGetsOneWorkerAndRefusesMore() throws Exception {
        assertEquals(1, Live.workerCount("Kv", null, 1, 0));
        assertEquals(1, Live.workerCount("Kv", 1, 1, 0));
        Replay.BadInput e = assertThrows(Replay.BadInput.class, () -> Live.workerCount("Kv", 2, 1, 0));
        assertEquals("appliance `Kv` has stores, which belong to one worker: it runs with --workers 1", e.getMessage());
    }
}
