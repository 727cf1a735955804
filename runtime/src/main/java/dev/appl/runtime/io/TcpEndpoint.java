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
 * per connection and cut into frames by the kernel's framing ({@link Kernel#frameLength}), and each
 * whole frame's message is handled where it can be answered in place: the frame that ends where the
 * connection's bytes so far end is handed to the kernel where it lies in the connection's buffer
 * (which leaves {@link Kernel#HEADROOM} before its bytes and room for a reply as long as the port's
 * longest frame after them), and an earlier one, whose reply could overwrite the frames after it, is
 * copied into a batch buffer with the same room. A frame's reply is sent from where it was made,
 * after a fresh length prefix when the framing has one.
 *
 * <p>A connection has one message at a time in a batch; once the kernel has handled it
 * ({@link #complete}), the connection's next whole frame is cut and added to the same batch. A
 * connection with state ({@link Kernel#connectionSlots}: a session, an {@code on connect} handler
 * or a {@code close}) thus has each frame cut with the framing of the phase its previous message's
 * handler left, and still a pipelined burst of requests is handled in one round. The driver keeps
 * each connection's state in one array and hands it to the kernel with each message. A new
 * connection is filled by {@link Kernel#openConnection}; if that leaves it {@link Kernel#CONNECTING},
 * its first message is an empty one, handled before any byte is read (its reply is a greeting). A
 * connection whose handler set {@link Kernel#CLOSE} is closed once that handler's reply has been
 * sent.
 *
 * <p>Replies are gathered over the round and sent by {@link #flush} (after the worker has made the
 * round's store flushes durable), each connection's in the order of its requests with one
 * {@code sendmsg}.
 *
 * <p>Limits, so that no client can make the appliance buffer without bound: at most
 * {@link Kernel#connections} connections of the port are open at once over all workers (more are
 * accepted and closed at once, and counted); a frame longer than the port's
 * {@link Kernel#frameMax} (the spec's {@code max} plus the length prefix), or one the framing calls
 * malformed, closes its connection; a connection whose replies the client does not read is not
 * read from either (back-pressure: its requests wait in the client's socket), and is closed if its
 * unsent replies outgrow {@value #PENDING_FRAMES} longest frames (and at least
 * {@value #MIN_PENDING} bytes, so that a batch of small replies fits). No more of a connection's
 * frames are handled in a round once its replies could pass that limit. A spec whose {@code max} is
 * over {@value #MAX_MESSAGE} bytes, or whose {@code connections} is over
 * {@value #MAX_CONNECTIONS}, is refused at start. Buffers are {@link LazyMemory}: a connection's
 * input buffer is mapped when it first reads and given back when it closes, and costs memory only
 * as far as its frames and replies reach.
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
    /**
     * A frame whose missing bytes are at least this many is read only up to its end, so that it
     * ends where the connection's bytes end and is handled in place rather than copied.
     */
    static final int LARGE_FRAME = 64 * 1024;
    private static final long LISTENER = -1;
    /** Where a connection's bytes start in its input buffer: the headroom a message handled in place needs. */
    private static final int DATA = Kernel.HEADROOM;
    /**
     * How many messages a batch of this driver holds: room for a burst of 16 pipelined requests from
     * each of the 64 connections an epoll_wait reports, so that a connection's burst is handled,
     * and answered with one sendmsg, in one round. At most IOV_MAX (1024), the most iovecs one
     * sendmsg takes, as all the batch's replies may be one connection's.
     */
    static final int CAPACITY = 1024;
    /** How many connections' events one epoll_wait reports. */
    private static final int EVENTS = Batch.DEFAULT_CAPACITY;

    private final String port;
    private final Kernel kernel;
    private final int kernelPort;
    /** The length prefix of a port without state, whose phase is always 0. */
    private final int prefix;
    /** The longest frame, prefix included: how many bytes each connection's buffer holds. */
    private final int maxFrame;
    /** The longest reply a message buffer can hold: the whole buffer. */
    private final long maxReply;
    private final int maxPending;
    private final int listener;
    private final int epoll;
    private final InetSocketAddress address;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment event;
    /** The {@code struct msghdr} and its iovecs a connection's replies of a round are sent with. */
    private final MemorySegment message;
    private final MemorySegment iovecs;

    /** The port's open connections over all workers, and the most it takes. */
    private final AtomicInteger open;
    private final int limit;

    // Connections by slot; a worker has a slot for each connection the port may have.
    private final int[] fd;
    private final int[] generation;
    /** The connection's unhandled bytes, [start, end) of its input buffer's data (from {@link #DATA}). */
    private final int[] start;
    private final int[] end;
    /** The length of the frame at start when the framing has told it; 0 while it has not. */
    private final int[] need;
    private final boolean[] eof;
    private final boolean[] ready;
    /** Whether the connection has a message in the batch that the kernel has not handled yet. */
    private final boolean[] inBatch;
    /** Whether the connection closes once its unsent replies are gone. */
    private final boolean[] closing;
    private final MemorySegment[] input;
    private final MemorySegment[] pending;
    private final int[] pendingStart;
    private final int[] pendingEnd;
    /** Connections with whole frames left over when the last batch filled up. */
    private final int[] readyQueue;
    private int readyCount;
    private final int[] free;
    private int freeCount;

    /** Each connection's state, {@link #slots} longs from slot * slots; empty for a port without state. */
    private final long[] state;
    private final int slots;

    // The batch's messages: their buffers, the connection each came from, and which connection that was.
    private final MemorySegment[] messages = new MemorySegment[CAPACITY];
    private final int[] batchSlot = new int[CAPACITY];
    private final int[] batchGeneration = new int[CAPACITY];
    /** The length prefix of the framing each message came in, which its reply gets too (none for a greeting). */
    private final int[] batchPrefix = new int[CAPACITY];

    // The round's replies, chained per connection in the order of its messages: where each is, and
    // the next of its connection's (-1: none).
    private final MemorySegment[] replySegment = new MemorySegment[CAPACITY];
    private final long[] replyFrom = new long[CAPACITY];
    private final int[] replyLength = new int[CAPACITY];
    private final int[] replyNext = new int[CAPACITY];
    /** Per connection: its first and last reply of the round (-1: none) and their bytes. */
    private final int[] firstReply;
    private final int[] lastReply;
    private final long[] replyBytes;
    /** The connections with replies this round, or closing, in the order they got their first. */
    private final int[] touched = new int[CAPACITY];
    private final int[] touchedGeneration = new int[CAPACITY];
    private int touchedCount;
    private final boolean[] isTouched;

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
        this.maxReply = Kernel.HEADROOM + (long) maxFrame + Kernel.HEADROOM;
        this.maxPending = (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_PENDING, (long) PENDING_FRAMES * maxFrame));
        this.listener = listener;
        this.epoll = epoll;
        this.address = address;
        this.open = open;
        this.limit = kernel.connections(kernelPort);
        this.slots = kernel.connectionSlots(kernelPort);
        events = arena.allocate(Libc.EPOLL_EVENT * EVENTS, 8);
        event = arena.allocate(Libc.EPOLL_EVENT, 8);
        message = arena.allocate(Libc.MMSGHDR);
        iovecs = arena.allocate(Libc.IOVEC, CAPACITY);
        message.set(ValueLayout.JAVA_LONG, Libc.MSG_IOV, iovecs.address());
        fd = new int[limit];
        generation = new int[limit];
        start = new int[limit];
        end = new int[limit];
        need = new int[limit];
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
        firstReply = new int[limit];
        lastReply = new int[limit];
        replyBytes = new long[limit];
        isTouched = new boolean[limit];
        java.util.Arrays.fill(fd, -1);
        java.util.Arrays.fill(firstReply, -1);
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
    public int batchCapacity() {
        return CAPACITY;
    }

    @Override
    public int receive(Batch batch) throws IOException {
        batch.clear();
        // Connections with frames left over from the last round go first, in the order they queued.
        int waiting = readyCount;
        readyCount = 0;
        for (int k = 0; k < waiting; k++) {
            int slot = readyQueue[k];
            ready[slot] = false;
            cut(slot, batch);
        }
        if (batch.full()) {
            return batch.size();
        }
        int n = Libc.epollWait(epoll, events, EVENTS, 0);
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
            // A connection with a message in the batch is not read: that message may lie in its
            // buffer, where its reply is made. Its bytes wait in the socket for the next round.
            if ((what & (Libc.EPOLLIN | Libc.EPOLLHUP | Libc.EPOLLERR | Libc.EPOLLRDHUP)) != 0 && pendingEnd[slot] == 0
                    && !inBatch[slot]) {
                read(slot);
            }
            cut(slot, batch);
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
            need[slot] = 0;
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

    /**
     * Reads what the connection has into the free end of its buffer. Its bytes are moved to the
     * front only when the frame they start cannot fit after them (or, its length unknown yet, when
     * the buffer is full): a connection's buffer then takes many frames before its bytes move. A
     * large frame whose length is known is read only up to its end, to be handled in place.
     */
    private void read(int slot) {
        MemorySegment buffer = input[slot];
        if (buffer == null) {
            // Room for the bytes, the headroom before them and a reply as long as a frame after the last.
            buffer = input[slot] = LazyMemory.map(DATA + 2L * maxFrame + Kernel.HEADROOM);
            if (buffer == null) {
                noMemory++;
                closeConnection(slot);
                return;
            }
        }
        int have = end[slot] - start[slot];
        if (have == 0) {
            start[slot] = end[slot] = 0;
        } else if (need[slot] > 0 ? start[slot] + need[slot] > maxFrame : end[slot] == maxFrame && start[slot] > 0) {
            MemorySegment.copy(buffer, DATA + start[slot], buffer, DATA, have);
            start[slot] = 0;
            end[slot] = have;
        }
        int room = maxFrame - end[slot];
        if (need[slot] - have >= LARGE_FRAME) {
            room = Math.min(room, start[slot] + need[slot] - end[slot]);
        }
        if (room == 0) {
            return;
        }
        long got = Libc.recv(fd[slot], buffer.asSlice(DATA + end[slot]), room, Libc.MSG_DONTWAIT);
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
     * Adds the connection's next message to the batch: its greeting, or its next whole frame, cut
     * with the framing of its phase now. Nothing when it has a message in the batch already, unsent
     * replies, or no whole frame; queued for the next round when the batch is full or the
     * connection's replies of this round are as many bytes as it may have waiting.
     */
    private void cut(int slot, Batch batch) {
        if (fd[slot] < 0 || pendingEnd[slot] != 0 || closing[slot] || inBatch[slot]) {
            return;
        }
        int base = slot * slots;
        if (slots > 0 && state[base + Kernel.PHASE] == Kernel.CONNECTING) {
            if (batch.full()) {
                queue(slot);
            } else {
                add(batch, slot, null, 0, 0, 0);
            }
            return;
        }
        int available = end[slot] - start[slot];
        if (available == 0) {
            if (eof[slot]) {
                finish(slot);
            }
            return;
        }
        int phase = slots > 0 ? (int) state[base + Kernel.PHASE] : 0;
        int framePrefix = slots > 0 ? kernel.framePrefix(kernelPort, phase) : prefix;
        int length = need[slot];
        if (length == 0) {
            length = frameLength(input[slot], phase, DATA + start[slot], available);
            if (length == Kernel.NEED_MORE) {
                if (available == maxFrame) {
                    badFrames++; // a framing that needs more than a whole buffer to say how long the frame is
                    closeConnection(slot);
                } else if (eof[slot]) {
                    finish(slot); // the client is gone; a partial frame is no request
                }
                return;
            }
            if (length < 0 || length > maxFrame || length < framePrefix) {
                badFrames++;
                closeConnection(slot);
                return;
            }
            need[slot] = length;
        }
        if (length > available) {
            if (eof[slot]) {
                finish(slot);
            }
            return;
        }
        if (batch.full() || replyBytes[slot] > maxPending - maxReply) {
            queue(slot);
            return;
        }
        long at = DATA + start[slot];
        if (!add(batch, slot, input[slot], at + framePrefix, length - framePrefix, framePrefix)) {
            return;
        }
        start[slot] += length;
        need[slot] = 0;
    }

    /**
     * Adds a message to the batch and notes its connection: in place when it ends where the
     * connection's bytes end (nothing after it for its reply to overwrite), else copied into the
     * batch's next buffer (mapped when first used); false (the connection closed) when no buffer
     * could be mapped.
     */
    private boolean add(Batch batch, int slot, MemorySegment from, long offset, int size, int framePrefix) {
        int k = batch.size();
        PacketView view;
        if (from != null && offset + size == DATA + end[slot]) {
            view = batch.add().set(from, offset, size);
        } else {
            MemorySegment into = messages[k];
            if (into == null) {
                into = messages[k] = LazyMemory.map(maxReply);
                if (into == null) {
                    noMemory++;
                    closeConnection(slot);
                    return false;
                }
            }
            if (size > 0) {
                MemorySegment.copy(from, offset, into, Kernel.HEADROOM, size);
            }
            view = batch.add().set(into, Kernel.HEADROOM, size);
        }
        view.connection = slots > 0 ? state : null;
        view.connectionBase = slot * slots;
        batchSlot[k] = slot;
        batchGeneration[k] = generation[slot];
        batchPrefix[k] = framePrefix;
        inBatch[slot] = true;
        return true;
    }

    /**
     * Closes a connection at its end that has no whole frame left, once the replies it has in
     * this round are sent: now if it has none, else as its batch is released.
     */
    private void finish(int slot) {
        if (!isTouched[slot]) {
            closeConnection(slot);
        }
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

    /**
     * Notes the message's reply to be sent by {@link #flush}, then adds the connection's next
     * message to the batch (cut in the phase the handler left) unless its handler closed it.
     */
    @Override
    public boolean complete(Batch batch, int i, int fate) {
        int slot = batchSlot[i];
        if (fd[slot] < 0 || generation[slot] != batchGeneration[i]) {
            return false; // the connection was closed since the message arrived
        }
        inBatch[slot] = false;
        if (fate == Kernel.MALFORMED) {
            closeConnection(slot);
            return false;
        }
        boolean queued = fate == Kernel.REPLY && queueReply(slot, i, batch.view(i), batchPrefix[i]);
        if (slots > 0 && state[slot * slots + Kernel.CLOSE] != 0) {
            closing[slot] = true; // closed by its handler, once its replies are sent
            touch(slot);
        } else {
            cut(slot, batch);
        }
        return queued;
    }

    /**
     * Notes a reply to go out on its connection, after a length prefix of {@code replyPrefix} bytes
     * (0: none); false when it cannot be sent (no room for the prefix, or longer than the prefix
     * can say).
     */
    private boolean queueReply(int slot, int i, PacketView reply, int replyPrefix) {
        // A framing header (prefix 0) has no prefix to outgrow.
        if (reply.offset < replyPrefix || (replyPrefix > 0 && replyPrefix < 4 && reply.length >= 1L << (8 * replyPrefix))) {
            return false;
        }
        if (replyPrefix > 0) {
            Framing.writePrefix(reply.segment, reply.offset - replyPrefix, replyPrefix, reply.length);
        }
        replySegment[i] = reply.segment;
        replyFrom[i] = reply.offset - replyPrefix;
        replyLength[i] = reply.length + replyPrefix;
        replyNext[i] = -1;
        touch(slot);
        if (firstReply[slot] < 0) {
            firstReply[slot] = i;
        } else {
            replyNext[lastReply[slot]] = i;
        }
        lastReply[slot] = i;
        replyBytes[slot] += replyLength[i];
        return true;
    }

    /** Lists the connection among those {@link #flush} sends on this round. */
    private void touch(int slot) {
        if (!isTouched[slot]) {
            isTouched[slot] = true;
            touched[touchedCount] = slot;
            touchedGeneration[touchedCount] = generation[slot];
            touchedCount++;
        }
    }

    /** Streams carry replies only: there is no connection to forward a message to. */
    @Override
    public boolean transmit(PacketView packet) {
        return false;
    }

    /**
     * Sends each connection's replies of the round with one {@code sendmsg}, keeping what the
     * socket does not take for when it can; closes the connections whose handlers closed them once
     * all is sent. Returns how many replies were lost with connections that failed.
     */
    @Override
    public int flush() {
        int lost = 0;
        for (int t = 0; t < touchedCount; t++) {
            int slot = touched[t];
            isTouched[slot] = false;
            int first = firstReply[slot];
            long bytes = replyBytes[slot];
            firstReply[slot] = -1;
            replyBytes[slot] = 0;
            if (fd[slot] < 0 || generation[slot] != touchedGeneration[t]) {
                lost += count(first); // closed during the round
                continue;
            }
            if (first >= 0 && !send(slot, first, bytes)) {
                lost += count(first);
                continue;
            }
            if (closing[slot] && pendingEnd[slot] == 0) {
                closeConnection(slot);
            }
        }
        touchedCount = 0;
        return lost;
    }

    private int count(int reply) {
        int n = 0;
        for (int r = reply; r >= 0; r = replyNext[r]) {
            n++;
        }
        return n;
    }

    /**
     * Sends a connection's chain of replies from {@code first}, {@code bytes} in all; what the
     * socket does not take waits in the connection's pending buffer. False (the connection closed)
     * when the connection failed or its unsent replies would pass the limit.
     */
    private boolean send(int slot, int first, long bytes) {
        long sent = 0;
        if (pendingEnd[slot] == 0) {
            int count = 0;
            for (int r = first; r >= 0; r = replyNext[r]) {
                long at = (long) count * Libc.IOVEC.byteSize();
                iovecs.set(ValueLayout.JAVA_LONG, at, replySegment[r].address() + replyFrom[r]);
                iovecs.set(ValueLayout.JAVA_LONG, at + 8, replyLength[r]);
                count++;
            }
            message.set(ValueLayout.JAVA_LONG, Libc.MSG_IOVLEN, count);
            long r = Libc.sendmsg(fd[slot], message, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            if (r < 0 && Libc.errno() != Libc.EAGAIN && Libc.errno() != Libc.EINTR) {
                closeConnection(slot);
                return false;
            }
            sent = Math.max(0, r);
        }
        if (sent == bytes) {
            return true;
        }
        long rest = bytes - sent;
        if (pendingEnd[slot] + rest > maxPending) {
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
        boolean wasEmpty = pendingEnd[slot] == 0;
        long skip = sent;
        for (int r = first; r >= 0; r = replyNext[r]) {
            if (skip >= replyLength[r]) {
                skip -= replyLength[r];
                continue;
            }
            int part = (int) (replyLength[r] - skip);
            MemorySegment.copy(replySegment[r], replyFrom[r] + skip, pending[slot], pendingEnd[slot], part);
            pendingEnd[slot] += part;
            skip = 0;
        }
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
        need[slot] = 0;
        pendingStart[slot] = 0;
        pendingEnd[slot] = 0;
        closing[slot] = false;
        inBatch[slot] = false;
        LazyMemory.unmap(input[slot]);
        input[slot] = null;
        LazyMemory.unmap(pending[slot]);
        pending[slot] = null;
        free[freeCount++] = slot;
        open.decrementAndGet();
    }

    @Override
    public void release(Batch batch) {
        for (int k = 0; k < batch.size(); k++) {
            int slot = batchSlot[k];
            replySegment[k] = null;
            if (generation[slot] != batchGeneration[k]) {
                continue;
            }
            inBatch[slot] = false;
            // A connection at end of file with nothing left to send or cut is finished (one not
            // queued for the next round has no whole frame left: it would have been cut).
            if (fd[slot] >= 0 && eof[slot] && pendingEnd[slot] == 0 && !ready[slot]) {
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
