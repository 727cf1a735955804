package dev.appl.bench.io;

import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import dev.appl.runtime.sys.Libc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;

/**
 * The UDP path against the usual Java server, in one run. A server's socket is filled with
 * {@value #COUNT} datagrams of 64 bytes while the server waits; then it is let go, and the figure
 * is how fast it empties the socket: datagrams per second on one core with the socket never empty.
 * (A load generator on the other core cannot offer that many: on loopback the sender pays for
 * delivering each datagram, so the servers are measured draining a full queue instead.) Each round
 * measures appl's UDP driver (recvmmsg, and sendmmsg for replies, 64 at a time; a kernel that counts
 * and drops or replies), appl's AF_XDP driver on lo ({@code udp:127.0.0.1:PORT,xdp=lo}: the same
 * kernel, the datagrams queued as frames in its UMEM and rx ring, which Linux copies them into as
 * they are sent, where the UDP socket queues them as skbs) and a loop that receives (and sends) one
 * datagram at a time on a blocking {@link DatagramChannel} with a direct buffer, the server on the
 * first CPU, the filler on the last. Every server is given the same {@value #COUNT} datagrams.
 *
 * <p>Needs root: the socket buffers must hold the whole queue, so net.core.rmem_default and
 * rmem_max are raised to 256 MiB for the run and put back afterwards, and so are
 * net.ipv4.conf.lo.accept_local and route_localnet, which AF_XDP replies on lo need.
 * {@code bench/io-run UdpPathBenchmark [ROUNDS]}.
 */
public final class UdpPathBenchmark {
    private static final int PAYLOAD = 64;
    /** Datagrams queued for every server: fewer than the AF_XDP driver's UMEM frames, {@link #XDP_FRAMES}. */
    private static final int COUNT = 100_000;
    /**
     * The AF_XDP driver's UMEM (512 MiB): every queued datagram is copied into a frame of its own
     * when it is sent, and waits in the rx ring, so the UMEM and rings must hold them all.
     */
    private static final int XDP_FRAMES = 1 << 17;

    /** Counts every datagram and replies to it or drops it; the first one waits for the start. */
    static final class Server implements Kernel {
        final boolean reply;
        final CountDownLatch go = new CountDownLatch(1);
        long handled;

        Server(boolean reply) {
            this.reply = reply;
        }

        @Override
        public int handle(int port, PacketView packet) {
            if (handled == 0) {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            handled++;
            return reply ? REPLY : DROP;
        }

        @Override
        public void tick(int timer) {}

        @Override
        public void setTime(long nanos) {}

        @Override
        public long counter(int index) {
            return handled;
        }

        @Override
        public int mapSize(int index) {
            return 0;
        }

        @Override
        public void addEntry(int index, TableEntry entry) {}
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String oldDefault = sysctlValue("net.core.rmem_default");
        String oldMax = sysctlValue("net.core.rmem_max");
        // IPv4 replies sent through AF_XDP on lo carry no route: Linux routes them afresh, and
        // drops them for their local source and 127/8 address without these (docs/runtime.md).
        String oldAcceptLocal = sysctlValue("net.ipv4.conf.lo.accept_local");
        String oldRouteLocalnet = sysctlValue("net.ipv4.conf.lo.route_localnet");
        sysctl("net.core.rmem_max=" + (256 << 20));
        sysctl("net.core.rmem_default=" + (256 << 20));
        sysctl("net.ipv4.conf.lo.accept_local=1");
        sysctl("net.ipv4.conf.lo.route_localnet=1");
        try {
            run(false, rounds);
            run(true, rounds);
        } finally {
            sysctl("net.core.rmem_default=" + oldDefault);
            sysctl("net.core.rmem_max=" + oldMax);
            sysctl("net.ipv4.conf.lo.accept_local=" + oldAcceptLocal);
            sysctl("net.ipv4.conf.lo.route_localnet=" + oldRouteLocalnet);
        }
    }

    private static String sysctlValue(String key) throws Exception {
        Process p = new ProcessBuilder("sysctl", "-n", key).start();
        String value = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0 || !value.matches("[0-9]+")) {
            throw new IllegalStateException("cannot read " + key + " (is sysctl installed?)");
        }
        return value;
    }

    private static void sysctl(String setting) throws Exception {
        Process p = new ProcessBuilder("sysctl", "-q", "-w", setting).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("sysctl -w " + setting + " failed (this benchmark needs root)");
        }
    }

    private static void run(boolean reply, int rounds) throws Exception {
        int[] cpus = Libc.allowedCpus();
        // Live pins worker 0 to the first CPU the process may use: the server's; the filler gets the last.
        int serverCpu = cpus[0];
        int loadCpu = cpus[cpus.length - 1];
        System.out.printf("%s: %,d datagrams of %d bytes queued on 127.0.0.1, server on CPU %d%n",
                reply ? "receive and reply" : "receive", COUNT, PAYLOAD, serverCpu);
        List<Double> appl = new ArrayList<>();
        List<Double> xdp = new ArrayList<>();
        List<Double> channel = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            appl.add(appl(reply, loadCpu, false));
            xdp.add(appl(reply, loadCpu, true));
            channel.add(channel(reply, loadCpu, serverCpu));
            System.out.printf("  round %d: appl udp driver %,.0f/s (%.2fx), appl AF_XDP driver %,.0f/s (%.2fx), "
                    + "DatagramChannel loop %,.0f/s%n", r + 1, appl.getLast(), appl.getLast() / channel.getLast(),
                    xdp.getLast(), xdp.getLast() / channel.getLast(), channel.getLast());
        }
        double a = median(appl);
        double x = median(xdp);
        double c = median(channel);
        System.out.printf("  median: appl udp driver %,.0f/s (%.2fx), appl AF_XDP driver %,.0f/s (%.2fx), "
                + "DatagramChannel loop %,.0f/s%n", a, a / c, x, x / c, c);
        System.out.printf("  median of the per-round ratios: udp driver %.2fx, AF_XDP driver %.2fx%n",
                medianRatio(appl, channel), medianRatio(xdp, channel));
    }

    private static double medianRatio(List<Double> server, List<Double> baseline) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < server.size(); i++) {
            ratios.add(server.get(i) / baseline.get(i));
        }
        return median(ratios);
    }

    /** appl's UDP driver, or its AF_XDP driver on lo ({@code xdp}), draining the queued datagrams. */
    private static double appl(boolean reply, int loadCpu, boolean xdp) throws Exception {
        Replay.Appliance what = new Replay.Appliance("Server", List.of("udp"), List.of(), new long[0], List.of("handled"));
        Server server = new Server(reply);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        PortBinding binding = xdp ? new PortBinding.UdpXdp(any, "lo", XDP_FRAMES) : new PortBinding.Udp(any);
        try (Live live = Live.start(List.of(server), what, Map.of(0, binding), true);
                DatagramChannel sink = fill(live.address(0), loadCpu)) {
            return drain(server.go::countDown, () -> live.counter(0));
        }
    }

    private static double channel(boolean reply, int loadCpu, int serverCpu) throws Exception {
        DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel sink = fill((InetSocketAddress) ch.getLocalAddress(), loadCpu);
        long[] handled = new long[1];
        Thread server = Thread.ofPlatform().unstarted(() -> {
            Libc.pinToCpu(serverCpu);
            ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
            try {
                while (true) {
                    buffer.clear();
                    java.net.SocketAddress from = ch.receive(buffer);
                    if (reply) {
                        buffer.flip();
                        ch.send(buffer, from);
                    }
                    handled[0]++;
                }
            } catch (java.io.IOException closed) {
                // the benchmark closed the channel: done
            }
        });
        try {
            return drain(server::start, () -> handled[0]);
        } finally {
            ch.close();
            sink.close();
            server.join();
        }
    }

    /**
     * Queues {@link #COUNT} datagrams on {@code server}'s socket from the load CPU, and returns a
     * socket bound where they came from, to take the replies until the round is over: replies to a
     * closed port would each make the Linux kernel send an ICMP error, on the server's CPU (about
     * 1 µs a datagram here, docs/performance.md), work that no live client causes.
     */
    private static DatagramChannel fill(InetSocketAddress server, int loadCpu) throws Exception {
        InetSocketAddress from;
        try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0))) {
            from = (InetSocketAddress) probe.getLocalAddress();
        }
        Thread t = Thread.ofPlatform().start(new Blaster(from, server, PAYLOAD, loadCpu, COUNT));
        t.join();
        Thread.sleep(200); // the last ones are delivered
        return DatagramChannel.open().bind(from);
    }

    /** Starts the server and returns the rate at which {@code handled} grew until it stopped growing. */
    private static double drain(Runnable start, LongSupplier handled) throws InterruptedException {
        long before = handled.getAsLong();
        long t0 = System.nanoTime();
        start.run();
        long last = before;
        long lastChange = t0;
        while (System.nanoTime() - lastChange < 300_000_000L) {
            long now = handled.getAsLong();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            }
            Thread.onSpinWait();
        }
        if (last - before < COUNT * 9L / 10) {
            throw new IllegalStateException("only " + (last - before) + " of " + COUNT + " datagrams were queued: "
                    + "the socket buffer is too small");
        }
        return (last - before) * 1e9 / (lastChange - t0);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
