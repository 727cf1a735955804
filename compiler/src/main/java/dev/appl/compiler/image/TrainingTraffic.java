package dev.appl.compiler.image;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * The traffic of a training run that serves live ports ({@link JlinkImage.Training#live}): the
 * appliance's network ports are bound to free loopback ports, and for a few seconds each gets a
 * datagram every few milliseconds (a UDP port) or a connection that sends some bytes (a TCP port),
 * so that the AOT cache holds what a live start needs: the drivers, the libc calls they make and
 * the JDK's code for them. The bytes are zeros: a real appliance counts most as malformed, which
 * is a path it takes too.
 */
final class TrainingTraffic {
    /** How long the appliance is sent traffic; its start (the JVM's and the drivers') is within it. */
    static final long MILLIS = 3000;
    private static final int DATAGRAM_GAP_MILLIS = 5;
    private static final int CONNECTION_GAP_MILLIS = 50;
    private static final int BYTES = 64;

    private TrainingTraffic() {}

    /** A loopback port that nothing is bound to now, of the protocol a port of {@code kind} uses. */
    static int freePort(String kind) throws IOException {
        if (kind.equals("stream")) {
            try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                return ((InetSocketAddress) s.getLocalAddress()).getPort();
            }
        }
        try (DatagramChannel s = DatagramChannel.open(StandardProtocolFamily.INET)) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
    }

    /** The binding of a port of {@code kind} on loopback port {@code number}. */
    static String binding(String kind, int number) {
        return (kind.equals("stream") ? "tcp" : "udp") + ":127.0.0.1:" + number;
    }

    /**
     * Sends the traffic to the ports ({@code kinds[i]} on loopback port {@code numbers[i]}) for
     * {@link #MILLIS}, or until {@code process} ends. Connections refused (the appliance not
     * listening yet) and replies are ignored.
     */
    static void send(Process process, List<String> kinds, int[] numbers) throws IOException, InterruptedException {
        ByteBuffer payload = ByteBuffer.allocate(BYTES);
        ByteBuffer replies = ByteBuffer.allocate(65536);
        try (DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET)) {
            udp.configureBlocking(false);
            long start = System.nanoTime();
            long elapsed = 0;
            for (int round = 0; elapsed < MILLIS && process.isAlive(); round++) {
                for (int i = 0; i < numbers.length; i++) {
                    InetSocketAddress to = new InetSocketAddress("127.0.0.1", numbers[i]);
                    if (!kinds.get(i).equals("stream")) {
                        udp.send(payload.clear(), to);
                    } else if (round % (CONNECTION_GAP_MILLIS / DATAGRAM_GAP_MILLIS) == 0) {
                        connect(to, payload.clear());
                    }
                }
                while (udp.receive(replies.clear()) != null) {
                    // the appliance's answers, read so that they do not pile up
                }
                Thread.sleep(DATAGRAM_GAP_MILLIS);
                elapsed = (System.nanoTime() - start) / 1_000_000;
            }
        }
    }

    private static void connect(InetSocketAddress to, ByteBuffer payload) {
        try (SocketChannel tcp = SocketChannel.open(to)) {
            tcp.write(payload);
        } catch (IOException e) {
            // not listening yet, or the appliance closed the connection: the next round tries again
        }
    }
}
