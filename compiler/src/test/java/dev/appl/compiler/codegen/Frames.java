package dev.appl.compiler.codegen;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Seeded random packets for differential tests: random bytes, Ethernet / IPv4 / TCP / UDP frames
 * with fields drawn mostly from values the samples care about (their addresses and ports) and
 * sometimes from anywhere, truncated and corrupted copies, and mirrored replies.
 */
final class Frames {
    static final long[] ADDRESSES = {
        ip(10, 0, 0, 1), ip(10, 1, 0, 1), ip(10, 1, 0, 4), ip(10, 2, 0, 2), ip(10, 9, 8, 7),
        ip(192, 0, 2, 1), ip(192, 0, 2, 10), ip(192, 0, 2, 53), ip(192, 0, 2, 99), ip(198, 51, 100, 7),
        ip(198, 51, 100, 53), ip(203, 0, 113, 1), ip(203, 0, 113, 2), ip(203, 0, 113, 5), ip(192, 168, 1, 10),
        ip(192, 168, 1, 20), ip(172, 16, 5, 4), ip(127, 0, 0, 1), ip(0, 0, 0, 0), ip(255, 255, 255, 255),
    };
    static final int[] PORTS = {0, 7, 22, 53, 80, 123, 443, 1023, 1024, 5353, 6081, 8080, 8443, 32768, 35477, 40000,
        50000, 53944, 60999, 61000, 65535};

    private final Random random;

    Frames(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    static long ip(int a, int b, int c, int d) {
        return ((long) a << 24) | (b << 16) | (c << 8) | d;
    }

    byte[] randomBytes(int max) {
        byte[] b = new byte[random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    private long address() {
        return chance(0.85) ? ADDRESSES[random.nextInt(ADDRESSES.length)] : random.nextInt() & 0xffffffffL;
    }

    private int port() {
        if (chance(0.7)) {
            return PORTS[random.nextInt(PORTS.length)];
        }
        return chance(0.5) ? 32768 + random.nextInt(60999 - 32768 + 1) : random.nextInt(65536);
    }

    /** An Ethernet frame, most often IPv4 with TCP or UDP in it, sometimes broken somewhere. */
    byte[] frame() {
        ByteBuffer out = ByteBuffer.allocate(2048);
        byte[] mac = new byte[12];
        random.nextBytes(mac);
        if (chance(0.5)) {
            mac[0] = 0x02;
            mac[1] = mac[2] = mac[3] = mac[4] = 0;
        }
        out.put(mac);
        double kind = random.nextDouble();
        int type = kind < 0.7 ? 0x0800 : kind < 0.78 ? 0x0806 : kind < 0.84 ? 0x86dd : kind < 0.9 ? 0x8100
                : kind < 0.94 ? 0x0842 : random.nextInt(65536);
        out.putShort((short) type);
        if (type == 0x8100) {
            out.putShort((short) random.nextInt(65536));
            out.putShort((short) (chance(0.8) ? 0x0800 : random.nextInt(65536)));
            ipv4(out);
        } else if (type == 0x0800 || chance(0.05)) {
            ipv4(out);
        } else if (type == 0x0806) {
            out.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                    .putShort((short) (1 + random.nextInt(2)));
            byte[] body = new byte[20];
            random.nextBytes(body);
            out.put(body);
        } else {
            out.put(randomBytes(48));
        }
        byte[] frame = Arrays.copyOf(out.array(), out.position());
        return chance(0.1) ? truncate(frame) : frame;
    }

    private void ipv4(ByteBuffer out) {
        int start = out.position();
        int version = chance(0.93) ? 4 : random.nextInt(16);
        int ihl = chance(0.85) ? 5 : random.nextInt(16);
        double p = random.nextDouble();
        int protocol = p < 0.42 ? 6 : p < 0.8 ? 17 : p < 0.88 ? 1 : p < 0.92 ? 4 : random.nextInt(256);
        byte[] l4 = switch (protocol) {
            case 6 -> tcp();
            case 17 -> udp();
            default -> randomBytes(28);
        };
        int options = ihl > 5 ? (ihl - 5) * 4 : 0;
        int total = 20 + options + l4.length;
        out.put((byte) (version << 4 | ihl));
        out.put((byte) random.nextInt(256));
        out.putShort((short) (chance(0.8) ? total : random.nextInt(65536)));
        out.putShort((short) random.nextInt(65536));
        int flags = chance(0.8) ? (chance(0.5) ? 0x4000 : 0) : random.nextInt(65536);
        out.putShort((short) flags);
        out.put((byte) (chance(0.9) ? 64 : random.nextInt(256)));
        out.put((byte) protocol);
        int checksumAt = out.position();
        out.putShort((short) 0);
        out.putInt((int) address());
        out.putInt((int) address());
        byte[] opts = new byte[options];
        random.nextBytes(opts);
        out.put(opts);
        if (chance(0.6)) {
            int sum = 0;
            for (int i = start; i < start + 20 + options; i += 2) {
                sum += ((out.get(i) & 0xff) << 8) | (out.get(i + 1) & 0xff);
            }
            while (sum > 0xffff) {
                sum = (sum & 0xffff) + (sum >>> 16);
            }
            out.putShort(checksumAt, (short) ~sum);
        } else {
            out.putShort(checksumAt, (short) random.nextInt(65536));
        }
        out.put(l4);
    }

    private byte[] tcp() {
        ByteBuffer b = ByteBuffer.allocate(20 + 40 + 24);
        b.putShort((short) port()).putShort((short) port());
        b.putInt(random.nextInt()).putInt(random.nextInt());
        int offset = chance(0.85) ? 5 : random.nextInt(16);
        b.put((byte) (offset << 4));
        b.put((byte) random.nextInt(256));
        b.putShort((short) random.nextInt(65536));
        b.putShort((short) random.nextInt(65536));
        b.putShort((short) random.nextInt(65536));
        byte[] rest = randomBytes(24);
        b.put(rest);
        return Arrays.copyOf(b.array(), b.position());
    }

    private byte[] udp() {
        byte[] payload = randomBytes(24);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) port()).putShort((short) port());
        b.putShort((short) (chance(0.8) ? 8 + payload.length : random.nextInt(65536)));
        b.putShort((short) (chance(0.3) ? 0 : random.nextInt(65536)));
        b.put(payload);
        return b.array();
    }

    byte[] truncate(byte[] packet) {
        return Arrays.copyOf(packet, random.nextInt(packet.length + 1));
    }

    /** A copy with one to four bytes changed (a flipped bit, a random value, or an interesting one). */
    byte[] corrupt(byte[] packet) {
        byte[] out = packet.clone();
        if (out.length == 0) {
            return out;
        }
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(3)) {
                case 0 -> out[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> out[at] = (byte) random.nextInt(256);
                default -> out[at] = (byte) new int[] {0, 0xff, 0x7f, 0x80, 0x45, 0x40, 0x06, 0x11}[random.nextInt(8)];
            }
        }
        return out;
    }

    /**
     * The answer a peer would send to a frame: Ethernet addresses, IPv4 addresses and TCP or UDP
     * ports swapped; the frame itself when it is not long enough for that.
     */
    static byte[] mirror(byte[] frame) {
        byte[] out = frame.clone();
        if (out.length < 14) {
            return out;
        }
        swap(out, 0, 6, 6);
        if (out.length < 34 || (out[12] & 0xff) != 0x08 || out[13] != 0) {
            return out;
        }
        swap(out, 26, 30, 4);
        int ihl = (out[14] & 0x0f) * 4;
        int l4 = 14 + ihl;
        if (out.length >= l4 + 4 && (out[23] == 6 || out[23] == 17)) {
            swap(out, l4, l4 + 2, 2);
        }
        return out;
    }

    private static void swap(byte[] b, int x, int y, int n) {
        for (int i = 0; i < n; i++) {
            byte t = b[x + i];
            b[x + i] = b[y + i];
            b[y + i] = t;
        }
    }
}
