package dev.appl.runtime.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A classic pcap file mapped into memory. Packets are not copied: {@link #packet(int)} is a view
 * into the mapping. The mapping is private (copy-on-write), so a kernel may rewrite packets in
 * place without changing the file.
 *
 * <p>Format: a 24-byte global header (magic {@code a1b2c3d4} for microsecond or {@code a1b23c4d}
 * for nanosecond timestamps, in the writer's byte order; version 2.4; snap length; link type),
 * then records of a 16-byte header (seconds, sub-seconds, captured length, original length) and
 * the captured bytes.
 */
public final class PcapFile implements AutoCloseable {
    /** LINKTYPE_ETHERNET. */
    public static final int ETHERNET = 1;

    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final ValueLayout.OfInt intLayout;
    private final boolean nanoseconds;
    private final int linkType;
    private final long[] offsets;
    private final int[] lengths;
    private final int count;
    private final boolean truncated;

    private PcapFile(Path path, Arena arena, MemorySegment mapping, ValueLayout.OfInt intLayout, boolean nanoseconds,
            int linkType, long[] offsets, int[] lengths, int count, boolean truncated) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.intLayout = intLayout;
        this.nanoseconds = nanoseconds;
        this.linkType = linkType;
        this.offsets = offsets;
        this.lengths = lengths;
        this.count = count;
        this.truncated = truncated;
    }

    /**
     * Maps and indexes a pcap file.
     *
     * @throws PcapException if the file is not a classic pcap file (named in the message)
     * @throws IOException if it cannot be read
     */
    public static PcapFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping = writableView(path, arena);
            long size = mapping.byteSize();
            if (size < GLOBAL_HEADER) {
                throw new PcapException(path + " is not a pcap file: it is shorter than a pcap header");
            }
            int magic = mapping.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            ByteOrder order;
            boolean nanos;
            switch (magic) {
                case 0xa1b2c3d4 -> { order = ByteOrder.LITTLE_ENDIAN; nanos = false; }
                case 0xa1b23c4d -> { order = ByteOrder.LITTLE_ENDIAN; nanos = true; }
                case 0xd4c3b2a1 -> { order = ByteOrder.BIG_ENDIAN; nanos = false; }
                case 0x4d3cb2a1 -> { order = ByteOrder.BIG_ENDIAN; nanos = true; }
                case 0x0a0d0d0a -> throw new PcapException(path + " is a pcapng file; convert it with "
                        + "`editcap -F pcap " + path + " out.pcap`");
                default -> throw new PcapException(path + " is not a pcap file (unknown magic number "
                        + String.format("%08x", magic) + ")");
            }
            ValueLayout.OfInt intLayout = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
            int linkType = mapping.get(intLayout, 20) & 0x0fffffff;
            long[] offsets = new long[1024];
            int[] lengths = new int[1024];
            int count = 0;
            long at = GLOBAL_HEADER;
            boolean truncated = false;
            while (at < size) {
                if (at + RECORD_HEADER > size) {
                    truncated = true;
                    break;
                }
                int captured = mapping.get(intLayout, at + 8);
                if (captured < 0 || at + RECORD_HEADER + captured > size) {
                    truncated = true;
                    break;
                }
                if (count == offsets.length) {
                    offsets = java.util.Arrays.copyOf(offsets, count * 2);
                    lengths = java.util.Arrays.copyOf(lengths, count * 2);
                }
                offsets[count] = at;
                lengths[count] = captured;
                count++;
                at += RECORD_HEADER + captured;
            }
            return new PcapFile(path, arena, mapping, intLayout, nanos, linkType, offsets, lengths, count, truncated);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The file's bytes, writable without changing the file: a private (copy-on-write) mapping, which
     * needs a channel open for writing too; for a file we may not open so, one copy into memory.
     */
    private static MemorySegment writableView(Path path, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return channel.map(FileChannel.MapMode.PRIVATE, 0, channel.size(), arena);
        } catch (java.nio.file.FileSystemException e) {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                MemorySegment copy = arena.allocate(Math.max(1, channel.size()));
                java.nio.ByteBuffer into = copy.asByteBuffer();
                while (into.hasRemaining() && channel.read(into) >= 0) {
                    // keep reading until the whole file is in memory
                }
                return copy.asSlice(0, channel.size());
            }
        }
    }

    public Path path() {
        return path;
    }

    public int linkType() {
        return linkType;
    }

    public int count() {
        return count;
    }

    /** Whether the file ends in the middle of a record (the partial record is ignored). */
    public boolean truncated() {
        return truncated;
    }

    /** The whole mapping; packet {@code i} starts at {@link #packetOffset(int)}. */
    public MemorySegment mapping() {
        return mapping;
    }

    /** Where packet {@code i}'s bytes start in the mapping. */
    public long packetOffset(int i) {
        return offsets[i] + RECORD_HEADER;
    }

    public int packetLength(int i) {
        return lengths[i];
    }

    /** A view of packet {@code i}'s captured bytes (not a copy). */
    public MemorySegment packet(int i) {
        return mapping.asSlice(packetOffset(i), lengths[i]);
    }

    /** Capture time of packet {@code i} in nanoseconds since the epoch. */
    public long timestampNanos(int i) {
        long seconds = Integer.toUnsignedLong(mapping.get(intLayout, offsets[i]));
        long fraction = Integer.toUnsignedLong(mapping.get(intLayout, offsets[i] + 4));
        return seconds * 1_000_000_000L + (nanoseconds ? fraction : fraction * 1_000L);
    }

    /** The length the packet had on the wire, which may exceed what was captured. */
    public int originalLength(int i) {
        return mapping.get(intLayout, offsets[i] + 12);
    }

    @Override
    public void close() {
        arena.close();
    }
}
