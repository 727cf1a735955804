package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import dev.appl.runtime.sys.Libc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The firewall sample as a bump in the wire between two veths, each leading to a host in a network
 * namespace of its own: a client on the untrusted side (198.51.100.7) and a server on the site
 * (192.0.2.10 and .53). Real tools make the traffic (ping, and UDP and TCP sockets of the hosts);
 * what gets through, and the counters, must be what the ACL says. Junk frames must not stop it.
 */
class FirewallNetnsTest {
    private static final String TAG = Long.toString(ProcessHandle.current().pid() % 10_000);
    private static final String OUTSIDE = "aplout" + TAG;
    private static final String INSIDE = "aplin" + TAG;
    private static final String FW_OUT = "fwo" + TAG;
    private static final String FW_IN = "fwi" + TAG;
    private static final InetSocketAddress WEB = new InetSocketAddress(ip("192.0.2.10"), 443);
    private static final InetSocketAddress SSH = new InetSocketAddress(ip("192.0.2.10"), 22);
    private static final InetSocketAddress DNS = new InetSocketAddress(ip("192.0.2.53"), 53);
    private static final InetSocketAddress CLOSED = new InetSocketAddress(ip("192.0.2.10"), 5000);

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Netns topology() throws Exception {
        Netns net = new Netns();
        try {
            net.namespace(OUTSIDE);
            net.namespace(INSIDE);
            net.wire(FW_OUT, OUTSIDE, "cli", "198.51.100.7/24");
            net.wire(FW_IN, INSIDE, "srv", "192.0.2.10/24");
            Netns.must("ip", "-n", INSIDE, "addr", "add", "192.0.2.53/24", "dev", "srv");
            // The firewall bridges: each side reaches the other's network on its own wire.
            Netns.must("ip", "-n", OUTSIDE, "route", "add", "192.0.2.0/24", "dev", "cli");
            Netns.must("ip", "-n", INSIDE, "route", "add", "198.51.100.0/24", "dev", "srv");
            return net;
        } catch (Exception e) {
            net.close();
            throw e;
        }
    }

    private static Path firewall() {
        return Path.of("").toAbsolutePath().getParent().resolve("samples/firewall/firewall.appl");
    }

    /**
     * Waits (at most 20 s, for a loaded machine) for a counter the workers update to reach a value,
     * and returns it: more than that if more arrived, which the exact checks of the next step of a
     * test also see (a counter is checked again once the next traffic has been counted).
     */
    private static long settle(LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (value.getAsLong() < expected && System.nanoTime() - deadline < 0) {
            Thread.sleep(2);
        }
        return value.getAsLong();
    }

    @Test
    void forwardsWhatTheAclAllowsAndDropsTheRest() throws Exception {
        String why = Netns.unavailable();
        assumeTrue(why == null, why);
        try (Netns net = topology()) {
            RunCommand run = new RunCommand();
            run.specFile = firewall();
            run.engine = RunCommand.EngineKind.compiled;
            RunCommand.Prepared p = run.prepare(new PrintWriter(new StringWriter()));
            IrAppliance ir = p.ir();
            List<Kernel> kernels = List.of(RunCommand.kernel(p.engine(), p.ir()), RunCommand.kernel(p.another().make(), p.ir()));
            Replay.Appliance appliance = new Replay.Appliance("Firewall", List.of("outside", "inside"), List.of(),
                    new long[0], ir.counters);
            int allowed = ir.counters.indexOf("allowed");
            int dropped = ir.counters.indexOf("dropped");
            int bridged = ir.counters.indexOf("bridged");
            try (Live live = Live.start(kernels, appliance, Map.of(ir.ports.indexOf(port(ir, "outside")),
                    new PortBinding.AfPacket(FW_OUT), ir.ports.indexOf(port(ir, "inside")),
                    new PortBinding.AfPacket(FW_IN)), true)) {
                // ICMP to the site is allowed, and its replies go out (their source is the site's).
                Netns.Result ping = Netns.exec(OUTSIDE, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.10");
                assertEquals(0, ping.status(), ping.output());
                assertTrue(ping.output().contains("3 packets transmitted, 3 received"), ping.output());
                assertEquals(6, settle(() -> live.counter(allowed), 6));
                assertEquals(0, live.counter(dropped));
                assertTrue(live.counter(bridged) >= 2, "ARP requests and replies are bridged");

                // UDP: DNS to the DNS server is allowed and answered; the same to another port is not.
                DatagramSocket dns = Netns.in(INSIDE, () -> new DatagramSocket(DNS));
                DatagramSocket closed = Netns.in(INSIDE, () -> new DatagramSocket(CLOSED));
                DatagramSocket client = Netns.in(OUTSIDE, () -> new DatagramSocket(
                        new InetSocketAddress(ip("198.51.100.7"), 0)));
                dns.setSoTimeout(3000);
                closed.setSoTimeout(1000);
                client.setSoTimeout(3000);
                for (int i = 0; i < 5; i++) {
                    byte[] query = ("query " + i).getBytes(StandardCharsets.US_ASCII);
                    client.send(new DatagramPacket(query, query.length, DNS));
                    DatagramPacket got = new DatagramPacket(new byte[100], 100);
                    dns.receive(got);
                    dns.send(new DatagramPacket(got.getData(), got.getLength(), got.getSocketAddress()));
                    DatagramPacket answer = new DatagramPacket(new byte[100], 100);
                    client.receive(answer);
                    assertEquals("query " + i, new String(answer.getData(), 0, answer.getLength(),
                            StandardCharsets.US_ASCII));
                }
                assertEquals(6 + 10, settle(() -> live.counter(allowed), 16));
                for (int i = 0; i < 5; i++) {
                    client.send(new DatagramPacket(new byte[] {1}, 1, CLOSED));
                }
                assertThrows(SocketTimeoutException.class, () -> closed.receive(new DatagramPacket(new byte[10], 10)));
                assertEquals(5, settle(() -> live.counter(dropped), 5));
                assertEquals(16, live.counter(allowed));

                // TCP: the web server answers; ssh from this network is not allowed through.
                ServerSocket web = Netns.in(INSIDE, () -> new ServerSocket(WEB.getPort(), 10, WEB.getAddress()));
                ServerSocket ssh = Netns.in(INSIDE, () -> new ServerSocket(SSH.getPort(), 10, SSH.getAddress()));
                Thread echo = Thread.ofPlatform().start(() -> {
                    try (Socket s = web.accept()) {
                        s.getOutputStream().write(s.getInputStream().readNBytes(5));
                    } catch (java.io.IOException e) {
                        // the test fails on what the client sees
                    }
                });
                try (Socket s = Netns.in(OUTSIDE, () -> {
                    Socket c = new Socket();
                    c.connect(WEB, 3000);
                    return c;
                })) {
                    s.setSoTimeout(3000);
                    s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("hello", new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
                }
                echo.join(5000);
                long droppedBefore = live.counter(dropped);
                assertThrows(SocketTimeoutException.class, () -> Netns.in(OUTSIDE, () -> {
                    try (Socket c = new Socket()) {
                        c.connect(SSH, 1500);
                    }
                    return null;
                }));
                assertTrue(settle(() -> live.counter(dropped), droppedBefore + 1) > droppedBefore);

                // Junk from the untrusted side: the workers go on, and count it.
                int junk = Netns.in(OUTSIDE, () -> sendJunk("cli", 400));
                assertTrue(junk > 300, "the junk frames were sent");
                Netns.Result again = Netns.exec(OUTSIDE, "ping", "-c", "1", "-W", "2", "192.0.2.10");
                assertEquals(0, again.status(), again.output());
                live.stop();
                live.join();
                assertNull(live.failure());
                assertEquals(0, live.failed());
                assertTrue(live.malformed() > 0, "junk is counted as malformed");
                StringWriter summary = new StringWriter();
                live.summary(new PrintWriter(summary));
                assertTrue(summary.toString().startsWith("Firewall, 2 workers\n"), summary.toString());
                for (AutoCloseable c : List.of(dns, closed, client, web, ssh)) {
                    c.close();
                }
            }
        }
    }

    private static IrAppliance.Port port(IrAppliance ir, String name) {
        return ir.ports.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * Sends junk out of {@code iface} through a packet socket: random bytes, IPv4 headers cut short,
     * IPv4 headers claiming absurd lengths, TCP headers cut short. Returns how many frames went.
     */
    private static int sendJunk(String iface, int count) throws Exception {
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW, 0);
        assertTrue(fd >= 0, "packet socket: " + Libc.strerror(Libc.errno()));
        Random random = new Random(11);
        int sent = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sll = arena.allocate(20);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) 3);
            sll.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex(iface));
            assertEquals(0, Libc.bind(fd, sll, 20));
            MemorySegment frame = arena.allocate(1514);
            for (int i = 0; i < count; i++) {
                byte[] bytes = junkFrame(random, i % 4);
                MemorySegment.copy(bytes, 0, frame, ValueLayout.JAVA_BYTE, 0, bytes.length);
                if (Libc.send(fd, frame, bytes.length, 0) == bytes.length) {
                    sent++;
                }
            }
        } finally {
            Libc.close(fd);
        }
        return sent;
    }

    private static byte[] junkFrame(Random random, int kind) {
        if (kind == 0) {
            byte[] b = new byte[14 + random.nextInt(1500)];
            random.nextBytes(b);
            return b;
        }
        ByteBuffer b = ByteBuffer.allocate(14 + 60);
        b.put(new byte[] {2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 7}).putShort((short) 0x0800);
        // IPv4 from the client to the web server, protocol TCP
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0);
        b.put(ip("198.51.100.7").getAddress()).put(ip("192.0.2.10").getAddress());
        b.putShort((short) 40000).putShort((short) 443);
        byte[] full = b.array();
        return switch (kind) {
            case 1 -> java.util.Arrays.copyOf(full, 14 + random.nextInt(20)); // IPv4 header cut short
            case 2 -> { // an IHL of 15 and a total length of 65535 in a 60-byte packet
                full[14] = 0x4f;
                full[16] = (byte) 0xff;
                full[17] = (byte) 0xff;
                yield java.util.Arrays.copyOf(full, 14 + 20 + random.nextInt(20));
            }
            default -> java.util.Arrays.copyOf(full, 14 + 20 + random.nextInt(19)); // TCP header cut short
        };
    }

    @Test
    void stopsOnSigtermWithItsCountersAndSaysClearlyWhatIsWrong() throws Exception {
        String why = Netns.unavailable();
        assumeTrue(why == null, why);
        try (Netns net = topology()) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Applc.class.getName(), "run", firewall().toString(), "--port", "outside=afpacket:" + FW_OUT,
                    "--port", "inside=afpacket:" + FW_IN, "--workers", "1"));
            // Files, not pipes: destroy() closes the pipes, and the summary comes after it.
            Path outFile = java.nio.file.Files.createTempFile("applc-out", ".txt");
            Path errFile = java.nio.file.Files.createTempFile("applc-err", ".txt");
            Process applc = new ProcessBuilder(command).redirectOutput(outFile.toFile()).redirectError(errFile.toFile())
                    .start();
            try {
                long deadline = System.nanoTime() + 60_000_000_000L;
                String said = "";
                while (!said.contains("Ctrl-C stops it") && applc.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    said = java.nio.file.Files.readString(errFile);
                }
                assertTrue(said.contains("Ctrl-C stops it"), "applc did not start serving: " + said);
                assertTrue(said.endsWith("applc: Firewall serving outside on afpacket:" + FW_OUT + ", inside on afpacket:"
                        + FW_IN + " with 1 worker; Ctrl-C stops it\n"), said);
                Netns.Result ping = Netns.exec(OUTSIDE, "ping", "-c", "2", "-i", "0.2", "-W", "2", "192.0.2.10");
                assertEquals(0, ping.status(), ping.output());
                applc.destroy(); // SIGTERM
                assertTrue(applc.waitFor(20, TimeUnit.SECONDS), "applc did not stop on SIGTERM");
                String out = java.nio.file.Files.readString(outFile);
                String rest = java.nio.file.Files.readString(errFile);
                assertEquals(143, applc.exitValue(), out + rest);
                assertTrue(out.startsWith("Firewall (compiled kernel), 1 worker\n"), out);
                assertTrue(out.contains("\n  counter allowed      4\n"), out);
                assertFalse(rest.contains("Exception"), rest);
            } finally {
                applc.destroyForcibly();
                java.nio.file.Files.deleteIfExists(outFile);
                java.nio.file.Files.deleteIfExists(errFile);
            }
        }
        // The same interfaces are gone now: one line, exit 2.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = Applc.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("run", firewall().toString(), "--port", "outside=afpacket:" + FW_OUT, "--port",
                "inside=afpacket:" + FW_IN);
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().endsWith("applc: port `outside`: afpacket:" + FW_OUT
                + ": no such network interface\n"), err.toString());
    }
}
