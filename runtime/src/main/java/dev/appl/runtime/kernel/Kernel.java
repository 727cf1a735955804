package dev.appl.runtime.kernel;

/**
 * What a compiled appliance is to the runtime: the class the compiler generates for a spec
 * implements this. One instance is one appliance's state (counters, maps, loaded table entries,
 * params), driven by one worker thread: nothing here is thread-safe.
 *
 * <p>{@link #handle} runs a port's handler on one packet in place and returns its fate as an int:
 * a port index ({@code >= 0}) to forward it to, or one of {@link #REPLY}, {@link #DROP},
 * {@link #MALFORMED}, {@link #NO_ROOM}. Push and pop move the packet inside its buffer, so after
 * {@code handle} the {@link PacketView}'s offset and length say where the packet now is. Handling a
 * packet allocates nothing but the aggregate values (struct and header values) the spec builds.
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

    /** Room a buffer should leave before and after a packet, so that pushes need not copy it out. */
    int HEADROOM = 256;

    /** Runs the handler of {@code port} on {@code packet}, rewriting it in place; returns the fate. */
    int handle(int port, PacketView packet);

    /** Runs the handlers of timer {@code timer}. */
    void tick(int timer);

    /** The clock that map expiry reads, in nanoseconds; traces set it from capture times. */
    void setTime(long nanos);

    /** The value of counter {@code index} (declaration order). */
    long counter(int index);

    /** How many entries map {@code index} holds now (expired ones are removed first). */
    int mapSize(int index);

    /** Adds a run-time entry to table {@code index}, after the spec's entries and the ones added before. */
    void addEntry(int index, TableEntry entry);

    /** How a fate code reads in messages. */
    static String describe(int fate) {
        return switch (fate) {
            case REPLY -> "reply";
            case DROP -> "drop";
            case MALFORMED -> "malformed";
            case NO_ROOM -> "no room";
            default -> fate >= 0 ? "forward " + fate : "fate " + fate;
        };
    }
}
