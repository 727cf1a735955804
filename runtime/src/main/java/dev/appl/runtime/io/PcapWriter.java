package dev.appl.runtime.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a classic pcap file (little-endian, nanosecond timestamps, Ethernet) that tshark and
 * Wireshark read. Packets are written from their memory segments through one reused direct buffer.
 */
public final class PcapWriter implements AutoCloseable {
    private static final int SNAP_LENGTH = 262_144;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    /** The whole of {@link #buffer} as a segment, so that packets are copied in without a slice per packet. */
    private final MemorySegment bufferSegment = MemorySegment.ofBuffer(buffer);
    private long written;

    public PcapWriter(Path path) throws IOException {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        buffer.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(SNAP_LENGTH).putInt(PcapFile.ETHERNET);
    }

    /** Appends one packet: {@code length} bytes of {@code data} from {@code offset}. */
    public void write(long timestampNanos, MemorySegment data, long offset, int length) throws IOException {
        if (buffer.remaining() < 16 + length) {
            flush();
        }
        buffer.putInt((int) (timestampNanos / 1_000_000_000L)).putInt((int) (timestampNanos % 1_000_000_000L))
                .putInt(length).putInt(length);
        if (length > buffer.remaining()) {
            flush();
            channel.write(data.asSlice(offset, length).asByteBuffer());
        } else {
            MemorySegment.copy(data, offset, bufferSegment, buffer.position(), length);
            buffer.position(buffer.position() + length);
        }
        written++;
    }

    public long packetsWritten() {
        return written;
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        flush();
        channel.close();
    }
}
