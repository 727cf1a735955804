package dev.appl.runtime.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in} and {@code sockaddr_in6}, written from and read into Java addresses,
 * and addresses as bindings and messages write them.
 */
public final class SocketAddresses {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort HOST_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private SocketAddresses() {}

    /** The address family of {@code address}: {@link Libc#AF_INET} or {@link Libc#AF_INET6}. */
    public static int family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? Libc.AF_INET6 : Libc.AF_INET;
    }

    /** Writes {@code address} at the start of {@code into} (at least 28 bytes); returns its length. */
    public static int write(InetSocketAddress address, MemorySegment into) {
        into.asSlice(0, 28).fill((byte) 0);
        into.set(NET_SHORT, 2, (short) address.getPort());
        byte[] raw = address.getAddress().getAddress();
        if (address.getAddress() instanceof Inet4Address) {
            into.set(HOST_SHORT, 0, (short) Libc.AF_INET);
            MemorySegment.copy(raw, 0, into, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        into.set(HOST_SHORT, 0, (short) Libc.AF_INET6);
        MemorySegment.copy(raw, 0, into, ValueLayout.JAVA_BYTE, 8, 16);
        into.set(ValueLayout.JAVA_INT_UNALIGNED, 24, ((Inet6Address) address.getAddress()).getScopeId());
        return 28;
    }

    /** The address at the start of {@code from}, as written by the kernel. */
    public static InetSocketAddress read(MemorySegment from) {
        int family = from.get(HOST_SHORT, 0);
        int port = Short.toUnsignedInt(from.get(NET_SHORT, 2));
        try {
            if (family == Libc.AF_INET) {
                return new InetSocketAddress(InetAddress.getByAddress(from.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)), port);
            }
            if (family == Libc.AF_INET6) {
                return new InetSocketAddress(InetAddress.getByAddress(from.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE)), port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException("not an IP socket address (family " + family + ")");
    }

    /** {@code HOST:PORT}, an IPv6 host in brackets ({@code [::1]:5353}), as a binding writes it. */
    public static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
