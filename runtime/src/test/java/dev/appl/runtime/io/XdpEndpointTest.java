package dev.appl.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.runtime.kernel.Batch;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.Packets;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.sys.Libc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AF_XDP driver on lo (generic XDP), against the echo kernel and real sockets: replies built
 * in the UMEM frame and sent from it, what the program passes up served by the UDP socket,
 * malformed frames counted and dropped, the program detached when the port closes, and the
 * errors a user can meet. Needs root and a kernel with AF_XDP; skipped otherwise.
 */
@org.junit.jupiter.api.Timeout(120)
class XdpEndpointTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void needsAfXdp() throws java.io.IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "AF_XDP and XDP programs need root");
        int fd = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        int errno = Libc.errno();
        assumeTrue(fd >= 0, "this kernel has no AF_XDP sockets: " + Libc.strerror(errno));
        Libc.close(fd);
        // IPv4 replies sent through AF_XDP on lo need these (XdpPort says why); put back after.
        for (String setting : SETTINGS) {
            try {
                saved.put(setting, sysctl(setting, "1"));
            } catch (java.io.IOException e) {
                assumeTrue(false, "net.ipv4.conf.lo." + setting + " cannot be set here: " + e);
            }
        }
    }

    private static final List<String> SETTINGS = List.of("accept_local", "route_localnet");
    private static final Map<String, String> saved = new java.util.HashMap<>();

    /** Sets net.ipv4.conf.lo.SETTING, returning what it was. */
    private static String sysctl(String setting, String value) throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Path.of("/proc/sys/net/ipv4/conf/lo", setting);
        String old = java.nio.file.Files.readString(file).strip();
        java.nio.file.Files.writeString(file, value);
        return old;
    }

    @org.junit.jupiter.api.AfterAll
    static void putBack() throws java.io.IOException {
        for (var e : saved.entrySet()) {
            sysctl(e.getKey(), e.getValue());
        }
    }

    private static Live echo(InetAddress address, int frames) throws Exception {
        return Live.start(List.of(new TestKernels.Echo(4000)), UdpEndpointTest.ECHO,
                Map.of(0, new PortBinding.UdpXdp(new InetSocketAddress(address, 0), "lo", frames)), false);
    }

    private static String ask(DatagramChannel client, InetSocketAddress server, String text) throws Exception {
        client.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), server);
        client.socket().setSoTimeout(5000);
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[70_000], 70_000);
        client.socket().receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    private static String ipLink() throws Exception {
        Process p = new ProcessBuilder("ip", "link", "show", "lo").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void aDatagramIsHandledInItsUmemFrameAndTheReplySentFromIt() throws Exception {
        UdpEndpoint socket = UdpEndpoint.open("dns", new InetSocketAddress(LOOPBACK, 0), 64, true);
        try (XdpPort program = XdpPort.attach("dns", socket.address(), "lo", XdpEndpoint.MAX_FRAME);
                XdpEndpoint endpoint = XdpEndpoint.open(program, 0, socket, 64);
                DatagramChannel client = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
            assertTrue(ipLink().contains("xdpgeneric"), ipLink());
            client.send(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), socket.address());
            Batch batch = new Batch(Batch.DEFAULT_CAPACITY);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (endpoint.receive(batch) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(1, batch.size());
            assertEquals(1, endpoint.ringDatagrams(), "taken from the rx ring, not the socket");
            PacketView query = batch.view(0);
            assertEquals("hello", new String(query.toArray(), StandardCharsets.US_ASCII));
            // The payload is in the UMEM frame, behind the frame's Ethernet, IPv4 and UDP headers.
            assertEquals(4096, query.segment.byteSize());
            assertTrue(query.offset >= Kernel.HEADROOM + 42, "headroom " + query.offset);
            assertEquals(0x0800, Short.toUnsignedInt(query.segment.get(
                    java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN),
                    query.offset - 42 + 12)));
            MemorySegment frame = query.segment;
            assertEquals(0, Packets.insert(query, 0, MemorySegment.ofArray("echo:".getBytes(StandardCharsets.US_ASCII)),
                    5));
            assertTrue(endpoint.complete(batch, 0, Kernel.REPLY));
            endpoint.flush();
            endpoint.release(batch);
            client.socket().setSoTimeout(5000);
            java.net.DatagramPacket answer = new java.net.DatagramPacket(new byte[100], 100);
            client.socket().receive(answer);
            assertEquals(socket.address(), answer.getSocketAddress());
            assertEquals("echo:hello", new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII));
            assertTrue(frame == query.segment);
        }
        assertFalse(ipLink().contains("xdp"), "closing the port detached the program: " + ipLink());
    }

    @Test
    void everyDatagramIsAnsweredWhetherTheRingsOrTheSocketTookIt() throws Exception {
        for (InetAddress address : List.of(LOOPBACK, InetAddress.getByName("::1"), InetAddress.getByName("0.0.0.0"))) {
            try (Live live = echo(address, 256); DatagramChannel client = DatagramChannel.open()) {
                InetSocketAddress server = new InetSocketAddress(address.isAnyLocalAddress() ? LOOPBACK : address,
                        live.address(0).getPort());
                for (int i = 0; i < 1000; i++) {
                    assertEquals("echo:m" + i, ask(client, server, "m" + i), address.toString());
                }
                // Longer than a UMEM frame takes: the program passes it up, and the socket takes it.
                String big = "x".repeat(3900);
                assertEquals("echo:" + big, ask(client, server, big));
                live.stop();
                live.join();
                assertEquals(1001, live.in(0));
                assertEquals(1001, live.out(0));
                assertEquals(0, live.failed());
            }
        }
    }

    @Test
    void malformedFramesAndDatagramsAreCountedAndDroppedAndTheWorkerGoesOn() throws Exception {
        try (Live live = echo(LOOPBACK, 256); DatagramChannel client = DatagramChannel.open();
                RawSocket raw = new RawSocket("lo")) {
            InetSocketAddress server = live.address(0);
            int port = server.getPort();
            raw.send(frame(port, 200, 28 + 10));
            raw.send(frame(port, 10, 28 + 300));
            raw.send(frame(port, 4, 28 + 10));
            client.send(ByteBuffer.wrap("bad".getBytes(StandardCharsets.US_ASCII)), server);
            assertEquals("echo:after", ask(client, server, "after"));
            live.stop();
            live.join();
            assertEquals(1, live.malformed());
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            assertTrue(summary.toString().contains("3 malformed frames dropped"), summary.toString());
            assertTrue(summary.toString().contains(",xdp=lo"), summary.toString());
            assertEquals(0, live.failed());
        }
    }

    /** An Ethernet frame on lo with an IPv4 and UDP header to 127.0.0.1:{@code port} and the given lengths. */
    private static byte[] frame(int port, int udpLength, int ipTotal) {
        ByteBuffer b = ByteBuffer.allocate(14 + 28 + 10).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipTotal).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(new byte[] {127, 0, 0, 1})
                .put(new byte[] {127, 0, 0, 1});
        b.putShort((short) 40000).putShort((short) port).putShort((short) udpLength).putShort((short) 0);
        b.put("0123456789".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @Test
    void badBindingsAreOneClearLine() throws Exception {
        PortException missing = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo()),
                UdpEndpointTest.ECHO, Map.of(0, new PortBinding.UdpXdp(new InetSocketAddress(LOOPBACK, 0),
                        "nosuch0", 64)), false));
        assertEquals("port `dns`: udp:127.0.0.1:" + missing.getMessage().replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1")
                + ",xdp=nosuch0: no such network interface", missing.getMessage());
        // An address of this machine, but of another interface than lo.
        InetAddress other = null;
        for (String iface : java.nio.file.Files.list(java.nio.file.Path.of("/sys/class/net"))
                .map(p -> p.getFileName().toString()).filter(n -> !n.equals("lo")).toList()) {
            for (InetAddress a : Libc.interfaceAddresses(iface)) {
                if (a instanceof java.net.Inet4Address) {
                    other = a;
                }
            }
        }
        assumeTrue(other != null, "no interface but lo has an IPv4 address here");
        InetAddress elsewhere = other;
        PortException wrong = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo()),
                UdpEndpointTest.ECHO, Map.of(0, new PortBinding.UdpXdp(new InetSocketAddress(elsewhere, 0), "lo", 64)),
                false));
        assertTrue(wrong.getMessage().matches("port `dns`: udp:.*,xdp=lo: " + elsewhere.getHostAddress().replace(".", "\\.")
                + " is not an address of lo \\(it has .*127\\.0\\.0\\.1.*\\)"), wrong.getMessage());
        assertFalse(ipLink().contains("xdp"), ipLink());
    }

    @Test
    void ipv4OnLoWithoutTheSysctlsItNeedsIsOneClearLine() throws Exception {
        String old = sysctl("accept_local", "0");
        try {
            PortException e = assertThrows(PortException.class, () -> echo(LOOPBACK, 64));
            assertTrue(e.getMessage().endsWith(",xdp=lo: Linux drops IPv4 replies sent through AF_XDP on a loopback "
                    + "interface unless `sysctl -w net.ipv4.conf.lo.accept_local=1` (IPv6 needs neither)"),
                    e.getMessage());
            try (Live v6 = echo(InetAddress.getByName("::1"), 64); DatagramChannel client = DatagramChannel.open()) {
                assertEquals("echo:six", ask(client, v6.address(0), "six"));
            }
        } finally {
            sysctl("accept_local", old);
        }
    }

    @Test
    void aSecondProgramOnTheInterfaceIsRefusedClearly() throws Exception {
        try (Live first = echo(LOOPBACK, 64)) {
            PortException busy = assertThrows(PortException.class, () -> echo(LOOPBACK, 64));
            assertTrue(busy.getMessage().contains("another XDP program is attached to lo"), busy.getMessage());
            assertTrue(ipLink().contains("xdpgeneric"), "the first one's program stays: " + ipLink());
        }
        assertFalse(ipLink().contains("xdp"), ipLink());
    }
}
