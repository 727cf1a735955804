package dev.appl.runtime.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Group commit: while a worker handles a round of messages, the flushes its handlers ask of stores
 * are held, and made once for the whole round by {@link #commit} before any reply of the round is
 * sent. A store that a hundred pipelined writes each flush then forces its pages to the disk once,
 * not a hundred times, and still acknowledges only what is durable: the worker sends the round's
 * replies after {@code commit} has returned, and if it throws, sends none of them.
 *
 * <p>A group is open on the thread that {@link #open}ed it until it commits: stores are owned by
 * one worker thread (an appliance with stores runs on one worker), and the flushes of any other
 * thread (a test engine, a store's own opening and closing) are made at once, as without a group.
 */
public final class GroupCommit {
    /** A store whose flushes can wait for the round's end. */
    interface Held {
        /** Makes the flushes held since the last commit, as one. */
        void flushHeld();
    }

    private static final ThreadLocal<GroupCommit> OPEN = new ThreadLocal<>();

    private final List<Held> held = new ArrayList<>();

    /** Holds the flushes that stores are asked for on this thread from now until {@link #commit}. */
    public void open() {
        OPEN.set(this);
    }

    /**
     * Makes the held flushes, store by store in the order they were first asked, and closes the
     * group; returns once all are on the disk. Throws what a store's flush throws (the disk failed:
     * the writes held are not known to be durable).
     */
    public void commit() {
        OPEN.remove();
        RuntimeException failed = null;
        // Every store is flushed even when one fails, so that none is left noting a flush held.
        for (Held store : held) {
            try {
                store.flushHeld();
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        held.clear();
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Whether a group is open on this thread, which then holds {@code store}'s flush: the store
     * notes what to flush and calls its {@link Held#flushHeld} once the group commits. A store
     * calls this at most once between commits (it notes that it is held).
     */
    static boolean hold(Held store) {
        GroupCommit group = OPEN.get();
        if (group == null) {
            return false;
        }
        group.held.add(store);
        return true;
    }
}
