package dev.appl.compiler.cli;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A small NBD client for tests, written from the NBD protocol document: the fixed newstyle
 * handshake with NO_ZEROES and NBD_OPT_GO, then one request at a time with simple replies. It
 * checks every magic and cookie, so a server that strays from the protocol fails the test.
 */
final class NbdClient implements Closeable {
    static final long NBD_MAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454f5054L;
    static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int OPT_GO = 7;
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int FLAG_FUA = 1;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private long cookie;
    /** The export's size, from NBD_INFO_EXPORT. */
    final long size;

    /** Connects and negotiates the export `name` with NBD_OPT_GO. */
    NbdClient(InetSocketAddress server, String name) throws IOException {
        socket = new Socket();
        socket.connect(server, 5000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(20_000);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        expect(in.readLong() == NBD_MAGIC, "NBDMAGIC");
        expect(in.readLong() == IHAVEOPT, "IHAVEOPT");
        int handshakeFlags = in.readUnsignedShort();
        expect((handshakeFlags & 3) == 3, "fixed newstyle and no zeroes offered, got flags " + handshakeFlags);
        out.writeInt(3); // NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        out.writeLong(IHAVEOPT);
        out.writeInt(OPT_GO);
        out.writeInt(4 + nameBytes.length + 2);
        out.writeInt(nameBytes.length);
        out.write(nameBytes);
        out.writeShort(0);
        out.flush();
        long exportSize = -1;
        while (true) {
            expect(in.readLong() == OPTION_REPLY_MAGIC, "option reply magic");
            expect(in.readInt() == OPT_GO, "the reply names NBD_OPT_GO");
            int type = in.readInt();
            int length = in.readInt();
            byte[] data = new byte[length];
            in.readFully(data);
            if (type == REP_ACK) {
                break;
            }
            expect(type == REP_INFO, "NBD_REP_INFO or NBD_REP_ACK, got reply type " + Integer.toHexString(type));
            if (length == 12 && data[0] == 0 && data[1] == 0) { // NBD_INFO_EXPORT
                exportSize = java.nio.ByteBuffer.wrap(data, 2, 8).getLong();
            }
        }
        expect(exportSize >= 0, "NBD_INFO_EXPORT was sent");
        size = exportSize;
    }

    private static void expect(boolean condition, String what) throws IOException {
        if (!condition) {
            throw new IOException("NBD protocol: expected " + what);
        }
    }

    private long request(int flags, int type, long offset, int length, byte[] data) throws IOException {
        long c = ++cookie;
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(c);
        out.writeLong(offset);
        out.writeInt(length);
        if (data != null) {
            out.write(data, 0, length);
        }
        out.flush();
        return c;
    }

    /** Reads a simple reply to the request with cookie {@code c}; returns its error (0 for none). */
    private int reply(long c) throws IOException {
        expect(in.readInt() == SIMPLE_REPLY_MAGIC, "simple reply magic");
        int error = in.readInt();
        expect(in.readLong() == c, "the reply carries the request's cookie");
        return error;
    }

    /** Writes {@code data} at {@code offset} (with FUA if asked); returns the reply's error. */
    int write(long offset, byte[] data, boolean fua) throws IOException {
        return reply(request(fua ? FLAG_FUA : 0, CMD_WRITE, offset, data.length, data));
    }

    int flush() throws IOException {
        return reply(request(0, CMD_FLUSH, 0, 0, null));
    }

    /** Reads {@code length} bytes at {@code offset}; throws if the server answers an error. */
    byte[] read(long offset, int length) throws IOException {
        int error = reply(request(0, CMD_READ, offset, length, null));
        if (error != 0) {
            throw new IOException("NBD read of " + length + " bytes at " + offset + " failed with error " + error);
        }
        byte[] data = new byte[length];
        in.readFully(data);
        return data;
    }

    /** Sends NBD_CMD_DISC and closes. */
    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                request(0, CMD_DISC, 0, 0, null);
            }
        } catch (IOException e) {
            // The connection is gone already; closing is all that is left.
        } finally {
            socket.close();
        }
    }

    /** Closes the socket without NBD_CMD_DISC (the server is gone). */
    void abandon() throws IOException {
        socket.close();
    }
}
