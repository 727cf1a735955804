package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stream port framed by a header, served live on loopback TCP as `applc run` serves it (on both
 * engines): frames that arrive in pieces, two frames in one write, and a frame over the port's max,
 * which closes its own connection (counted in the summary) and no other.
 */
class FramedStreamLiveTest {
    private static final String SPEC = """
            header Request {
                magic: u32
                length: u32
            }
            appliance FramedEcho {
                port requests: stream framed Request size 8 + length max 64B = "tcp:127.0.0.1:10809"
                counter echoed
                parser Message(m: datagram) {
                    extract req: Request
                    accept
                }
                on message m from requests {
                    let msg = Message(m)
                    msg.req.magic = msg.req.magic + 1
                    echoed += 1
                    reply
                }
            }
            """;

    @ParameterizedTest
    @EnumSource(RunCommand.EngineKind.class)
    void framesByTheHeadersSize(RunCommand.EngineKind engine, @TempDir Path dir) throws Exception {
        RunCommand run = new RunCommand();
        run.specFile = Files.writeString(dir.resolve("echo.appl"), SPEC);
        run.engine = engine;
        RunCommand.Prepared p = run.prepare(new PrintWriter(new StringWriter()));
        IrAppliance ir = p.ir();
        Replay.Appliance appliance = new Replay.Appliance("FramedEcho", ir.ports.stream().map(IrAppliance.Port::name).toList(),
                ir.ports.stream().map(IrAppliance.Port::kind).toList(), List.of(), new long[0], ir.counters);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Live live = Live.start(List.of(RunCommand.kernel(p.engine(), ir)), appliance,
                Map.of(0, new PortBinding.Tcp(any)), false);
        try {
            InetSocketAddress server = live.address(0);
            try (Socket a = connect(server); Socket b = connect(server)) {
                // A frame in pieces: part of the header, the rest of it, then the body a byte at a time.
                byte[] first = frame(0x0a0b0c0d, "hello, framing");
                OutputStream out = a.getOutputStream();
                out.write(first, 0, 3);
                out.flush();
                Thread.sleep(50);
                out.write(first, 3, 7);
                out.flush();
                Thread.sleep(50);
                for (int i = 10; i < first.length; i++) {
                    out.write(first[i]);
                    out.flush();
                }
                assertArrayEquals(frame(0x0a0b0c0e, "hello, framing"), read(a, first.length));

                // Two frames in one write, the second of the header alone.
                ByteBuffer two = ByteBuffer.allocate(8 + 3 + 8);
                two.put(frame(1, "abc")).put(frame(7, ""));
                out.write(two.array());
                out.flush();
                assertArrayEquals(frame(2, "abc"), read(a, 11));
                assertArrayEquals(frame(8, ""), read(a, 8));

                // 8 + 57 bytes, over the max of 64: that connection is closed, unanswered.
                try (Socket c = connect(server)) {
                    c.getOutputStream().write(frame(3, "x".repeat(57)));
                    c.getOutputStream().flush();
                    assertClosed(c);
                }

                // The other connections are served as before, up to the max exactly.
                b.getOutputStream().write(frame(41, "y".repeat(56)));
                b.getOutputStream().flush();
                assertArrayEquals(frame(42, "y".repeat(56)), read(b, 64));
                out.write(frame(99, "again"));
                out.flush();
                assertArrayEquals(frame(100, "again"), read(a, 13));
            }
            assertEquals(5, live.counter(ir.counters.indexOf("echoed")));
            assertEquals(0, live.failed());
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            assertTrue(summary.toString().contains(" 1 closed on a malformed or too long frame"), summary.toString());
        } catch (IOException e) {
            StringWriter summary = new StringWriter();
            live.summary(new PrintWriter(summary));
            throw new AssertionError(summary.toString(), e);
        } finally {
            live.stop();
            live.join();
            live.close();
        }
    }

    private static Socket connect(InetSocketAddress server) throws IOException {
        Socket s = new Socket(server.getAddress(), server.getPort());
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] frame(int magic, String body) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + bytes.length).putInt(magic).putInt(bytes.length).put(bytes).array();
    }

    private static byte[] read(Socket s, int n) throws IOException {
        InputStream in = s.getInputStream();
        byte[] bytes = new byte[n];
        new DataInputStream(in).readFully(bytes);
        return bytes;
    }

    /**
     * The server closed the connection: an end of stream, or a reset when it closed with the
     * client's bytes unread (each connection's buffer holds one frame of the port's max, so the
     * bytes past it are never read).
     */
    private static void assertClosed(Socket c) throws IOException {
        try {
            assertEquals(-1, c.getInputStream().read(), "the server closed the connection");
        } catch (java.net.SocketException e) {
            assertEquals("Connection reset", e.getMessage());
        }
    }
}
