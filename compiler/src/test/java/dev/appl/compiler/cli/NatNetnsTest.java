package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The NAT sample live on two workers, as a bump in the wire between a site's host (10.0.0.2, its
 * gateway 10.0.0.1) and the upstream router (10.0.0.1, which routes the public address 203.0.113.1
 * back down the wire and serves UDP on 198.51.100.1:53). Each of many connections from the host
 * leaves translated and its answer comes back translated, whichever worker the Linux kernel hands
 * each direction to: the two directions of a connection have different addresses, so they are
 * spread over the workers independently, and the maps, declared {@code shared}, must be one.
 */
class NatNetnsTest {
    private static final String TAG = Long.toString(ProcessHandle.current().pid() % 10_000);
    private static final String SITE = "aplsite" + TAG;
    private static final String UPSTREAM = "aplup" + TAG;
    private static final String NAT_IN = "nati" + TAG;
    private static final String NAT_OUT = "nato" + TAG;
    private static final int CONNECTIONS = 40;

    private static InetAddress ip(String text) throws java.net.UnknownHostException {
        return InetAddress.getByName(text);
    }

    private static Netns topology() throws Exception {
        Netns net = new Netns();
        try {
            net.namespace(SITE);
            net.namespace(UPSTREAM);
            net.wire(NAT_IN, SITE, "lan0", "10.0.0.2/24");
            net.wire(NAT_OUT, UPSTREAM, "wan0", "10.0.0.1/24");
            Netns.must("ip", "-n", SITE, "route", "add", "default", "via", "10.0.0.1");
            Netns.must("ip", "-n", UPSTREAM, "addr", "add", "198.51.100.1/32", "dev", "lo");
            // The public address is the NAT's: the router sends what is for it down the wire, to the
            // host's MAC address (the NAT rewrites addresses and ports, not Ethernet headers).
            String hostMac = Netns.exec(SITE, "cat", "/sys/class/net/lan0/address").output().strip();
            Netns.must("ip", "-n", UPSTREAM, "route", "add", "203.0.113.1/32", "dev", "wan0");
            Netns.must("ip", "-n", UPSTREAM, "neigh", "replace", "203.0.113.1", "lladdr", hostMac, "dev", "wan0",
                    "nud", "permanent");
            return net;
        } catch (Exception e) {
            net.close();
            throw e;
        }
    }

    @Test
    void translatesEveryConnectionOnTwoWorkers() throws Exception {
        String why = Netns.unavailable();
        assumeTrue(why == null, why);
        try (Netns net = topology()) {
            RunCommand run = new RunCommand();
            run.specFile = Path.of("").toAbsolutePath().getParent().resolve("samples/nat/nat.appl");
            run.engine = RunCommand.EngineKind.compiled;
            RunCommand.Prepared p = run.prepare(new PrintWriter(new StringWriter()));
            IrAppliance ir = p.ir();
            List<Kernel> kernels = List.of(RunCommand.kernel(p.engine(), ir), RunCommand.kernel(p.another().make(), ir));
            assertEquals(2, Live.workerCount("Nat", 2, kernels.getFirst()));
            Replay.Appliance appliance = new Replay.Appliance("Nat", ir.ports.stream().map(IrAppliance.Port::name)
                    .toList(), ir.timers.stream().map(IrAppliance.Timer::name).toList(),
                    ir.timers.stream().mapToLong(IrAppliance.Timer::periodNanos).toArray(), ir.counters);
            int inside = port(ir, "inside");
            int outside = port(ir, "outside");
            DatagramSocket server = Netns.in(UPSTREAM, () -> new DatagramSocket(
                    new InetSocketAddress(ip("198.51.100.1"), 53)));
            Thread echo = Thread.ofPlatform().start(() -> {
                // Answers each query with where it came from: the public address and port.
                byte[] buffer = new byte[200];
                while (!server.isClosed()) {
                    try {
                        DatagramPacket got = new DatagramPacket(buffer, buffer.length);
                        server.receive(got);
                        byte[] answer = (new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII)
                                + " from " + got.getSocketAddress()).getBytes(StandardCharsets.US_ASCII);
                        server.send(new DatagramPacket(answer, answer.length, got.getSocketAddress()));
                    } catch (java.io.IOException e) {
                        return; // closed
                    }
                }
            });
            try (Live live = Live.start(kernels, appliance, Map.of(inside, new PortBinding.AfPacket(NAT_IN), outside,
                    new PortBinding.AfPacket(NAT_OUT)), true)) {
                List<String> answers = Netns.in(SITE, () -> {
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        // A port of its own per connection: an ephemeral port the system picked again for a
                        // later socket would make the same flow, which the NAT rightly gives its binding again.
                        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(ip("10.0.0.2"), 40000 + i))) {
                            client.setSoTimeout(3000);
                            byte[] query = ("query " + i).getBytes(StandardCharsets.US_ASCII);
                            client.send(new DatagramPacket(query, query.length, ip("198.51.100.1"), 53));
                            DatagramPacket answer = new DatagramPacket(new byte[200], 200);
                            try {
                                client.receive(answer);
                                got.add(new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII));
                            } catch (SocketTimeoutException e) {
                                got.add("query " + i + ": no answer");
                            }
                        }
                    }
                    return got;
                });
                live.stop();
                live.join();
                assertNull(live.failure());
                for (int i = 0; i < CONNECTIONS; i++) {
                    assertTrue(answers.get(i).matches("query " + i + " from /203\\.0\\.113\\.1:\\d+"), answers.get(i));
                }
                assertEquals(CONNECTIONS, live.counter(ir.counters.indexOf("new_bindings")));
                assertEquals(CONNECTIONS, live.counter(ir.counters.indexOf("translated_out")));
                assertEquals(CONNECTIONS, live.counter(ir.counters.indexOf("translated_in")));
                assertEquals(0, live.counter(ir.counters.indexOf("unsolicited")));
                assertEquals(CONNECTIONS, kernels.getFirst().mapSize(ir.maps.indexOf(map(ir, "outbound"))));
                assertEquals(CONNECTIONS, kernels.getLast().mapSize(ir.maps.indexOf(map(ir, "inbound"))));
                // Both workers translated: the connections were spread over them.
                for (Kernel k : kernels) {
                    long translated = k.counter(ir.counters.indexOf("translated_out"))
                            + k.counter(ir.counters.indexOf("translated_in"));
                    assertTrue(translated > 0, "a worker translated nothing");
                }
            } finally {
                server.close();
                echo.join(5000);
            }
        }
    }

    private static int port(IrAppliance ir, String name) {
        for (int i = 0; i < ir.ports.size(); i++) {
            if (ir.ports.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static IrAppliance.MapState map(IrAppliance ir, String name) {
        return ir.maps.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }
}
