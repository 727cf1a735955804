package dev.appl.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.runtime.kernel.Framing;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on a live TCP port: the flushes a round's handlers ask for are made once, and no
 * reply of the round leaves before that flush has returned.
 */
class GroupCommitLiveTest {
    static final Replay.Appliance APPLIANCE = new Replay.Appliance("Durable", List.of("clients"), List.of(),
            new long[0], List.of("writes"));
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** A store whose flushes only count, each taking a while as a disk's would. */
    static final class CountingStore implements GroupCommit.Held {
        final AtomicLong flushes = new AtomicLong();
        private boolean held;

        void flush() {
            if (held || GroupCommit.hold(this)) {
                held = true;
                return;
            }
            flushes.incrementAndGet();
        }

        @Override
        public void flushHeld() {
            held = false;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            flushes.incrementAndGet();
        }
    }

    /**
     * Each u16-framed message is a write that its handler flushes; the reply is the number of
     * flushes that had returned when the handler ran, or, when the message is {@code real}, after a
     * write and a flush of a real blocks store.
     */
    static final class DurableKernel implements Kernel {
        final CountingStore store = new CountingStore();
        final BlockStore blocks;
        long writes;

        DurableKernel(BlockStore blocks) {
            this.blocks = blocks;
        }

        @Override
        public int handle(int port, PacketView p) {
            long before = store.flushes.get();
            store.flush();
            blocks.write((writes % 16) * 4096, p.segment.asSlice(p.offset, Math.min(p.length, 4096)));
            blocks.flush((writes % 16) * 4096, 4096);
            writes++;
            p.segment.set(U64, p.offset, before);
            p.length = 8;
            return REPLY;
        }

        @Override
        public int frameLength(int port, int phase, MemorySegment buffer, long offset, int available) {
            return Framing.prefixed(buffer, offset, available, 2, 1000);
        }

        @Override
        public int framePrefix(int port, int phase) {
            return 2;
        }

        @Override
        public long frameMax(int port) {
            return 1002;
        }

        @Override
        public int storeCount() {
            return 1;
        }

        @Override
        public void tick(int timer) {}

        @Override
        public void setTime(long nanos) {}

        @Override
        public long counter(int index) {
            return writes;
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

    static byte[] frame(int length) {
        byte[] f = new byte[2 + length];
        f[0] = (byte) (length >> 8);
        f[1] = (byte) length;
        return f;
    }

    @Test
    void repliesLeaveOnlyAfterTheRoundsFlushAndABurstIsFlushedInFewRounds(@TempDir Path folder) throws Exception {
        try (BlockStore blocks = BlockStore.open(folder.resolve("blocks"), 64 * 4096, 4096)) {
            DurableKernel kernel = new DurableKernel(blocks);
            try (Live live = Live.start(List.of(kernel), APPLIANCE, Map.of(0, new PortBinding.Tcp(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
                    Socket s = new Socket()) {
                s.connect(live.address(0), 5000);
                s.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                // One at a time: each reply comes after a flush that its handler did not see return.
                for (int i = 0; i < 20; i++) {
                    out.write(frame(100));
                    assertEquals(8, in.readUnsignedShort());
                    long seen = in.readLong();
                    assertTrue(kernel.store.flushes.get() > seen, "reply " + i + " left before its flush");
                }
                // A burst in one write: read at once (loopback delivers one write whole), handled in
                // one round or few, each round flushed once.
                long before = kernel.store.flushes.get();
                int burst = 64;
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int i = 0; i < burst; i++) {
                    all.writeBytes(frame(10));
                }
                out.write(all.toByteArray());
                for (int i = 0; i < burst; i++) {
                    assertEquals(8, in.readUnsignedShort());
                    long seen = in.readLong();
                    assertTrue(kernel.store.flushes.get() > seen, "burst reply " + i + " left before its flush");
                }
                long flushes = kernel.store.flushes.get() - before;
                assertTrue(flushes < burst / 4, flushes + " flushes for a burst of " + burst);
            }
        }
    }
}
