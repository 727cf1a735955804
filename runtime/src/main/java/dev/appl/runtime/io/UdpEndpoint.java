package dev.appl.runtime.io;

import dev.appl.runtime.kernel.Batch;
import dev.appl.runtime.kernel.BufferPool;
import dev.appl.runtime.kernel.Endpoint;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import dev.appl.runtime.sys.Libc;
import dev.appl.runtime.sys.SocketAddresses;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * A datagram port on a UDP socket ({@code udp:HOST:PORT}): datagrams arrive a batch at a time with
 * one recvmmsg(2) into a pool of off-heap buffers, each with {@link Kernel#HEADROOM} around it, and
 * replies leave a batch at a time with one sendmmsg(2) straight from the buffers they were received
 * (and rewritten) in, to the addresses recvmmsg wrote beside them. Every worker has its own socket
 * on the same address ({@code SO_REUSEPORT}), and the kernel spreads datagrams over them by flow.
 */
public final class UdpEndpoint implements Endpoint {
    /**
     * The kind of port this driver serves: applc build keeps a driver in an image only when the
     * appliance has a port of its kind (dev.appl.compiler.image.RuntimeReach).
     */
    public static final String PORT_KIND = "datagram";

    /** The largest UDP payload. */
    static final int MAX_DATAGRAM = 65_535;
    /** Socket buffers big enough that a burst waits for the worker instead of being dropped. */
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final long MMSG = Libc.MMSGHDR.byteSize();
    private static final long IOV = Libc.IOVEC.byteSize();

    private final String port;
    private final int fd;
    private final InetSocketAddress address;
    private final Arena arena = Arena.ofShared();
    private final BufferPool buffers;
    private final MemorySegment rx;
    private final MemorySegment rxIov;
    private final MemorySegment names;
    private final MemorySegment tx;
    private final MemorySegment txIov;
    private final int capacity;
    private int queued;

    private UdpEndpoint(String port, int fd, InetSocketAddress address, int capacity) {
        this.port = port;
        this.fd = fd;
        this.address = address;
        this.capacity = capacity;
        buffers = new BufferPool(capacity, Kernel.HEADROOM + MAX_DATAGRAM + Kernel.HEADROOM);
        rx = arena.allocate(MMSG * capacity, 8);
        rxIov = arena.allocate(IOV * capacity, 8);
        names = arena.allocate(Libc.SOCKADDR_STORAGE * capacity, 8);
        tx = arena.allocate(MMSG * capacity, 8);
        txIov = arena.allocate(IOV * capacity, 8);
        for (int i = 0; i < capacity; i++) {
            rxIov.set(ValueLayout.ADDRESS, i * IOV, buffers.slot(i).asSlice(Kernel.HEADROOM));
            rxIov.set(ValueLayout.JAVA_LONG, i * IOV + 8, MAX_DATAGRAM);
            rx.set(ValueLayout.ADDRESS, i * MMSG + Libc.MSG_NAME, names.asSlice(i * Libc.SOCKADDR_STORAGE));
            rx.set(ValueLayout.ADDRESS, i * MMSG + Libc.MSG_IOV, rxIov.asSlice(i * IOV));
            rx.set(ValueLayout.JAVA_LONG, i * MMSG + Libc.MSG_IOVLEN, 1);
            tx.set(ValueLayout.ADDRESS, i * MMSG + Libc.MSG_IOV, txIov.asSlice(i * IOV));
            tx.set(ValueLayout.JAVA_LONG, i * MMSG + Libc.MSG_IOVLEN, 1);
        }
    }

    /**
     * A socket bound to {@code address} with {@code SO_REUSEPORT}, so that every worker can open one.
     * Port 0 binds a free port: {@link #address()} says which, and the other workers bind that one.
     *
     * @param first whether this is the port's first socket, which checks that no other program has
     *     one on the address ({@link AddressProbe})
     */
    public static UdpEndpoint open(String port, InetSocketAddress address, int capacity, boolean first)
            throws PortException {
        String where = "udp:" + SocketAddresses.text(address);
        if (first) {
            AddressProbe.checkFree(port, where, address, Libc.SOCK_DGRAM);
        }
        int fd = Libc.socket(SocketAddresses.family(address), Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw PortException.of(port, where, Libc.errno());
        }
        try (Arena arena = Arena.ofConfined()) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            raise(fd, Libc.SO_RCVBUF);
            raise(fd, Libc.SO_SNDBUF);
            MemorySegment addr = arena.allocate(Libc.SOCKADDR_STORAGE, 8);
            int length = SocketAddresses.write(address, addr);
            if (Libc.bind(fd, addr, length) < 0) {
                int errno = Libc.errno();
                Libc.close(fd);
                throw PortException.of(port, where, errno);
            }
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) Libc.SOCKADDR_STORAGE);
            Libc.getsockname(fd, addr, len);
            return new UdpEndpoint(port, fd, SocketAddresses.read(addr), capacity);
        }
    }

    /**
     * Asks for socket buffers of {@link #SOCKET_BUFFER} unless they are already larger (the system's
     * defaults, net.core.rmem_default and wmem_default, may be); the system caps what is asked at
     * net.core.rmem_max and wmem_max.
     */
    private static void raise(int fd, int option) {
        if (Libc.getsockoptInt(fd, Libc.SOL_SOCKET, option) < SOCKET_BUFFER) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, option, SOCKET_BUFFER);
        }
    }

    /** The address the socket is bound to (with the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public int receive(Batch batch) throws IOException {
        batch.clear();
        for (int i = 0; i < capacity; i++) {
            rx.set(ValueLayout.JAVA_INT, i * MMSG + Libc.MSG_NAMELEN, (int) Libc.SOCKADDR_STORAGE);
        }
        int n = Libc.recvmmsg(fd, rx, Math.min(capacity, batch.capacity()), Libc.MSG_DONTWAIT);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Libc.EAGAIN || errno == Libc.EINTR) {
                return 0;
            }
            throw PortException.of(port, "receiving", errno);
        }
        for (int i = 0; i < n; i++) {
            batch.add().set(buffers.slot(i), Kernel.HEADROOM, rx.get(ValueLayout.JAVA_INT, i * MMSG + Libc.MSG_LEN));
        }
        return n;
    }

    @Override
    public boolean complete(Batch batch, int i, int fate) {
        if (fate != Kernel.REPLY) {
            return false;
        }
        PacketView reply = batch.view(i);
        int k = queued++;
        txIov.set(ValueLayout.JAVA_LONG, k * IOV, reply.segment.address() + reply.offset);
        txIov.set(ValueLayout.JAVA_LONG, k * IOV + 8, reply.length);
        tx.set(ValueLayout.JAVA_LONG, k * MMSG + Libc.MSG_NAME, names.address() + i * Libc.SOCKADDR_STORAGE);
        tx.set(ValueLayout.JAVA_INT, k * MMSG + Libc.MSG_NAMELEN, rx.get(ValueLayout.JAVA_INT, i * MMSG + Libc.MSG_NAMELEN));
        return true;
    }

    /** Datagrams are answered, not forwarded: there is no address to send one to. */
    @Override
    public boolean transmit(PacketView packet) {
        return false;
    }

    @Override
    public int flush() {
        int sent = 0;
        int lost = 0;
        while (sent + lost < queued) {
            int first = sent + lost;
            int r = Libc.sendmmsg(fd, first == 0 ? tx : tx.asSlice(first * MMSG), queued - first, Libc.MSG_DONTWAIT);
            if (r > 0) {
                sent += r;
            } else if (r < 0 && Libc.errno() == Libc.EINTR) {
                continue;
            } else if (r < 0 && (Libc.errno() == Libc.EAGAIN || Libc.errno() == Libc.ENOBUFS)) {
                lost = queued - sent; // the socket's buffer is full: the rest cannot go now
            } else {
                lost++; // this one reply cannot be sent (say, to an address that cannot be reached); go on
            }
        }
        queued = 0;
        return lost;
    }

    @Override
    public void release(Batch batch) {
        batch.clear();
    }

    @Override
    public int readyFd() {
        return fd;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
        buffers.close();
    }
}
