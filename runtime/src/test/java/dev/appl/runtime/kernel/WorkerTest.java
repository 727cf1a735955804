package dev.appl.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** How a worker stops: what it keeps and what it tells the other workers when something fails. */
class WorkerTest {
    /** A kernel that drops everything. */
    static final class Dropper implements Kernel {
        @Override
        public int handle(int port, PacketView packet) {
            return DROP;
        }

        @Override
        public void tick(int timer) {}

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
    }

    /** An endpoint whose receive fails with {@code failure} (a driver bug, say), with nothing to wait on. */
    record Failing(RuntimeException failure) implements Endpoint {
        @Override
        public int receive(Batch batch) {
            throw failure;
        }

        @Override
        public boolean complete(Batch batch, int i, int fate) {
            return false;
        }

        @Override
        public boolean transmit(PacketView packet) {
            return false;
        }

        @Override
        public int flush() {
            return 0;
        }

        @Override
        public void release(Batch batch) {}

        @Override
        public int readyFd() {
            return -1;
        }

        @Override
        public void close() {}
    }

    @Test
    void anUncheckedFailureOutsideTheKernelStopsEveryWorkerAndIsKept() {
        AtomicBoolean stop = new AtomicBoolean();
        IllegalStateException bug = new IllegalStateException("driver bug");
        Worker worker = new Worker(new Dropper(), new Endpoint[] {new Failing(bug)}, new long[0], -1, stop);
        worker.run(); // on this thread: it returns once it has stopped
        assertTrue(stop.get(), "the other workers were not told to stop");
        assertSame(bug, worker.failure());
    }

    /** An endpoint holding {@code queued} packets of 60 bytes when the worker starts; nothing waits on it. */
    static final class Queued implements Endpoint {
        final java.lang.foreign.MemorySegment buffer = java.lang.foreign.MemorySegment.ofArray(new byte[60]);
        int queued;

        Queued(int queued) {
            this.queued = queued;
        }

        @Override
        public int receive(Batch batch) {
            batch.clear();
            while (queued > 0 && !batch.full()) {
                PacketView view = batch.add();
                view.segment = buffer;
                view.offset = 0;
                view.length = 60;
                queued--;
            }
            return batch.size();
        }

        @Override
        public boolean complete(Batch batch, int i, int fate) {
            return false;
        }

        @Override
        public boolean transmit(PacketView packet) {
            return false;
        }

        @Override
        public int flush() {
            return 0;
        }

        @Override
        public void release(Batch batch) {}

        @Override
        public int readyFd() {
            return -1;
        }

        @Override
        public void close() {}
    }

    @Test
    void aWorkerAskedToStopHandlesWhatItsEndpointsHoldFirst() {
        AtomicBoolean stop = new AtomicBoolean(true);
        Queued queued = new Queued(1000);
        Worker worker = new Worker(new Dropper(), new Endpoint[] {queued, null}, new long[0], -1, stop);
        worker.run();
        assertNull(worker.failure());
        assertEquals(0, queued.queued);
        assertEquals(1000, worker.in[0]);
        assertEquals(1000, worker.dropped);
    }
}
