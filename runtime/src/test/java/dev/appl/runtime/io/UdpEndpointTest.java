package dev.appl.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The UDP driver and the kernel loop, against a hand-written echo kernel on real sockets. */
class UdpEndpointTest {
    static final Replay.Appliance ECHO = new Replay.Appliance("Echo", List.of("dns"), List.of("tick"),
            new long[] {50_000_000L}, List.of("replies", "ticks"));

    static Live start(int workers) throws Exception {
        List<Kernel> kernels = new java.util.ArrayList<>();
        for (int i = 0; i < workers; i++) {
            kernels.add(new TestKernels.Echo());
        }
        return Live.start(kernels, ECHO, Map.of(0, new PortBinding.Udp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
    }

    private static String ask(DatagramChannel client, InetSocketAddress server, String text) throws Exception {
        client.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), server);
        ByteBuffer answer = ByteBuffer.allocate(70_000);
        client.receive(answer);
        answer.flip();
        return StandardCharsets.US_ASCII.decode(answer).toString();
    }

    @Test
    void repliesAreBuiltInTheReceiveBufferAndSentToTheSender() throws Exception {
        try (Live live = start(1); DatagramChannel client = DatagramChannel.open()) {
            InetSocketAddress server = live.address(0);
            assertTrue(server.getPort() > 0);
            assertEquals("echo:hello", ask(client, server, "hello"));
            assertEquals("echo:", ask(client, server, ""));
            String big = "x".repeat(65_000);
            assertEquals("echo:" + big, ask(client, server, big));
            live.stop();
            live.join();
            assertEquals(3, live.in(0));
            assertEquals(3, live.out(0));
            assertEquals(3, live.counter(0));
        }
    }

    @Test
    void datagramsQueuedWhenTheStopComesAreHandledAndAnsweredFirst() throws Exception {
        TestKernels.Echo echo = new TestKernels.Echo();
        try (Live live = Live.start(List.of(echo), ECHO, Map.of(0, new PortBinding.Udp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
                DatagramChannel client = DatagramChannel.open()) {
            InetSocketAddress server = live.address(0);
            client.send(ByteBuffer.wrap("wait".getBytes(StandardCharsets.US_ASCII)), server);
            assertTrue(echo.waiting.await(10, TimeUnit.SECONDS));
            // The worker is held in the kernel: these wait in the socket when the stop comes.
            int queued = 40;
            for (int i = 0; i < queued; i++) {
                client.send(ByteBuffer.wrap(("m" + i).getBytes(StandardCharsets.US_ASCII)), server);
            }
            live.stop();
            echo.release.countDown();
            live.join();
            assertEquals(queued + 1, live.in(0));
            assertEquals(queued + 1, live.out(0));
            Set<String> answers = new HashSet<>();
            client.configureBlocking(false);
            ByteBuffer answer = ByteBuffer.allocate(100);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (answers.size() < queued + 1 && System.nanoTime() < deadline) {
                answer.clear();
                if (client.receive(answer) == null) {
                    Thread.sleep(1);
                    continue;
                }
                answer.flip();
                answers.add(StandardCharsets.US_ASCII.decode(answer).toString());
            }
            assertEquals(queued + 1, answers.size(), "replies received: " + answers);
            assertTrue(answers.contains("echo:wait") && answers.contains("echo:m" + (queued - 1)), answers.toString());
        }
    }

    @Test
    void batchesOfManyClientsOverTwoWorkersAreAllAnswered() throws Exception {
        try (Live live = start(2)) {
            InetSocketAddress server = live.address(0);
            int clients = 8;
            int each = 200;
            Set<String> answers = new HashSet<>();
            DatagramChannel[] channels = new DatagramChannel[clients];
            for (int c = 0; c < clients; c++) {
                channels[c] = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                channels[c].socket().setSoTimeout(5000);
            }
            // Bursts of 20 datagrams per client before reading, so that batches hold many.
            for (int round = 0; round < each / 20; round++) {
                for (int c = 0; c < clients; c++) {
                    for (int i = 0; i < 20; i++) {
                        channels[c].send(ByteBuffer.wrap(("c" + c + "-" + (round * 20 + i)).getBytes()), server);
                    }
                }
                for (int c = 0; c < clients; c++) {
                    for (int i = 0; i < 20; i++) {
                        ByteBuffer b = ByteBuffer.allocate(100);
                        channels[c].receive(b);
                        b.flip();
                        String s = StandardCharsets.US_ASCII.decode(b).toString();
                        assertTrue(s.startsWith("echo:c" + c + "-"), s);
                        answers.add(s);
                    }
                }
            }
            for (DatagramChannel ch : channels) {
                ch.close();
            }
            live.stop();
            live.join();
            assertEquals(clients * each, answers.size());
            assertEquals(clients * each, live.in(0));
            assertEquals(clients * each, live.counter(0));
            assertNull(live.failure());
        }
    }

    @Test
    void dropsMalformedAndFailingPacketsAreCountedAndTheWorkerGoesOn() throws Exception {
        try (Live live = start(1); DatagramChannel client = DatagramChannel.open()) {
            InetSocketAddress server = live.address(0);
            client.send(ByteBuffer.wrap("drop me".getBytes()), server);
            client.send(ByteBuffer.wrap("bad".getBytes()), server);
            client.send(ByteBuffer.wrap("boom".getBytes()), server);
            Random random = new Random(7);
            for (int i = 0; i < 100; i++) {
                byte[] junk = new byte[2 + random.nextInt(1500)];
                random.nextBytes(junk);
                junk[0] = 'b'; // "b" then random: never "bad" or "boom" by chance
                junk[1] = 'z';
                client.send(ByteBuffer.wrap(junk), server);
                ByteBuffer answer = ByteBuffer.allocate(2000);
                client.receive(answer);
                assertEquals(5 + junk.length, answer.position());
            }
            assertEquals("echo:still here", ask(client, server, "still here"));
            live.stop();
            live.join();
            assertEquals(104, live.in(0));
            assertEquals(101, live.out(0));
            assertEquals(1, live.dropped());
            assertEquals(1, live.malformed());
            assertEquals(1, live.failed());
            StringWriter text = new StringWriter();
            live.summary(new PrintWriter(text));
            assertTrue(text.toString().contains("the kernel failed on 1 packet, dropped; the first time with "
                    + "java.lang.IllegalStateException: boom"), text.toString());
            assertTrue(text.toString().contains("port dns          in      104  out      101  udp:127.0.0.1:"),
                    text.toString());
        }
    }

    @Test
    void timersFireOnEveryWorker() throws Exception {
        List<TestKernels.Echo> kernels = List.of(new TestKernels.Echo(), new TestKernels.Echo());
        try (Live live = Live.start(List.copyOf(kernels), ECHO, Map.of(0, new PortBinding.Udp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false)) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (kernels.stream().anyMatch(k -> k.counter(1) < 2) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            live.stop();
            live.join();
            for (int w = 0; w < kernels.size(); w++) {
                assertTrue(kernels.get(w).counter(1) >= 2, "ticks of worker " + w + ": " + kernels.get(w).counter(1));
            }
        }
    }

    @Test
    void anAddressInUseIsOneClearLine() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            PortException e = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo()), ECHO,
                    Map.of(0, new PortBinding.Udp((InetSocketAddress) taken.getLocalSocketAddress())), false));
            assertEquals("port `dns`: udp:127.0.0.1:" + taken.getLocalPort()
                    + ": the address is already in use by another program", e.getMessage());
        }
    }

    @Test
    void anAddressSharedWithSoReusePortByAnotherProgramIsInUse() throws Exception {
        try (DatagramChannel other = DatagramChannel.open()) {
            other.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress taken = (InetSocketAddress) other.getLocalAddress();
            PortException e = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo(),
                    new TestKernels.Echo()), ECHO, Map.of(0, new PortBinding.Udp(taken)), false));
            assertEquals("port `dns`: udp:127.0.0.1:" + taken.getPort()
                    + ": the address is already in use by another program", e.getMessage());
        }
    }

    @Test
    void aSecondApplianceOnTheSamePortIsRefused() throws Exception {
        try (Live first = start(2)) {
            InetSocketAddress taken = first.address(0);
            PortException e = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo()), ECHO,
                    Map.of(0, new PortBinding.Udp(taken)), false));
            assertTrue(e.getMessage().endsWith(": the address is already in use by another program"), e.getMessage());
        }
    }

    @Test
    void anAddressNotOfThisMachineIsOneClearLine() {
        PortException e = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo()), ECHO,
                Map.of(0, new PortBinding.Udp(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 5353))), false));
        assertEquals("port `dns`: udp:192.0.2.1:5353: the address is not one of this machine's", e.getMessage());
    }

    @Test
    void aClientThatIsGoneDoesNotStopTheWorker() throws Exception {
        try (Live live = start(1)) {
            InetSocketAddress server = live.address(0);
            DatagramChannel gone = DatagramChannel.open();
            gone.send(ByteBuffer.wrap("hi".getBytes()), server);
            gone.close(); // its reply goes to a closed port
            try (DatagramChannel client = DatagramChannel.open()) {
                client.socket().setSoTimeout(5000);
                assertEquals("echo:again", ask(client, server, "again"));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the worker stopped answering", e);
            }
        }
    }
}
