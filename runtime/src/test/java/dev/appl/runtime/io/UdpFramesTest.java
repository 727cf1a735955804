package dev.appl.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Datagrams found in frames, and reply frames, against frames built independently (Python, RFC 768/791 sums). */
class UdpFramesTest {
    // 02:00:00:00:00:02 192.0.2.1:40000 -> 02:00:00:00:00:01 192.0.2.53:53, TTL 50, payload "abc".
    private static final byte[] QUERY = HexFormat.of().parseHex("02000000000102000000000208004500001f123400003211"
            + "f263c0000201c00002359c400035000b1ac9616263");
    // The answer "hello": addresses and ports swapped, DF, TTL 64, the query's identification, checksums.
    private static final byte[] REPLY = HexFormat.of().parseHex("020000000002020000000001080045000021123440004011"
            + "a461c0000235c000020100359c40000d9b5568656c6c6f");

    @Test
    void findsTheDatagramOfAnIpv4Frame() {
        long where = UdpFrames.datagram(MemorySegment.ofArray(QUERY), 0, QUERY.length);
        assertEquals(42, where >>> 32);
        assertEquals(3, (int) where);
    }

    @Test
    void refusesFramesWithoutAWholeDatagram() {
        MemorySegment q = MemorySegment.ofArray(QUERY.clone());
        assertEquals(-1, UdpFrames.datagram(q, 0, QUERY.length - 1), "cut short");
        q.set(ValueLayout.JAVA_BYTE, 23, (byte) 6);
        assertEquals(-1, UdpFrames.datagram(q, 0, QUERY.length), "TCP");
        q.set(ValueLayout.JAVA_BYTE, 23, (byte) 17);
        q.set(ValueLayout.JAVA_BYTE, 20, (byte) 0x20);
        assertEquals(-1, UdpFrames.datagram(q, 0, QUERY.length), "a fragment");
        assertEquals(-1, UdpFrames.datagram(MemorySegment.ofArray(new byte[10]), 0, 10), "no Ethernet header");
    }

    @Test
    void buildsTheReplyFrame() {
        MemorySegment out = MemorySegment.ofArray(new byte[UdpFrames.MAX_HEADERS + 5]);
        MemorySegment.copy(MemorySegment.ofArray("hello".getBytes()), 0, out, UdpFrames.MAX_HEADERS, 5);
        long start = UdpFrames.replyHeaders(MemorySegment.ofArray(QUERY), 0, 42, out, UdpFrames.MAX_HEADERS, 5);
        assertArrayEquals(REPLY, out.asSlice(start).toArray(ValueLayout.JAVA_BYTE));
    }
}
