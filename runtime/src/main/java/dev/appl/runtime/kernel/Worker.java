package dev.appl.runtime.kernel;

import dev.appl.runtime.store.GroupCommit;
import dev.appl.runtime.sys.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The kernel loop of one core: takes batches of packets from its endpoints, runs the kernel on each
 * packet to completion, and forwards, replies or drops it; fires the timers; sleeps in poll(2) when
 * its endpoints have been empty for a while. Each worker owns its kernel (its counters and maps) and its endpoints,
 * so nothing here is shared but the stop flag; the counts below are written by the worker's thread
 * only, and read by others to be summed (exact once the worker has stopped).
 *
 * <p>The flushes that a round's handlers ask of the kernel's stores are made once, at the round's
 * end, before its replies are sent ({@link GroupCommit}): a reply that acknowledges a durable write
 * still goes out only once the write is on the disk. Timers flush at once.
 *
 * <p>Asked to stop, a worker first drains its endpoints: it goes on handling what they have
 * received (datagrams queued in a socket, frames in a ring, bytes of a connection) and sending the
 * replies, until a round over every endpoint finds nothing or {@link #DRAIN_NANOS} have passed.
 *
 * <p>Nothing a packet does stops the loop: a kernel that throws (a compiler or runtime bug) has that
 * packet counted in {@link #failed} and dropped, and the first such error is kept for the summary.
 * Anything else that fails (an endpoint whose socket was closed under it, or a bug in an endpoint, a
 * store or the runtime) stops the worker, which keeps the error and sets the shared stop flag, so
 * that the whole appliance stops with it rather than run on with a worker that no longer reads its
 * share of the traffic.
 */
public final class Worker implements Runnable {
    /** The longest a worker sleeps before it looks at the stop flag again. */
    static final int MAX_SLEEP_MILLIS = 100;
    /**
     * How long a worker keeps looking for packets after the last one before it sleeps: a sleep and a
     * wake-up cost more than a few empty looks, and while traffic flows the next packet is near.
     */
    static final long SPIN_NANOS = 50_000;
    /**
     * What the kernels' clock adds to System.nanoTime() to read as wall-clock nanoseconds: one for
     * all workers, so that their clocks agree to the nanosecond and the entries they touch in a
     * shared map are filed in the order they were touched.
     */
    /**
     * The longest a stopping worker drains its endpoints: enough for full socket buffers and rings
     * at a few hundred thousand packets a second, and a bound when traffic keeps arriving.
     */
    static final long DRAIN_NANOS = 250_000_000L;
    private static final long CLOCK_BASE = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

    private final Kernel kernel;
    private final Endpoint[] endpoints;
    private final Batch[] batches;
    private final long[] timerPeriods;
    private final int cpu;
    private final AtomicBoolean stop;
    /** Whether the kernel has stores, whose flushes each round holds and makes once ({@link GroupCommit}). */
    private final boolean stores;
    private final GroupCommit commits = new GroupCommit();

    /** Packets received per port. */
    public final long[] in;
    /** Packets sent per port (forwarded or replied). */
    public final long[] out;
    public long dropped;
    /** Messages a handler handled without replying ({@link Kernel#HANDLED}): neither sent nor dropped. */
    public long handled;
    public long malformed;
    public long noRoom;
    public long failed;
    private volatile String firstFailure;
    private volatile Throwable failure;

    /**
     * @param endpoints by port index; null for a port this run does not bind
     * @param cpu the CPU to pin the worker's thread to, or -1 to leave it where the scheduler puts it
     */
    public Worker(Kernel kernel, Endpoint[] endpoints, long[] timerPeriods, int cpu, AtomicBoolean stop) {
        this.kernel = kernel;
        this.endpoints = endpoints;
        this.timerPeriods = timerPeriods;
        this.cpu = cpu;
        this.stop = stop;
        this.stores = kernel.storeCount() > 0;
        batches = new Batch[endpoints.length];
        for (int p = 0; p < endpoints.length; p++) {
            batches[p] = endpoints[p] == null ? null : new Batch(endpoints[p].batchCapacity());
        }
        in = new long[endpoints.length];
        out = new long[endpoints.length];
    }

    public Kernel kernel() {
        return kernel;
    }

    public Endpoint endpoint(int port) {
        return endpoints[port];
    }

    /** The first exception a kernel threw, as text; null when none did. */
    public String firstFailure() {
        return firstFailure;
    }

    /**
     * What stopped this worker: an {@link IOException} of an endpoint, or any other exception or
     * error outside a kernel's handlers and timers; null when it stopped because it was asked to.
     */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        if (cpu >= 0) {
            Libc.pinToCpu(cpu); // best effort: an unpinned worker still works
        }
        long clockBase = CLOCK_BASE;
        try (Arena arena = Arena.ofConfined()) {
            int waits = 0;
            for (Endpoint e : endpoints) {
                if (e != null && e.readyFd() >= 0) {
                    waits++;
                }
            }
            MemorySegment pollFds = arena.allocate(Libc.POLLFD * Math.max(1, waits), 8);
            int k = 0;
            for (Endpoint e : endpoints) {
                if (e != null && e.readyFd() >= 0) {
                    pollFds.set(ValueLayout.JAVA_INT, k * Libc.POLLFD, e.readyFd());
                    pollFds.set(ValueLayout.JAVA_SHORT, k * Libc.POLLFD + 4, Libc.POLLIN);
                    k++;
                }
            }
            long[] due = new long[timerPeriods.length];
            long now = System.nanoTime();
            for (int t = 0; t < due.length; t++) {
                due[t] = now + timerPeriods[t];
            }
            long lastPacket = 0;
            while (!stop.get()) {
                // A port that filled its batch may have more waiting. When none did, the worker looks
                // again for a while (the next packet of a flow is near), then sleeps in poll(2).
                boolean more = false;
                boolean any = false;
                for (int p = 0; p < endpoints.length; p++) {
                    if (endpoints[p] != null) {
                        int n = round(p, clockBase);
                        more |= n == batches[p].capacity();
                        any |= n > 0;
                    }
                }
                now = System.nanoTime();
                if (any) {
                    lastPacket = now;
                }
                more |= now - lastPacket < SPIN_NANOS;
                long sleep = MAX_SLEEP_MILLIS * 1_000_000L;
                for (int t = 0; t < due.length; t++) {
                    if (due[t] <= now) {
                        kernel.setTime(clockBase + now);
                        tick(t);
                        // A timer that fell behind (a long stop of the machine) fires once, not once per period missed.
                        due[t] = Math.max(due[t] + timerPeriods[t], now + 1);
                    }
                    sleep = Math.min(sleep, due[t] - now);
                }
                if (!more && sleep > 0) {
                    Libc.poll(pollFds, waits, (int) Math.max(1, sleep / 1_000_000L));
                }
            }
            drain(clockBase);
        } catch (Throwable e) {
            failure = e;
            stop.set(true);
        }
    }

    /** Handles what the endpoints hold, round after round, until none has anything or the time is up. */
    private void drain(long clockBase) throws IOException {
        long deadline = System.nanoTime() + DRAIN_NANOS;
        boolean any = true;
        while (any && System.nanoTime() - deadline < 0) {
            any = false;
            for (int p = 0; p < endpoints.length; p++) {
                if (endpoints[p] != null) {
                    any |= round(p, clockBase) > 0;
                }
            }
        }
    }

    /** One batch from port {@code p}: receive, handle, send, release. Returns how many packets it had. */
    private int round(int p, long clockBase) throws IOException {
        Endpoint from = endpoints[p];
        Batch batch = batches[p];
        int n = from.receive(batch);
        if (n == 0) {
            return 0;
        }
        kernel.setTime(clockBase + System.nanoTime());
        if (stores) {
            commits.open();
        }
        // complete() may add packets to the batch (a stream connection's next message): the loop
        // runs to the batch's size as it grows.
        for (int i = 0; i < batch.size(); i++) {
            PacketView packet = batch.view(i);
            int fate;
            try {
                fate = kernel.handle(p, packet);
            } catch (RuntimeException e) {
                failed++;
                if (firstFailure == null) {
                    firstFailure = e.toString();
                }
                from.complete(batch, i, Kernel.DROP);
                continue;
            }
            if (fate >= 0) {
                Endpoint to = fate < endpoints.length ? endpoints[fate] : null;
                if (to != null && to.transmit(packet)) {
                    out[fate]++;
                } else {
                    dropped++;
                }
                from.complete(batch, i, Kernel.DROP);
            } else if (from.complete(batch, i, fate)) {
                out[p]++;
            } else {
                count(fate);
            }
        }
        if (stores) {
            // The round's store flushes, as one, before any of its replies goes out. If the disk
            // fails, this throws and stops the worker: no reply of the round is sent.
            commits.commit();
        }
        for (int q = 0; q < endpoints.length; q++) {
            if (endpoints[q] != null) {
                int lost = endpoints[q].flush();
                if (lost > 0) {
                    out[q] -= lost;
                    dropped += lost;
                }
            }
        }
        n = batch.size();
        in[p] += n;
        from.release(batch);
        return n;
    }

    private void count(int fate) {
        switch (fate) {
            case Kernel.MALFORMED -> malformed++;
            case Kernel.HANDLED -> handled++;
            case Kernel.NO_ROOM -> {
                noRoom++;
                dropped++;
            }
            default -> dropped++;
        }
    }

    private void tick(int timer) {
        try {
            kernel.tick(timer);
        } catch (RuntimeException e) {
            failed++;
            if (firstFailure == null) {
                firstFailure = e + " (in a timer)";
            }
        }
    }
}
