package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;

/**
 * What a compiled appliance is to the runtime: the class the compiler generates for a spec
 * implements this. One instance is one appliance's state (counters, maps, loaded table entries,
 * params), driven by one worker thread: nothing here is thread-safe but the {@code shared} maps
 * that instances of one appliance share ({@link #shareMaps}).
 *
 * <p>{@link #handle} runs a port's handler on one packet in place and returns its fate as an int:
 * a port index ({@code >= 0}) to forward it to, or one of {@link #REPLY}, {@link #DROP},
 * {@link #MALFORMED}, {@link #NO_ROOM}. Push and pop move the packet inside its buffer, so after
 * {@code handle} the {@link PacketView}'s offset and length say where the packet now is. Handling a
 * packet allocates nothing in steady state: struct and header values live in the handler's locals,
 * one per field, pushed headers are written straight into the buffer, and map keys and values are
 * packed into arrays the kernel reuses. What still allocates is listed in the compiler's
 * {@code dev.appl.compiler.codegen} package documentation (ip6 values, copies of packet bytes a
 * packet-writing handler keeps, arrays built at run time, whole values compared or nested).
 *
 * <p>What the view holds and what the fates mean depends on the port's kind:
 * <ul>
 * <li>{@code packet}: a whole frame (Ethernet). A port index forwards the frame, as rewritten, out
 *     of that port; {@link #REPLY} sends it back out of the port it came in on.</li>
 * <li>{@code datagram}: the payload of one UDP datagram. {@link #REPLY} sends the buffer, as the
 *     handler left it ({@code reply EXPR} writes the value into it with {@link Packets#replace}),
 *     back to the address it came from; there is no reply otherwise. Forwarding is not
 *     defined for datagrams: the runtime counts it as a drop.</li>
 * <li>{@code stream}: one message cut from a TCP connection by the port's framing
 *     ({@link #frameLength}), without the first {@link #framePrefix} bytes of its frame (a length
 *     prefix). {@link #REPLY} sends the buffer back on the same connection, after a new length
 *     prefix of {@code framePrefix(port)} bytes when the framing has one; a reply framed by a
 *     header is sent as the handler left it. {@link #MALFORMED} closes the connection (the stream
 *     cannot be trusted to be in step any more); forwarding counts as a drop.</li>
 * </ul>
 *
 * <p>A stream port may keep state per connection ({@link #connectionSlots} longs, which the driver
 * owns and hands over in {@link PacketView#connection} at {@link PacketView#connectionBase}): at
 * {@link #PHASE} the phase of the port's session whose framing and handler the connection's next
 * message gets ({@link #CONNECTING} until its {@code on connect} handler has run, which the driver
 * runs by handing over an empty message), at {@link #CLOSE} non-zero once a handler closed the
 * connection (the driver closes it after sending that handler's reply), and from {@link #SESSION}
 * the session's variables. The driver fills a new connection's state with
 * {@link #openConnection}.
 */
public interface Kernel {
    /** Send the packet back out of the port it came in on. */
    int REPLY = -1;
    /** The handler dropped the packet (or had no handler for the port). */
    int DROP = -2;
    /** The packet was too short for what the handler read, or a parser rejected it. */
    int MALFORMED = -3;
    /**
     * A push or reply needed more room than the buffer has around the packet: the packet is
     * dropped. Buffers with {@link #HEADROOM} before and after the packet never see it for the
     * pushes of one handler run unless they add more than that.
     */
    int NO_ROOM = -4;

    /** {@link #frameLength}'s answer when the bytes so far do not yet say how long the frame is. */
    int NEED_MORE = -5;

    /**
     * A message or connection handler ended without {@code reply} or {@code drop}: it handled the
     * message, which needs no reply (a handshake step, a disconnect), so it is no drop.
     */
    int HANDLED = -6;

    /** Room a buffer should leave before and after a packet, so that pushes need not copy it out. */
    int HEADROOM = 256;

    /** The slot of a connection's state that holds its phase. */
    int PHASE = 0;
    /** The slot of a connection's state that a handler sets to close it. */
    int CLOSE = 1;
    /** The slot of a connection's state that holds its session's first variable. */
    int SESSION = 2;
    /** The phase of a connection whose {@code on connect} handler has not run yet. */
    long CONNECTING = -1;
    /** The most connections a stream port has open at once when its spec does not say. */
    int DEFAULT_CONNECTIONS = 1024;

    /** Runs the handler of {@code port} on {@code packet}, rewriting it in place; returns the fate. */
    int handle(int port, PacketView packet);

    /** Runs the handlers of timer {@code timer}. */
    void tick(int timer);

    /** The clock that map expiry reads, in nanoseconds; traces set it from capture times. */
    void setTime(long nanos);

    /**
     * For a stream port: the length in bytes of the frame starting at {@code offset} of
     * {@code buffer}, its framing included, when {@code available} bytes of the stream have arrived
     * from there and the connection is in {@code phase} (0 for a port without a session); {@link
     * #NEED_MORE} when they do not hold enough of the framing to tell; {@link #MALFORMED} when the
     * framing is invalid or the frame is longer than the port's {@code max}. The runtime calls it
     * on every frame boundary and hands the handler the frame once all of it has arrived. A prefix
     * framing can answer with {@link Framing#prefixed}.
     */
    default int frameLength(int port, int phase, MemorySegment buffer, long offset, int available) {
        return MALFORMED;
    }

    /**
     * For a stream port in {@code phase}: how many bytes of each frame come before the message the
     * handler sees, the width of a length prefix ({@code framed u16}: 2); 0 for a framing header,
     * whose message is the whole frame.
     */
    default int framePrefix(int port, int phase) {
        return 0;
    }

    /**
     * For a stream port: the longest frame in bytes, its framing included: the spec's {@code max}
     * (language.md §10.2; 64 KiB when it gives none) plus the longest length prefix of its phases.
     * A frame that {@link #frameLength} says is longer closes its connection.
     */
    default long frameMax(int port) {
        return 64 * 1024 + framePrefix(port, 0);
    }

    /**
     * Whether a handler may change the packet it is handed (write a field, push, pop, append,
     * truncate, reply with a payload). One that never does can be handed a read-only view of a
     * packet where it lies, in a trace's mapping, with no copy and no headroom.
     */
    default boolean writesPackets() {
        return true;
    }

    /**
     * For a stream port: how many longs of state each connection keeps (see above); 0 when its
     * frames are independent of each other, which lets the runtime cut and handle several of a
     * connection's frames in one batch.
     */
    default int connectionSlots(int port) {
        return 0;
    }

    /**
     * Fills a new connection's state, {@link #connectionSlots} longs of {@code state} from
     * {@code base}: its first phase (or {@link #CONNECTING} when the port has an {@code on connect}
     * handler), not closing, and the session's variables at their initial values.
     */
    default void openConnection(int port, long[] state, int base) {}

    /** For a stream port: the most connections open at once, over all workers (the spec's {@code connections}). */
    default int connections(int port) {
        return DEFAULT_CONNECTIONS;
    }

    /**
     * Opens the appliance's stores (language.md §10.6), their file names resolved against
     * {@code folder}; called once before the first handler runs. Throws
     * {@link dev.appl.runtime.store.StoreException} for a store file it refuses.
     */
    default void openStores(java.nio.file.Path folder) throws java.io.IOException {}

    /** Flushes and closes the stores; called once the kernel has handled its last packet. */
    default void closeStores() {}

    /**
     * How many stores the appliance has. Stores are not thread-safe and their files are opened
     * once: an appliance with stores runs on one worker.
     */
    default int storeCount() {
        return 0;
    }

    /** The value of counter {@code index} (declaration order). */
    long counter(int index);

    /** How many entries map {@code index} holds now (expired ones are removed first). */
    int mapSize(int index);

    /** How many maps the appliance declares. */
    default int mapCount() {
        return 0;
    }

    /**
     * Whether map {@code index} is {@code shared} (language.md §10.4): one map for all workers,
     * which {@link #shareMaps} hands to the workers after the first. The others are per worker.
     */
    default boolean mapShared(int index) {
        return false;
    }

    /**
     * Makes this kernel, another worker's instance of {@code first}'s appliance, use {@code first}'s
     * shared maps instead of its own; called before either handles a packet or a timer.
     */
    default void shareMaps(Kernel first) {}

    /** Adds a run-time entry to table {@code index}, after the spec's entries and the ones added before. */
    void addEntry(int index, TableEntry entry);

    /** How a fate code reads in messages. */
    static String describe(int fate) {
        return switch (fate) {
            case REPLY -> "reply";
            case DROP -> "drop";
            case MALFORMED -> "malformed";
            case NO_ROOM -> "no room";
            case HANDLED -> "handled without a reply";
            default -> fate >= 0 ? "forward " + fate : "fate " + fate;
        };
    }
}
