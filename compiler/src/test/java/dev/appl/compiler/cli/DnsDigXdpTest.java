package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import dev.appl.runtime.sys.Libc;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The DNS sample's UDP port served through AF_XDP on lo ({@code udp:[::1]:PORT,xdp=lo}: IPv6, which
 * needs no sysctl on lo) and asked by `dig`: every record type, NXDOMAIN, malformed queries; the
 * XDP program is on lo while it runs and gone once the appliance has stopped. Needs root, a kernel
 * with AF_XDP and dig; skipped otherwise.
 */
class DnsDigXdpTest {
    private static final String LO6 = "::1";

    record Result(int status, String output) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, output);
        }
        return new Result(process.exitValue(), output);
    }

    private static List<String> answer(int port, String name, String type) throws Exception {
        Result r = run("dig", "@" + LO6, "-p", String.valueOf(port), "+tries=1", "+time=3", "+norecurse", name, type,
                "+noall", "+answer");
        assertEquals(0, r.status(), r.output());
        return r.output().lines().filter(l -> !l.isBlank()).map(l -> l.replaceAll("\\s+", " ")).toList();
    }

    @Test
    void digGetsEveryAnswerThroughAfXdpAndStoppingDetachesTheProgram() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "AF_XDP and XDP programs need root");
        int fd = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        assumeTrue(fd >= 0, "this kernel has no AF_XDP sockets: " + Libc.strerror(Libc.errno()));
        Libc.close(fd);
        assumeTrue(run("dig", "-v").status() == 0, "dig is not installed (Debian bind9-dnsutils)");
        RunCommand command = new RunCommand();
        command.specFile = Path.of("").toAbsolutePath().getParent().resolve("samples/dns/dns.appl");
        command.engine = RunCommand.EngineKind.compiled;
        RunCommand.Prepared p = command.prepare(new PrintWriter(new StringWriter()));
        IrAppliance ir = p.ir();
        int udpPort = ir.ports.indexOf(ir.ports.stream().filter(x -> x.name().equals("udp")).findFirst().orElseThrow());
        Replay.Appliance appliance = new Replay.Appliance("Dns", ir.ports.stream().map(IrAppliance.Port::name).toList(),
                ir.ports.stream().map(IrAppliance.Port::kind).toList(), List.of(), new long[0], ir.counters);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getByName(LO6), 0);
        try (Live live = Live.start(List.of(RunCommand.kernel(p.engine(), ir)), appliance,
                Map.of(udpPort, new PortBinding.UdpXdp(any, "lo", 256)), false)) {
            int port = live.address(udpPort).getPort();
            assertTrue(run("ip", "link", "show", "lo").output().contains("prog/xdp"), "the program is on lo");
            assertEquals(List.of("www.example.test. 3600 IN A 192.0.2.80"), answer(port, "www.example.test", "A"));
            assertEquals(List.of("www.example.test. 3600 IN AAAA 2001:db8::80"),
                    answer(port, "www.example.test", "AAAA"));
            assertEquals(List.of("example.test. 3600 IN MX 10 mail.example.test."), answer(port, "example.test", "MX"));
            assertEquals(List.of("example.test. 3600 IN NS ns1.example.test."), answer(port, "example.test", "NS"));
            assertEquals(List.of("example.test. 3600 IN TXT \"v=spf1 mx -all\""), answer(port, "example.test", "TXT"));
            assertEquals(List.of("ftp.example.test. 3600 IN CNAME www.example.test."),
                    answer(port, "ftp.example.test", "A"));
            assertEquals(List.of("example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2026112601 7200 "
                    + "3600 1209600 300"), answer(port, "example.test", "SOA"));
            // EDNS lets the 600-byte answer through in one datagram, built in the query's UMEM frame.
            Result big = run("dig", "@" + LO6, "-p", String.valueOf(port), "+tries=1", "+time=3", "big.example.test",
                    "TXT", "+edns=0", "+ignore");
            assertTrue(big.output().contains("ANSWER: 1,") && big.output().contains("c".repeat(150)), big.output());
            Result nx = run("dig", "@" + LO6, "-p", String.valueOf(port), "+tries=1", "+time=3", "nope.example.test");
            assertTrue(nx.output().contains("status: NXDOMAIN"), nx.output());
            // Malformed queries: a runt is counted malformed, a bad name gets FORMERR; the worker goes on.
            long formerr = live.counter(ir.counters.indexOf("formerr"));
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName(LO6))) {
                s.setSoTimeout(3000);
                InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(LO6), port);
                s.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server));
                byte[] bad = {0, 42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w'};
                s.send(new DatagramPacket(bad, bad.length, server));
                DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                s.receive(reply);
                assertEquals(42, reply.getData()[1]);
                assertEquals(1, reply.getData()[3] & 0x0f, "FORMERR");
            }
            assertEquals(List.of("www.example.test. 3600 IN A 192.0.2.80"), answer(port, "www.example.test", "A"));
            live.stop();
            live.join();
            assertEquals(1, live.malformed());
            assertEquals(formerr + 1, live.counter(ir.counters.indexOf("formerr")));
            assertEquals(0, live.failed());
        }
        assertFalse(run("ip", "link", "show", "lo").output().contains("xdp"), "closing detached the program");
    }
}
