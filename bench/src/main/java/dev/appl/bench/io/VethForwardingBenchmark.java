package dev.appl.bench.io;

import static dev.appl.bench.io.Namespaces.quietly;
import static dev.appl.bench.io.Namespaces.sh;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.codegen.CompiledKernel;
import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import dev.appl.runtime.sys.Libc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The firewall sample as a bump in the wire between two veths, against the Linux kernel doing the
 * same job on the same wires: a bridge of the two veths with an nftables forward chain holding the
 * firewall's rules (its const entries, then its rules file, in the same order). A client namespace
 * sends 64-byte UDP frames to the DNS server's address, which the ACL allows, as fast as sendmmsg
 * takes them (one core); the figure is the frames per second that reach the server's interface.
 * The firewall's worker is pinned to the other core. With {@code one-core}, the frames' receive
 * processing is steered to that core too (RPS), so that in both cases it does all the forwarding;
 * with {@code natural} (the default) Linux receives each frame on the sender's core, as it does for
 * veth: the bridge then forwards it there, while the firewall's worker takes it from the ring on
 * its own core.
 *
 * <p>Needs root, iproute2, ethtool and nftables.
 * {@code bench/io-run VethForwardingBenchmark [SECONDS] [ROUNDS] [natural|one-core]}.
 */
public final class VethForwardingBenchmark {
    private static final String OUT = "benchout";
    private static final String IN = "benchin";
    private static final String FW_OUT = "bfwo";
    private static final String FW_IN = "bfwi";

    /** The firewall's policy in nftables: a bridge between the wires, filtered as the sample filters. */
    private static final String NFT = """
            table bridge applbench {
                chain forward {
                    type filter hook forward priority 0; policy drop;
                    ether type arp accept
                    iifname "bfwi" ip saddr 192.0.2.0/24 accept
                    iifname "bfwi" drop
                    ether type != ip drop
                    ip saddr 192.0.2.0/24 drop
                    ip saddr 10.0.0.0/8 drop
                    ip saddr 172.16.0.0/12 drop
                    ip saddr 192.168.0.0/16 drop
                    ip saddr 127.0.0.0/8 drop
                    ip daddr 192.0.2.10 tcp dport 80 accept
                    ip daddr 192.0.2.10 tcp dport 443 accept
                    ip daddr 192.0.2.53 udp dport 53 accept
                    ip daddr 192.0.2.53 tcp dport 53 accept
                    ip daddr 192.0.2.0/24 tcp dport 32768-60999 accept
                    ip daddr 192.0.2.0/24 udp dport 32768-60999 accept
                    ip daddr 192.0.2.0/24 ip protocol icmp accept
                    ip daddr 192.0.2.25 tcp dport 25 accept
                    ip daddr 192.0.2.25 tcp dport 587 accept
                    ip daddr 192.0.2.25 tcp dport 993 accept
                    ip saddr 198.51.100.128/25 ip daddr 192.0.2.22 tcp dport 22 drop
                    ip saddr 198.51.100.0/24 ip daddr 192.0.2.22 tcp dport 22 accept
                    ip daddr 192.0.2.123 udp dport 123 accept
                    ip saddr 203.0.113.9 ip daddr 192.0.2.1 ip protocol gre accept
                }
            }
            """;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean oneCore = args.length > 2 && args[2].equals("one-core");
        int[] cpus = Libc.allowedCpus();
        int forwardCpu = cpus[0];
        int loadCpu = cpus[cpus.length - 1];
        Path root = Path.of(System.getProperty("appl.root", "."));
        cleanUp();
        try {
            topology(oneCore ? forwardCpu : -1);
            System.out.printf("64-byte UDP frames from a client namespace to 192.0.2.53:53 through the firewall, load on"
                    + " CPU %d, firewall worker on CPU %d, receive processing on %s, %d s per run%n", loadCpu, forwardCpu,
                    oneCore ? "CPU " + forwardCpu : "the sender's CPU", seconds);
            List<Double> appl = new ArrayList<>();
            List<Double> kernel = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                appl.add(appl(root, seconds, loadCpu));
                kernel.add(nftables(seconds, loadCpu));
                System.out.printf("  round %d: firewall sample (afpacket) %,.0f frames/s, bridge + nftables %,.0f frames/s:"
                        + " %.2fx%n", r + 1, appl.getLast(), kernel.getLast(), appl.getLast() / kernel.getLast());
            }
            double a = median(appl);
            double k = median(kernel);
            System.out.printf("  median: firewall sample %,.0f frames/s, bridge + nftables %,.0f frames/s: %.2fx%n", a, k,
                    a / k);
        } finally {
            cleanUp();
        }
    }

    /** The namespaces and wires; frames from the client are received on {@code steerTo} unless it is -1. */
    private static void topology(int steerTo) {
        sh("ip", "netns", "add", OUT);
        sh("ip", "netns", "add", IN);
        wire(FW_OUT, OUT, "cli", "198.51.100.7/24");
        wire(FW_IN, IN, "srv", "192.0.2.10/24");
        sh("ip", "-n", IN, "addr", "add", "192.0.2.53/24", "dev", "srv");
        sh("ip", "-n", OUT, "route", "add", "192.0.2.0/24", "dev", "cli");
        sh("ip", "-n", IN, "route", "add", "198.51.100.0/24", "dev", "srv");
        if (steerTo >= 0) {
            sh("sh", "-c", "echo " + Integer.toHexString(1 << steerTo) + " > /sys/class/net/" + FW_OUT
                    + "/queues/rx-0/rps_cpus");
        }
    }

    private static void wire(String here, String ns, String there, String address) {
        sh("ip", "link", "add", here, "type", "veth", "peer", "name", there, "netns", ns);
        sh("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + here + "/disable_ipv6");
        sh("ip", "link", "set", here, "up");
        sh("ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + there + "/disable_ipv6");
        sh("ip", "-n", ns, "link", "set", "lo", "up");
        sh("ip", "-n", ns, "link", "set", there, "up");
        sh("ip", "-n", ns, "addr", "add", address, "dev", there);
        sh("ip", "netns", "exec", ns, "ethtool", "-K", there, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
    }

    private static void cleanUp() {
        quietly("nft", "delete", "table", "bridge", "applbench");
        quietly("ip", "link", "del", "applbr");
        quietly("ip", "link", "del", FW_OUT);
        quietly("ip", "link", "del", FW_IN);
        quietly("ip", "netns", "del", OUT);
        quietly("ip", "netns", "del", IN);
    }

    private static double appl(Path root, int seconds, int loadCpu) throws Exception {
        Path spec = root.resolve("samples/firewall/firewall.appl");
        Compilation c = new Compilation(root.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result r = c.check();
        Decl.Appliance decl = (Decl.Appliance) m.decls().stream().filter(Decl.Appliance.class::isInstance).findFirst()
                .orElseThrow();
        IrAppliance ir = Lowering.lower(decl, r.semantics());
        Pipeline.run(ir);
        CompiledKernel engine = CompiledAppliance.compile(ir).newKernel(Map.of());
        int acl = ir.tables.indexOf(ir.tables.stream().filter(t -> t.loadParam() != null).findFirst().orElseThrow());
        LoadedRules.load(engine, acl, LoadedRules.schema(ir, acl, decl, r.semantics()),
                spec.getParent().resolve("rules.txt"));
        Replay.Appliance what = new Replay.Appliance("Firewall", ir.ports.stream().map(IrAppliance.Port::name).toList(),
                List.of(), new long[0], ir.counters);
        Map<Integer, PortBinding> bindings = Map.of(
                index(ir, "outside"), new PortBinding.AfPacket(FW_OUT),
                index(ir, "inside"), new PortBinding.AfPacket(FW_IN));
        try (Live live = Live.start(List.<Kernel>of(engine.kernel()), what, bindings, true)) {
            double rate = measure(seconds, loadCpu);
            if (Boolean.getBoolean("appl.bench.verbose")) {
                live.stop();
                live.join();
                live.summary(new java.io.PrintWriter(System.out, true));
            }
            return rate;
        }
    }

    private static int index(IrAppliance ir, String port) {
        for (int i = 0; i < ir.ports.size(); i++) {
            if (ir.ports.get(i).name().equals(port)) {
                return i;
            }
        }
        throw new IllegalArgumentException(port);
    }

    private static double nftables(int seconds, int loadCpu) throws Exception {
        sh("ip", "link", "add", "applbr", "type", "bridge");
        sh("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/applbr/disable_ipv6");
        sh("ip", "link", "set", FW_OUT, "master", "applbr");
        sh("ip", "link", "set", FW_IN, "master", "applbr");
        sh("ip", "link", "set", "applbr", "up");
        Path rules = Files.createTempFile("applbench", ".nft");
        Files.writeString(rules, NFT);
        sh("nft", "-f", rules.toString());
        Files.delete(rules);
        try {
            return measure(seconds, loadCpu);
        } finally {
            quietly("nft", "delete", "table", "bridge", "applbench");
            quietly("ip", "link", "del", "applbr");
        }
    }

    /** Blasts the DNS server's address from the client and returns the frames per second its interface received. */
    private static double measure(int seconds, int loadCpu) throws Exception {
        sh("ip", "netns", "exec", OUT, "ping", "-c", "1", "-W", "2", "192.0.2.53"); // ARP both ways, and a path
        Blaster blaster = new Blaster(new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 40000),
                new InetSocketAddress(InetAddress.getByName("192.0.2.53"), 53), 18, loadCpu, 0, OUT);
        Thread load = Thread.ofPlatform().start(blaster);
        try {
            Thread.sleep(1000);
            long before = received();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long after = received();
            long t1 = System.nanoTime();
            return (after - before) * 1e9 / (t1 - t0);
        } finally {
            blaster.stop();
            load.join();
        }
    }

    private static long received() {
        return Long.parseLong(sh("ip", "netns", "exec", IN, "cat", "/sys/class/net/srv/statistics/rx_packets").strip());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
