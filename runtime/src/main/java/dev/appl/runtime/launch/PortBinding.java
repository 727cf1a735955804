package dev.appl.runtime.launch;

import dev.appl.runtime.sys.SocketAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * What a port is bound to, as {@code --port NAME=...} and a port's default binding write it: a pcap
 * trace ({@link Replay.Binding}), or live traffic: {@code afpacket:IFACE} for a packet port,
 * {@code udp:HOST:PORT} for a datagram port (with {@code ,xdp=IFACE} through AF_XDP on that
 * interface), {@code tcp:HOST:PORT} for a stream port. An IPv6 host is written in brackets
 * ({@code udp:[::1]:5353}).
 */
public sealed interface PortBinding
        permits Replay.Binding, PortBinding.AfPacket, PortBinding.Udp, PortBinding.UdpXdp, PortBinding.Tcp {
    /** A network interface, through a packet socket with PACKET_MMAP rings. */
    record AfPacket(String iface) implements PortBinding {
        @Override
        public String toString() {
            return "afpacket:" + iface;
        }
    }

    /** A UDP socket bound to {@code address}. */
    record Udp(InetSocketAddress address) implements PortBinding {
        @Override
        public String toString() {
            return "udp:" + SocketAddresses.text(address);
        }
    }

    /**
     * Datagrams to {@code address} arriving on interface {@code iface}, taken by an XDP program into
     * AF_XDP sockets with UMEMs of {@code frames} frames each, beside a UDP socket on the address
     * for what the program leaves to the Linux stack.
     */
    record UdpXdp(InetSocketAddress address, String iface, int frames) implements PortBinding {
        @Override
        public String toString() {
            return "udp:" + SocketAddresses.text(address) + ",xdp=" + iface
                    + (frames == dev.appl.runtime.io.XdpEndpoint.DEFAULT_FRAMES ? "" : ",frames=" + frames);
        }
    }

    /** A TCP socket listening on {@code address}. */
    record Tcp(InetSocketAddress address) implements PortBinding {
        @Override
        public String toString() {
            return "tcp:" + SocketAddresses.text(address);
        }
    }

    /** Whether the binding is to live traffic rather than a trace. */
    default boolean live() {
        return !(this instanceof Replay.Binding);
    }

    /**
     * A run replays traces or serves live ports, not both: when {@code --port} binds a trace, the
     * ports that kept a live default binding (those not in {@code given}) are left unbound, so that
     * an appliance with a stream port can replay a trace into its datagram port.
     */
    public static void tracesOverLiveDefaults(java.util.Map<Integer, PortBinding> bindings, java.util.Set<Integer> given) {
        if (given.stream().anyMatch(p -> !bindings.get(p).live())) {
            bindings.entrySet().removeIf(e -> !given.contains(e.getKey()) && e.getValue().live());
        }
    }

    /** The bindings a port of {@code kind} (packet, datagram or stream) takes, for messages. */
    static String forms(String kind) {
        return switch (kind) {
            case "packet" -> "pcap:IN.pcap[,out=OUT.pcap] or afpacket:IFACE";
            case "datagram" -> "udp:HOST:PORT[,xdp=IFACE[,frames=N]] or pcap:IN.pcap[,out=OUT.pcap] (its UDP datagrams)";
            case "stream" -> "tcp:HOST:PORT";
            default -> "nothing (a " + kind + " port)";
        };
    }

    /**
     * {@code text} as the binding of port {@code port} of kind {@code kind}; trace paths are relative
     * to {@code base}.
     *
     * @throws Replay.BadInput naming the port when the text is no binding for a port of that kind
     */
    static PortBinding parse(String port, String kind, String text, Path base) throws Replay.BadInput {
        int colon = text.indexOf(':');
        String scheme = colon < 0 ? text : text.substring(0, colon);
        String rest = colon < 0 ? "" : text.substring(colon + 1);
        String expected = switch (scheme) {
            case "pcap", "afpacket" -> "packet";
            case "udp" -> "datagram";
            case "tcp" -> "stream";
            default -> null;
        };
        if (expected == null || colon < 0) {
            throw new Replay.BadInput("port `" + port + "`: `" + text + "` is not a binding; a " + kind + " port takes "
                    + forms(kind));
        }
        if (!expected.equals(kind) && !(scheme.equals("pcap") && kind.equals("datagram"))) {
            throw new Replay.BadInput("port `" + port + "` is a " + kind + " port: it takes " + forms(kind) + ", not `"
                    + text + "`");
        }
        return switch (scheme) {
            case "pcap" -> Replay.binding(port, text, base);
            case "afpacket" -> new AfPacket(iface(port, text, rest));
            case "udp" -> udp(port, text, rest);
            default -> new Tcp(address(port, text, rest));
        };
    }

    private static String iface(String port, String text, String name) throws Replay.BadInput {
        if (name.isEmpty() || name.length() > 15 || name.contains("/") || name.isBlank() || name.contains(",")) {
            throw new Replay.BadInput("port `" + port + "`: `" + text + "`: an interface name is 1 to 15 "
                    + "characters without `/`");
        }
        return name;
    }

    /** {@code HOST:PORT}, then options: {@code xdp=IFACE}, and with it {@code frames=N}. */
    private static PortBinding udp(String port, String text, String rest) throws Replay.BadInput {
        String[] parts = rest.split(",", -1);
        InetSocketAddress address = address(port, text, parts[0]);
        String iface = null;
        Integer frames = null;
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i];
            if (option.startsWith("xdp=") && iface == null) {
                iface = iface(port, text, option.substring(4));
            } else if (option.startsWith("frames=") && frames == null) {
                String n = option.substring(7);
                if (!n.matches("[0-9]{1,8}") || Integer.bitCount(Integer.parseInt(n)) != 1
                        || Integer.parseInt(n) < 64 || Integer.parseInt(n) > 1 << 20) {
                    throw new Replay.BadInput("port `" + port + "`: `" + text + "`: frames= takes a power of two from "
                            + "64 to 1048576 (UMEM frames of 4 KiB per socket)");
                }
                frames = Integer.parseInt(n);
            } else {
                throw new Replay.BadInput("port `" + port + "`: `" + text + "`: `" + option + "` is not an option of "
                        + "a udp binding (xdp=IFACE, and with it frames=N)");
            }
        }
        if (iface == null) {
            if (frames != null) {
                throw new Replay.BadInput("port `" + port + "`: `" + text + "`: frames= goes with xdp=IFACE");
            }
            return new Udp(address);
        }
        return new UdpXdp(address, iface, frames == null ? dev.appl.runtime.io.XdpEndpoint.DEFAULT_FRAMES : frames);
    }

    private static InetSocketAddress address(String port, String text, String hostPort) throws Replay.BadInput {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? "" : hostPort.substring(0, colon);
        String number = colon < 0 ? "" : hostPort.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = "";
        }
        if (host.isEmpty() || !number.matches("[0-9]{1,5}") || Integer.parseInt(number) > 65535) {
            throw new Replay.BadInput("port `" + port + "`: `" + text + "` is not HOST:PORT with a port from 0 to "
                    + "65535 (an IPv6 host goes in brackets: [::1]:5353)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(number));
        } catch (UnknownHostException e) {
            throw new Replay.BadInput("port `" + port + "`: `" + text + "`: unknown host " + host);
        }
    }
}
