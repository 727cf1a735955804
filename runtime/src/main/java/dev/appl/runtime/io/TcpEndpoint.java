package dev.appl.runtime.io;

import dev.appl.runtime.kernel.Batch;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stream port on TCP ({@code tcp:HOST:PORT}): a listening socket (one per worker, SO_REUSEPORT)
 * and the connections it accepts, all watched by one epoll instance. Bytes are read into a buffer
 * per connection and cut into frames by the kernel's framing ({@link Kernel#frameLength}); each
 * whole frame's message is copied into a batch buffer with {@link Kernel#HEADROOM} before it and
 * room for a reply as long as the port's longest frame after it, and handled there; its reply is
 * sent from that buffer, after a fresh length prefix when the framing has one.
 *
 * <p>Connections with state ({@link Kernel#connectionSlots}: a session, an {@code on connect}
 * handler or a {@code close}): the driver keeps each one's state in one array and hands it to the
 * kernel with each message. A new connection is filled by {@link Kernel#openConnection}; if that
 * leaves it {@link Kernel#CONNECTING}, its first message is an empty one, handled before any byte
 * is read (its reply is a greeting). Each frame is cut with the framing of the connection's phase
 * at the time, so a connection has at most one message in a batch: the next is cut once the
 * handler has run (and may have entered another phase). A connection whose handler set
 * {@link Kernel#CLOSE} is closed once that handler's reply has been sent.
 *
 * <p>Limits, so that no client can make the appliance buffer without bound: at most
 * {@link Kernel#connections} connections of the port are open at once over all workers (more are
 * accepted and closed at once, and counted); a frame longer than the port's
 * {@link Kernel#frameMax} (the spec's {@code max} plus the length prefix), or one the framing calls
 * malformed, closes its connection; a connection whose replies the client does not read is not
 * read from either (back-pressure: its requests wait in the client's socket), and is closed if its
 * unsent replies outgrow {@value #PENDING_FRAMES} longest frames (and at least
 * {@value #MIN_PENDING} bytes, so that a batch of small replies fits). A spec whose {@code max} is
 * over {@value #MAX_MESSAGE} bytes, or whose {@code connections} is over
 * {@value #MAX_CONNECTIONS}, is refused at start. Buffers are {@link LazyMemory}: a connection's
 * input buffer is mapped when it first reads and given back when it closes, and costs memory only
 * as far as its frames reach.
 */
public final class TcpEndpoint implements Endpoint {
    /**
     * The kind of port this driver serves: applc build keeps a driver in an image only when the
     * appliance has a port of its kind (dev.appl.compiler.image.RuntimeReach).
     */
    public static final String PORT_KIND = "stream";

    /** The most connections a port may allow ({@code connections}): each worker keeps a slot for each. */
    static final int MAX_CONNECTIONS = 65_536;
    /** The largest {@code max} a stream port may declare for this driver (64 MiB). */
    static final int MAX_MESSAGE = 64 << 20;
    static final int PENDING_FRAMES = 4;
    static final int MIN_PENDING = 256 * 1024;
    private static final long LISTENER = -1;

    private final String port;
    private final Kernel kernel;
    private final int kernelPort;
    /** The length prefix of a port without state, whose phase is always 0. */
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

    /** The port's open connections over all workers, and the most it takes. */
    private final AtomicInteger open;
    private final int limit;

    // Connections by slot; a worker has a slot for each connection the port may have.
    private final int[] fd;
    private final int[] generation;
    private final int[] start;
    private final int[] end;
    private final boolean[] eof;
    private final boolean[] ready;
    /** Whether the connection's message is in the batch being handled (connections with state only). */
    private final boolean[] inBatch;
    /** Whether the connection closes once its unsent replies are gone. */
    private final boolean[] closing;
    private final MemorySegment[] input;
    private final MemorySegment[] pending;
    private final int[] pendingStart;
    private final int[] pendingEnd;
    /** Connections with whole frames left over when the last batch filled up, or with state and more bytes. */
    private final int[] readyQueue;
    private int readyCount;
    private final int[] free;
    private int freeCount;

    /** Each connection's state, {@link #slots} longs from slot * slots; empty for a port without state. */
    private final long[] state;
    private final int slots;

    // The batch's messages: their buffers, the connection each came from, and which connection that was.
    private final MemorySegment[] messages = new MemorySegment[Batch.DEFAULT_CAPACITY];
    private final int[] batchSlot = new int[Batch.DEFAULT_CAPACITY];
    private final int[] batchGeneration = new int[Batch.DEFAULT_CAPACITY];
    /** The length prefix of the framing each message came in, which its reply gets too (none for a greeting). */
    private final int[] batchPrefix = new int[Batch.DEFAULT_CAPACITY];

    private long refused;
    private long badFrames;
    private long overrun;
    private long noMemory;
    private long framingFailures;
    private String firstFramingFailure;

    private TcpEndpoint(String port, Kernel kernel, int kernelPort, int listener, int epoll, InetSocketAddress address,
            AtomicInteger open) {
        this.port = port;
        this.kernel = kernel;
        this.kernelPort = kernelPort;
        this.prefix = kernel.framePrefix(kernelPort, 0);
        this.maxFrame = (int) kernel.frameMax(kernelPort);
        this.maxPending = (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_PENDING, (long) PENDING_FRAMES * maxFrame));
        this.listener = listener;
        this.epoll = epoll;
        this.address = address;
        this.open = open;
        this.limit = kernel.connections(kernelPort);
        this.slots = kernel.connectionSlots(kernelPort);
        events = arena.allocate(Libc.EPOLL_EVENT * Batch.DEFAULT_CAPACITY, 8);
        event = arena.allocate(Libc.EPOLL_EVENT, 8);
        fd = new int[limit];
        generation = new int[limit];
        start = new int[limit];
        end = new int[limit];
        eof = new boolean[limit];
        ready = new boolean[limit];
        inBatch = new boolean[limit];
        closing = new boolean[limit];
        input = new MemorySegment[limit];
        pending = new MemorySegment[limit];
        pendingStart = new int[limit];
        pendingEnd = new int[limit];
        readyQueue = new int[limit];
        free = new int[limit];
        for (int i = 0; i < limit; i++) {
            free[i] = limit - 1 - i;
        }
        freeCount = limit;
        state = new long[slots * limit];
        java.util.Arrays.fill(fd, -1);
    }

    /**
     * A socket listening on {@code address} (SO_REUSEPORT; port 0 picks a free one, see {@link #address()}).
     *
     * @param first whether this is the port's first socket, which checks that no other program has
     *     one on the address ({@link AddressProbe})
     * @param open the port's open connections over all its workers' endpoints, which the limit
     *     ({@link Kernel#connections}) applies to
     */
    public static TcpEndpoint open(String port, InetSocketAddress address, Kernel kernel, int kernelPort,
            boolean first, AtomicInteger open) throws PortException {
        String where = "tcp:" + SocketAddresses.text(address);
        long maxFrame = kernel.frameMax(kernelPort);
        int prefix = kernel.framePrefix(kernelPort, 0);
        if (maxFrame - prefix > MAX_MESSAGE) {
            throw new PortException("port `" + port + "`: " + where + ": the spec's max of " + (maxFrame - prefix)
                    + " bytes is over the " + MAX_MESSAGE + " (64MiB) that the tcp driver supports");
        }
        if (maxFrame <= prefix) {
            throw new PortException("port `" + port + "`: " + where + ": not a stream port with a framing");
        }
        int connections = kernel.connections(kernelPort);
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new PortException("port `" + port + "`: " + where + ": the spec's connections of " + connections
                    + " is over the " + MAX_CONNECTIONS + " that the tcp driver supports");
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
            TcpEndpoint endpoint = new TcpEndpoint(port, kernel, kernelPort, fd, epoll, SocketAddresses.read(addr), open);
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
                accept(batch);
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

    private void accept(Batch batch) {
        for (int tries = 0; tries < 64; tries++) {
            int c = Libc.accept4(listener, MemorySegment.NULL, MemorySegment.NULL, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (c < 0) {
                return; // EAGAIN: none left; anything else (the client gave up): nothing to do
            }
            if (open.incrementAndGet() > limit || freeCount == 0) {
                open.decrementAndGet();
                refused++;
                Libc.close(c);
                continue;
            }
            int slot = free[--freeCount];
            fd[slot] = c;
            generation[slot]++;
            start[slot] = 0;
            end[slot] = 0;
            eof[slot] = false;
            closing[slot] = false;
            inBatch[slot] = false;
            pendingStart[slot] = 0;
            pendingEnd[slot] = 0;
            Libc.setsockopt(c, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            Libc.epollCtl(epoll, Libc.EPOLL_CTL_ADD, c, Libc.EPOLLIN | Libc.EPOLLRDHUP, slot, event);
            if (slots > 0) {
                kernel.openConnection(kernelPort, state, slot * slots);
                if (state[slot * slots + Kernel.PHASE] == Kernel.CONNECTING) {
                    cut(slot, batch); // the greeting, before any byte is read
                }
            }
        }
    }

    /** Reads what the connection has, into the free end of its buffer (moving its bytes to the front first). */
    private void read(int slot) {
        MemorySegment buffer = input[slot];
        if (buffer == null) {
            buffer = input[slot] = LazyMemory.map(maxFrame);
            if (buffer == null) {
                noMemory++;
                closeConnection(slot);
                return;
            }
        }
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

    /**
     * Moves the connection's whole frames into the batch, as long as there is room and no reply
     * waits; a connection with state gives at most one (its greeting, or a frame of its phase) and
     * is queued to be cut again once that is handled.
     */
    private void cut(int slot, Batch batch) {
        int base = slot * slots;
        while (fd[slot] >= 0 && pendingEnd[slot] == 0 && !closing[slot] && !inBatch[slot]) {
            if (slots > 0 && state[base + Kernel.PHASE] == Kernel.CONNECTING) {
                if (batch.full()) {
                    queue(slot);
                    return;
                }
                add(batch, slot, null, 0, 0, 0);
                return;
            }
            int phase = slots > 0 ? (int) state[base + Kernel.PHASE] : 0;
            int framePrefix = slots > 0 ? kernel.framePrefix(kernelPort, phase) : prefix;
            int available = end[slot] - start[slot];
            int length = available == 0 ? Kernel.NEED_MORE : frameLength(input[slot], phase, start[slot], available);
            if (length == Kernel.NEED_MORE) {
                if (available == maxFrame) {
                    badFrames++; // a framing that needs more than a whole buffer to say how long the frame is
                    closeConnection(slot);
                } else if (eof[slot]) {
                    closeConnection(slot); // the client is gone; a partial frame is no request
                }
                return;
            }
            if (length < 0 || length > maxFrame || length < framePrefix) {
                badFrames++;
                closeConnection(slot);
                return;
            }
            if (length > available) {
                return;
            }
            if (batch.full()) {
                queue(slot);
                return;
            }
            if (!add(batch, slot, input[slot], start[slot] + framePrefix, length - framePrefix, framePrefix)) {
                return;
            }
            start[slot] += length;
            if (slots > 0) {
                if (end[slot] > start[slot]) {
                    queue(slot); // more bytes, to be cut in the phase the handler leaves
                }
                return;
            }
        }
    }

    /**
     * Copies a message into the batch's next buffer (mapped when first used) and notes its
     * connection; false (the connection closed) when no buffer could be mapped.
     */
    private boolean add(Batch batch, int slot, MemorySegment from, long offset, int size, int framePrefix) {
        int k = batch.size();
        MemorySegment into = messages[k];
        if (into == null) {
            into = messages[k] = LazyMemory.map(Kernel.HEADROOM + (long) maxFrame + Kernel.HEADROOM);
            if (into == null) {
                noMemory++;
                closeConnection(slot);
                return false;
            }
        }
        if (size > 0) {
            MemorySegment.copy(from, offset, into, Kernel.HEADROOM, size);
        }
        PacketView view = batch.add().set(into, Kernel.HEADROOM, size);
        view.connection = slots > 0 ? state : null;
        view.connectionBase = slot * slots;
        batchSlot[k] = slot;
        batchGeneration[k] = generation[slot];
        batchPrefix[k] = framePrefix;
        inBatch[slot] = slots > 0;
        return true;
    }

    private void queue(int slot) {
        if (!ready[slot]) {
            ready[slot] = true;
            readyQueue[readyCount++] = slot;
        }
    }

    /**
     * The kernel's framing on a client's bytes. Framing that throws (a bug in the compiled
     * appliance) cannot say where the frame ends: the frame counts as malformed, and the first such
     * error is kept for the summary.
     */
    private int frameLength(MemorySegment buffer, int phase, long offset, int available) {
        try {
            return kernel.frameLength(kernelPort, phase, buffer, offset, available);
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
        boolean sent = fate == Kernel.REPLY && reply(slot, batch.view(i), batchPrefix[i]);
        if (fd[slot] >= 0 && slots > 0 && state[slot * slots + Kernel.CLOSE] != 0) {
            // Closed by its handler: once the reply is gone.
            if (pendingEnd[slot] == 0) {
                closeConnection(slot);
            } else {
                closing[slot] = true;
            }
        }
        return sent;
    }

    /** Sends a reply on its connection, after a length prefix of {@code replyPrefix} bytes (0: none). */
    private boolean reply(int slot, PacketView reply, int replyPrefix) {
        // No room for the prefix, or a reply longer than the prefix can say (a framing header, prefix
        // 0, has no prefix to outgrow).
        if (reply.offset < replyPrefix || (replyPrefix > 0 && replyPrefix < 4 && reply.length >= 1L << (8 * replyPrefix))) {
            return false;
        }
        long from = reply.offset - replyPrefix;
        int length = reply.length + replyPrefix;
        if (replyPrefix > 0) {
            Framing.writePrefix(reply.segment, from, replyPrefix, reply.length);
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
        if (pendingEnd[slot] + (long) rest > maxPending) {
            overrun++;
            closeConnection(slot);
            return false;
        }
        if (pending[slot] == null) {
            pending[slot] = LazyMemory.map(maxPending);
            if (pending[slot] == null) {
                noMemory++;
                closeConnection(slot);
                return false;
            }
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

    /**
     * Sends what waits on a connection; true when all of it is gone (the connection is read again,
     * or closed if its handler closed it).
     */
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
        if (closing[slot]) {
            closeConnection(slot);
            return false;
        }
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
        closing[slot] = false;
        LazyMemory.unmap(input[slot]);
        input[slot] = null;
        LazyMemory.unmap(pending[slot]);
        pending[slot] = null;
        free[freeCount++] = slot;
        open.decrementAndGet();
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
        for (int k = 0; k < batch.size(); k++) {
            int slot = batchSlot[k];
            if (generation[slot] != batchGeneration[k]) {
                continue;
            }
            inBatch[slot] = false;
            // A connection at end of file with nothing left to send or cut is finished.
            if (fd[slot] >= 0 && eof[slot] && pendingEnd[slot] == 0 && !ready[slot] && end[slot] == start[slot]) {
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
        if (refused == 0 && badFrames == 0 && overrun == 0 && noMemory == 0) {
            return null;
        }
        String framing = framingFailures == 0 ? ""
                : " (" + framingFailures + " of them because the framing failed, the first time with "
                        + firstFramingFailure + ")";
        return refused + " connections refused over the limit of " + limit + " open on the port, " + badFrames
                + " closed on a malformed or too long frame" + framing + ", " + overrun
                + " closed for not reading their replies"
                + (noMemory == 0 ? "" : ", " + noMemory + " closed for want of memory for their buffers");
    }

    @Override
    public void close() {
        for (int slot = 0; slot < limit; slot++) {
            if (fd[slot] >= 0) {
                Libc.close(fd[slot]);
                fd[slot] = -1;
            }
            LazyMemory.unmap(input[slot]);
            input[slot] = null;
            LazyMemory.unmap(pending[slot]);
            pending[slot] = null;
        }
        for (int k = 0; k < messages.length; k++) {
            LazyMemory.unmap(messages[k]);
            messages[k] = null;
        }
        Libc.close(listener);
        Libc.close(epoll);
        arena.close();
    }
}
