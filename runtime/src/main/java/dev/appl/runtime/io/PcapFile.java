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
 * A pcap or pcapng file mapped into memory. Packets are not copied: {@link #packet(int)} is a view
 * into the mapping. The mapping is private (copy-on-write), so a kernel may rewrite packets in
 * place without changing the file.
 *
 * <p>Classic pcap: a 24-byte global header (magic {@code a1b2c3d4} for microsecond or
 * {@code a1b23c4d} for nanosecond timestamps, in the writer's byte order; version 2.4; snap length;
 * link type), then records of a 16-byte header (seconds, sub-seconds, captured length, original
 * length) and the captured bytes.
 *
 * <p>pcapng: blocks of a type, a total length, a body and the length again. Section headers set the
 * byte order; interface descriptions give the link type and the timestamp resolution
 * ({@code if_tsresol}, microseconds by default); enhanced and simple packet blocks hold packets.
 * Other blocks (name resolution, statistics, custom) are skipped. All interfaces must have one link
 * type, which {@link #linkType()} reports.
 */
public final class PcapFile implements AutoCloseable {
    /** LINKTYPE_ETHERNET. */
    public static final int ETHERNET = 1;

    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    private static final int PCAPNG_SECTION = 0x0a0d0d0a;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int linkType;
    private final Index index;

    /** Where each packet's bytes are, how long they are, when they were captured and how long they were on the wire. */
    private static final class Index {
        long[] offsets = new long[1024];
        int[] lengths = new int[1024];
        long[] times = new long[1024];
        int[] originals = new int[1024];
        int count;
        boolean truncated;

        void add(long offset, int length, long time, int original) {
            if (count == offsets.length) {
                offsets = java.util.Arrays.copyOf(offsets, count * 2);
                lengths = java.util.Arrays.copyOf(lengths, count * 2);
                times = java.util.Arrays.copyOf(times, count * 2);
                originals = java.util.Arrays.copyOf(originals, count * 2);
            }
            offsets[count] = offset;
            lengths[count] = length;
            times[count] = time;
            originals[count] = original;
            count++;
        }
    }

    private PcapFile(Path path, Arena arena, MemorySegment mapping, int linkType, Index index) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.linkType = linkType;
        this.index = index;
    }

    /**
     * Maps and indexes a pcap or pcapng file.
     *
     * @throws PcapException if the file is neither (named in the message)
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
                case PCAPNG_SECTION -> {
                    Index index = new Index();
                    int linkType = indexPcapng(path, mapping, index);
                    return new PcapFile(path, arena, mapping, linkType, index);
                }
                default -> throw new PcapException(path + " is not a pcap file (unknown magic number "
                        + String.format("%08x", magic) + ")");
            }
            ValueLayout.OfInt intLayout = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
            int linkType = mapping.get(intLayout, 20) & 0x0fffffff;
            Index index = new Index();
            long at = GLOBAL_HEADER;
            while (at < size) {
                if (at + RECORD_HEADER > size) {
                    index.truncated = true;
                    break;
                }
                int captured = mapping.get(intLayout, at + 8);
                if (captured < 0 || at + RECORD_HEADER + captured > size) {
                    index.truncated = true;
                    break;
                }
                long seconds = Integer.toUnsignedLong(mapping.get(intLayout, at));
                long fraction = Integer.toUnsignedLong(mapping.get(intLayout, at + 4));
                index.add(at + RECORD_HEADER, captured, seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L),
                        mapping.get(intLayout, at + 12));
                at += RECORD_HEADER + captured;
            }
            return new PcapFile(path, arena, mapping, linkType, index);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Indexes the packets of a pcapng file; returns the link type of its interfaces. */
    private static int indexPcapng(Path path, MemorySegment file, Index index) throws PcapException {
        long size = file.byteSize();
        ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED;
        ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED;
        int linkType = -1;
        java.util.List<long[]> interfaces = new java.util.ArrayList<>(); // {link type, snap length, units per second}
        long at = 0;
        while (at < size) {
            if (at + 12 > size) {
                index.truncated = true;
                break;
            }
            int type = file.get(u32, at);
            if (type == PCAPNG_SECTION) {
                int byteOrder = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at + 8);
                ByteOrder order = switch (byteOrder) {
                    case 0x1a2b3c4d -> ByteOrder.LITTLE_ENDIAN;
                    case 0x4d3c2b1a -> ByteOrder.BIG_ENDIAN;
                    default -> throw new PcapException(path + " is not a pcapng file this runtime can read (byte-order"
                            + " magic " + String.format("%08x", byteOrder) + ")");
                };
                u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
                u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                interfaces.clear(); // interface ids are numbered per section
            }
            long length = Integer.toUnsignedLong(file.get(u32, at + 4));
            if (length < 12 || length % 4 != 0 || at + length > size) {
                index.truncated = true;
                break;
            }
            long body = at + 8;
            long bodyEnd = at + length - 4;
            switch (type) {
                case 1 -> { // interface description
                    long link = Short.toUnsignedLong(file.get(u16, body));
                    long snap = Integer.toUnsignedLong(file.get(u32, body + 4));
                    long perSecond = 1_000_000;
                    for (long o = body + 8; o + 4 <= bodyEnd; ) {
                        int code = Short.toUnsignedInt(file.get(u16, o));
                        int optionLength = Short.toUnsignedInt(file.get(u16, o + 2));
                        if (code == 0) {
                            break;
                        }
                        if (code == 9 && optionLength >= 1 && o + 5 <= bodyEnd) {
                            int resolution = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, o + 4));
                            int exponent = resolution & 0x7f;
                            perSecond = (resolution & 0x80) == 0 ? (exponent > 18 ? 0 : pow(10, exponent))
                                    : (exponent > 62 ? 0 : 1L << exponent);
                        }
                        o += 4 + ((optionLength + 3) & ~3);
                    }
                    if (perSecond == 0) {
                        throw new PcapException(path + ": an interface has a timestamp resolution this runtime cannot"
                                + " represent");
                    }
                    if (linkType >= 0 && link != linkType) {
                        throw new PcapException(path + " mixes link types " + linkType + " and " + link
                                + "; split it with editcap first");
                    }
                    linkType = (int) link;
                    interfaces.add(new long[] {link, snap, perSecond});
                }
                case 6 -> { // enhanced packet
                    int id = file.get(u32, body);
                    if (id < 0 || id >= interfaces.size()) {
                        throw new PcapException(path + ": a packet names interface " + id + ", which the file does"
                                + " not describe");
                    }
                    long units = (Integer.toUnsignedLong(file.get(u32, body + 4)) << 32)
                            | Integer.toUnsignedLong(file.get(u32, body + 8));
                    int captured = file.get(u32, body + 12);
                    if (captured < 0 || body + 20 + captured > bodyEnd) {
                        throw new PcapException(path + ": a packet block is shorter than the packet it holds");
                    }
                    index.add(body + 20, captured, nanos(units, interfaces.get(id)[2]), file.get(u32, body + 16));
                }
                case 3 -> { // simple packet: no timestamp, interface 0
                    if (interfaces.isEmpty()) {
                        throw new PcapException(path + ": a packet comes before any interface description");
                    }
                    int original = file.get(u32, body);
                    long snap = interfaces.get(0)[1];
                    int captured = (int) Math.min(Integer.toUnsignedLong(original), snap == 0 ? Long.MAX_VALUE : snap);
                    captured = (int) Math.min(captured, bodyEnd - body - 4);
                    index.add(body + 4, captured, index.count == 0 ? 0 : index.times[index.count - 1], original);
                }
                default -> {
                    // section headers, name resolution, statistics, custom blocks: nothing to index
                }
            }
            at += length;
        }
        if (linkType < 0) {
            throw new PcapException(path + " is a pcapng file without an interface description");
        }
        return linkType;
    }

    private static long pow(long base, int exponent) {
        long r = 1;
        for (int i = 0; i < exponent; i++) {
            r *= base;
        }
        return r;
    }

    /** {@code units} of {@code 1/perSecond} s as nanoseconds. */
    private static long nanos(long units, long perSecond) {
        if (perSecond == 1_000_000_000L) {
            return units;
        }
        return java.math.BigInteger.valueOf(units).multiply(java.math.BigInteger.valueOf(1_000_000_000L))
                .divide(java.math.BigInteger.valueOf(perSecond)).longValue();
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
        return index.count;
    }

    /** Whether the file ends in the middle of a record (the partial record is ignored). */
    public boolean truncated() {
        return index.truncated;
    }

    /** The whole mapping; packet {@code i} starts at {@link #packetOffset(int)}. */
    public MemorySegment mapping() {
        return mapping;
    }

    /** Where packet {@code i}'s bytes start in the mapping. */
    public long packetOffset(int i) {
        return index.offsets[i];
    }

    public int packetLength(int i) {
        return index.lengths[i];
    }

    /** A view of packet {@code i}'s captured bytes (not a copy). */
    public MemorySegment packet(int i) {
        return mapping.asSlice(packetOffset(i), index.lengths[i]);
    }

    /** Capture time of packet {@code i} in nanoseconds since the epoch. */
    public long timestampNanos(int i) {
        return index.times[i];
    }

    /** The length the packet had on the wire, which may exceed what was captured. */
    public int originalLength(int i) {
        return index.originals[i];
    }

    @Override
    public void close() {
        arena.close();
    }
}
