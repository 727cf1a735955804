package dev.appl.runtime.kernel;

import java.io.IOException;

/**
 * One worker's end of one port: where a {@link Worker} gets packets from and sends them to. A driver
 * (an AF_PACKET ring, a UDP or TCP socket) implements it; each worker has its own endpoints, so
 * none of these methods is called from two threads.
 *
 * <p>A worker's round on a port: {@link #receive} a batch without waiting, handle each packet in
 * place, tell the endpoint each one's fate with {@link #complete} (or {@link #transmit} it on the
 * endpoint it is forwarded to), {@link #flush} every endpoint, then {@link #release} the batch.
 * Packets stay where the endpoint put them until released: a reply goes out of the very buffer it
 * was received in.
 */
public interface Endpoint extends AutoCloseable {
    /** How many packets the batches handed to {@link #receive} hold. */
    default int batchCapacity() {
        return Batch.DEFAULT_CAPACITY;
    }

    /** Fills {@code batch} (cleared first) with what has arrived, without waiting; returns how many. */
    int receive(Batch batch) throws IOException;

    /**
     * Packet {@code i} of the last batch was handled with {@code fate}, one of the kernel's fates
     * other than a forward: a {@link Kernel#REPLY} is queued to go back where the packet came from;
     * the others drop it (a stream closes its connection on {@link Kernel#MALFORMED}). Returns
     * whether a reply was queued. It may add packets to the batch (a stream connection's next
     * message, which could not be cut before this one was handled), which the worker then handles
     * in the same round.
     */
    boolean complete(Batch batch, int i, int fate) throws IOException;

    /** Queues a packet handled elsewhere to go out of this port; false when it cannot (no room, or a port kind that forwards nothing). */
    boolean transmit(PacketView packet) throws IOException;

    /** Sends what was queued; returns how many queued packets could not be sent (and were dropped). */
    int flush() throws IOException;

    /** The batch's packets are done with: their buffers go back to the endpoint. */
    void release(Batch batch);

    /** A file descriptor that becomes readable when there is something to receive, for poll(2). */
    int readyFd();

    /** Packets the endpoint dropped before a kernel saw them, with why, for the summary; null if none. */
    default String discarded() {
        return null;
    }

    @Override
    void close();
}
