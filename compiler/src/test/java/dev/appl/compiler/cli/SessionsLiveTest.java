package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A protocol with a session served live on loopback TCP by real sockets, as `applc run` serves it
 * (language.md §10.11): the server greets first, a fixed-size hello, then requests framed by a
 * header and a size (up to 8 MiB, beyond the driver's old 1 MiB), per-connection counts, a
 * goodbye that is answered and then closes, a bad hello that closes unanswered, a frame over the
 * max, and the port's limit of three connections over two workers.
 */
class SessionsLiveTest {
    private static final String SPEC = """
            header Greeting {
                magic: u32 = 0x4150504c
                version: u16
            }
            header Hello {
                magic: u32
                flags: u16
            }
            header Request {
                op: u8
                length: u32
            }
            header Answer {
                op: u8
                served: u32
            }
            parser Hi(m: datagram) {
                extract hello: Hello
                accept
            }
            parser Req(m: datagram) {
                extract req: Request
                accept
            }
            appliance Toy {
                port clients: stream max 8MiB connections 3 = "tcp:127.0.0.1:7000"
                counter requests
                session on clients {
                    var served: u32 = 0
                    phase hello framed Hello
                    phase requests framed Request size 5 + length
                }
                on connect c from clients {
                    c.append(Greeting{version: 1})
                    reply
                }
                on message m from clients in hello {
                    let h = Hi(m)
                    if h.hello.magic != 0x4150504c {
                        close
                        drop
                    }
                    enter requests
                    drop
                }
                on message m from clients in requests {
                    let r = Req(m)
                    served += 1
                    requests += 1
                    if r.req.op == 3 {
                        close
                        reply Answer{op: 3, served: served}
                    }
                    if r.req.op == 2 {
                        reply Answer{op: 2, served: served}
                    }
                    reply
                }
            }
            """;

    private static final byte[] GREETING = {0x41, 0x50, 0x50, 0x4c, 0, 1};
    private static final byte[] HELLO = {0x41, 0x50, 0x50, 0x4c, 0, 7};

    /** The appliance on {@code workers} workers of one engine, serving loopback on a free port. */
    private static Live start(RunCommand.EngineKind engine, int workers, Path dir) throws Exception {
        RunCommand run = new RunCommand();
        run.specFile = Files.writeString(dir.resolve("toy.appl"), SPEC);
        run.engine = engine;
        List<Kernel> kernels = new ArrayList<>();
        IrAppliance ir = null;
        for (int w = 0; w < workers; w++) {
            RunCommand.Prepared p = run.prepare(new PrintWriter(new StringWriter()));
            ir = p.ir();
            kernels.add(RunCommand.kernel(p.engine(), ir));
        }
        Replay.Appliance appliance = new Replay.Appliance("Toy", ir.ports.stream().map(IrAppliance.Port::name).toList(),
                ir.ports.stream().map(IrAppliance.Port::kind).toList(), List.of(), new long[0], ir.counters);
        return Live.start(kernels, appliance,
                Map.of(0, new PortBinding.Tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
    }

    @ParameterizedTest
    @EnumSource(RunCommand.EngineKind.class)
    void aConversationGoesThroughItsPhases(RunCommand.EngineKind engine, @TempDir Path dir) throws Exception {
        try (Live live = start(engine, 1, dir)) {
            try (Socket a = connect(live); Socket b = connect(live)) {
                // The server speaks first.
                assertArrayEquals(GREETING, read(a, 6));
                assertArrayEquals(GREETING, read(b, 6));
                OutputStream out = a.getOutputStream();
                // The hello in two pieces; it is not answered.
                out.write(HELLO, 0, 4);
                out.flush();
                Thread.sleep(30);
                out.write(HELLO, 4, 2);
                // Then requests: an echo, and two in one write.
                out.write(request(1, "abc"));
                assertArrayEquals(request(1, "abc"), read(a, 8));
                ByteBuffer two = ByteBuffer.allocate(5 + 5 + 4);
                two.put(request(2, "")).put(request(1, "wxyz"));
                out.write(two.array());
                assertArrayEquals(answer(2, 2), read(a, 5));
                assertArrayEquals(request(1, "wxyz"), read(a, 9));
                // A 5 MiB frame comes back whole.
                byte[] big = new byte[5 << 20];
                new Random(7).nextBytes(big);
                byte[] bigRequest = ByteBuffer.allocate(5 + big.length).put((byte) 1).putInt(big.length).put(big).array();
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        out.write(bigRequest);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertArrayEquals(bigRequest, read(a, bigRequest.length));
                writer.join();
                // The other connection has its own count and phase.
                b.getOutputStream().write(HELLO);
                b.getOutputStream().write(request(2, ""));
                assertArrayEquals(answer(2, 1), read(b, 5));
                // A goodbye is answered, then the connection closes.
                out.write(request(3, ""));
                assertArrayEquals(answer(3, 5), read(a, 5));
                assertClosed(a);
                // A bad hello closes unanswered; a frame over the max closes too.
                try (Socket c = connect(live)) {
                    assertArrayEquals(GREETING, read(c, 6));
                    c.getOutputStream().write(new byte[] {1, 2, 3, 4, 5, 6});
                    assertClosed(c);
                }
                try (Socket d = connect(live)) {
                    assertArrayEquals(GREETING, read(d, 6));
                    d.getOutputStream().write(HELLO);
                    d.getOutputStream().write(ByteBuffer.allocate(5).put((byte) 1).putInt(9 << 20).array());
                    assertClosed(d);
                }
                b.getOutputStream().write(request(1, "still"));
                assertArrayEquals(request(1, "still"), read(b, 10));
            }
            live.stop();
            live.join();
            assertEquals(7, live.counter(0));
            assertEquals(0, live.failed());
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            assertTrue(summary.toString().contains(" 1 closed on a malformed or too long frame"), summary.toString());
        }
    }

    @Test
    void theConnectionLimitHoldsOverTwoWorkers(@TempDir Path dir) throws Exception {
        try (Live live = start(RunCommand.EngineKind.compiled, 2, dir)) {
            List<Socket> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Socket s = connect(live);
                assertArrayEquals(GREETING, read(s, 6));
                open.add(s);
            }
            for (int i = 0; i < 3; i++) {
                try (Socket extra = connect(live)) {
                    assertClosed(extra); // over the limit: closed without a greeting
                }
            }
            for (Socket s : open) {
                s.getOutputStream().write(HELLO);
                s.getOutputStream().write(request(2, ""));
                assertArrayEquals(answer(2, 1), read(s, 5));
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

    private static Socket connect(Live live) throws IOException {
        InetSocketAddress server = live.address(0);
        Socket s = new Socket(server.getAddress(), server.getPort());
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] request(int op, String data) {
        byte[] bytes = data.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(5 + bytes.length).put((byte) op).putInt(bytes.length).put(bytes).array();
    }

    private static byte[] answer(int op, int served) {
        return ByteBuffer.allocate(5).put((byte) op).putInt(served).array();
    }

    private static byte[] read(Socket s, int n) throws IOException {
        byte[] bytes = new byte[n];
        new DataInputStream(s.getInputStream()).readFully(bytes);
        return bytes;
    }

    /** The server closed the connection: an end of stream, or a reset when it closed with bytes unread. */
    private static void assertClosed(Socket c) throws IOException {
        try {
            assertEquals(-1, c.getInputStream().read(), "the server closed the connection");
        } catch (java.net.SocketException e) {
            assertEquals("Connection reset", e.getMessage());
        }
    }
}
