package dev.appl.runtime.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap buffers of one size, allocated together when a worker starts and reused for every
 * packet: a fixed set of slots, each a segment of its own (made once) so that handing one out
 * allocates nothing. Slots are taken and given back by index; the pool keeps a stack of free ones.
 */
public final class BufferPool implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment[] slots;
    private final int[] free;
    private int freeCount;

    /** {@code count} buffers of {@code slotSize} bytes each, page-aligned as a whole. */
    public BufferPool(int count, long slotSize) {
        arena = Arena.ofShared();
        long stride = (slotSize + 63) & ~63L;
        MemorySegment all = arena.allocate(stride * count, 4096);
        slots = new MemorySegment[count];
        free = new int[count];
        for (int i = 0; i < count; i++) {
            slots[i] = all.asSlice(i * stride, slotSize);
            free[i] = count - 1 - i;
        }
        freeCount = count;
    }

    public MemorySegment slot(int i) {
        return slots[i];
    }

    /** A free slot's index, now taken; -1 when every slot is taken. */
    public int take() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    public void give(int slot) {
        free[freeCount++] = slot;
    }

    @Override
    public void close() {
        arena.close();
    }
}
