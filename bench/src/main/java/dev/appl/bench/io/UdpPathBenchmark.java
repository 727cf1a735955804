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
 * and drops or replies) and a loop that receives (and sends) one datagram at a time on a blocking
 * {@link DatagramChannel} with a direct buffer, the server on the first CPU, the filler on the last.
 *
 * <p>Needs root: the socket buffers must hold the whole queue, so net.core.rmem_default and
 * rmem_max are raised to 256 MiB for the run and put back afterwards.
 * {@code bench/io-run UdpPathBenchmark [ROUNDS]}.
 */
public final class UdpPathBenchmark {
    private static final int PAYLOAD = 64;
    private static final int COUNT = 200_000;

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
        sysctl("net.core.rmem_max=" + (256 << 20));
        sysctl("net.core.rmem_default=" + (256 << 20));
        try {
            run(false, rounds);
            run(true, rounds);
        } finally {
            sysctl("net.core.rmem_default=" + oldDefault);
            sysctl("net.core.rmem_max=" + oldMax);
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
        List<Double> channel = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            appl.add(appl(reply, loadCpu));
            channel.add(channel(reply, loadCpu, serverCpu));
            System.out.printf("  round %d: appl udp driver %,.0f/s, DatagramChannel loop %,.0f/s: %.2fx%n", r + 1,
                    appl.getLast(), channel.getLast(), appl.getLast() / channel.getLast());
        }
        double a = median(appl);
        double c = median(channel);
        System.out.printf("  median: appl udp driver %,.0f/s, DatagramChannel loop %,.0f/s: %.2fx%n", a, c, a / c);
    }

    private static double appl(boolean reply, int loadCpu) throws Exception {
        Replay.Appliance what = new Replay.Appliance("Server", List.of("udp"), List.of(), new long[0], List.of("handled"));
        Server server = new Server(reply);
        try (Live live = Live.start(List.of(server), what, Map.of(0, new PortBinding.Udp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), true);
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
