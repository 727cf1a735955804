package dev.appl.runtime.io;

import dev.appl.runtime.sys.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** A plain packet socket on one interface, for tests to put frames on a wire and take them off. */
final class RawSocket implements AutoCloseable {
    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(65_536);
    private final MemorySegment pollFd = arena.allocate(8);

    RawSocket(String iface) throws IOException {
        fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW, 0);
        if (fd < 0) {
            throw new IOException("packet socket: " + Libc.strerror(Libc.errno()));
        }
        Libc.setsockopt(fd, 263, 23, 1); // PACKET_IGNORE_OUTGOING: not our own frames back
        MemorySegment sll = arena.allocate(20);
        sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
        sll.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) 3);
        sll.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex(iface));
        if (Libc.bind(fd, sll, 20) < 0) {
            throw new IOException("bind to " + iface + ": " + Libc.strerror(Libc.errno()));
        }
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
    }

    /** Sends a frame; false when the kernel refused it (a frame too short for Ethernet, say). */
    boolean send(byte[] frame) {
        MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, 0, frame.length);
        return Libc.send(fd, buffer, frame.length, 0) == frame.length;
    }

    /** The next frame, or null when none comes within {@code millis}. */
    byte[] receive(int millis) {
        if (Libc.poll(pollFd, 1, millis) <= 0) {
            return null;
        }
        long n = Libc.recv(fd, buffer, buffer.byteSize(), Libc.MSG_DONTWAIT);
        return n < 0 ? null : buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
