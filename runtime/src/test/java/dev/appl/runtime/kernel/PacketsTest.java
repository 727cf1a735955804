package dev.appl.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Push, pop and reply in a buffer, whichever side the bytes move to, against plain array edits. */
class PacketsTest {
    @Test
    void insertAndRemoveGiveTheSameBytesWhateverTheRoom() {
        Random random = new Random(1);
        for (int i = 0; i < 5000; i++) {
            byte[] packet = new byte[random.nextInt(64)];
            random.nextBytes(packet);
            int before = random.nextInt(24);
            int after = random.nextInt(24);
            MemorySegment buffer = MemorySegment.ofArray(new byte[before + packet.length + after]);
            MemorySegment.copy(MemorySegment.ofArray(packet), 0, buffer, before, packet.length);
            PacketView view = new PacketView(buffer, before, packet.length);
            if (random.nextBoolean()) {
                byte[] bytes = new byte[random.nextInt(20)];
                random.nextBytes(bytes);
                long at = random.nextInt(packet.length + 3) - 1;
                int result = Packets.insert(view, at, MemorySegment.ofArray(bytes), bytes.length);
                if (at < 0 || at > packet.length) {
                    assertEquals(Kernel.MALFORMED, result);
                } else if (bytes.length > before && bytes.length > after) {
                    assertEquals(Kernel.NO_ROOM, result);
                } else {
                    assertEquals(0, result);
                    byte[] expected = new byte[packet.length + bytes.length];
                    System.arraycopy(packet, 0, expected, 0, (int) at);
                    System.arraycopy(bytes, 0, expected, (int) at, bytes.length);
                    System.arraycopy(packet, (int) at, expected, (int) at + bytes.length, packet.length - (int) at);
                    assertArrayEquals(expected, view.toArray());
                }
            } else {
                long at = random.nextInt(packet.length + 3) - 1;
                long count = random.nextInt(12) - 1;
                int result = Packets.remove(view, at, count);
                if (at < 0 || count < 0 || at + count > packet.length) {
                    assertEquals(Kernel.MALFORMED, result);
                    assertArrayEquals(packet, view.toArray());
                } else {
                    assertEquals(0, result);
                    byte[] expected = new byte[packet.length - (int) count];
                    System.arraycopy(packet, 0, expected, 0, (int) at);
                    System.arraycopy(packet, (int) (at + count), expected, (int) at, packet.length - (int) (at + count));
                    assertArrayEquals(expected, view.toArray());
                }
            }
        }
    }

    @Test
    void replaceMovesThePacketWhenItDoesNotFitWhereItIs() {
        MemorySegment buffer = MemorySegment.ofArray(new byte[16]);
        PacketView view = new PacketView(buffer, 10, 2);
        byte[] reply = {1, 2, 3, 4, 5, 6, 7, 8};
        assertEquals(0, Packets.replace(view, MemorySegment.ofArray(reply), reply.length));
        assertArrayEquals(reply, view.toArray());
        assertEquals(8, view.offset);
        assertEquals(Kernel.NO_ROOM, Packets.replace(view, MemorySegment.ofArray(new byte[17]), 17));
        assertArrayEquals(reply, view.toArray());
    }

    @Test
    void bitsReadBackWhatWasWritten() {
        Random random = new Random(2);
        MemorySegment seg = MemorySegment.ofArray(new byte[16]);
        for (int i = 0; i < 20000; i++) {
            int bit = random.nextInt(8);
            int width = 1 + random.nextInt(64);
            long value = random.nextLong();
            byte[] before = seg.toArray(ValueLayout.JAVA_BYTE);
            Bits.put(seg, 3, bit, width, value);
            byte[] after = seg.toArray(ValueLayout.JAVA_BYTE);
            // Bits outside the field stay.
            for (int b = 0; b < 16 * 8; b++) {
                int rel = b - 3 * 8;
                if (rel < bit || rel >= bit + width) {
                    assertEquals((before[b / 8] >> (7 - b % 8)) & 1, (after[b / 8] >> (7 - b % 8)) & 1,
                            "bit " + b + " of a " + width + "-bit field at bit " + bit);
                }
            }
            long mask = width == 64 ? -1L : (1L << width) - 1;
            assertEquals(value & mask, Bits.get(seg, 3, bit, width), "a " + width + "-bit field at bit " + bit);
        }
    }
}
