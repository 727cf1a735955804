package dev.appl.runtime.io;

import dev.appl.runtime.sys.Libc;
import java.lang.foreign.MemorySegment;

/**
 * Buffers that cost memory only as far as they are used: anonymous private mappings made with
 * {@code MAP_NORESERVE}, whose pages the system commits when they are first written. A stream
 * port's buffers are as long as its longest frame (up to 64 MiB), but a connection that only
 * ever sends small frames touches, and so costs, only their first pages. Unlike
 * {@code Arena.allocate}, mapping does not zero (touch) the memory: the system's fresh pages are
 * zero already.
 */
final class LazyMemory {
    private LazyMemory() {}

    /** A mapping of {@code bytes} bytes; null when the system refuses one (out of address space or memory). */
    static MemorySegment map(long bytes) {
        MemorySegment m = Libc.mmap(bytes, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1);
        return m.address() == -1L ? null : m.reinterpret(bytes);
    }

    /** Gives a mapping back; null does nothing. */
    static void unmap(MemorySegment m) {
        if (m != null) {
            Libc.munmap(m, m.byteSize());
        }
    }
}
