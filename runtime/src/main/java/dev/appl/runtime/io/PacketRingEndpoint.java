package dev.appl.runtime.io;

import dev.appl.runtime.kernel.Batch;
import dev.appl.runtime.kernel.Endpoint;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A packet port on a network interface ({@code afpacket:IFACE}): a packet socket with PACKET_MMAP
 * receive and transmit rings (TPACKET_V2) shared with the Linux kernel. Frames are handled in place
 * in the receive ring, with {@link Kernel#HEADROOM} reserved in front of each (PACKET_RESERVE), and
 * given back to the kernel when the batch is done; a frame forwarded or replied is copied once,
 * into a slot of the transmit ring of the port it leaves by, and one send(2) per batch tells the
 * kernel to transmit what the ring holds. With several workers each has its own socket in one
 * PACKET_FANOUT group, which spreads packets over them by flow hash; the Linux kernel gives the
 * group an id no other group on the machine has (PACKET_FANOUT_FLAG_UNIQUEID), so that two
 * appliances on one interface never share one.
 *
 * <p>The Linux kernel takes the 802.1Q (or 802.1ad) tag off a tagged frame before a packet socket
 * sees it, and says what it was in the ring's header: it is put back in front of the EtherType, as
 * libpcap does, so that the frame a kernel handles is the frame on the wire.
 *
 * <p>The socket sees every frame on the wire (promiscuous membership, dropped when the socket
 * closes) but not the ones it sends itself (PACKET_IGNORE_OUTGOING, and the packet type where
 * that option is missing). A frame larger than a ring slot (a GSO or GRO super-frame, or a jumbo
 * frame) is dropped and counted; turn such offloads off on the interface. A frame to send that is
 * longer than the interface's MTU allows is dropped and counted before it reaches the transmit ring;
 * one the Linux kernel rejects all the same (the MTU lowered since the port was opened) is skipped
 * by it (PACKET_LOSS) rather than left to block the frames behind it in the ring.
 */
public final class PacketRingEndpoint implements Endpoint {
    /**
     * The kind of port this driver serves: applc build keeps a driver in an image only when the
     * appliance has a port of its kind (dev.appl.compiler.image.RuntimeReach).
     */
    public static final String PORT_KIND = "packet";

    private static final int SOL_PACKET = 263;
    private static final int PACKET_ADD_MEMBERSHIP = 1;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_RESERVE = 12;
    private static final int PACKET_TX_RING = 13;
    private static final int PACKET_LOSS = 14;
    private static final int PACKET_FANOUT = 18;
    private static final int PACKET_QDISC_BYPASS = 20;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int TPACKET_V2 = 1;
    private static final int PACKET_MR_PROMISC = 1;
    private static final int PACKET_FANOUT_HASH = 0;
    private static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    private static final int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;
    private static final short ETH_P_ALL = 0x0003;
    private static final byte PACKET_OUTGOING = 4;

    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    private static final int TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    private static final int TP_STATUS_AVAILABLE = 0;
    private static final int TP_STATUS_SEND_REQUEST = 1;

    /** Ring geometry: frames of 4 KiB hold a 1,500-byte MTU frame with headroom and tailroom. */
    static final int FRAME = 4096;
    private static final int BLOCK = 64 * 1024;
    private static final int BLOCKS = 64;
    static final int FRAMES = BLOCK / FRAME * BLOCKS;
    private static final long RING = (long) BLOCK * BLOCKS;
    /** struct tpacket2_hdr fields. */
    private static final long TP_LEN = 4;
    private static final long TP_SNAPLEN = 8;
    private static final long TP_MAC = 12;
    private static final long TP_VLAN_TCI = 24;
    private static final long TP_VLAN_TPID = 26;
    /** Where the struct sockaddr_ll after the header is (TPACKET_ALIGN(sizeof(struct tpacket2_hdr))). */
    private static final long SLL = 32;
    /** Where a frame to transmit starts in its slot (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll)). */
    private static final long TX_DATA = 32;
    /** Where the views handed to kernels start in a receive slot: after the ring's header, before the reserve. */
    private static final long VIEW_START = 64;
    /** The Ethernet header, and the 802.1Q tag a frame may have on top of the MTU. */
    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int ETH_P_8021Q = 0x8100;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** {@link #open}'s fanout group for a socket of its own, in no group. */
    public static final int NO_FANOUT = -1;
    /** {@link #open}'s fanout group for a new group, whose id the Linux kernel chooses ({@link #fanoutGroup}). */
    public static final int NEW_FANOUT = -2;

    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();

    private final String port;
    private final String iface;
    private final int fd;
    /** The longest frame (without a VLAN tag) the interface sends: its MTU and the Ethernet header. */
    private final int maxFrame;
    /** The fanout group the socket is in, or {@link #NO_FANOUT}. */
    private final int fanoutGroup;
    private final MemorySegment ring;
    private final MemorySegment[] rxViews = new MemorySegment[FRAMES];
    private final int[] batchFrames = new int[Batch.DEFAULT_CAPACITY];
    private int batchCount;
    private int rxHead;
    private int txHead;
    private int txQueued;
    private long oversized;
    private long txFull;
    private long overMtu;
    private long ringFull;
    private long sendFailures;
    private String firstSendFailure;

    private PacketRingEndpoint(String port, String iface, int fd, int maxFrame, int fanoutGroup, MemorySegment ring) {
        this.port = port;
        this.iface = iface;
        this.fd = fd;
        this.maxFrame = maxFrame;
        this.fanoutGroup = fanoutGroup;
        this.ring = ring;
        for (int f = 0; f < FRAMES; f++) {
            rxViews[f] = ring.asSlice((long) f * FRAME + VIEW_START, FRAME - VIEW_START);
        }
    }

    /**
     * A packet socket on interface {@code iface} with its rings mapped, bound and promiscuous: in no
     * fanout group ({@link #NO_FANOUT}), in a new one ({@link #NEW_FANOUT}), or in the group of that
     * id that an earlier socket of this process made ({@link #fanoutGroup}).
     */
    public static PacketRingEndpoint open(String port, String iface, int fanoutGroup) throws PortException {
        String where = "afpacket:" + iface;
        int index = Libc.ifNameToIndex(iface);
        if (index == 0) {
            throw new PortException("port `" + port + "`: " + where + ": no such network interface");
        }
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw PortException.of(port, where, Libc.errno());
        }
        MemorySegment ring = null;
        try (Arena arena = Arena.ofConfined()) {
            check(port, where, fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2));
            // Room for the headroom in front of a frame also after its VLAN tag is put back.
            check(port, where, fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_RESERVE, Kernel.HEADROOM + VLAN_TAG));
            // Without it, a frame the kernel rejects stays in the transmit ring and stops every frame after it.
            check(port, where, fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_LOSS, 1));
            // Both are speed-ups or filters that older kernels lack; the endpoint works without them.
            Libc.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
            Libc.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
            MemorySegment req = arena.allocate(16, 4);
            req.set(ValueLayout.JAVA_INT, 0, BLOCK);
            req.set(ValueLayout.JAVA_INT, 4, BLOCKS);
            req.set(ValueLayout.JAVA_INT, 8, FRAME);
            req.set(ValueLayout.JAVA_INT, 12, FRAMES);
            check(port, where, fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, 16));
            check(port, where, fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, req, 16));
            MemorySegment mapped = Libc.mmap(2 * RING, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd);
            if (mapped.address() == -1L) {
                check(port, where, fd, -1);
            }
            ring = mapped.reinterpret(2 * RING);
            MemorySegment sll = arena.allocate(20, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, ETH_P_ALL);
            sll.set(ValueLayout.JAVA_INT, 4, index);
            check(port, where, fd, Libc.bind(fd, sll, 20));
            MemorySegment mreq = arena.allocate(16, 4);
            mreq.set(ValueLayout.JAVA_INT, 0, index);
            mreq.set(ValueLayout.JAVA_SHORT, 4, (short) PACKET_MR_PROMISC);
            check(port, where, fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, 16));
            int group = fanoutGroup;
            if (fanoutGroup != NO_FANOUT) {
                int mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
                // A new group has id 0 with the UNIQUEID flag, and the kernel chooses its id.
                int fanout = fanoutGroup == NEW_FANOUT ? (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16
                        : fanoutGroup | mode << 16;
                check(port, where + " (fanout group)", fd, Libc.setsockopt(fd, SOL_PACKET, PACKET_FANOUT, fanout));
                if (fanoutGroup == NEW_FANOUT) {
                    // The group's id, mode and flags, the flags in the top byte (so the int may be negative).
                    MemorySegment joined = arena.allocate(ValueLayout.JAVA_INT);
                    check(port, where + " (fanout group)", fd, Libc.getsockopt(fd, SOL_PACKET, PACKET_FANOUT, joined,
                            arena.allocateFrom(ValueLayout.JAVA_INT, 4)));
                    group = joined.get(ValueLayout.JAVA_INT, 0) & 0xffff;
                }
            }
            // An MTU that cannot be read lets every frame a slot holds through; Linux skips those it rejects.
            return new PacketRingEndpoint(port, iface, fd, ETHERNET_HEADER + mtu(iface, FRAME), group, ring);
        } catch (PortException e) {
            if (ring != null) {
                Libc.munmap(ring, 2 * RING);
            }
            throw e;
        }
    }

    /** The interface's MTU, from sysfs; {@code unknown} when it cannot be read. */
    static int mtu(String iface, int unknown) {
        try {
            return Integer.parseInt(java.nio.file.Files.readString(
                    java.nio.file.Path.of("/sys/class/net", iface, "mtu")).strip());
        } catch (java.io.IOException | NumberFormatException | java.nio.file.InvalidPathException e) {
            return unknown;
        }
    }

    /** The id of the fanout group the socket is in, or {@link #NO_FANOUT}. */
    public int fanoutGroup() {
        return fanoutGroup;
    }

    /** Closes {@code fd} and throws when a setup call failed. */
    private static void check(String port, String where, int fd, int result) throws PortException {
        if (result < 0) {
            int errno = Libc.errno();
            Libc.close(fd);
            throw PortException.of(port, where, errno);
        }
    }

    @Override
    public int receive(Batch batch) {
        batch.clear();
        batchCount = 0;
        int limit = Math.min(batch.capacity(), batchFrames.length);
        while (batchCount < limit) {
            long base = (long) rxHead * FRAME;
            int status = (int) STATUS.getAcquire(ring, base);
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            int frame = rxHead;
            rxHead = rxHead + 1 == FRAMES ? 0 : rxHead + 1;
            int length = ring.get(ValueLayout.JAVA_INT, base + TP_LEN);
            int captured = ring.get(ValueLayout.JAVA_INT, base + TP_SNAPLEN);
            if (ring.get(ValueLayout.JAVA_BYTE, base + SLL + 10) == PACKET_OUTGOING || captured < length) {
                if (captured < length) {
                    oversized++;
                }
                STATUS.setRelease(ring, base, TP_STATUS_KERNEL);
                continue;
            }
            long mac = base + Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, base + TP_MAC));
            short tci = ring.get(ValueLayout.JAVA_SHORT, base + TP_VLAN_TCI);
            if (((status & TP_STATUS_VLAN_VALID) != 0 || tci != 0) && captured >= 2 * 6) {
                // The tag goes back after the two MAC addresses, which move into the reserve.
                MemorySegment.copy(ring, mac, ring, mac - VLAN_TAG, 2 * 6);
                mac -= VLAN_TAG;
                captured += VLAN_TAG;
                short tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0
                        ? ring.get(ValueLayout.JAVA_SHORT, base + TP_VLAN_TPID) : (short) ETH_P_8021Q;
                ring.set(NET_SHORT, mac + 12, tpid);
                ring.set(NET_SHORT, mac + 14, tci);
            }
            batchFrames[batchCount++] = frame;
            batch.add().set(rxViews[frame], mac - base - VIEW_START, captured);
        }
        return batch.size();
    }

    @Override
    public boolean complete(Batch batch, int i, int fate) {
        return fate == Kernel.REPLY && transmit(batch.view(i));
    }

    @Override
    public boolean transmit(PacketView packet) {
        if (packet.length > maxFrame && (packet.length > maxFrame + VLAN_TAG || !vlanTagged(packet))
                || packet.length > FRAME - TX_DATA) {
            overMtu++;
            return false;
        }
        long base = RING + (long) txHead * FRAME;
        int status = (int) STATUS.getAcquire(ring, base);
        if (status != TP_STATUS_AVAILABLE) {
            txFull++;
            return false;
        }
        MemorySegment.copy(packet.segment, packet.offset, ring, base + TX_DATA, packet.length);
        ring.set(ValueLayout.JAVA_INT, base + TP_LEN, packet.length);
        STATUS.setRelease(ring, base, TP_STATUS_SEND_REQUEST);
        txHead = txHead + 1 == FRAMES ? 0 : txHead + 1;
        txQueued++;
        return true;
    }

    /** Whether an Ethernet frame carries an 802.1Q or 802.1ad tag, which may come on top of the MTU. */
    private static boolean vlanTagged(PacketView packet) {
        if (packet.length < ETHERNET_HEADER) {
            return false;
        }
        int type = Short.toUnsignedInt(packet.segment.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN),
                packet.offset + 12));
        return type == 0x8100 || type == 0x88a8;
    }

    @Override
    public int flush() {
        if (txQueued > 0) {
            // Frames the kernel cannot take now stay marked in the ring and go with the next send.
            long sent = Libc.send(fd, MemorySegment.NULL, 0, Libc.MSG_DONTWAIT);
            if (sent < 0) {
                int errno = Libc.errno();
                if (errno != Libc.EAGAIN && errno != Libc.EINTR) {
                    // The frames the kernel was sending when it failed (the link down, say) are gone.
                    sendFailures++;
                    if (firstSendFailure == null) {
                        firstSendFailure = Libc.strerror(errno);
                    }
                }
            }
            txQueued = 0;
        }
        return 0;
    }

    @Override
    public void release(Batch batch) {
        for (int k = 0; k < batchCount; k++) {
            STATUS.setRelease(ring, (long) batchFrames[k] * FRAME, TP_STATUS_KERNEL);
        }
        batchCount = 0;
        batch.clear();
    }

    @Override
    public int readyFd() {
        return fd;
    }

    /**
     * Frames the Linux kernel dropped because the receive ring was full (since the last call: the
     * kernel resets its count when asked).
     */
    private long ringDrops() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stats = arena.allocate(8, 4); // struct tpacket_stats: tp_packets, tp_drops
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 8);
            if (Libc.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, stats, length) < 0) {
                return 0;
            }
            return Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT, 4));
        }
    }

    @Override
    public String discarded() {
        ringFull += ringDrops();
        if (oversized == 0 && txFull == 0 && overMtu == 0 && ringFull == 0 && sendFailures == 0) {
            return null;
        }
        String failures = sendFailures == 0 ? ""
                : ", " + sendFailures + " sends failed, the first with \"" + firstSendFailure + "\"";
        return "afpacket:" + iface + ": " + ringFull + " frames dropped by Linux with the receive ring full, "
                + oversized + " frames larger than a ring slot dropped (turn GRO/GSO off on the interface), " + txFull
                + " frames dropped with the transmit ring full, " + overMtu + " frames to send longer than the MTU"
                + " allows dropped" + failures;
    }

    @Override
    public void close() {
        Libc.munmap(ring, 2 * RING);
        Libc.close(fd);
    }
}
