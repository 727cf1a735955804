package dev.appl.runtime.io;

import dev.appl.runtime.kernel.Batch;
import dev.appl.runtime.kernel.Endpoint;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.sys.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One receive queue of a datagram port served through AF_XDP ({@code udp:HOST:PORT,xdp=IFACE}): an
 * AF_XDP socket in copy mode with its own UMEM, into which the Linux kernel copies the frames that
 * the port's {@link XdpProgram} redirects (in the softirq that receives them, on whichever CPU that
 * is: on lo and veth, the sender's). A kernel handles the UDP payload in place in its UMEM frame; a
 * reply is given Ethernet, IP and UDP headers in the same frame, in front of it (the query's
 * addresses and ports swapped, lengths, the IPv4 header checksum and the UDP checksum computed) and
 * transmitted from there through the TX ring; the Linux kernel hands the frame back through the
 * completion ring, and it goes back to the fill ring, as do the frames of queries not answered.
 *
 * <p>The four rings are shared with the Linux kernel, each with one producer and one consumer: the
 * other side's index is read with acquire semantics (what it wrote into the ring before moving the
 * index is visible after), and this side's index is written with release semantics once its
 * descriptors are written.
 *
 * <p>What the program passes up the stack (fragments, IP options, frames larger than a UMEM frame,
 * frames of a queue with no socket) reaches the port's UDP socket, which this endpoint serves too:
 * when the rings have nothing, and once every {@value #SOCKET_EVERY} batches while they are busy.
 * Frames whose lengths do not add up are counted and dropped.
 */
public final class XdpEndpoint implements Endpoint {
    /** The kind of port this driver serves (see {@link UdpEndpoint#PORT_KIND}). */
    public static final String PORT_KIND = "datagram";

    private static final int SOL_XDP = 283;
    private static final int XDP_MMAP_OFFSETS = 1;
    private static final int XDP_RX_RING = 2;
    private static final int XDP_TX_RING = 3;
    private static final int XDP_UMEM_REG = 4;
    private static final int XDP_UMEM_FILL_RING = 5;
    private static final int XDP_UMEM_COMPLETION_RING = 6;
    private static final int XDP_STATISTICS = 7;
    private static final short XDP_COPY = 1 << 1;
    private static final short XDP_USE_NEED_WAKEUP = 1 << 3;
    private static final int XDP_RING_NEED_WAKEUP = 1;
    private static final long PGOFF_RX_RING = 0;
    private static final long PGOFF_TX_RING = 0x80000000L;
    private static final long PGOFF_FILL_RING = 0x100000000L;
    private static final long PGOFF_COMPLETION_RING = 0x180000000L;
    private static final int MAP_POPULATE = 0x8000;
    private static final int DESC = 16; // struct xdp_desc: addr, len, options

    /** A UMEM frame: a page, which holds an MTU-sized frame with room around its payload. */
    public static final int FRAME = 4096;
    /** UMEM frames per socket unless the binding asks for another number ({@code frames=N}). */
    public static final int DEFAULT_FRAMES = 4096;
    /**
     * Room the UMEM leaves in front of the Linux kernel's own 256 bytes (XDP_PACKET_HEADROOM): a
     * payload then has {@link Kernel#HEADROOM} in front of it with room for a reply's headers
     * ({@link UdpFrames#MAX_HEADERS}) still before that.
     */
    private static final int UMEM_HEADROOM = 32;
    private static final int XDP_PACKET_HEADROOM = 256;
    /** The longest frame the program redirects: what leaves {@link Kernel#HEADROOM} behind its end. */
    public static final int MAX_FRAME = FRAME - UMEM_HEADROOM - XDP_PACKET_HEADROOM - Kernel.HEADROOM;
    /** How many receives in a row may take from the rings before one looks at the UDP socket. */
    static final int SOCKET_EVERY = 16;
    /** Room per batch slot for a copy of the query's headers, from which the reply's are built. */
    private static final int HEADER_SLOT = 128;

    private static final VarHandle INDEX = ValueLayout.JAVA_INT.varHandle();

    /** A ring shared with the Linux kernel: its two indices, flags and descriptors, and its size. */
    private record Ring(MemorySegment map, long producer, long consumer, long flags, long descs, int size) {
        int producerAcquire() {
            return (int) INDEX.getAcquire(map, producer);
        }

        int consumerAcquire() {
            return (int) INDEX.getAcquire(map, consumer);
        }

        void publishProducer(int value) {
            INDEX.setRelease(map, producer, value);
        }

        void publishConsumer(int value) {
            INDEX.setRelease(map, consumer, value);
        }

        boolean needsWakeup() {
            return (map.get(ValueLayout.JAVA_INT, flags) & XDP_RING_NEED_WAKEUP) != 0;
        }
    }

    private final String port;
    private final String iface;
    private final int queue;
    private final int fd;
    private final int epollFd;
    private final UdpEndpoint socket;
    private final MemorySegment umem;
    private final long umemBytes;
    private final MemorySegment[] frames;
    private final Ring fill;
    private final Ring completion;
    private final Ring rx;
    private final Ring tx;
    private final int maxReply;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment headers;

    private int fillHead;
    private int completionTail;
    private int rxTail;
    private int txHead;
    private int txTailSeen;
    private int txPending;

    /** Per slot of the batch: its UMEM frame, and where the UDP payload starts in that frame. */
    private final int[] batchFrame = new int[Batch.DEFAULT_CAPACITY];
    private final int[] batchHeaders = new int[Batch.DEFAULT_CAPACITY];
    private final boolean[] batchSent = new boolean[Batch.DEFAULT_CAPACITY];
    private int batchCount;
    /** Whether the batch being handled came from the UDP socket rather than the rings. */
    private boolean fromSocket;
    private int ringRounds;

    /** Datagrams taken from the rx ring (rather than the UDP socket). */
    private long ringDatagrams;
    private long malformedFrames;
    private long noRoom;
    private long overMtu;
    private long txFull;
    private long kicksFailed;
    private String firstKickFailure;

    private XdpEndpoint(String port, String iface, int queue, int fd, int epollFd, UdpEndpoint socket,
            MemorySegment umem, Ring fill, Ring completion, Ring rx, Ring tx, int maxReply) {
        this.port = port;
        this.iface = iface;
        this.queue = queue;
        this.fd = fd;
        this.epollFd = epollFd;
        this.socket = socket;
        this.umem = umem;
        this.umemBytes = umem.byteSize();
        this.fill = fill;
        this.completion = completion;
        this.rx = rx;
        this.tx = tx;
        this.maxReply = maxReply;
        frames = new MemorySegment[(int) (umemBytes / FRAME)];
        for (int f = 0; f < frames.length; f++) {
            frames[f] = umem.asSlice((long) f * FRAME, FRAME);
        }
        headers = arena.allocate((long) HEADER_SLOT * Batch.DEFAULT_CAPACITY, 8);
    }

    /**
     * The AF_XDP socket of receive queue {@code queue} of {@code xdp}'s interface, with a UMEM of
     * {@code frameCount} frames (a power of two), every one of them given to the fill ring, and
     * registered in the program's map; {@code socket} is the port's UDP socket of this worker,
     * which the endpoint serves too and closes with its own.
     */
    public static XdpEndpoint open(XdpPort xdp, int queue, UdpEndpoint socket, int frameCount) throws PortException {
        String port = xdp.port;
        String where = "udp:" + dev.appl.runtime.sys.SocketAddresses.text(socket.address()) + ",xdp=" + xdp.iface;
        if (Integer.bitCount(frameCount) != 1) {
            throw new PortException("port `" + port + "`: " + where + ": frames=" + frameCount
                    + " is not a power of two");
        }
        int fd = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Libc.errno();
            if (errno == Libc.EAFNOSUPPORT) {
                throw new PortException("port `" + port + "`: " + where + ": this Linux kernel has no AF_XDP sockets "
                        + "(CONFIG_XDP_SOCKETS)");
            }
            throw PortException.of(port, where, errno);
        }
        long umemBytes = (long) frameCount * FRAME;
        MemorySegment umem = Libc.mmap(umemBytes, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | MAP_POPULATE, -1);
        if (umem.address() == -1L) {
            int errno = Libc.errno();
            Libc.close(fd);
            throw new PortException("port `" + port + "`: " + where + ": no memory for a UMEM of " + frameCount
                    + " frames: " + Libc.strerror(errno));
        }
        umem = umem.reinterpret(umemBytes);
        Ring[] rings = new Ring[4];
        int epollFd = -1;
        try (Arena local = Arena.ofConfined()) {
            MemorySegment reg = local.allocate(32, 8);
            reg.set(ValueLayout.JAVA_LONG, 0, umem.address());
            reg.set(ValueLayout.JAVA_LONG, 8, umemBytes);
            reg.set(ValueLayout.JAVA_INT, 16, FRAME);
            reg.set(ValueLayout.JAVA_INT, 20, UMEM_HEADROOM);
            check(port, where + " (registering the UMEM)", fd, umem,
                    Libc.setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, (int) reg.byteSize()));
            // Every ring can hold every frame, so that none ever refuses one the endpoint gives it.
            for (int option : new int[] {XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING, XDP_TX_RING}) {
                check(port, where + " (sizing its rings)", fd, umem, Libc.setsockopt(fd, SOL_XDP, option, frameCount));
            }
            MemorySegment offsets = local.allocate(128, 8);
            MemorySegment length = local.allocateFrom(ValueLayout.JAVA_INT, 128);
            check(port, where, fd, umem, Libc.getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, offsets, length));
            // struct xdp_mmap_offsets: rx, tx, fill, completion, each producer, consumer, desc, flags.
            long[] pageOffsets = {PGOFF_RX_RING, PGOFF_TX_RING, PGOFF_FILL_RING, PGOFF_COMPLETION_RING};
            int[] entrySizes = {DESC, DESC, 8, 8};
            for (int r = 0; r < 4; r++) {
                long base = 32L * r;
                long descs = offsets.get(ValueLayout.JAVA_LONG, base + 16);
                long bytes = descs + (long) frameCount * entrySizes[r];
                MemorySegment map = Libc.mmap(bytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | MAP_POPULATE,
                        fd, pageOffsets[r]);
                if (map.address() == -1L) {
                    int errno = Libc.errno();
                    unmap(rings);
                    check(port, where + " (mapping its rings)", fd, umem, -1, errno);
                }
                rings[r] = new Ring(map.reinterpret(bytes), offsets.get(ValueLayout.JAVA_LONG, base),
                        offsets.get(ValueLayout.JAVA_LONG, base + 8), offsets.get(ValueLayout.JAVA_LONG, base + 24),
                        descs, frameCount);
            }
            MemorySegment sxdp = local.allocate(16, 4);
            sxdp.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_XDP);
            sxdp.set(ValueLayout.JAVA_SHORT, 2, (short) (XDP_COPY | XDP_USE_NEED_WAKEUP));
            sxdp.set(ValueLayout.JAVA_INT, 4, xdp.ifindex);
            sxdp.set(ValueLayout.JAVA_INT, 8, queue);
            if (!bind(fd, sxdp)) {
                int errno = Libc.errno();
                unmap(rings);
                if (errno == Libc.EBUSY) {
                    Libc.close(fd);
                    Libc.munmap(umem, umem.byteSize());
                    throw new PortException("port `" + port + "`: " + where + ": another AF_XDP socket is bound to "
                            + "queue " + queue + " of " + xdp.iface);
                }
                check(port, where + " (binding queue " + queue + ")", fd, umem, -1, errno);
            }
            epollFd = Libc.epollCreate();
            MemorySegment event = local.allocate(Libc.EPOLL_EVENT, 8);
            if (epollFd < 0 || Libc.epollCtl(epollFd, Libc.EPOLL_CTL_ADD, fd, Libc.EPOLLIN, 0, event) < 0
                    || Libc.epollCtl(epollFd, Libc.EPOLL_CTL_ADD, socket.readyFd(), Libc.EPOLLIN, 1, event) < 0) {
                int errno = Libc.errno();
                unmap(rings);
                if (epollFd >= 0) {
                    Libc.close(epollFd);
                }
                check(port, where, fd, umem, -1, errno);
            }
        }
        XdpEndpoint endpoint = new XdpEndpoint(port, xdp.iface, queue, fd, epollFd, socket, umem, rings[2], rings[3],
                rings[0], rings[1], Math.min(FRAME, 14 + PacketRingEndpoint.mtu(xdp.iface, FRAME)));
        endpoint.fillAll();
        try {
            xdp.register(queue, fd);
        } catch (PortException e) {
            endpoint.closeRings();
            throw e;
        }
        return endpoint;
    }

    /**
     * Binds the socket to its queue; true when it is bound. Linux releases a closed AF_XDP
     * socket's hold on its queue a moment after the close (in a work queue), so a queue that is
     * busy is asked again for up to a second: a port closed and opened again, or an appliance
     * restarted, finds it free by then.
     */
    private static boolean bind(int fd, MemorySegment sxdp) {
        for (int tries = 0; ; tries++) {
            if (Libc.bind(fd, sxdp, 16) == 0) {
                return true;
            }
            if (Libc.errno() != Libc.EBUSY || tries == 50) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static void unmap(Ring[] rings) {
        for (Ring r : rings) {
            if (r != null) {
                Libc.munmap(r.map(), r.map().byteSize());
            }
        }
    }

    private static void check(String port, String where, int fd, MemorySegment umem, int result) throws PortException {
        if (result < 0) {
            check(port, where, fd, umem, result, Libc.errno());
        }
    }

    /** Lets the socket and UMEM go and throws when a setup call failed with {@code errno}. */
    private static void check(String port, String where, int fd, MemorySegment umem, int result, int errno)
            throws PortException {
        if (result < 0) {
            Libc.close(fd);
            Libc.munmap(umem, umem.byteSize());
            throw PortException.of(port, where, errno);
        }
    }

    /** Gives every UMEM frame to the fill ring, for the Linux kernel to receive into. */
    private void fillAll() {
        for (int f = 0; f < frames.length; f++) {
            fill.map().set(ValueLayout.JAVA_LONG, fill.descs() + 8L * (fillHead++ & (fill.size() - 1)), (long) f * FRAME);
        }
        fill.publishProducer(fillHead);
    }

    /** Puts frame {@code frame} back in the fill ring (published with the next {@link Ring#publishProducer}). */
    private void refill(long address) {
        fill.map().set(ValueLayout.JAVA_LONG, fill.descs() + 8L * (fillHead++ & (fill.size() - 1)),
                address & ~(long) (FRAME - 1));
    }

    /** The frames the Linux kernel has sent go back to the fill ring. */
    private void recycleCompleted() {
        int head = completion.producerAcquire();
        if (head == completionTail) {
            return;
        }
        for (int i = completionTail; i != head; i++) {
            refill(completion.map().get(ValueLayout.JAVA_LONG, completion.descs() + 8L * (i & (completion.size() - 1))));
        }
        completionTail = head;
        completion.publishConsumer(head);
        fill.publishProducer(fillHead);
    }

    @Override
    public int receive(Batch batch) throws IOException {
        batch.clear();
        batchCount = 0;
        fromSocket = false;
        recycleCompleted();
        if (++ringRounds >= SOCKET_EVERY) {
            ringRounds = 0;
            if (socket.receive(batch) > 0) {
                fromSocket = true;
                return batch.size();
            }
        }
        int limit = Math.min(batch.capacity(), batchFrame.length);
        int head = rx.producerAcquire();
        int taken = 0;
        while (rxTail != head && batchCount < limit) {
            long desc = rx.descs() + (long) DESC * (rxTail & (rx.size() - 1));
            long address = rx.map().get(ValueLayout.JAVA_LONG, desc);
            int length = rx.map().get(ValueLayout.JAVA_INT, desc + 8);
            rxTail++;
            taken++;
            int frame = (int) (address / FRAME);
            int start = (int) (address & (FRAME - 1));
            MemorySegment segment = frames[frame];
            long where = start + length <= FRAME ? UdpFrames.datagram(segment, start, length) : -1;
            if (where < 0) {
                malformedFrames++;
                refill(address);
                continue;
            }
            int payload = (int) (where >>> 32);
            int k = batchCount++;
            batchFrame[k] = frame;
            batchHeaders[k] = payload;
            batchSent[k] = false;
            // The reply's headers are built from a copy: the kernel may write over the query's.
            MemorySegment.copy(segment, start, headers, (long) k * HEADER_SLOT, payload);
            batch.add().set(segment, start + payload, (int) where);
        }
        ringDatagrams += batchCount;
        if (taken > 0) {
            rx.publishConsumer(rxTail);
            if (batchCount < taken) {
                fill.publishProducer(fillHead);
            }
        }
        if (batchCount == 0 && taken == 0) {
            if (fill.needsWakeup()) {
                Libc.recv(fd, MemorySegment.NULL, 0, Libc.MSG_DONTWAIT);
            }
            if (socket.receive(batch) > 0) {
                fromSocket = true;
                ringRounds = 0;
            }
            return batch.size();
        }
        return batchCount;
    }

    @Override
    public boolean complete(Batch batch, int i, int fate) throws IOException {
        if (fromSocket) {
            return socket.complete(batch, i, fate);
        }
        if (fate != Kernel.REPLY) {
            return false;
        }
        PacketView reply = batch.view(i);
        MemorySegment segment = frames[batchFrame[i]];
        int headerBytes = batchHeaders[i];
        if (reply.segment != segment || reply.offset < headerBytes) {
            noRoom++;
            return false;
        }
        if (headerBytes + reply.length > maxReply) {
            overMtu++;
            return false;
        }
        if (txHead - txTailSeen >= tx.size()) {
            txTailSeen = tx.consumerAcquire();
            if (txHead - txTailSeen >= tx.size()) {
                txFull++;
                return false;
            }
        }
        long start = UdpFrames.replyHeaders(headers, (long) i * HEADER_SLOT, headerBytes, segment, reply.offset,
                reply.length);
        long desc = tx.descs() + (long) DESC * (txHead & (tx.size() - 1));
        tx.map().set(ValueLayout.JAVA_LONG, desc, (long) batchFrame[i] * FRAME + start);
        tx.map().set(ValueLayout.JAVA_INT, desc + 8, (int) (reply.offset + reply.length - start));
        tx.map().set(ValueLayout.JAVA_INT, desc + 12, 0);
        txHead++;
        txPending++;
        batchSent[i] = true;
        return true;
    }

    /** Datagrams are answered, not forwarded. */
    @Override
    public boolean transmit(PacketView packet) {
        return false;
    }

    /**
     * Publishes the replies in the TX ring and asks the Linux kernel to send them: in copy mode it
     * sends only when asked (sendto), whatever the ring's need-wakeup flag says, and at most 32
     * frames a call, so it is asked until the ring is empty or a call sends nothing. Replies it
     * cannot send now stay in the ring for the next flush.
     */
    @Override
    public int flush() throws IOException {
        int lost = socket.flush();
        if (txPending == 0) {
            return lost;
        }
        tx.publishProducer(txHead);
        txPending = 0;
        int tries = 0;
        while (tries++ < 64) {
            int before = tx.consumerAcquire();
            if (before == txHead) {
                break;
            }
            long r = Libc.send(fd, MemorySegment.NULL, 0, Libc.MSG_DONTWAIT);
            if (r < 0) {
                int errno = Libc.errno();
                if (errno != Libc.EAGAIN && errno != Libc.EINTR && errno != Libc.EBUSY && errno != Libc.ENOBUFS) {
                    kicksFailed++;
                    if (firstKickFailure == null) {
                        firstKickFailure = Libc.strerror(errno);
                    }
                    break;
                }
                if (tx.consumerAcquire() == before) {
                    break; // nothing went: the device is busy, try with the next flush
                }
            }
        }
        return lost;
    }

    @Override
    public void release(Batch batch) {
        if (fromSocket) {
            socket.release(batch);
            return;
        }
        boolean any = false;
        for (int k = 0; k < batchCount; k++) {
            if (!batchSent[k]) {
                refill((long) batchFrame[k] * FRAME);
                any = true;
            }
        }
        if (any) {
            fill.publishProducer(fillHead);
        }
        batchCount = 0;
        batch.clear();
    }

    /** How many datagrams came through the rx ring. */
    long ringDatagrams() {
        return ringDatagrams;
    }

    @Override
    public int readyFd() {
        return epollFd;
    }

    @Override
    public String discarded() {
        String socketNote = socket.discarded();
        long[] stats = statistics();
        long linuxDropped = stats[0] + stats[3] + stats[4];
        if (malformedFrames == 0 && noRoom == 0 && overMtu == 0 && txFull == 0 && kicksFailed == 0
                && linuxDropped == 0 && stats[1] + stats[2] == 0) {
            return socketNote;
        }
        String note = "xdp=" + iface + " queue " + queue + ": " + malformedFrames + " malformed frames dropped, "
                + stats[3] + " frames dropped by Linux with the rx ring full, " + stats[4]
                + " with no free UMEM frame, " + stats[0] + " for other reasons, " + noRoom
                + " replies without room for their headers dropped, " + overMtu + " replies longer than the MTU "
                + "allows dropped, " + txFull + " replies dropped with the TX ring full"
                + (kicksFailed == 0 ? "" : ", " + kicksFailed + " sends failed, the first with \"" + firstKickFailure
                        + "\"");
        return socketNote == null ? note : note + "; " + socketNote;
    }

    /**
     * struct xdp_statistics: rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
     * rx_fill_ring_empty_descs, tx_ring_empty_descs; zeros when it cannot be read.
     */
    private long[] statistics() {
        long[] stats = new long[6];
        try (Arena local = Arena.ofConfined()) {
            MemorySegment s = local.allocate(48, 8);
            MemorySegment length = local.allocateFrom(ValueLayout.JAVA_INT, 48);
            if (Libc.getsockopt(fd, SOL_XDP, XDP_STATISTICS, s, length) == 0) {
                for (int k = 0; k < 6; k++) {
                    stats[k] = s.get(ValueLayout.JAVA_LONG, 8L * k);
                }
            }
        }
        // tx_ring_empty_descs counts the sends that found the ring empty, which is no loss.
        stats[5] = 0;
        return stats;
    }

    private void closeRings() {
        Libc.close(epollFd);
        Libc.close(fd);
        for (Ring r : new Ring[] {fill, completion, rx, tx}) {
            Libc.munmap(r.map(), r.map().byteSize());
        }
        Libc.munmap(umem, umemBytes);
        arena.close();
    }

    @Override
    public void close() {
        closeRings();
        socket.close();
    }
}
