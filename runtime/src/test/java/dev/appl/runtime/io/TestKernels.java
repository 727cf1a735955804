package dev.appl.runtime.io;

import dev.appl.runtime.kernel.Framing;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.Packets;
import dev.appl.runtime.kernel.TableEntry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Small hand-written kernels that drive the endpoints as a compiled appliance would. */
final class TestKernels {
    private TestKernels() {}

    private static final MemorySegment ECHO = MemorySegment.ofArray("echo:".getBytes(StandardCharsets.US_ASCII));

    /**
     * An echo service for datagram and stream ports: a message starting with {@code drop} is
     * dropped, {@code bad} is malformed, {@code boom} makes the kernel throw, {@code wait} holds the
     * worker in the kernel (counting down {@link #waiting}) until {@link #release}; any other is answered
     * with {@code echo:} and the message, the prefix pushed into the headroom. Counter 0 counts
     * replies, counter 1 timer ticks. Stream frames have a big-endian u16 length prefix and a max of
     * {@code maxMessage} bytes; a frame whose first byte is 0xff makes the framing throw.
     */
    static final class Echo implements Kernel {
        final long[] counters = new long[2];
        final int maxMessage;
        final CountDownLatch waiting = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** The most connections open at once on the stream port. */
        int connections = DEFAULT_CONNECTIONS;

        Echo(int maxMessage) {
            this.maxMessage = maxMessage;
        }

        Echo() {
            this(1000);
        }

        @Override
        public int handle(int port, PacketView p) {
            if (startsWith(p, "drop")) {
                return DROP;
            }
            if (startsWith(p, "bad")) {
                return MALFORMED;
            }
            if (startsWith(p, "boom")) {
                throw new IllegalStateException("boom");
            }
            if (startsWith(p, "wait")) {
                waiting.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int r = Packets.insert(p, 0, ECHO, ECHO.byteSize());
            if (r != 0) {
                return r;
            }
            counters[0]++;
            return REPLY;
        }

        private static boolean startsWith(PacketView p, String word) {
            if (p.length < word.length()) {
                return false;
            }
            for (int i = 0; i < word.length(); i++) {
                if (p.segment.get(ValueLayout.JAVA_BYTE, p.offset + i) != word.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int frameLength(int port, int phase, MemorySegment buffer, long offset, int available) {
            if (buffer.get(ValueLayout.JAVA_BYTE, offset) == (byte) 0xff) {
                throw new IndexOutOfBoundsException("framing bug");
            }
            return Framing.prefixed(buffer, offset, available, 2, maxMessage);
        }

        @Override
        public int framePrefix(int port, int phase) {
            return 2;
        }

        @Override
        public long frameMax(int port) {
            return 2 + maxMessage;
        }

        @Override
        public int connections(int port) {
            return connections;
        }

        @Override
        public void tick(int timer) {
            counters[1]++;
        }

        @Override
        public void setTime(long nanos) {}

        @Override
        public long counter(int index) {
            return counters[index];
        }

        @Override
        public int mapSize(int index) {
            return 0;
        }

        @Override
        public void addEntry(int index, TableEntry entry) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * A stream kernel with a session, as a compiled appliance with {@code on connect} and phases
     * has: its greeting is {@code hello} (no prefix); phase 0 frames have a u8 length prefix, phase 1
     * frames a u16 one. {@code up} enters phase 1, {@code down} phase 0, {@code bye} closes the
     * connection after its reply; every message is answered with {@code PHASE:N:MESSAGE}, N counting
     * the connection's messages (its session variable), in the framing it came in.
     */
    static final class Phased implements Kernel {
        static final int MAX = 60_000;
        final long[] counters = new long[2];

        @Override
        public int connectionSlots(int port) {
            return SESSION + 1;
        }

        @Override
        public void openConnection(int port, long[] state, int base) {
            state[base + PHASE] = CONNECTING;
            state[base + CLOSE] = 0;
            state[base + SESSION] = 0;
        }

        @Override
        public int frameLength(int port, int phase, MemorySegment buffer, long offset, int available) {
            return Framing.prefixed(buffer, offset, available, phase == 0 ? 1 : 2, phase == 0 ? 255 : MAX);
        }

        @Override
        public int framePrefix(int port, int phase) {
            return phase == 0 ? 1 : 2;
        }

        @Override
        public long frameMax(int port) {
            return 2 + MAX;
        }

        @Override
        public int handle(int port, PacketView p) {
            long[] state = p.connection;
            int base = p.connectionBase;
            long phase = state[base + PHASE];
            if (phase == CONNECTING) {
                state[base + PHASE] = 0;
                return reply(p, "hello");
            }
            String text = new String(p.toArray(), StandardCharsets.US_ASCII);
            long n = ++state[base + SESSION];
            switch (text) {
                case "up" -> state[base + PHASE] = 1;
                case "down" -> state[base + PHASE] = 0;
                case "bye" -> state[base + CLOSE] = 1;
                default -> {}
            }
            counters[0]++;
            return reply(p, phase + ":" + n + ":" + text);
        }

        private static int reply(PacketView p, String text) {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            int r = Packets.replace(p, MemorySegment.ofArray(bytes), bytes.length);
            return r != 0 ? r : REPLY;
        }

        @Override
        public void tick(int timer) {
            counters[1]++;
        }

        @Override
        public void setTime(long nanos) {}

        @Override
        public long counter(int index) {
            return counters[index];
        }

        @Override
        public int mapSize(int index) {
            return 0;
        }

        @Override
        public void addEntry(int index, TableEntry entry) {
            throw new UnsupportedOperationException();
        }
    }
}
