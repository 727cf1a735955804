package dev.appl.runtime.store;

import dev.appl.runtime.sys.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The header every store file starts with, and the helpers the stores share to write and check it
 * (docs/storage.md). Layout, little-endian: an 8-byte magic naming the kind of file, a {@code u32}
 * format version, a {@code u32} header size, the kind's own fields, and at {@link #CRC} a CRC32C of
 * the bytes before it. A file whose magic, version or checksum is wrong is refused, never rewritten.
 */
final class FileHeader {
    private FileHeader() {}

    static final int VERSION = 1;
    /** Where the kind's own fields start. */
    static final int FIELDS = 16;
    /** Where the header's checksum is: after the magic, version, size and three {@code u64} fields. */
    static final int CRC = 40;

    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A new header: magic, version {@link #VERSION}, size, and up to three {@code u64} fields, checksummed. */
    static ByteBuffer build(String magic, int headerSize, long... fields) {
        return buildVersion(magic, VERSION, headerSize, fields);
    }

    /** The same for a kind whose format has a version of its own ({@code kv}). */
    static ByteBuffer buildVersion(String magic, int version, int headerSize, long... fields) {
        ByteBuffer b = ByteBuffer.allocate(headerSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(magicBytes(magic)).putInt(version).putInt(headerSize);
        for (long f : fields) {
            b.putLong(f);
        }
        b.putInt(CRC, crc(MemorySegment.ofArray(b.array()), 0, CRC));
        b.clear();
        return b;
    }

    /**
     * Checks a header read from {@code file} (at least {@link #CRC} + 4 bytes of it, or fewer when
     * the file is shorter): the magic, the version, the size and the checksum.
     */
    static void check(Path file, MemorySegment header, long fileLength, String magic, String kind, int headerSize)
            throws StoreException {
        check(file, header, fileLength, magic, kind, headerSize, VERSION, VERSION);
    }

    /** The same for a kind that reads the format versions {@code oldest} to {@code newest}. */
    static void check(Path file, MemorySegment header, long fileLength, String magic, String kind, int headerSize,
            int oldest, int newest) throws StoreException {
        byte[] expected = magicBytes(magic);
        if (fileLength < expected.length || MemorySegment.mismatch(header, 0, expected.length,
                MemorySegment.ofArray(expected), 0, expected.length) != -1) {
            throw new StoreException(file, "not " + kind + " (its first bytes are not \"" + magic
                    + "\"); refusing to use or overwrite it");
        }
        if (fileLength < headerSize) {
            throw new StoreException(file, kind + " cut short: " + fileLength + " bytes, shorter than its header");
        }
        int version = version(header);
        if (Integer.compareUnsigned(version, oldest) < 0 || Integer.compareUnsigned(version, newest) > 0) {
            throw new StoreException(file, kind + " of format version " + Integer.toUnsignedString(version)
                    + "; this runtime reads " + (oldest == newest ? "version " + newest
                            : "versions " + oldest + " to " + newest));
        }
        if (header.get(U32, 12) != headerSize || header.get(U32, CRC) != crc(header, 0, CRC)) {
            throw new StoreException(file, "corrupt " + kind + ": its header fails its checksum");
        }
    }

    static int version(MemorySegment header) {
        return header.get(U32, 8);
    }

    static long field(MemorySegment header, int index) {
        return header.get(U64, FIELDS + 8L * index);
    }

    static int crc(MemorySegment bytes, long offset, long length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.asSlice(offset, length).asByteBuffer());
        return (int) crc.getValue();
    }

    private static byte[] magicBytes(String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (m.length != 8) {
            throw new IllegalArgumentException("a magic is 8 bytes: " + magic);
        }
        return m;
    }

    /**
     * Creates {@code file} whole or not at all: writes {@code header} and sets the length in a
     * temporary file beside it ({@link #written}), renames it into place and forces the folder, so
     * that a crash leaves either no file or a complete one. Refuses to replace a file that exists.
     */
    static void create(Path file, ByteBuffer header, long length) throws IOException {
        Path tmp = written(file, header, length);
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(tmp);
            throw new StoreException(file, "exists already; refusing to overwrite it");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        forceFolder(file);
    }

    /**
     * Replaces {@code file} with one holding {@code header} atomically: written to a temporary file
     * ({@link #written}), renamed over the old one, and the folder forced.
     */
    static void replace(Path file, ByteBuffer header) throws IOException {
        Path tmp = written(file, header, header.remaining());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceFolder(file);
    }

    /**
     * A temporary file beside {@code file} holding {@code header}, {@code length} bytes long, with
     * its disk blocks allocated and forced to disk. Refuses a length the disk has no room for: stores
     * write through mappings, where a full disk would be a SIGBUS rather than an error.
     */
    private static Path written(Path file, ByteBuffer header, long length) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            if (length > ch.size()) {
                ch.write(ByteBuffer.allocate(1), length - 1);
            }
            int error = Libc.allocate(tmp.toString(), length);
            if (error != 0) {
                Files.delete(tmp);
                throw new StoreException(file, error == Libc.ENOSPC
                        ? "not enough free disk space for its " + length + " bytes"
                        : "cannot allocate its " + length + " bytes: " + Libc.strerror(error));
            }
            ch.force(true);
        }
        return tmp;
    }

    /** Makes the creation, renaming or removal of a file in {@code file}'s folder durable. */
    static void forceFolder(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Reads the first {@code length} bytes of {@code file} (fewer if it is shorter). */
    static MemorySegment readStart(FileChannel ch, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // read until full or at the end of the file
        }
        return MemorySegment.ofArray(b.array());
    }
}
