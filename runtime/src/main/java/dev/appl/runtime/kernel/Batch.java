package dev.appl.runtime.kernel;

/**
 * The packets one {@link Endpoint#receive} handed over: reusable views onto the endpoint's buffers,
 * handled in place by a worker and then given back with {@link Endpoint#release}. Allocated once per
 * worker and port, so that receiving allocates nothing.
 */
public final class Batch {
    /** How many packets a batch holds unless a driver asks for another size: recvmmsg's usual 64. */
    public static final int DEFAULT_CAPACITY = 64;

    private final PacketView[] views;
    private int size;

    public Batch(int capacity) {
        views = new PacketView[capacity];
        for (int i = 0; i < capacity; i++) {
            views[i] = new PacketView();
        }
    }

    public int capacity() {
        return views.length;
    }

    public int size() {
        return size;
    }

    public PacketView view(int i) {
        return views[i];
    }

    /** Empties the batch; the views are kept for the next packets. */
    public void clear() {
        size = 0;
    }

    /** The next free view, now counted in the batch; the caller sets where its packet is. */
    public PacketView add() {
        return views[size++];
    }

    public boolean full() {
        return size == views.length;
    }
}
