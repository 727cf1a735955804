package dev.appl.bench.io;

import dev.appl.runtime.sys.Libc;
import dev.appl.runtime.sys.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * A load generator: sends small UDP datagrams to one address as fast as sendmmsg(2) takes them, 64
 * at a time, from a thread pinned to one CPU, until stopped. What the benchmarks need from a
 * trafgen, without its forked child (docs/performance.md, PEERS.md).
 */
final class Blaster implements Runnable {
    private final InetSocketAddress from;
    private final InetSocketAddress to;
    private final int payload;
    private final int cpu;
    private final long limit;
    private final String namespace;
    private volatile boolean stop;
    volatile long sent;

    /** Sends until stopped, or until {@code limit} datagrams went (0: no limit). */
    Blaster(InetSocketAddress from, InetSocketAddress to, int payload, int cpu, long limit) {
        this(from, to, payload, cpu, limit, null);
    }

    /** The same, from network namespace {@code namespace} (null: this one). */
    Blaster(InetSocketAddress from, InetSocketAddress to, int payload, int cpu, long limit, String namespace) {
        this.namespace = namespace;
        this.from = from;
        this.to = to;
        this.payload = payload;
        this.cpu = cpu;
        this.limit = limit;
    }

    void stop() {
        stop = true;
    }

    @Override
    public void run() {
        Libc.pinToCpu(cpu);
        if (namespace != null) {
            Namespaces.enter(namespace);
        }
        int batch = 64;
        long mmsg = Libc.MMSGHDR.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            int fd = Libc.socket(SocketAddresses.family(to), Libc.SOCK_DGRAM, 0);
            MemorySegment address = arena.allocate(Libc.SOCKADDR_STORAGE, 8);
            if (from != null) {
                int length = SocketAddresses.write(from, address);
                if (Libc.bind(fd, address, length) < 0) {
                    throw new IllegalStateException("bind " + from + ": " + Libc.strerror(Libc.errno()));
                }
            }
            int length = SocketAddresses.write(to, address);
            MemorySegment data = arena.allocate(payload, 8);
            MemorySegment iov = arena.allocate(Libc.IOVEC);
            iov.set(ValueLayout.ADDRESS, 0, data);
            iov.set(ValueLayout.JAVA_LONG, 8, payload);
            MemorySegment msgs = arena.allocate(mmsg * batch, 8);
            for (int i = 0; i < batch; i++) {
                msgs.set(ValueLayout.ADDRESS, i * mmsg + Libc.MSG_NAME, address);
                msgs.set(ValueLayout.JAVA_INT, i * mmsg + Libc.MSG_NAMELEN, length);
                msgs.set(ValueLayout.ADDRESS, i * mmsg + Libc.MSG_IOV, iov);
                msgs.set(ValueLayout.JAVA_LONG, i * mmsg + Libc.MSG_IOVLEN, 1);
            }
            long count = 0;
            while (!stop && (limit == 0 || count < limit)) {
                int n = Libc.sendmmsg(fd, msgs, (int) (limit == 0 ? batch : Math.min(batch, limit - count)), 0);
                if (n > 0) {
                    count += n;
                    sent = count;
                }
            }
            Libc.close(fd);
        }
    }
}
