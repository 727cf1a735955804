package dev.appl.runtime.io;

import dev.appl.runtime.kernel.Batch;
import dev.appl.runtime.kernel.BufferPool;
import dev.appl.runtime.kernel.Endpoint;
import dev.appl.runtime.kernel.Framing;
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
 * A stream port on TCP ({@code tcp:HOST:PORT}): a listening socket (one per worker, SO_REUSEPORT)
 * and the connections it accepts, all watched by one epoll instance. Bytes are read into a buffer
 * per connection and cut into frames by the kernel's framing ({@link Kernel#frameLength}); each
 * whole frame's message is copied into a batch buffer with {@link Kernel#HEADROOM} around it and
 * handled there, and its reply is sent from that buffer, after a fresh length prefix when the
 * framing has one.
 *
 * <p>Limits, so that no client can make the appliance buffer without bound: at most
 * {@value #MAX_CONNECTIONS} connections per worker (more are accepted and closed at once); a frame
 * longer than the port's {@link Kernel#frameMax} (the spec's {@code max} plus the length prefix:
 * each connection's buffer has that size), or one the framing calls malformed, closes its
 * connection; a connection whose replies the client does not read is not read from either
 * (back-pressure: its requests wait in the client's socket), and is closed if its unsent replies
 * outgrow {@value #PENDING_FRAMES} longest frames (and at least {@value #MIN_PENDING} bytes, so that a
 * batch of small replies fits). A spec whose {@code max} is over
 * {@value #MAX_MESSAGE} bytes is refused at start: every connection's buffer is allocated when the
 * worker starts.
 */
public final class TcpEndpoint implements Endpoint {
    /**
     * The kind of port this driver serves: applc build keeps a driver in an image only when the
     * appliance has a port of its kind (dev.appl.compiler.image.RuntimeReach).
     */
    public static final String PORT_KIND = "stream";

    static final int MAX_CONNECTIONS = 256;
    /** The largest {@code max} a stream port may declare for this driver (1 MiB). */
    static final int MAX_MESSAGE = 1 << 20;
    static final int PENDING_FRAMES = 4;
    static final int MIN_PENDING = 256 * 1024;
    private static final long LISTENER = -1;

    private final String port;
    private final Kernel kernel;
    private final int kernelPort;
    private final int prefix;
    /** The longest frame, prefix included: the size of each connection's buffer. */
    private final int maxFrame;
    private final int maxPending;
    private final int listener;
    private final int epoll;
    private final InetSocketAddress address;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment event;
    private final BufferPool input;
    private final BufferPool messages;

    // Connections by slot (the index of their input buffer).
    private final int[] fd = new int[MAX_CONNECTIONS];
    private final int[] generation = new int[MAX_CONNECTIONS];
    private final int[] start = new int[MAX_CONNECTIONS];
    private final int[] end = new int[MAX_CONNECTIONS];
    private final boolean[] eof = new boolean[MAX_CONNECTIONS];
    private final boolean[] ready = new boolean[MAX_CONNECTIONS];
    private final MemorySegment[] pending = new MemorySegment[MAX_CONNECTIONS];
    private final int[] pendingStart = new int[MAX_CONNECTIONS];
    private final int[] pendingEnd = new int[MAX_CONNECTIONS];
    /** Connections with whole frames left over when the last batch filled up. */
    private final int[] readyQueue = new int[MAX_CONNECTIONS];
    private int readyCount;

    // The batch's messages: the connection each came from, and which connection that was.
    private final int[] batchSlot = new int[Batch.DEFAULT_CAPACITY];
    private final int[] batchGeneration = new int[Batch.DEFAULT_CAPACITY];

    private long refused;
    private long badFrames;
    private long overrun;
    private long framingFailures;
    private String firstFramingFailure;

    private TcpEndpoint(String port, Kernel kernel, int kernelPort, int listener, int epoll, InetSocketAddress address) {
        this.port = port;
        this.kernel = kernel;
        this.kernelPort = kernelPort;
        this.prefix = kernel.framePrefix(kernelPort);
        this.maxFrame = (int) kernel.frameMax(kernelPort);
        this.maxPending = Math.max(MIN_PENDING, PENDING_FRAMES * maxFrame);
        this.listener = listener;
        this.epoll = epoll;
        this.address = address;
        events = arena.allocate(Libc.EPOLL_EVENT * Batch.DEFAULT_CAPACITY, 8);
        event = arena.allocate(Libc.EPOLL_EVENT, 8);
        input = new BufferPool(MAX_CONNECTIONS, maxFrame);
        messages = new BufferPool(Batch.DEFAULT_CAPACITY, Kernel.HEADROOM + maxFrame + Kernel.HEADROOM);
        java.util.Arrays.fill(fd, -1);
    }

    /**
     * A socket listening on {@code address} (SO_REUSEPORT; port 0 picks a free one, see {@link #address()}).
     *
     * @param first whether this is the port's first socket, which checks that no other program has
     *     one on the address ({@link AddressProbe})
     */
    public static TcpEndpoint open(String port, InetSocketAddress address, Kernel kernel, int kernelPort,
            boolean first) throws PortException {
        String where = "tcp:" + SocketAddresses.text(address);
        long maxFrame = kernel.frameMax(kernelPort);
        int prefix = kernel.framePrefix(kernelPort);
        if (maxFrame - prefix > MAX_MESSAGE) {
            throw new PortException("port `" + port + "`: " + where + ": the spec's max of " + (maxFrame - prefix)
                    + " bytes is over the " + MAX_MESSAGE + " (1MiB) that the tcp driver supports (each of its "
                    + MAX_CONNECTIONS + " connections per worker has a buffer of that size)");
        }
        if (maxFrame <= prefix) {
            throw new PortException("port `" + port + "`: " + where + ": not a stream port with a framing");
        }
        if (first) {
            AddressProbe.checkFree(port, where, address, Libc.SOCK_STREAM);
        }
        int fd = Libc.socket(SocketAddresses.family(address), Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw PortException.of(port, where, Libc.errno());
        }
        try (Arena arena = Arena.ofConfined()) {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            MemorySegment addr = arena.allocate(Libc.SOCKADDR_STORAGE, 8);
            int length = SocketAddresses.write(address, addr);
            if (Libc.bind(fd, addr, length) < 0 || Libc.listen(fd, 1024) < 0) {
                int errno = Libc.errno();
                Libc.close(fd);
                throw PortException.of(port, where, errno);
            }
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) Libc.SOCKADDR_STORAGE);
            Libc.getsockname(fd, addr, len);
            int epoll = Libc.epollCreate();
            if (epoll < 0) {
                int errno = Libc.errno();
                Libc.close(fd);
                throw PortException.of(port, where, errno);
            }
            TcpEndpoint endpoint = new TcpEndpoint(port, kernel, kernelPort, fd, epoll, SocketAddresses.read(addr));
            Libc.epollCtl(epoll, Libc.EPOLL_CTL_ADD, fd, Libc.EPOLLIN, LISTENER, endpoint.event);
            return endpoint;
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    @Override
    public int receive(Batch batch) throws IOException {
        batch.clear();
        // Frames left over from the last batch go first, in the order their connections queued.
        int waiting = readyCount;
        readyCount = 0;
        for (int k = 0; k < waiting; k++) {
            int slot = readyQueue[k];
            ready[slot] = false;
            if (fd[slot] >= 0) {
                cut(slot, batch);
            }
        }
        if (batch.full()) {
            return batch.size();
        }
        int n = Libc.epollWait(epoll, events, Batch.DEFAULT_CAPACITY, 0);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Libc.EINTR) {
                return batch.size();
            }
            throw PortException.of(port, "epoll_wait", errno);
        }
        for (int e = 0; e < n; e++) {
            int what = events.get(ValueLayout.JAVA_INT_UNALIGNED, e * Libc.EPOLL_EVENT);
            long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, e * Libc.EPOLL_EVENT + Libc.EPOLL_DATA);
            if (data == LISTENER) {
                accept();
                continue;
            }
            int slot = (int) data;
            if (fd[slot] < 0) {
                continue;
            }
            if ((what & Libc.EPOLLOUT) != 0 && !drain(slot)) {
                continue;
            }
            if ((what & (Libc.EPOLLIN | Libc.EPOLLHUP | Libc.EPOLLERR | Libc.EPOLLRDHUP)) != 0 && pendingEnd[slot] == 0) {
                read(slot);
            }
            if (fd[slot] >= 0) {
                cut(slot, batch);
            }
        }
        return batch.size();
    }

    private void accept() {
        for (int tries = 0; tries < 64; tries++) {
            int c = Libc.accept4(listener, MemorySegment.NULL, MemorySegment.NULL, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (c < 0) {
                return; // EAGAIN: none left; anything else (the client gave up): nothing to do
            }
            int slot = input.take();
            if (slot < 0) {
                refused++;
                Libc.close(c);
                continue;
            }
            fd[slot] = c;
            generation[slot]++;
            start[slot] = 0;
            end[slot] = 0;
            eof[slot] = false;
            pendingStart[slot] = 0;
            pendingEnd[slot] = 0;
            Libc.setsockopt(c, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            Libc.epollCtl(epoll, Libc.EPOLL_CTL_ADD, c, Libc.EPOLLIN | Libc.EPOLLRDHUP, slot, event);
        }
    }

    /** Reads what the connection has, into the free end of its buffer (moving its bytes to the front first). */
    private void read(int slot) {
        MemorySegment buffer = input.slot(slot);
        if (start[slot] > 0) {
            int have = end[slot] - start[slot];
            MemorySegment.copy(buffer, start[slot], buffer, 0, have);
            start[slot] = 0;
            end[slot] = have;
        }
        int room = maxFrame - end[slot];
        if (room == 0) {
            return;
        }
        long got = Libc.recv(fd[slot], buffer.asSlice(end[slot]), room, Libc.MSG_DONTWAIT);
        if (got > 0) {
            end[slot] += (int) got;
        } else if (got == 0) {
            eof[slot] = true;
            Libc.epollCtl(epoll, Libc.EPOLL_CTL_MOD, fd[slot], 0, slot, event);
        } else if (Libc.errno() != Libc.EAGAIN && Libc.errno() != Libc.EINTR) {
            closeConnection(slot); // reset by the peer
        }
    }

    /** Moves the connection's whole frames into the batch, as long as there is room and no reply waits. */
    private void cut(int slot, Batch batch) {
        MemorySegment buffer = input.slot(slot);
        while (fd[slot] >= 0 && pendingEnd[slot] == 0) {
            int available = end[slot] - start[slot];
            int length = available == 0 ? Kernel.NEED_MORE : frameLength(buffer, start[slot], available);
            if (length == Kernel.NEED_MORE) {
                if (available == maxFrame) {
                    badFrames++; // a framing that needs more than a whole buffer to say how long the frame is
                    closeConnection(slot);
                } else if (eof[slot]) {
                    closeConnection(slot); // the client is gone; a partial frame is no request
                }
                return;
            }
            if (length < 0 || length > maxFrame || length < prefix) {
                badFrames++;
                closeConnection(slot);
                return;
            }
            if (length > available) {
                return;
            }
            if (batch.full()) {
                if (!ready[slot]) {
                    ready[slot] = true;
                    readyQueue[readyCount++] = slot;
                }
                return;
            }
            int k = batch.size();
            int size = length - prefix;
            MemorySegment into = messages.slot(k);
            MemorySegment.copy(buffer, start[slot] + prefix, into, Kernel.HEADROOM, size);
            batch.add().set(into, Kernel.HEADROOM, size);
            batchSlot[k] = slot;
            batchGeneration[k] = generation[slot];
            start[slot] += length;
        }
    }

    /**
     * The kernel's framing on a client's bytes. Framing that throws (a bug in the compiled
     * appliance) cannot say where the frame ends: the frame counts as malformed, and the first such
     * error is kept for the summary.
     */
    private int frameLength(MemorySegment buffer, long offset, int available) {
        try {
            return kernel.frameLength(kernelPort, buffer, offset, available);
        } catch (RuntimeException e) {
            framingFailures++;
            if (firstFramingFailure == null) {
                firstFramingFailure = e.toString();
            }
            return Kernel.MALFORMED;
        }
    }

    @Override
    public boolean complete(Batch batch, int i, int fate) {
        int slot = batchSlot[i];
        if (fd[slot] < 0 || generation[slot] != batchGeneration[i]) {
            return false; // the connection was closed since the message arrived
        }
        if (fate == Kernel.MALFORMED) {
            closeConnection(slot);
            return false;
        }
        if (fate != Kernel.REPLY) {
            return false;
        }
        PacketView reply = batch.view(i);
        // No room for the prefix, or a reply longer than the prefix can say (a framing header, prefix
        // 0, has no prefix to outgrow).
        if (reply.offset < prefix || (prefix > 0 && prefix < 4 && reply.length >= 1L << (8 * prefix))) {
            return false;
        }
        long from = reply.offset - prefix;
        int length = reply.length + prefix;
        if (prefix > 0) {
            Framing.writePrefix(reply.segment, from, prefix, reply.length);
        }
        return write(slot, reply.segment, from, length);
    }

    /** Sends bytes on a connection, keeping what the socket does not take for when it can. */
    private boolean write(int slot, MemorySegment bytes, long from, int length) {
        int sent = 0;
        if (pendingEnd[slot] == 0) {
            long r = Libc.send(fd[slot], bytes.asSlice(from, length), length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            if (r < 0 && Libc.errno() != Libc.EAGAIN && Libc.errno() != Libc.EINTR) {
                closeConnection(slot);
                return false;
            }
            sent = (int) Math.max(0, r);
        }
        if (sent == length) {
            return true;
        }
        int rest = length - sent;
        if (pending[slot] == null) {
            pending[slot] = arena.allocate(maxPending);
        }
        if (pendingEnd[slot] + rest > maxPending) {
            overrun++;
            closeConnection(slot);
            return false;
        }
        MemorySegment.copy(bytes, from + sent, pending[slot], pendingEnd[slot], rest);
        boolean wasEmpty = pendingEnd[slot] == 0;
        pendingEnd[slot] += rest;
        if (wasEmpty) {
            // Stop reading the client until it reads our replies: its requests wait in its own socket.
            Libc.epollCtl(epoll, Libc.EPOLL_CTL_MOD, fd[slot], Libc.EPOLLOUT, slot, event);
        }
        return true;
    }

    /** Sends what waits on a connection; true when all of it is gone (the connection is read again). */
    private boolean drain(int slot) {
        int length = pendingEnd[slot] - pendingStart[slot];
        long r = Libc.send(fd[slot], pending[slot].asSlice(pendingStart[slot], length), length,
                Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
        if (r < 0) {
            if (Libc.errno() != Libc.EAGAIN && Libc.errno() != Libc.EINTR) {
                closeConnection(slot);
            }
            return false;
        }
        pendingStart[slot] += (int) r;
        if (pendingStart[slot] < pendingEnd[slot]) {
            return false;
        }
        pendingStart[slot] = 0;
        pendingEnd[slot] = 0;
        Libc.epollCtl(epoll, Libc.EPOLL_CTL_MOD, fd[slot], eof[slot] ? 0 : Libc.EPOLLIN | Libc.EPOLLRDHUP, slot, event);
        return true;
    }

    private void closeConnection(int slot) {
        Libc.epollCtl(epoll, Libc.EPOLL_CTL_DEL, fd[slot], 0, slot, event);
        Libc.close(fd[slot]);
        fd[slot] = -1;
        start[slot] = 0;
        end[slot] = 0;
        pendingStart[slot] = 0;
        pendingEnd[slot] = 0;
        input.give(slot);
    }

    /** Streams carry replies only: there is no connection to forward a message to. */
    @Override
    public boolean transmit(PacketView packet) {
        return false;
    }

    @Override
    public int flush() {
        return 0; // replies were sent as they were made
    }

    @Override
    public void release(Batch batch) {
        // A connection at end of file with nothing left to send or cut is finished.
        for (int k = 0; k < batch.size(); k++) {
            int slot = batchSlot[k];
            if (fd[slot] >= 0 && generation[slot] == batchGeneration[k] && eof[slot] && pendingEnd[slot] == 0
                    && !ready[slot] && end[slot] == start[slot]) {
                closeConnection(slot);
            }
        }
        batch.clear();
    }

    @Override
    public int readyFd() {
        return epoll;
    }

    @Override
    public String discarded() {
        if (refused == 0 && badFrames == 0 && overrun == 0) {
            return null;
        }
        String framing = framingFailures == 0 ? ""
                : " (" + framingFailures + " of them because the framing failed, the first time with "
                        + firstFramingFailure + ")";
        return refused + " connections refused over the limit of " + MAX_CONNECTIONS + " per worker, " + badFrames
                + " closed on a malformed or too long frame" + framing + ", " + overrun
                + " closed for not reading their replies";
    }

    @Override
    public void close() {
        for (int slot = 0; slot < MAX_CONNECTIONS; slot++) {
            if (fd[slot] >= 0) {
                Libc.close(fd[slot]);
                fd[slot] = -1;
            }
        }
        Libc.close(listener);
        Libc.close(epoll);
        input.close();
        messages.close();
        arena.close();
    }
}
