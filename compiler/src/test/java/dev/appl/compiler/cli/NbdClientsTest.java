package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.launch.Replay;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NBD sample served live on loopback (the compiled kernel and the runtime's TCP driver) to real
 * clients: qemu-img (Debian qemu-utils) creating, inspecting, checking and converting images over
 * nbd://, nbdinfo and nbdcopy (libnbd-bin) with checksums compared, and fio's nbd engine verifying
 * what it wrote. Each test skips, naming the package, when its tool is not installed; .ci/run
 * installs them.
 */
class NbdClientsTest {
    /** Smaller than the sample's default 64 MiB, so that copying the whole export stays quick. */
    private static final int EXPORT_SIZE = 16 << 20;

    @TempDir
    static Path dir;

    private static Live live;
    private static IrAppliance ir;
    private static String uri;
    private static InetSocketAddress server;

    @BeforeAll
    static void serve() throws Exception {
        RunCommand run = new RunCommand();
        run.specFile = Path.of("").toAbsolutePath().getParent().resolve("samples/nbd/nbd.appl");
        run.engine = RunCommand.EngineKind.compiled;
        run.params = List.of("export_file=" + dir.resolve("export.img"), "export_size=16MiB");
        RunCommand.Prepared p = run.prepare(new PrintWriter(new StringWriter()));
        ir = p.ir();
        int clients = ir.ports.indexOf(ir.ports.stream().filter(x -> x.name().equals("clients")).findFirst().orElseThrow());
        Replay.Appliance appliance = new Replay.Appliance("Nbd", ir.ports.stream().map(IrAppliance.Port::name).toList(),
                ir.ports.stream().map(IrAppliance.Port::kind).toList(), List.of(), new long[0], ir.counters);
        live = Live.start(List.of(RunCommand.kernel(p.engine(), ir)), appliance,
                Map.of(clients, new PortBinding.Tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))), false);
        server = live.address(clients);
        uri = "nbd://127.0.0.1:" + server.getPort();
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

    private static boolean installed(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void need(String tool, String debianPackage) {
        assumeTrue(installed(tool), tool + " is not installed (Debian " + debianPackage + ")");
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, output + "\n(timed out)");
        }
        return new Result(process.exitValue(), output);
    }

    private static Result ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        assertEquals(0, r.status(), String.join(" ", command) + "\n" + r.output());
        return r;
    }

    private static Path randomFile(String name, long seed) throws IOException {
        byte[] data = new byte[EXPORT_SIZE];
        new Random(seed).nextBytes(data);
        // A few zero runs, which copying tools like to skip or turn into write-zeroes.
        java.util.Arrays.fill(data, 1 << 20, 3 << 20, (byte) 0);
        java.util.Arrays.fill(data, EXPORT_SIZE - 65536, EXPORT_SIZE, (byte) 0);
        Path file = dir.resolve(name);
        Files.write(file, data);
        return file;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private void noWorkerFailed() {
        assertEquals(0, live.failed(), "no worker failed");
    }

    @Test
    void qemuImgCreatesInspectsAndChecksAQcow2ImageOverNbd() throws Exception {
        need("qemu-img", "qemu-utils");
        ok("qemu-img", "create", "-f", "qcow2", uri + "/default", "8M");
        Result info = ok("qemu-img", "info", "--output=json", uri + "/default");
        assertTrue(info.output().matches("(?s).*\"format\":\\s*\"qcow2\".*"), info.output());
        assertTrue(info.output().matches("(?s).*\"virtual-size\":\\s*8388608\\b.*"), info.output());
        Result check = ok("qemu-img", "check", uri + "/default");
        assertTrue(check.output().contains("No errors were found on the image."), check.output());
        // The image is real: the qcow2 magic "QFI\xfb" is at the export's first bytes.
        try (NbdClient client = new NbdClient(server, "default")) {
            assertArrayEquals(new byte[] {'Q', 'F', 'I', (byte) 0xfb}, client.read(0, 4));
        }
        noWorkerFailed();
    }

    @Test
    void qemuImgConvertCopiesAnImageInAndOut() throws Exception {
        need("qemu-img", "qemu-utils");
        Path in = randomFile("convert-in.raw", 5);
        Path back = dir.resolve("convert-out.raw");
        ok("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", in.toString(), uri + "/default");
        ok("qemu-img", "convert", "-f", "raw", "-O", "raw", uri + "/default", back.toString());
        assertEquals(sha256(in), sha256(back));
        Result compare = ok("qemu-img", "compare", "-f", "raw", "-F", "raw", in.toString(), uri + "/default");
        assertTrue(compare.output().contains("Images are identical."), compare.output());
        noWorkerFailed();
    }

    @Test
    void nbdinfoDescribesTheExport() throws Exception {
        need("nbdinfo", "libnbd-bin");
        Result info = ok("nbdinfo", "--json", uri);
        String json = info.output().replaceAll("\\s+", "");
        for (String field : List.of("\"protocol\":\"newstyle-fixed\"", "\"export-size\":16777216",
                "\"is_read_only\":false", "\"can_flush\":true", "\"can_fua\":true", "\"can_trim\":true",
                "\"can_zero\":true", "\"can_multi_conn\":true", "\"can_cache\":false", "\"can_df\":false",
                "\"block_size_minimum\":1", "\"block_size_preferred\":4096", "\"block_size_maximum\":33554432")) {
            assertTrue(json.contains(field), field + " in\n" + info.output());
        }
        Result list = ok("nbdinfo", "--list", "--json", uri);
        assertTrue(list.output().replaceAll("\\s+", "").contains("\"export-name\":\"default\""), list.output());
        Result unknown = run("nbdinfo", uri + "/nope");
        assertNotEquals(0, unknown.status(), unknown.output());
        noWorkerFailed();
    }

    @Test
    void nbdcopyCopiesInAndOutWithTheSameChecksum() throws Exception {
        need("nbdcopy", "libnbd-bin");
        Path in = randomFile("nbdcopy-in.raw", 7);
        Path back = dir.resolve("nbdcopy-out.raw");
        ok("nbdcopy", "--flush", in.toString(), uri);
        ok("nbdcopy", uri, back.toString());
        assertEquals(sha256(in), sha256(back));
        long flushes = live.counter(ir.counters.indexOf("flushes"));
        assertTrue(flushes > 0, "nbdcopy --flush flushed");
        noWorkerFailed();
    }

    @Test
    void fioVerifiesWhatItWroteThroughItsNbdEngine() throws Exception {
        need("fio", "fio");
        Result fio = ok("fio", "--name=nbd-verify", "--ioengine=nbd", "--uri=" + uri, "--rw=randwrite",
                "--bs=4k", "--size=8M", "--iodepth=8", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1",
                "--randseed=11", "--verify_state_save=0");
        assertTrue(fio.output().contains("err= 0"), fio.output());
        assertTrue(!fio.output().contains("verify:") || !fio.output().contains("bad"), fio.output());
        Result mixed = ok("fio", "--name=nbd-mixed", "--ioengine=nbd", "--uri=" + uri, "--rw=randrw", "--bs=64k",
                "--size=8M", "--offset=8M", "--iodepth=4", "--fsync=16", "--verify=md5", "--randseed=12", "--verify_state_save=0");
        assertTrue(mixed.output().contains("err= 0"), mixed.output());
        noWorkerFailed();
    }

    /**
     * A conversation's unanswered messages (the client's flags, which move it to the options
     * phase, and NBD_CMD_DISC) are handled, not dropped; the summary of `applc run` says so, and
     * keeps "dropped" for messages the spec drops (unknown client flags).
     */
    @Test
    void messagesHandledWithoutAReplyAreNotDrops() throws Exception {
        long dropped = live.dropped();
        long handled = live.handled();
        long malformed = live.malformed();
        try (NbdClient client = new NbdClient(server, "")) {
            assertEquals(3, client.read(8192, 3).length);
        } // NBD_CMD_DISC
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (live.handled() < handled + 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(handled + 2, live.handled(), "the client's flags and NBD_CMD_DISC are handled without a reply");
        assertEquals(dropped, live.dropped(), "nothing is dropped");
        assertEquals(malformed, live.malformed());
        try (java.net.Socket s = new java.net.Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(10_000);
            assertEquals(18, s.getInputStream().readNBytes(18).length);
            s.getOutputStream().write(new byte[] {0, 0, 0, (byte) 0xff}); // unknown flags: the spec drops them
            assertEquals(-1, s.getInputStream().read(), "closed");
        }
        while (live.dropped() < dropped + 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(dropped + 1, live.dropped());
        assertEquals(handled + 2, live.handled());
        StringWriter summary = new StringWriter();
        live.summary(new PrintWriter(summary));
        assertTrue(summary.toString().contains("  dropped " + live.dropped() + ", malformed " + live.malformed()
                + ", handled without a reply " + live.handled() + "\n"), summary.toString());
        noWorkerFailed();
    }

    @Test
    void malformedClientsAreClosedAndTheServerGoesOn() throws Exception {
        long violations = live.counter(ir.counters.indexOf("protocol_violations"));
        List<java.net.Socket> sockets = new ArrayList<>();
        try {
            // Unknown client flags: the server closes the connection after the greeting.
            java.net.Socket s = new java.net.Socket(server.getAddress(), server.getPort());
            sockets.add(s);
            s.setSoTimeout(10_000);
            assertEquals(18, s.getInputStream().readNBytes(18).length);
            s.getOutputStream().write(new byte[] {0, 0, 0, (byte) 0xff});
            assertEquals(-1, s.getInputStream().read(), "closed");
        } finally {
            for (java.net.Socket s : sockets) {
                s.close();
            }
        }
        assertTrue(live.counter(ir.counters.indexOf("protocol_violations")) > violations);
        try (NbdClient client = new NbdClient(server, "")) {
            assertEquals(EXPORT_SIZE, client.size);
            assertEquals(0, client.write(4096, new byte[] {1, 2, 3}, true));
            assertArrayEquals(new byte[] {1, 2, 3}, client.read(4096, 3));
        }
        noWorkerFailed();
    }
}
