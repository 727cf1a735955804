package dev.appl.runtime.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Where a packet is: bytes {@code [offset, offset + length)} of {@code segment}, a buffer that
 * should leave room before and after the packet for pushes ({@link Kernel#HEADROOM}). Mutable and
 * meant to be reused for every packet, so that handing a packet to a kernel allocates nothing;
 * {@link Kernel#handle} updates {@code offset} and {@code length} when it pushes or pops.
 */
public final class PacketView {
    public MemorySegment segment;
    public long offset;
    public int length;
    /**
     * For a message of a stream port that keeps state per connection ({@link Kernel#connectionSlots}):
     * the array holding its connection's state, from {@link #connectionBase}; null otherwise.
     */
    public long[] connection;
    public int connectionBase;

    public PacketView() {}

    public PacketView(MemorySegment segment, long offset, int length) {
        set(segment, offset, length);
    }

    public PacketView set(MemorySegment segment, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > segment.byteSize()) {
            throw new IndexOutOfBoundsException("packet [" + offset + ", " + (offset + length)
                    + ") outside a buffer of " + segment.byteSize() + " bytes");
        }
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** A buffer holding a copy of {@code bytes} with {@code room} spare bytes before and after. */
    public static PacketView copyOf(byte[] bytes, int room) {
        MemorySegment buffer = MemorySegment.ofArray(new byte[room + bytes.length + room]);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, buffer, room, bytes.length);
        return new PacketView(buffer, room, bytes.length);
    }

    /** The packet's bytes, copied out. */
    public byte[] toArray() {
        return segment.asSlice(offset, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
