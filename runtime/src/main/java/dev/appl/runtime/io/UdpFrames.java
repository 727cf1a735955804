package dev.appl.runtime.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * UDP datagrams inside captured Ethernet frames, for replaying a trace into a datagram port: where a
 * frame's datagram is, and the frame that carries a reply back to its sender. Ethernet II with IPv4
 * (not fragmented) or IPv6 (UDP as the first next header), optionally behind one 802.1Q tag.
 *
 * <p>Replies go back the way the query came: Ethernet and IP addresses and UDP ports swapped, the
 * IPv4 TTL or IPv6 hop limit set to 64, lengths and checksums (IPv4 header, UDP) computed afresh.
 * Options or extension headers of the query are not copied.
 */
public final class UdpFrames {
    private UdpFrames() {}

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int ETH = 14;
    private static final int VLAN = 4;
    private static final int UDP = 8;
    /** The most bytes {@link #replyHeaders} writes in front of a reply: Ethernet, a tag, IPv6, UDP. */
    public static final int MAX_HEADERS = ETH + VLAN + 40 + UDP;

    /**
     * Where the datagram of a frame is: {@code offset} of its first byte from the frame's start and
     * {@code length}, packed as {@code offset << 32 | length}; -1 when the frame carries no whole UDP
     * datagram (another protocol, a fragment, lengths that do not add up).
     */
    public static long datagram(MemorySegment frame, long start, int length) {
        int at = ETH;
        if (length < ETH) {
            return -1;
        }
        int type = u16(frame, start + 12);
        if (type == 0x8100 && length >= ETH + VLAN) {
            type = u16(frame, start + 16);
            at += VLAN;
        }
        int udp;
        if (type == 0x0800) {
            if (length < at + 20) {
                return -1;
            }
            int vihl = u8(frame, start + at);
            int ihl = (vihl & 0x0f) * 4;
            int total = u16(frame, start + at + 2);
            int fragment = u16(frame, start + at + 6);
            if (vihl >> 4 != 4 || ihl < 20 || u8(frame, start + at + 9) != 17 || (fragment & 0x3fff) != 0
                    || total < ihl + UDP || at + total > length) {
                return -1;
            }
            udp = at + ihl;
        } else if (type == 0x86dd) {
            if (length < at + 40 || u8(frame, start + at) >> 4 != 6 || u8(frame, start + at + 6) != 17) {
                return -1;
            }
            int payload = u16(frame, start + at + 4);
            if (payload < UDP || at + 40 + payload > length) {
                return -1;
            }
            udp = at + 40;
        } else {
            return -1;
        }
        int udpLength = u16(frame, start + udp + 4);
        if (udpLength < UDP || udp + udpLength > length) {
            return -1;
        }
        return (long) (udp + UDP) << 32 | (udpLength - UDP);
    }

    /**
     * Writes the headers of the frame that answers {@code query} (whose datagram starts at
     * {@code queryPayload}) with the {@code replyLength} bytes of {@code reply} at
     * {@code replyOffset}, into the {@link #MAX_HEADERS} bytes or fewer just before
     * {@code replyOffset}; returns the frame's first byte.
     */
    public static long replyHeaders(MemorySegment query, long queryStart, int queryPayload, MemorySegment reply,
            long replyOffset, int replyLength) {
        int udpLength = UDP + replyLength;
        int type = u16(query, queryStart + 12);
        int ipAt = type == 0x8100 ? ETH + VLAN : ETH;
        boolean v4 = u8(query, queryStart + ipAt) >> 4 == 4;
        int ipLength = v4 ? 20 : 40;
        int headers = ipAt + ipLength + UDP;
        long start = replyOffset - headers;
        // Ethernet: the query's destination becomes the source and the other way round; the tag stays.
        MemorySegment.copy(query, queryStart + 6, reply, start, 6);
        MemorySegment.copy(query, queryStart, reply, start + 6, 6);
        MemorySegment.copy(query, queryStart + 12, reply, start + 12, ipAt - 12);
        long ip = start + ipAt;
        long queryIp = queryStart + ipAt;
        int queryUdp = queryPayload - UDP;
        long sum;
        if (v4) {
            put16(reply, ip, 0x4500 | u8(query, queryIp + 1));
            put16(reply, ip + 2, 20 + udpLength);
            put16(reply, ip + 4, u16(query, queryIp + 4));
            put16(reply, ip + 6, 0x4000);
            put16(reply, ip + 8, 64 << 8 | 17);
            put16(reply, ip + 10, 0);
            MemorySegment.copy(query, queryIp + 16, reply, ip + 12, 4);
            MemorySegment.copy(query, queryIp + 12, reply, ip + 16, 4);
            put16(reply, ip + 10, ~fold(sum(reply, ip, 20)) & 0xffff);
            sum = sum(reply, ip + 12, 8);
        } else {
            MemorySegment.copy(query, queryIp, reply, ip, 4);
            put16(reply, ip + 4, udpLength);
            put16(reply, ip + 6, 17 << 8 | 64);
            MemorySegment.copy(query, queryIp + 24, reply, ip + 8, 16);
            MemorySegment.copy(query, queryIp + 8, reply, ip + 24, 16);
            sum = sum(reply, ip + 8, 32);
        }
        long udp = ip + ipLength;
        put16(reply, udp, u16(query, queryStart + queryUdp + 2));
        put16(reply, udp + 2, u16(query, queryStart + queryUdp));
        put16(reply, udp + 4, udpLength);
        put16(reply, udp + 6, 0);
        sum += 17 + udpLength + sum(reply, udp, udpLength);
        int checksum = ~fold(sum) & 0xffff;
        put16(reply, udp + 6, checksum == 0 ? 0xffff : checksum);
        return start;
    }

    /** The ones' complement sum (RFC 1071) of {@code n} bytes, not yet folded. */
    private static long sum(MemorySegment s, long at, int n) {
        long sum = 0;
        for (int i = 0; i + 1 < n; i += 2) {
            sum += u16(s, at + i);
        }
        if (n % 2 == 1) {
            sum += u8(s, at + n - 1) << 8;
        }
        return sum;
    }

    private static int fold(long sum) {
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    private static int u16(MemorySegment s, long at) {
        return s.get(U16, at) & 0xffff;
    }

    private static void put16(MemorySegment s, long at, int v) {
        s.set(U16, at, (short) v);
    }
}
