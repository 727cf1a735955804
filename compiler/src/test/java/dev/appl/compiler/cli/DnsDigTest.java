package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DNS sample served live on loopback (UDP and TCP, the runtime's drivers) and asked by `dig`
 * (Debian bind9-dnsutils): every record type of example.test.zone, NXDOMAIN, NODATA, REFUSED, a
 * query over TCP, EDNS (with and without, payload sizes, the DO bit, a later version), and
 * malformed datagrams, after which it still answers.
 */
class DnsDigTest {
    private static Live live;
    private static int udp;
    private static int tcp;
    private static IrAppliance ir;

    @BeforeAll
    static void serve() throws Exception {
        assumeTrue(dig("-v").status() == 0, "dig is not installed (Debian bind9-dnsutils)");
        RunCommand run = new RunCommand();
        run.specFile = Path.of("").toAbsolutePath().getParent().resolve("samples/dns/dns.appl");
        run.engine = RunCommand.EngineKind.compiled;
        RunCommand.Prepared p = run.prepare(new PrintWriter(new StringWriter()));
        ir = p.ir();
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        int udpPort = ir.ports.indexOf(ir.ports.stream().filter(x -> x.name().equals("udp")).findFirst().orElseThrow());
        int tcpPort = ir.ports.indexOf(ir.ports.stream().filter(x -> x.name().equals("tcp")).findFirst().orElseThrow());
        Replay.Appliance appliance = new Replay.Appliance("Dns", ir.ports.stream().map(IrAppliance.Port::name).toList(),
                ir.ports.stream().map(IrAppliance.Port::kind).toList(), List.of(), new long[0], ir.counters);
        live = Live.start(List.of(RunCommand.kernel(p.engine(), ir)), appliance,
                Map.of(udpPort, new PortBinding.Udp(any), tcpPort, new PortBinding.Tcp(any)), false);
        udp = live.address(udpPort).getPort();
        tcp = live.address(tcpPort).getPort();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (live != null) {
            live.stop();
            live.join();
            live.close();
        }
    }

    record Result(int status, String output) {}

    private static Result dig(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("dig"));
        command.addAll(List.of(args));
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

    /** `dig +short`-like answer lines of a query over UDP (or TCP with +tcp). */
    private static Result ask(String name, String type, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("@127.0.0.1", "-p", String.valueOf(udp), "+tries=1", "+time=3",
                "+norecurse", name, type));
        args.addAll(List.of(options));
        if (List.of(options).contains("+tcp")) {
            args.set(2, String.valueOf(tcp));
        }
        return dig(args.toArray(String[]::new));
    }

    private static void answers(String name, String type, String... expected) throws Exception {
        Result r = ask(name, type, "+noall", "+answer");
        assertEquals(0, r.status(), r.output());
        List<String> lines = r.output().lines().filter(l -> !l.isBlank()).map(l -> l.replaceAll("\\s+", " ")).toList();
        assertEquals(List.of(expected), lines, r.output());
    }

    @Test
    void answersEveryRecordType() throws Exception {
        answers("www.example.test", "A", "www.example.test. 3600 IN A 192.0.2.80");
        answers("www.example.test", "AAAA", "www.example.test. 3600 IN AAAA 2001:db8::80");
        answers("mail.example.test", "A", "mail.example.test. 3600 IN A 192.0.2.25");
        answers("example.test", "MX", "example.test. 3600 IN MX 10 mail.example.test.");
        answers("example.test", "NS", "example.test. 3600 IN NS ns1.example.test.");
        answers("example.test", "TXT", "example.test. 3600 IN TXT \"v=spf1 mx -all\"");
        answers("info.example.test", "TXT", "info.example.test. 600 IN TXT \"appl DNS sample\" \"two strings\"");
        answers("ftp.example.test", "A", "ftp.example.test. 3600 IN CNAME www.example.test.");
        answers("example.test", "SOA",
                "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2026112601 7200 3600 1209600 300");
        answers("WWW.Example.Test", "A", "WWW.Example.Test. 3600 IN A 192.0.2.80");
    }

    @Test
    void negativeAnswersCarryTheSoa() throws Exception {
        Result nx = ask("nope.example.test", "A");
        assertTrue(nx.output().contains("status: NXDOMAIN"), nx.output());
        assertTrue(nx.output().contains("flags: qr aa;"), nx.output());
        assertTrue(nx.output().matches("(?s).*AUTHORITY SECTION:\\s+example\\.test\\.\\s+300\\s+IN\\s+SOA\\s+ns1\\.example"
                + "\\.test\\. hostmaster\\.example\\.test\\. 2026112601 .*"), nx.output());
        Result nodata = ask("www.example.test", "MX");
        assertTrue(nodata.output().contains("status: NOERROR"), nodata.output());
        assertTrue(nodata.output().contains("ANSWER: 0, AUTHORITY: 1"), nodata.output());
        Result refused = ask("www.example.org", "A");
        assertTrue(refused.output().contains("status: REFUSED"), refused.output());
    }

    @Test
    void answersOverTcp() throws Exception {
        Result r = ask("www.example.test", "AAAA", "+tcp");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("status: NOERROR"), r.output());
        assertTrue(r.output().matches("(?s).*www\\.example\\.test\\.\\s+3600\\s+IN\\s+AAAA\\s+2001:db8::80.*"), r.output());
        assertTrue(r.output().contains("(TCP)"), r.output());
    }

    @Test
    void aTruncatedUdpAnswerIsAskedAgainOverTcp() throws Exception {
        Result udpOnly = ask("big.example.test", "TXT", "+noedns", "+ignore");
        assertTrue(udpOnly.output().contains("flags: qr aa tc;"), udpOnly.output());
        assertTrue(udpOnly.output().contains("ANSWER: 0,"), udpOnly.output());
        // dig retries over TCP by itself: the port stays the UDP one's here, so ask TCP directly too.
        Result tcpAnswer = ask("big.example.test", "TXT", "+tcp");
        assertTrue(tcpAnswer.output().contains("ANSWER: 1,"), tcpAnswer.output());
        assertTrue(tcpAnswer.output().contains("\"" + "c".repeat(150) + "\""), tcpAnswer.output());
    }

    @Test
    void ednsRaisesTheUdpLimitAndItsOptRecordIsEchoed() throws Exception {
        // dig's default: EDNS version 0 with 1232 bytes, so the 600-byte answer fits.
        Result edns = ask("big.example.test", "TXT", "+edns=0", "+ignore");
        assertEquals(0, edns.status(), edns.output());
        assertTrue(edns.output().contains("flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1"),
                edns.output());
        assertTrue(edns.output().contains("; EDNS: version: 0, flags:; udp: 1232"), edns.output());
        assertTrue(edns.output().contains("\"" + "c".repeat(150) + "\""), edns.output());
        // A smaller payload size: truncated, the OPT record still there.
        Result small = ask("big.example.test", "TXT", "+bufsize=600", "+ignore");
        assertTrue(small.output().contains("flags: qr aa tc; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1"),
                small.output());
        assertTrue(small.output().contains("; EDNS: version: 0, flags:; udp: 1232"), small.output());
        Result enough = ask("big.example.test", "TXT", "+bufsize=700", "+ignore");
        assertTrue(enough.output().contains("ANSWER: 1,"), enough.output());
        // Without EDNS: 512 bytes, and no OPT record back.
        Result plain = ask("big.example.test", "TXT", "+noedns", "+ignore");
        assertTrue(plain.output().contains("flags: qr aa tc; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0"),
                plain.output());
        assertTrue(!plain.output().contains("OPT PSEUDOSECTION"), plain.output());
        // The DO bit comes back; a negative answer has its SOA and then the OPT record.
        Result dnssec = ask("nope.example.test", "A", "+dnssec");
        assertTrue(dnssec.output().contains("status: NXDOMAIN"), dnssec.output());
        assertTrue(dnssec.output().contains("; EDNS: version: 0, flags: do; udp: 1232"), dnssec.output());
        assertTrue(dnssec.output().contains("AUTHORITY: 1, ADDITIONAL: 1"), dnssec.output());
        // Over TCP too.
        Result tcpEdns = ask("www.example.test", "A", "+tcp", "+edns=0");
        assertTrue(tcpEdns.output().contains("; EDNS: version: 0, flags:; udp: 1232"), tcpEdns.output());
    }

    @Test
    void aLaterEdnsVersionGetsBadvers() throws Exception {
        Result r = ask("www.example.test", "A", "+edns=1", "+noednsnegotiation");
        assertTrue(r.output().contains("status: BADVERS"), r.output());
        assertTrue(r.output().contains("; EDNS: version: 0, flags:; udp: 1232"), r.output());
        assertTrue(r.output().contains("ANSWER: 0,"), r.output());
    }

    @Test
    void malformedQueriesNeverStopIt() throws Exception {
        long malformed = live.malformed();
        long formerr = live.counter(ir.counters.indexOf("formerr"));
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(3000);
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), udp);
            // Shorter than a header: counted as malformed, no answer.
            s.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server));
            // A name that runs past the message: FORMERR.
            byte[] bad = {0, 42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w'};
            s.send(new DatagramPacket(bad, bad.length, server));
            DatagramPacket answer = new DatagramPacket(new byte[512], 512);
            s.receive(answer);
            assertEquals(12, answer.getLength());
            assertEquals(42, answer.getData()[1]);
            assertEquals(1, answer.getData()[3] & 0x0f, "FORMERR");
            // Random bytes of every length up to 600.
            java.util.Random random = new java.util.Random(53);
            for (int n = 0; n < 600; n += 7) {
                byte[] junk = new byte[n];
                random.nextBytes(junk);
                s.send(new DatagramPacket(junk, n, server));
            }
        }
        // One worker reads one socket in order: once dig's query after them is answered, the
        // datagrams before it have all been handled.
        answers("www.example.test", "A", "www.example.test. 3600 IN A 192.0.2.80");
        assertTrue(live.malformed() > malformed, "the runt was counted");
        assertTrue(live.counter(ir.counters.indexOf("formerr")) > formerr);
        assertEquals(0, live.failed(), "no worker failed");
    }
}
