package dev.appl.runtime.io;

import dev.appl.runtime.sys.Libc;
import dev.appl.runtime.sys.SocketAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A datagram port's XDP program on its interface ({@code udp:HOST:PORT,xdp=IFACE}): an XSKMAP with
 * a slot per receive queue, the {@link XdpProgram} that redirects the port's frames to the AF_XDP
 * socket in their queue's slot, and the BPF link that attaches the program to the interface in
 * generic (SKB) mode, which every interface has (lo and veth included). The link's file descriptor
 * holds the attachment: closing it, or the process ending in any way, detaches the program, so a
 * crashed appliance leaves nothing on the interface. Shared by the port's {@link XdpEndpoint}s,
 * one per queue; closed by whoever opened it, after them.
 */
public final class XdpPort implements AutoCloseable {
    private static final int BPF_MAP_CREATE = 0;
    private static final int BPF_MAP_UPDATE_ELEM = 2;
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_LINK_CREATE = 28;
    private static final int BPF_MAP_TYPE_XSKMAP = 17;
    private static final int BPF_PROG_TYPE_XDP = 6;
    private static final int BPF_XDP = 37;
    private static final int XDP_FLAGS_SKB_MODE = 2;
    private static final int ATTR = 144; // sizeof(union bpf_attr) in the headers this was written against
    private static final int LOG = 64 * 1024;

    final String port;
    final String iface;
    final int ifindex;
    private final int queues;
    private final int mapFd;
    private final int progFd;
    private final int linkFd;

    private XdpPort(String port, String iface, int ifindex, int queues, int mapFd, int progFd, int linkFd) {
        this.port = port;
        this.iface = iface;
        this.ifindex = ifindex;
        this.queues = queues;
        this.mapFd = mapFd;
        this.progFd = progFd;
        this.linkFd = linkFd;
    }

    /**
     * Loads and attaches the program for datagrams to {@code address} (its port already chosen) on
     * {@code iface}, taking frames of at most {@code maxFrame} bytes.
     *
     * @throws PortException saying what the user can do about it: no such interface, an address
     *     that is not the interface's, no privilege, a kernel without AF_XDP or bpf(2), another
     *     XDP program on the interface, or the verifier's refusal with its log
     */
    public static XdpPort attach(String port, InetSocketAddress address, String iface, int maxFrame)
            throws PortException {
        String where = "udp:" + SocketAddresses.text(address) + ",xdp=" + iface;
        int ifindex = Libc.ifNameToIndex(iface);
        if (ifindex == 0) {
            throw new PortException("port `" + port + "`: " + where + ": no such network interface");
        }
        if (!address.getAddress().isAnyLocalAddress()) {
            List<java.net.InetAddress> own = Libc.interfaceAddresses(iface);
            if (!own.contains(address.getAddress())) {
                throw new PortException("port `" + port + "`: " + where + ": " + address.getAddress().getHostAddress()
                        + " is not an address of " + iface + (own.isEmpty() ? ", which has none"
                        : " (it has " + String.join(", ", own.stream().map(java.net.InetAddress::getHostAddress)
                                .toList()) + ")"));
            }
        }
        if (address.getAddress() instanceof java.net.Inet4Address && loopback(iface)) {
            // A frame sent through AF_XDP carries no route, unlike the ones the stack sends on lo:
            // Linux routes it afresh, and drops it for its local source unless told to accept that,
            // and for a 127.0.0.0/8 address unless told to route those.
            List<String> missing = new java.util.ArrayList<>();
            for (String setting : List.of("accept_local", "route_localnet")) {
                if (!ipv4Conf(iface, setting)) {
                    missing.add("net.ipv4.conf." + iface + "." + setting + "=1");
                }
            }
            if (!missing.isEmpty()) {
                throw new PortException("port `" + port + "`: " + where + ": Linux drops IPv4 replies sent through "
                        + "AF_XDP on a loopback interface unless `sysctl -w " + String.join(" ", missing)
                        + "` (IPv6 needs neither)");
            }
        }
        int queues = receiveQueues(iface);
        int mapFd = -1;
        int progFd = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR, 8);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_MAP_TYPE_XSKMAP);
            attr.set(ValueLayout.JAVA_INT, 4, 4); // key: the queue
            attr.set(ValueLayout.JAVA_INT, 8, 4); // value: the socket's file descriptor
            attr.set(ValueLayout.JAVA_INT, 12, queues);
            name(attr, 28, "appl_xsks");
            mapFd = Libc.bpf(BPF_MAP_CREATE, attr, ATTR);
            if (mapFd < 0) {
                throw bpfFailed(port, where, "creating its XSKMAP", Libc.errno());
            }
            long[] program = XdpProgram.assemble(address.getAddress(), address.getPort(), maxFrame, mapFd);
            MemorySegment insns = arena.allocate(8L * program.length, 8);
            MemorySegment.copy(program, 0, insns, ValueLayout.JAVA_LONG, 0, program.length);
            MemorySegment license = arena.allocateFrom("Dual BSD/GPL");
            MemorySegment log = arena.allocate(LOG);
            attr.fill((byte) 0);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_XDP);
            attr.set(ValueLayout.JAVA_INT, 4, program.length);
            attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
            attr.set(ValueLayout.JAVA_LONG, 16, license.address());
            name(attr, 48, "appl_udp");
            attr.set(ValueLayout.JAVA_INT, 68, BPF_XDP);
            progFd = Libc.bpf(BPF_PROG_LOAD, attr, ATTR);
            if (progFd < 0 && Libc.errno() != Libc.EPERM) {
                // Again with the verifier's log, which says why (the first try leaves it off: a
                // program that passes needs none, and writing it costs the verifier time).
                attr.set(ValueLayout.JAVA_INT, 24, 1);
                attr.set(ValueLayout.JAVA_INT, 28, LOG);
                attr.set(ValueLayout.JAVA_LONG, 32, log.address());
                progFd = Libc.bpf(BPF_PROG_LOAD, attr, ATTR);
            }
            if (progFd < 0) {
                int errno = Libc.errno();
                String text = log.getString(0).strip();
                if (errno == Libc.EPERM || text.isEmpty()) {
                    throw bpfFailed(port, where, "loading its XDP program", errno);
                }
                throw new PortException("port `" + port + "`: " + where + ": the Linux kernel refused the XDP program ("
                        + Libc.strerror(errno) + "); the verifier said:\n" + text);
            }
            attr.fill((byte) 0);
            attr.set(ValueLayout.JAVA_INT, 0, progFd);
            attr.set(ValueLayout.JAVA_INT, 4, ifindex);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
            attr.set(ValueLayout.JAVA_INT, 12, XDP_FLAGS_SKB_MODE);
            int linkFd = Libc.bpf(BPF_LINK_CREATE, attr, ATTR);
            if (linkFd < 0) {
                int errno = Libc.errno();
                if (errno == Libc.EBUSY || errno == 17) {
                    throw new PortException("port `" + port + "`: " + where + ": another XDP program is attached to "
                            + iface + " (`ip link show " + iface + "` shows it): detach it, or serve the port "
                            + "without xdp=");
                }
                throw bpfFailed(port, where, "attaching its XDP program", errno);
            }
            XdpPort attached = new XdpPort(port, iface, ifindex, queues, mapFd, progFd, linkFd);
            mapFd = -1;
            progFd = -1;
            return attached;
        } finally {
            if (progFd >= 0) {
                Libc.close(progFd);
            }
            if (mapFd >= 0) {
                Libc.close(mapFd);
            }
        }
    }

    private static void name(MemorySegment attr, long at, String name) {
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment.copy(bytes, 0, attr, ValueLayout.JAVA_BYTE, at, bytes.length);
    }

    /** A bpf(2) call failed with {@code errno}, said as the user can act on it. */
    private static PortException bpfFailed(String port, String where, String what, int errno) {
        String why = switch (errno) {
            case 1, 13 -> Libc.strerror(errno).toLowerCase(java.util.Locale.ROOT)
                    + ": this needs root (or CAP_BPF, CAP_NET_ADMIN and CAP_NET_RAW)";
            case 38 -> "this Linux kernel has no bpf(2) (CONFIG_BPF_SYSCALL)";
            default -> Libc.strerror(errno);
        };
        return new PortException("port `" + port + "`: " + where + ": " + what + ": " + why);
    }

    /** Whether net.ipv4.conf.IFACE.SETTING (or .all.SETTING) is on. */
    private static boolean ipv4Conf(String iface, String setting) {
        for (String conf : List.of(iface, "all")) {
            try {
                if (Files.readString(Path.of("/proc/sys/net/ipv4/conf", conf, setting)).strip().equals("1")) {
                    return true;
                }
            } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                // not said: taken as off
            }
        }
        return false;
    }

    /** Whether the interface is a loopback one (IFF_LOOPBACK in its sysfs flags). */
    private static boolean loopback(String iface) {
        try {
            return (Integer.decode(Files.readString(Path.of("/sys/class/net", iface, "flags")).strip()) & 0x8) != 0;
        } catch (java.io.IOException | NumberFormatException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /**
     * How many receive queues the interface has (its {@code queues/rx-N} in sysfs); 1 when sysfs
     * does not say.
     */
    private static int receiveQueues(String iface) {
        try (var entries = Files.list(Path.of("/sys/class/net", iface, "queues"))) {
            return (int) Math.max(1, entries.filter(p -> p.getFileName().toString().startsWith("rx-")).count());
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            return 1;
        }
    }

    /** How many receive queues the interface has: one socket each, served by one worker each. */
    public int queues() {
        return queues;
    }

    /** Puts the AF_XDP socket {@code fd} in the slot of {@code queue}: the program redirects that queue's frames to it. */
    void register(int queue, int fd) throws PortException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocateFrom(ValueLayout.JAVA_INT, queue);
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, fd);
            MemorySegment attr = arena.allocate(ATTR, 8);
            attr.set(ValueLayout.JAVA_INT, 0, mapFd);
            attr.set(ValueLayout.JAVA_LONG, 8, key.address());
            attr.set(ValueLayout.JAVA_LONG, 16, value.address());
            if (Libc.bpf(BPF_MAP_UPDATE_ELEM, attr, ATTR) < 0) {
                throw bpfFailed(port, "udp,xdp=" + iface, "registering the socket of queue " + queue, Libc.errno());
            }
        }
    }

    /** Detaches the program (closing the link does) and lets the program and map go. */
    @Override
    public void close() {
        Libc.close(linkFd);
        Libc.close(progFd);
        Libc.close(mapFd);
    }
}
