package dev.appl.runtime.launch;

import dev.appl.runtime.io.PacketRingEndpoint;
import dev.appl.runtime.io.PortException;
import dev.appl.runtime.io.TcpEndpoint;
import dev.appl.runtime.io.UdpEndpoint;
import dev.appl.runtime.io.XdpEndpoint;
import dev.appl.runtime.io.XdpPort;
import dev.appl.runtime.kernel.Endpoint;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.Worker;
import dev.appl.runtime.sys.Libc;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs an appliance on live traffic: one {@link Worker} per kernel (one per core), each with its own
 * endpoint on every bound port (its own UDP socket with SO_REUSEPORT, its own listening TCP socket,
 * its own packet socket in a PACKET_FANOUT group), until {@link #stop} or a signal. Counters are the
 * sums over the workers.
 */
public final class Live implements AutoCloseable {
    private final Replay.Appliance appliance;
    private final Map<Integer, PortBinding> bindings;
    private final List<Worker> workers;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop;
    private final InetSocketAddress[] addresses;
    /** The XDP programs of the ports served through AF_XDP, detached after their sockets close. */
    private final List<XdpPort> programs;
    private boolean closed;

    private Live(Replay.Appliance appliance, Map<Integer, PortBinding> bindings, List<Worker> workers,
            AtomicBoolean stop, InetSocketAddress[] addresses, List<XdpPort> programs) {
        this.appliance = appliance;
        this.bindings = bindings;
        this.workers = workers;
        this.stop = stop;
        this.addresses = addresses;
        this.programs = programs;
    }

    /**
     * How many workers serve a live run of {@code first}'s appliance, given {@code --workers}
     * ({@code asked}, null when not given). By default one per CPU the process may use, but one for
     * an appliance with state that workers would split: stores belong to the one thread that opened
     * them (more workers are refused), and maps not declared {@code shared} are per worker while the
     * Linux kernel spreads packets over the workers by a hash of their addresses, so a flow's return
     * traffic (a NAT's, say) may land on a worker that never saw the flow. More workers for such
     * maps are allowed when asked for: an appliance whose flows hash to one worker both ways can use
     * them. Shared maps are one map for all workers and change nothing here.
     *
     * Workers poll their ports without sleeping while traffic flows, each pinned to a CPU of its
     * own, so more workers than CPUs would only take turns on them: more are refused.
     *
     * @throws Replay.BadInput for more than one worker with stores, or more workers than CPUs
     */
    public static int workerCount(String appliance, Integer asked, Kernel first) throws Replay.BadInput {
        if (first.storeCount() > 0 && asked != null && asked > 1) {
            throw new Replay.BadInput("appliance `" + appliance + "` has stores, which belong to one worker: it runs"
                    + " with --workers 1");
        }
        int cpus = Math.max(1, Libc.allowedCpus().length);
        if (asked != null && asked > cpus) {
            throw new Replay.BadInput("--workers " + asked + ": this process may run on " + cpus
                    + (cpus == 1 ? " CPU" : " CPUs") + ", one per worker: ask for at most " + cpus);
        }
        if (asked != null) {
            return asked;
        }
        return first.storeCount() > 0 || perWorkerMaps(first) > 0 ? 1 : cpus;
    }

    private static int perWorkerMaps(Kernel kernel) {
        int count = 0;
        for (int m = 0; m < kernel.mapCount(); m++) {
            count += kernel.mapShared(m) ? 0 : 1;
        }
        return count;
    }

    /**
     * Opens every worker's endpoints and starts the workers, one per kernel in {@code kernels}
     * (each a separate instance of the appliance, with its params and loaded entries; the kernels
     * after the first are given the first's shared maps). Worker {@code i} is pinned to the
     * {@code i}-th CPU the process may run on when {@code pin}. Timers fire on every worker, on its
     * own state, except in an appliance whose maps are all shared: there they fire on the first
     * worker only, once a period for the whole appliance, as what they can read of maps is the same
     * on every worker and counters are summed over the workers.
     *
     * @throws PortException when a port cannot be opened (nothing is left open then)
     */
    public static Live start(List<Kernel> kernels, Replay.Appliance appliance, Map<Integer, PortBinding> bindings,
            boolean pin) throws PortException {
        int ports = appliance.ports().size();
        AtomicBoolean stop = new AtomicBoolean();
        List<Worker> workers = new ArrayList<>();
        List<Endpoint> opened = new ArrayList<>();
        InetSocketAddress[] addresses = new InetSocketAddress[ports];
        XdpPort[] xdp = new XdpPort[ports];
        List<XdpPort> programs = new ArrayList<>();
        // The open connections of each stream port over all workers, which its limit applies to.
        java.util.concurrent.atomic.AtomicInteger[] connections = new java.util.concurrent.atomic.AtomicInteger[ports];
        int[] cpus = pin ? Libc.allowedCpus() : new int[0];
        // A fanout group per packet port, made by its first worker's socket and joined by the others'.
        int[] fanouts = new int[ports];
        java.util.Arrays.fill(fanouts, kernels.size() > 1 ? PacketRingEndpoint.NEW_FANOUT : PacketRingEndpoint.NO_FANOUT);
        Kernel first = kernels.getFirst();
        boolean timersOnFirstOnly = first.mapCount() > 0 && perWorkerMaps(first) == 0;
        for (Kernel kernel : kernels.subList(1, kernels.size())) {
            kernel.shareMaps(first);
        }
        try {
            for (int w = 0; w < kernels.size(); w++) {
                Kernel kernel = kernels.get(w);
                Endpoint[] endpoints = new Endpoint[ports];
                for (var e : bindings.entrySet()) {
                    int p = e.getKey();
                    String name = appliance.ports().get(p);
                    Endpoint endpoint = switch (e.getValue()) {
                        case PortBinding.Udp udp -> {
                            UdpEndpoint u = addresses[p] == null ? UdpEndpoint.open(name, udp.address(), 64, true)
                                    : UdpEndpoint.open(name, addresses[p], 64, false);
                            addresses[p] = u.address();
                            yield u;
                        }
                        case PortBinding.UdpXdp x -> {
                            // The UDP socket first: it chooses the port (when 0 was asked for) that
                            // the program then takes, and it serves what the program passes up.
                            UdpEndpoint u = addresses[p] == null ? UdpEndpoint.open(name, x.address(), 64, true)
                                    : UdpEndpoint.open(name, addresses[p], 64, false);
                            addresses[p] = u.address();
                            try {
                                if (xdp[p] == null) {
                                    xdp[p] = XdpPort.attach(name, u.address(), x.iface(), XdpEndpoint.MAX_FRAME);
                                    programs.add(xdp[p]);
                                }
                                // Worker w takes receive queue w; a worker beyond the queues serves the socket alone.
                                yield w < xdp[p].queues() ? XdpEndpoint.open(xdp[p], w, u, x.frames()) : u;
                            } catch (PortException | RuntimeException failed) {
                                u.close();
                                throw failed;
                            }
                        }
                        case PortBinding.Tcp tcp -> {
                            if (connections[p] == null) {
                                connections[p] = new java.util.concurrent.atomic.AtomicInteger();
                            }
                            TcpEndpoint t = addresses[p] == null
                                    ? TcpEndpoint.open(name, tcp.address(), kernel, p, true, connections[p])
                                    : TcpEndpoint.open(name, addresses[p], kernel, p, false, connections[p]);
                            addresses[p] = t.address();
                            yield t;
                        }
                        case PortBinding.AfPacket a -> {
                            PacketRingEndpoint r = PacketRingEndpoint.open(name, a.iface(), fanouts[p]);
                            fanouts[p] = r.fanoutGroup();
                            yield r;
                        }
                        case Replay.Binding trace -> throw new PortException("port `" + name + "` is bound to a trace ("
                                + trace + "); a live run takes only live bindings");
                    };
                    opened.add(endpoint);
                    endpoints[p] = endpoint;
                }
                int cpu = cpus.length == 0 ? -1 : cpus[w % cpus.length];
                long[] timers = w > 0 && timersOnFirstOnly ? new long[0] : appliance.timerPeriods();
                workers.add(new Worker(kernel, endpoints, timers, cpu, stop));
            }
        } catch (PortException | RuntimeException e) {
            for (Endpoint endpoint : opened) {
                endpoint.close();
            }
            for (XdpPort program : programs) {
                program.close();
            }
            throw e;
        }
        Live live = new Live(appliance, bindings, workers, stop, addresses, programs);
        for (int w = 0; w < workers.size(); w++) {
            Thread t = new Thread(workers.get(w), "appl-worker-" + w);
            t.setDaemon(true);
            live.threads.add(t);
            t.start();
        }
        return live;
    }

    /** Where a UDP or TCP port is bound (the port chosen by the system when 0 was asked for); null for others. */
    public InetSocketAddress address(int port) {
        return addresses[port];
    }

    public int workers() {
        return workers.size();
    }

    /** Asks every worker to stop; they do within {@link Worker}'s longest sleep. */
    public void stop() {
        stop.set(true);
    }

    /** Waits until every worker has stopped (asked to, or after one of them failed). */
    public void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * Why a worker stopped on its own, as one line: an endpoint's I/O error, or the exception of a
     * bug in the runtime; null when none did.
     */
    public String failure() {
        for (int w = 0; w < workers.size(); w++) {
            Throwable f = workers.get(w).failure();
            if (f instanceof IOException) {
                return f.getMessage();
            }
            if (f != null) {
                return "worker " + w + " stopped on " + f + " (a bug in the runtime or the compiled appliance)";
            }
        }
        return null;
    }

    /** Counter {@code index} summed over the workers. */
    public long counter(int index) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.kernel().counter(index);
        }
        return sum;
    }

    /** Packets received on {@code port}, summed over the workers. */
    public long in(int port) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.in[port];
        }
        return sum;
    }

    /** Packets sent out of {@code port}, summed over the workers. */
    public long out(int port) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.out[port];
        }
        return sum;
    }

    public long dropped() {
        return workers.stream().mapToLong(w -> w.dropped).sum();
    }

    public long malformed() {
        return workers.stream().mapToLong(w -> w.malformed).sum();
    }

    /** Messages of stream ports that a handler handled without a reply: neither sent nor dropped. */
    public long handled() {
        return workers.stream().mapToLong(w -> w.handled).sum();
    }

    /** Packets on which the kernel threw (a bug), dropped. */
    public long failed() {
        return workers.stream().mapToLong(w -> w.failed).sum();
    }

    /** What happened, in the layout of a trace replay's summary. */
    public void summary(PrintWriter out) {
        out.println(appliance.title() + ", " + workers.size() + (workers.size() == 1 ? " worker" : " workers"));
        for (int i = 0; i < appliance.ports().size(); i++) {
            PortBinding b = bindings.get(i);
            PortBinding shown = addresses[i] == null ? b : switch (b) {
                case PortBinding.Tcp t -> new PortBinding.Tcp(addresses[i]);
                case PortBinding.UdpXdp x -> new PortBinding.UdpXdp(addresses[i], x.iface(), x.frames());
                default -> new PortBinding.Udp(addresses[i]);
            };
            String where = b == null ? "" : "  " + shown;
            out.printf("  port %-12s in %8d  out %8d%s%n", appliance.ports().get(i), in(i), out(i), where);
        }
        boolean streams = bindings.values().stream().anyMatch(PortBinding.Tcp.class::isInstance);
        out.printf("  dropped %d, malformed %d%s%n", dropped(), malformed(),
                streams ? ", handled without a reply " + handled() : "");
        List<String> counters = appliance.counters();
        for (int i = 0; i < counters.size(); i++) {
            out.printf("  counter %-12s %d%n", counters.get(i), counter(i));
        }
        long noRoom = workers.stream().mapToLong(w -> w.noRoom).sum();
        if (noRoom > 0) {
            out.println("  note: " + noRoom + (noRoom == 1 ? " packet was" : " packets were") + " dropped because a push"
                    + " or reply needed more than " + Kernel.HEADROOM + " bytes of room around it");
        }
        for (int i = 0; i < appliance.ports().size(); i++) {
            for (Worker w : workers) {
                String discarded = w.endpoint(i) == null ? null : w.endpoint(i).discarded();
                if (discarded != null) {
                    out.println("  note: port " + appliance.ports().get(i) + ": " + discarded);
                }
            }
        }
        if (failed() > 0) {
            String first = workers.stream().map(Worker::firstFailure).filter(f -> f != null).findFirst().orElse("?");
            out.println("  note: the kernel failed on " + failed() + (failed() == 1 ? " packet" : " packets")
                    + ", dropped; the first time with " + first);
        }
        out.flush();
    }

    /**
     * What {@code applc run} and an image do with live bindings: serve until SIGINT or SIGTERM (or
     * until a worker fails), then print the summary. Returns 0, or 1 when a worker failed.
     */
    public int serveUntilSignalled(PrintWriter out, PrintWriter err, String program) {
        CountDownLatch printed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop();
            try {
                printed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "appl-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            join();
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
        }
        summary(out);
        String failure = failure();
        if (failure != null) {
            err.println(program + ": " + failure);
            err.flush();
        }
        close();
        printed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: the JVM is stopping on a signal, as asked
        }
        return failure == null ? 0 : 1;
    }

    /** Stops the workers and closes every endpoint (once). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        try {
            join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Worker w : workers) {
            for (int p = 0; p < appliance.ports().size(); p++) {
                if (w.endpoint(p) != null) {
                    w.endpoint(p).close();
                }
            }
        }
        for (XdpPort program : programs) {
            program.close();
        }
    }
}
