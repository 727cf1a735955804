package dev.appl.runtime.io;

import dev.appl.runtime.sys.Libc;
import dev.appl.runtime.sys.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * Checks that no other program has a socket on an address before a port's first worker binds it.
 * The workers' sockets share the address with SO_REUSEPORT, which any other socket with that option
 * (of the same user: another appliance, say) may share too, and the two would split the traffic
 * without a word. A socket bound without the option is refused by every socket already on the
 * address, so a probe socket is bound that way, and closed, first. A program that binds in the
 * moment between the probe and the first worker's socket is not seen.
 */
final class AddressProbe {
    private AddressProbe() {}

    /**
     * Throws the port's "already in use" error (or another reason the address cannot be bound) unless
     * {@code address} is free; port 0 (a free port, chosen when bound) is not checked.
     *
     * @param type {@link Libc#SOCK_DGRAM} or {@link Libc#SOCK_STREAM}
     */
    static void checkFree(String port, String where, InetSocketAddress address, int type) throws PortException {
        if (address.getPort() == 0) {
            return;
        }
        int fd = Libc.socket(SocketAddresses.family(address), type | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw PortException.of(port, where, Libc.errno());
        }
        try (Arena arena = Arena.ofConfined()) {
            if (type == Libc.SOCK_STREAM) {
                // As on the workers' sockets: connections of an earlier run in TIME_WAIT do not hold the port.
                Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            }
            MemorySegment addr = arena.allocate(Libc.SOCKADDR_STORAGE, 8);
            int length = SocketAddresses.write(address, addr);
            if (Libc.bind(fd, addr, length) < 0) {
                throw PortException.of(port, where, Libc.errno());
            }
        } finally {
            Libc.close(fd);
        }
    }
}
