package dev.appl.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The TCP driver: u16-framed messages to a hand-written echo kernel over real connections. */
class TcpEndpointTest {
    static final Replay.Appliance ECHO = new Replay.Appliance("Echo", List.of("clients"), List.of(), new long[0],
            List.of("replies", "ticks"));

    static Live start(int workers) throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            kernels.add(new TestKernels.Echo(1000));
        }
        return Live.start(kernels, ECHO, Map.of(0, new PortBinding.Tcp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
    }

    static byte[] frame(String text) {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        byte[] f = new byte[2 + body.length];
        f[0] = (byte) (body.length >> 8);
        f[1] = (byte) body.length;
        System.arraycopy(body, 0, f, 2, body.length);
        return f;
    }

    static String readFrame(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length = data.readUnsignedShort();
        byte[] body = new byte[length];
        data.readFully(body);
        return new String(body, StandardCharsets.US_ASCII);
    }

    /** The next byte, or -1 at the end of the stream or when the connection was reset. */
    static int readOrReset(Socket s) {
        try {
            return s.getInputStream().read();
        } catch (IOException e) {
            return -1;
        }
    }

    static Socket connect(Live live) throws IOException {
        Socket s = new Socket();
        s.connect(live.address(0), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void pipelinedAndSplitFramesAreEachAnsweredInOrderWithALengthPrefix() throws Exception {
        try (Live live = start(1); Socket s = connect(live)) {
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream three = new ByteArrayOutputStream();
            three.write(frame("one"));
            three.write(frame("two"));
            three.write(frame(""));
            out.write(three.toByteArray());
            // A frame sent a byte at a time is cut only once all of it has come.
            for (byte b : frame("slowly")) {
                out.write(b);
                out.flush();
                Thread.sleep(2);
            }
            InputStream in = s.getInputStream();
            assertEquals("echo:one", readFrame(in));
            assertEquals("echo:two", readFrame(in));
            assertEquals("echo:", readFrame(in));
            assertEquals("echo:slowly", readFrame(in));
        }
    }

    @Test
    void aFrameOverTheMaxOrAMalformedMessageClosesOnlyItsConnection() throws Exception {
        try (Live live = start(1); Socket good = connect(live)) {
            try (Socket s = connect(live)) {
                s.getOutputStream().write(new byte[] {0x03, (byte) 0xe9}); // 1001 > max 1000
                assertEquals(-1, s.getInputStream().read());
            }
            try (Socket s = connect(live)) {
                s.getOutputStream().write(frame("bad"));
                assertEquals(-1, s.getInputStream().read());
            }
            good.getOutputStream().write(frame("x".repeat(1000)));
            assertEquals("echo:" + "x".repeat(1000), readFrame(good.getInputStream()));
            live.stop();
            live.join();
            assertEquals(1, live.malformed());
        }
    }

    @Test
    void aMaxOverWhatTheDriverSupportsIsRefusedAtStartInOneLine() {
        PortException e = assertThrows(PortException.class, () -> Live.start(List.of(new TestKernels.Echo(65 << 20)),
                ECHO, Map.of(0, new PortBinding.Tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))),
                false));
        assertEquals("port `clients`: tcp:127.0.0.1:0: the spec's max of 68157440 bytes is over the 67108864 (64MiB)"
                + " that the tcp driver supports", e.getMessage());
    }

    @Test
    void theConnectionLimitHoldsOverAllWorkersAndRefusalsAreCounted() throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            TestKernels.Echo echo = new TestKernels.Echo(1000);
            echo.connections = 3;
            kernels.add(echo);
        }
        try (Live live = Live.start(kernels, ECHO, Map.of(0, new PortBinding.Tcp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false)) {
            List<Socket> served = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Socket s = connect(live);
                s.getOutputStream().write(frame("hi" + i));
                assertEquals("echo:hi" + i, readFrame(s.getInputStream()));
                served.add(s);
            }
            for (int i = 0; i < 4; i++) {
                try (Socket extra = connect(live)) {
                    extra.getOutputStream().write(frame("more"));
                    // Closed unanswered: an end of stream, or a reset as the request was never read.
                    assertEquals(-1, readOrReset(extra));
                }
            }
            served.removeFirst().close();
            // Once a connection has closed there is room for another (its close is seen soon after).
            String answer = null;
            for (int tries = 0; tries < 50 && answer == null; tries++) {
                try (Socket again = connect(live)) {
                    again.getOutputStream().write(frame("again"));
                    answer = readFrame(again.getInputStream());
                } catch (IOException e) {
                    Thread.sleep(20); // refused: the closed connection is not gone yet
                }
            }
            assertEquals("echo:again", answer, "a new connection is served once one has closed");
            for (Socket s : served) {
                s.getOutputStream().write(frame("still"));
                assertEquals("echo:still", readFrame(s.getInputStream()));
                s.close();
            }
            live.stop();
            live.join();
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            assertTrue(summary.toString().contains("connections refused over the limit of 3 open on the port"),
                    summary.toString());
        }
    }

    @Test
    void framingThatThrowsClosesOnlyItsConnectionAndIsNoted() throws Exception {
        try (Live live = start(1); Socket good = connect(live)) {
            try (Socket s = connect(live)) {
                s.getOutputStream().write(new byte[] {(byte) 0xff, 0x00});
                assertEquals(-1, s.getInputStream().read());
            }
            good.getOutputStream().write(frame("still here"));
            assertEquals("echo:still here", readFrame(good.getInputStream()));
            live.stop();
            live.join();
            assertNull(live.failure());
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            assertTrue(summary.toString().contains("1 closed on a malformed or too long frame (1 of them because the"
                    + " framing failed, the first time with java.lang.IndexOutOfBoundsException: framing bug)"),
                    summary.toString());
        }
    }

    @Test
    void aClientThatHalfClosesStillGetsItsReplies() throws Exception {
        try (Live live = start(1); Socket s = connect(live)) {
            s.getOutputStream().write(frame("last words"));
            s.shutdownOutput();
            assertEquals("echo:last words", readFrame(s.getInputStream()));
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void manyConnectionsOverTwoWorkers() throws Exception {
        try (Live live = start(2)) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < 64; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    try (Socket s = connect(live)) {
                        for (int i = 0; i < 50; i++) {
                            s.getOutputStream().write(frame(client + "/" + i));
                            assertEquals("echo:" + client + "/" + i, readFrame(s.getInputStream()));
                        }
                    }
                    return 50;
                }));
            }
            int answered = 0;
            for (Future<Integer> r : results) {
                answered += r.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            live.stop();
            live.join();
            assertEquals(64 * 50, answered);
            assertEquals(64 * 50, live.counter(0));
        }
    }

    @Test
    void aClientThatDoesNotReadIsNotReadEither() throws Exception {
        try (Live live = start(1); Socket slow = new Socket(); Socket other = connect(live)) {
            // A small receive window: the replies the client does not read pile up in the appliance,
            // which would close the connection past its limit of unsent replies (MIN_PENDING bytes
            // here) unless it stopped reading requests.
            slow.setReceiveBufferSize(64 * 1024);
            slow.connect(live.address(0), 5000);
            slow.setSoTimeout(10_000);
            byte[] request = frame("y".repeat(900));
            int requests = 20_000; // 18 MB of replies: far more than the appliance's socket buffer and its unsent-reply limit
            ExecutorService writer = Executors.newSingleThreadExecutor();
            Future<?> writing = writer.submit(() -> {
                OutputStream out = slow.getOutputStream();
                for (int i = 0; i < requests; i++) {
                    out.write(request);
                }
                return null;
            });
            // The appliance still serves others while the slow client's requests wait.
            other.getOutputStream().write(frame("hello"));
            assertEquals("echo:hello", readFrame(other.getInputStream()));
            InputStream in = slow.getInputStream();
            for (int i = 0; i < requests; i++) {
                assertEquals(905, readFrame(in).length(), "reply " + i);
            }
            writing.get(30, TimeUnit.SECONDS);
            writer.shutdown();
            live.stop();
            live.join();
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            assertFalse(summary.toString().contains("connections refused"), summary.toString());
        }
    }

    @Test
    void aPortInUseIsOneClearLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PortException e = org.junit.jupiter.api.Assertions.assertThrows(PortException.class,
                    () -> Live.start(List.of(new TestKernels.Echo()), ECHO, Map.of(0, new PortBinding.Tcp(
                            (InetSocketAddress) taken.getLocalSocketAddress())), false));
            assertEquals("port `clients`: tcp:127.0.0.1:" + taken.getLocalPort()
                    + ": the address is already in use by another program", e.getMessage());
        }
    }

    @Test
    void anAddressSharedWithSoReusePortByAnotherProgramIsInUse() throws Exception {
        try (java.nio.channels.ServerSocketChannel other = java.nio.channels.ServerSocketChannel.open()) {
            other.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            other.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress taken = (InetSocketAddress) other.getLocalAddress();
            PortException e = org.junit.jupiter.api.Assertions.assertThrows(PortException.class,
                    () -> Live.start(List.of(new TestKernels.Echo()), ECHO, Map.of(0, new PortBinding.Tcp(taken)),
                            false));
            assertEquals("port `clients`: tcp:127.0.0.1:" + taken.getPort()
                    + ": the address is already in use by another program", e.getMessage());
        }
    }

    @Test
    void aPortWhoseLastRunLeftConnectionsInTimeWaitCanBeBoundAgain() throws Exception {
        InetSocketAddress used;
        Live live = start(1);
        try (Socket s = connect(live)) {
            used = live.address(0);
            s.getOutputStream().write(frame("hi"));
            assertEquals("echo:hi", readFrame(s.getInputStream()));
            live.close(); // the appliance closes first: its side of the connection waits in TIME_WAIT
            assertEquals(-1, s.getInputStream().read());
        }
        try (Live again = Live.start(List.of(new TestKernels.Echo()), ECHO, Map.of(0, new PortBinding.Tcp(used)), false);
                Socket s = connect(again)) {
            s.getOutputStream().write(frame("again"));
            assertEquals("echo:again", readFrame(s.getInputStream()));
        }
    }

    static Live startPhased(int workers) throws Exception {
        List<Kernel> kernels = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            kernels.add(new TestKernels.Phased());
        }
        return Live.start(kernels, ECHO, Map.of(0, new PortBinding.Tcp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
    }

    static byte[] u8(String text) {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        byte[] f = new byte[1 + body.length];
        f[0] = (byte) body.length;
        System.arraycopy(body, 0, f, 1, body.length);
        return f;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /** A burst whose first message changes the phase, and later ones change it back and forth. */
    static final byte[] BURST = concat(u8("up"), frame("a"), frame("b"), frame("down"), u8("c"), u8("up"), frame("d"));
    /** The greeting and the burst's replies, each in the framing of the phase its request came in. */
    static final byte[] REPLIES = concat("hello".getBytes(StandardCharsets.US_ASCII), u8("0:1:up"), frame("1:2:a"),
            frame("1:3:b"), frame("1:4:down"), u8("0:5:c"), u8("0:6:up"), frame("1:7:d"));

    static byte[] readBytes(Socket s, int n) throws IOException {
        byte[] got = new byte[n];
        new DataInputStream(s.getInputStream()).readFully(got);
        return got;
    }

    @Test
    void aPipelinedBurstIsCutInThePhaseEachOfItsMessagesLeaves() throws Exception {
        try (Live live = startPhased(1); Socket s = connect(live)) {
            s.getOutputStream().write(BURST);
            assertArrayEquals(REPLIES, readBytes(s, REPLIES.length));
        }
    }

    @Test
    void aBurstSplitAcrossTwoReadsAtEveryByteOrSentByteByByteIsAnsweredAlike() throws Exception {
        try (Live live = startPhased(1)) {
            for (int split = 1; split < BURST.length; split++) {
                try (Socket s = connect(live)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    out.write(BURST, 0, split);
                    out.flush();
                    Thread.sleep(2); // most often read apart; the replies must not depend on it
                    out.write(BURST, split, BURST.length - split);
                    assertArrayEquals(REPLIES, readBytes(s, REPLIES.length), "split at " + split);
                }
            }
            try (Socket s = connect(live)) {
                s.setTcpNoDelay(true);
                for (byte b : BURST) {
                    s.getOutputStream().write(b);
                    Thread.sleep(1);
                }
                assertArrayEquals(REPLIES, readBytes(s, REPLIES.length), "byte by byte");
            }
        }
    }

    @Test
    void aHandlerThatClosesInABurstIsAnsweredUpToItsCloseAndNoFurther() throws Exception {
        try (Live live = startPhased(1); Socket s = connect(live)) {
            s.getOutputStream().write(concat(u8("a"), u8("bye"), u8("b"), u8("c")));
            byte[] expected = concat("hello".getBytes(StandardCharsets.US_ASCII), u8("0:1:a"), u8("0:2:bye"));
            assertArrayEquals(expected, readBytes(s, expected.length));
            assertEquals(-1, readOrReset(s));
            live.stop();
            live.join();
            assertEquals(2, live.counter(0), "the messages after the close are not handled");
        }
    }

    @Test
    void manyConnectionsWithPipelinedBurstsGetEachReplyOnceInOrder() throws Exception {
        int connections = 48;
        int frames = 300;
        try (Live live = start(2); Live phased = startPhased(2)) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> results = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    try (Socket s = connect(live)) {
                        ByteArrayOutputStream burst = new ByteArrayOutputStream();
                        for (int i = 0; i < frames; i++) {
                            burst.writeBytes(frame(client + "/" + i));
                        }
                        s.getOutputStream().write(burst.toByteArray());
                        for (int i = 0; i < frames; i++) {
                            assertEquals("echo:" + client + "/" + i, readFrame(s.getInputStream()));
                        }
                    }
                    try (Socket s = connect(phased)) {
                        s.getOutputStream().write(BURST);
                        assertArrayEquals(REPLIES, readBytes(s, REPLIES.length));
                    }
                    return null;
                }));
            }
            for (Future<?> r : results) {
                r.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            live.stop();
            live.join();
            assertEquals((long) connections * frames, live.counter(0));
        }
    }

    @Test
    void framesUpToTheMaxInRandomPiecesAreEachHandledWhole() throws Exception {
        java.util.Random random = new java.util.Random(42);
        List<Kernel> kernels = List.of(new TestKernels.Echo(60_000));
        try (Live live = Live.start(kernels, ECHO, Map.of(0, new PortBinding.Tcp(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false); Socket s = connect(live)) {
            s.setTcpNoDelay(true);
            List<String> sent = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 0; i < 40; i++) {
                int length = i % 4 == 0 ? 60_000 : random.nextInt(60_001);
                StringBuilder text = new StringBuilder(length);
                for (int k = 0; k < length; k++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                sent.add(text.toString());
                stream.writeBytes(frame(text.toString()));
            }
            byte[] bytes = stream.toByteArray();
            ExecutorService writer = Executors.newSingleThreadExecutor();
            Future<?> writing = writer.submit(() -> {
                OutputStream out = s.getOutputStream();
                for (int at = 0; at < bytes.length; ) {
                    int piece = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 100 : 100_000));
                    out.write(bytes, at, piece);
                    out.flush();
                    at += piece;
                }
                return null;
            });
            for (String text : sent) {
                assertEquals("echo:" + text, readFrame(s.getInputStream()));
            }
            writing.get(30, TimeUnit.SECONDS);
            writer.shutdown();
        }
    }
}
