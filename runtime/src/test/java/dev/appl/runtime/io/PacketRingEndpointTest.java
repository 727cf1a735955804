package dev.appl.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.kernel.TableEntry;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The AF_PACKET ring driver on a veth pair, with a kernel that sends frames back with MACs swapped. */
class PacketRingEndpointTest {
    static final int TEST_TYPE = 0x88b5; // IEEE 802 local experimental EtherTypes
    static final int GROW_TYPE = 0x88b6;
    static final java.lang.foreign.MemorySegment GROWTH = java.lang.foreign.MemorySegment.ofArray(new byte[100]);
    static final Replay.Appliance REFLECTOR = new Replay.Appliance("Reflector", List.of("wire"), List.of(),
            new long[0], List.of("reflected"));

    /**
     * Frames of the test EtherType go back with their MACs swapped, and those of the grow type 100
     * bytes longer; shorter than Ethernet is malformed.
     */
    static final class Reflector implements Kernel {
        long reflected;

        @Override
        public int handle(int port, PacketView p) {
            if (p.length < 14) {
                return MALFORMED;
            }
            var s = p.segment;
            long o = p.offset;
            int type = Short.toUnsignedInt(Short.reverseBytes(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, o + 12)));
            if (type == GROW_TYPE) {
                int r = dev.appl.runtime.kernel.Packets.insert(p, 14, GROWTH, GROWTH.byteSize());
                if (r != 0) {
                    return r;
                }
                s = p.segment;
                o = p.offset;
            } else if (type != TEST_TYPE) {
                return DROP;
            }
            for (int i = 0; i < 6; i++) {
                byte d = s.get(ValueLayout.JAVA_BYTE, o + i);
                s.set(ValueLayout.JAVA_BYTE, o + i, s.get(ValueLayout.JAVA_BYTE, o + 6 + i));
                s.set(ValueLayout.JAVA_BYTE, o + 6 + i, d);
            }
            reflected++;
            return REPLY;
        }

        @Override
        public void tick(int timer) {}

        @Override
        public void setTime(long nanos) {}

        @Override
        public long counter(int index) {
            return reflected;
        }

        @Override
        public int mapSize(int index) {
            return 0;
        }

        @Override
        public void addEntry(int index, TableEntry entry) {}
    }

    static byte[] frame(int sequence, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(new byte[] {2, 0, 0, 0, 0, 2}).put(new byte[] {2, 0, 0, 0, 0, 1}).putShort((short) TEST_TYPE);
        b.putInt(sequence);
        return b.array();
    }

    static byte[] reflected(byte[] frame) {
        byte[] r = frame.clone();
        System.arraycopy(frame, 6, r, 0, 6);
        System.arraycopy(frame, 0, r, 6, 6);
        return r;
    }

    @Test
    void framesAreHandledInTheRingAndRepliedFromItOverTwoWorkers() throws Exception {
        String why = Veth.unavailable();
        assumeTrue(why == null, why);
        try (Veth veth = Veth.create("apr")) {
            List<Kernel> kernels = List.of(new Reflector(), new Reflector());
            try (Live live = Live.start(kernels, REFLECTOR, Map.of(0, new PortBinding.AfPacket(veth.a)), true);
                    RawSocket wire = new RawSocket(veth.b)) {
                Random random = new Random(3);
                int sent = 0;
                java.util.Set<Integer> answered = new java.util.HashSet<>();
                // In rounds of 32 frames, so that the rings and socket buffers never overflow.
                for (int round = 0; round < 40; round++) {
                    List<byte[]> frames = new ArrayList<>();
                    for (int i = 0; i < 32; i++) {
                        byte[] f = frame(sent++, 60 + random.nextInt(1455));
                        frames.add(f);
                        assertTrue(wire.send(f));
                    }
                    for (int i = 0; i < 32; i++) {
                        byte[] back = wire.receive(5000);
                        assertNotNull(back, "no reply for frame " + (sent - 32 + i));
                        int sequence = ByteBuffer.wrap(back, 14, 4).getInt();
                        assertArrayEquals(reflected(frames.get(sequence - (sent - 32))), back);
                        assertTrue(answered.add(sequence), "frame " + sequence + " was answered twice");
                    }
                }
                // Junk: random bytes of random lengths, truncated and absurd; the workers must go on.
                int junk = 0;
                for (int i = 0; i < 500; i++) {
                    // Linux drops frames shorter than an Ethernet header before any socket sees them.
                    byte[] f = new byte[14 + random.nextInt(1501)];
                    random.nextBytes(f);
                    f[12] = 0x08; // not the test type: the reflector drops what it can read
                    if (wire.send(f)) {
                        junk++;
                    }
                }
                byte[] last = frame(1_000_000, 64);
                wire.send(last);
                byte[] back;
                do {
                    back = wire.receive(5000);
                    assertNotNull(back, "the workers stopped after the junk");
                } while (ByteBuffer.wrap(back, 14, 4).getInt() != 1_000_000);
                // The other worker may still be at its share of the junk.
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (live.in(0) < 1281 + junk && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                live.stop();
                live.join();
                assertEquals(sent, answered.size()); // every frame answered once
                assertEquals(1281, live.counter(0));
                StringWriter summary = new StringWriter();
                live.summary(new PrintWriter(summary));
                assertEquals(1281 + junk, live.in(0), summary.toString());
                assertEquals(1281, live.out(0));
                assertEquals(junk, live.dropped() + live.malformed());
                assertTrue(live.failure() == null);
            }
        }
    }

    @Test
    void framesLongerThanTheMtuAreDroppedWithoutHoldingUpTheFramesAfterThem() throws Exception {
        String why = Veth.unavailable();
        assumeTrue(why == null, why);
        try (Veth veth = Veth.create("apm")) {
            try (Live live = Live.start(List.of(new Reflector()), REFLECTOR, Map.of(0, new PortBinding.AfPacket(veth.a)),
                    false); RawSocket wire = new RawSocket(veth.b)) {
                byte[] tooLong = frame(0, 1514);
                tooLong[12] = (byte) (GROW_TYPE >> 8);
                tooLong[13] = (byte) GROW_TYPE;
                assertTrue(wire.send(tooLong)); // its reply, 1,614 bytes, is over the 1,500 MTU: dropped and counted
                assertEcho(wire, frame(1, 200));
                // Lowered now, the MTU is not the one the port knows: the Linux kernel refuses such a reply itself.
                Veth.must(List.of("ip", "link", "set", veth.a, "mtu", "1000"));
                byte[] refused = frame(2, 1000);
                refused[12] = (byte) (GROW_TYPE >> 8);
                refused[13] = (byte) GROW_TYPE;
                assertTrue(wire.send(refused));
                for (int i = 3; i < 6; i++) {
                    assertEcho(wire, frame(i, 200));
                }
                live.stop();
                live.join();
                StringWriter summary = new StringWriter();
                live.summary(new PrintWriter(summary));
                assertTrue(summary.toString().contains(", 1 frames to send longer than the MTU allows dropped"),
                        summary.toString());
                assertEquals(6, live.counter(0));
            }
        }
    }

    /** Sends {@code frame} and waits for it to come back reflected, the next frame on the wire. */
    private static void assertEcho(RawSocket wire, byte[] frame) {
        assertTrue(wire.send(frame));
        byte[] back = wire.receive(5000);
        assertNotNull(back, "no reply for frame " + ByteBuffer.wrap(frame, 14, 4).getInt());
        assertArrayEquals(reflected(frame), back);
    }

    /**
     * Linux hands a packet socket a tagged frame without its 802.1Q or 802.1ad tag, which it keeps
     * beside the frame: the port gives the kernel the frame with its tag, as it was on the wire.
     */
    @Test
    void vlanTagsAreKeptInTheFrames() throws Exception {
        String why = Veth.unavailable();
        assumeTrue(why == null, why);
        try (Veth veth = Veth.create("apv");
                PacketRingEndpoint port = PacketRingEndpoint.open("wire", veth.a, PacketRingEndpoint.NO_FANOUT);
                RawSocket wire = new RawSocket(veth.b)) {
            byte[] plain = frame(1, 64);
            for (int tpid : new int[] {0x8100, 0x88a8}) {
                for (int tci : new int[] {100, 0xe00a}) { // VID 100; VID 10 with priority 7
                    byte[] tagged = ByteBuffer.allocate(68).put(plain, 0, 12).putShort((short) tpid)
                            .putShort((short) tci).put(plain, 12, 52).array();
                    assertTrue(wire.send(tagged));
                    assertArrayEquals(tagged, receiveOne(port), "tpid " + Integer.toHexString(tpid) + " tci " + tci);
                }
            }
            assertTrue(wire.send(plain));
            assertArrayEquals(plain, receiveOne(port));
        }
    }

    /** The next frame the port receives, within 5 s. */
    private static byte[] receiveOne(PacketRingEndpoint port) throws InterruptedException {
        dev.appl.runtime.kernel.Batch batch = new dev.appl.runtime.kernel.Batch(1);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (port.receive(batch) == 0) {
            assertTrue(System.nanoTime() < deadline, "no frame within 5 s");
            Thread.sleep(1);
        }
        PacketView v = batch.view(0);
        byte[] bytes = v.segment.asSlice(v.offset, v.length).toArray(ValueLayout.JAVA_BYTE);
        port.release(batch);
        return bytes;
    }

    /**
     * Two appliances on one interface each see every frame: the fanout groups of their workers are
     * their own, even in one process.
     */
    @Test
    void twoAppliancesOnOneInterfaceEachHaveTheirOwnFanoutGroup() throws Exception {
        String why = Veth.unavailable();
        assumeTrue(why == null, why);
        try (Veth veth = Veth.create("apf");
                Live one = Live.start(List.of(new Reflector(), new Reflector()), REFLECTOR,
                        Map.of(0, new PortBinding.AfPacket(veth.a)), false);
                Live two = Live.start(List.of(new Reflector(), new Reflector()), REFLECTOR,
                        Map.of(0, new PortBinding.AfPacket(veth.a)), false);
                RawSocket wire = new RawSocket(veth.b)) {
            for (int i = 0; i < 20; i++) {
                assertTrue(wire.send(frame(i, 64)));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((one.counter(0) < 20 || two.counter(0) < 20) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(20, one.counter(0));
            assertEquals(20, two.counter(0));
        }
    }

    @Test
    void aMissingInterfaceIsOneClearLine() {
        PortException e = assertThrows(PortException.class, () -> Live.start(List.of(new Reflector()), REFLECTOR,
                Map.of(0, new PortBinding.AfPacket("nosuch0")), false));
        assertEquals("port `wire`: afpacket:nosuch0: no such network interface", e.getMessage());
    }
}
