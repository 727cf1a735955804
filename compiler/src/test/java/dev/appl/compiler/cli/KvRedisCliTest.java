package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV sample (samples/kv) served live by `applc run` in a child JVM and driven by `redis-cli`
 * and `redis-benchmark` (Debian redis-tools): every command and its errors, load from many
 * clients, persistence across a restart, and with `durable` on, SIGKILL at seeded random points
 * while a client writes: every acknowledged write is there after the restart.
 */
class KvRedisCliTest {
    private static final Path SPEC = Path.of("").toAbsolutePath().getParent().resolve("samples/kv/kv.appl");

    @TempDir
    Path folder;

    private Process server;
    private int port;

    @BeforeAll
    static void redisCli() throws Exception {
        assumeTrue(run(List.of("redis-cli", "--version")).startsWith("redis-cli"),
                "redis-cli is not installed (Debian redis-tools)");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
    }

    @Test
    void everyCommandAndItsErrors() throws Exception {
        start(false);
        cli("PING").is("PONG");
        cli("PING", "hi there").is("hi there");
        cli("SET", "greeting", "hello world").is("OK");
        cli("GET", "greeting").is("hello world");
        cli("GET", "missing").is("");
        cli("SET", "greeting", "again", "NX").is("");
        cli("SET", "fresh", "1", "NX").is("OK");
        cli("SET", "nobody", "1", "XX").is("");
        cli("SET", "fresh", "2", "XX").is("OK");
        cli("SET", "short", "v", "EX", "100").is("OK");
        cli("TTL", "short").is("100");
        cli("SET", "shorter", "v", "PX", "2800").is("OK");
        cli("TTL", "shorter").is("3"); // rounded as Redis rounds, within 300 ms of the SET
        cli("TTL", "greeting").is("-1");
        cli("TTL", "missing").is("-2");
        cli("EXPIRE", "greeting", "50").is("1");
        cli("TTL", "greeting").is("50");
        cli("EXPIRE", "missing", "50").is("0");
        cli("INCR", "counter").is("1");
        cli("INCR", "counter").is("2");
        cli("SET", "big", "9223372036854775807").is("OK");
        cli("INCR", "big").is("ERR increment or decrement would overflow");
        cli("INCR", "greeting").is("ERR value is not an integer or out of range");
        cli("EXISTS", "greeting", "counter", "missing", "counter").is("3");
        cli("DBSIZE").is("6"); // greeting, fresh, short, shorter, counter, big
        cli("DEL", "greeting", "missing", "counter").is("2");
        cli("GET", "greeting").is("");
        cli("SET", "k", "v", "EX", "0").is("ERR invalid expire time in 'set' command");
        cli("SET", "k", "v", "EX", "soon").is("ERR value is not an integer or out of range");
        cli("SET", "k", "v", "NX", "XX").is("ERR syntax error");
        cli("SET", "k").is("ERR wrong number of arguments for 'set' command");
        cli("GET").is("ERR wrong number of arguments for 'get' command");
        // The reply ends in a space after the last argument; the output is compared stripped.
        cli("LPUSH", "list", "a").is("ERR unknown command 'LPUSH', with args beginning with: 'list' 'a'");
        cli("SET", "k".repeat(513), "v").is("ERR key is longer than 512 bytes");
        cli("FLUSHALL").is("OK");
        cli("DBSIZE").is("0");
        // A value at the limit is stored and read back; one byte more is refused.
        String limit = "v".repeat(512 * 1024);
        Path values = folder.resolve("values.txt");
        Files.writeString(values, limit);
        assertEquals("OK", run(List.of("redis-cli", "-p", String.valueOf(port), "-x", "SET", "large"), values).strip());
        assertEquals(limit, cli("GET", "large").output().strip());
        Files.writeString(values, limit + "v");
        assertEquals("ERR value is longer than 512 KiB",
                run(List.of("redis-cli", "-p", String.valueOf(port), "-x", "SET", "large"), values).strip());
        // Pipelined requests, as redis-benchmark -P sends them, in one write: answered in order.
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
            batch.writeBytes(resp("SET", "p1", "a"));
            batch.writeBytes("SET p2 b\r\n".getBytes(StandardCharsets.US_ASCII)); // an inline command
            batch.writeBytes(resp("GET", "p1"));
            batch.writeBytes(resp("GET", "p2"));
            batch.writeBytes(resp("DBSIZE"));
            s.getOutputStream().write(batch.toByteArray());
            InputStream in = s.getInputStream();
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                lines.add(line(in));
            }
            assertEquals(List.of("+OK", "+OK", "$1", "a", "$1", "b", ":3"), lines);
        }
    }

    /**
     * redis-benchmark drives the sample with four clients, plain and pipelined 16 deep, over 100
     * random keys: every request is answered (no error line, a rate for each test) and every INCR
     * counted once, so the counters' values add up to the number of INCRs sent.
     */
    @Test
    void redisBenchmarkRunsPlainAndPipelinedAndCountsEveryIncr() throws Exception {
        assumeTrue(run(List.of("redis-benchmark", "--version")).startsWith("redis-benchmark"),
                "redis-benchmark is not installed (Debian redis-tools)");
        start(false);
        int requests = 2000;
        for (String pipeline : List.of("1", "16")) {
            String csv = run(List.of("redis-benchmark", "-p", String.valueOf(port), "-n", String.valueOf(requests),
                    "-c", "4", "-r", "100", "-d", "64", "-P", pipeline, "-t", "set,get,incr", "--csv"));
            assertFalse(csv.toLowerCase(java.util.Locale.ROOT).contains("error"), csv);
            for (String test : List.of("SET", "GET", "INCR")) {
                assertTrue(csv.lines().anyMatch(l -> l.startsWith("\"" + test + "\",\"") && !l.contains("\"0.00\"")),
                        "no rate for " + test + " with -P " + pipeline + ":\n" + csv);
            }
        }
        long counted = 0;
        for (int i = 0; i < 100; i++) {
            String value = cli("GET", "counter:%012d".formatted(i)).output().strip();
            counted += value.isEmpty() ? 0 : Long.parseLong(value);
        }
        assertEquals(2L * requests, counted, "the INCRs of both runs, each counted once");
        assertEquals(64, cli("GET", "key:000000000000").output().strip().length(), "a value SET by -d 64");
    }

    @Test
    void keysAndDeadlinesSurviveARestart() throws Exception {
        start(false);
        cli("SET", "kept", "value").is("OK");
        cli("SET", "timed", "value", "EX", "1000").is("OK");
        cli("SET", "gone", "value").is("OK");
        cli("DEL", "gone").is("1");
        cli("INCR", "n").is("1");
        stop(); // SIGTERM: the appliance flushes and closes its store
        start(false);
        cli("GET", "kept").is("value");
        cli("GET", "gone").is("");
        cli("GET", "n").is("1");
        int ttl = Integer.parseInt(cli("TTL", "timed").output().strip());
        assertTrue(ttl > 990 && ttl <= 1000, "the deadline is kept in wall-clock time: " + ttl);
        cli("DBSIZE").is("3");
        cli("CONFIG", "GET", "appendonly").is("appendonly\nno");
        stop();
        start(true);
        cli("CONFIG", "GET", "appendonly").is("appendonly\nyes");
    }

    @Test
    void acknowledgedWritesSurviveSigkillWithDurabilityOn() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Random random = new Random(20261126L * seed);
            start(true);
            List<String> acknowledged = new ArrayList<>();
            int writes = 20 + random.nextInt(300);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                for (int i = 0; i < writes; i++) {
                    String key = "s" + seed + "-" + i;
                    String value = "v".repeat(random.nextInt(2000)) + i;
                    out.write(resp("SET", key, value));
                    out.flush();
                    if (!"+OK".equals(line(in))) {
                        fail("SET " + key + " was not acknowledged");
                    }
                    acknowledged.add(key + "=" + value.length());
                }
                // Unacknowledged writes in flight when the process dies.
                for (int i = 0; i < 5; i++) {
                    out.write(resp("SET", "pending" + i, "x"));
                }
                out.flush();
                server.destroyForcibly(); // SIGKILL
                server.waitFor(20, TimeUnit.SECONDS);
            }
            start(true);
            for (String entry : acknowledged) {
                String key = entry.substring(0, entry.indexOf('='));
                int length = Integer.parseInt(entry.substring(entry.indexOf('=') + 1));
                String value = cli("GET", key).output().strip();
                assertEquals(length, value.length(), "seed " + seed + ": " + key + " after SIGKILL");
            }
            stop();
        }
    }

    // ---- The appliance and redis-cli -----------------------------------------------------------

    /** Starts `applc run` on the sample with its store in {@link #folder}, and waits for PONG. */
    private void start(boolean durable) throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Applc.class.getName(), "run", SPEC.toString(),
                "--param", "durable=" + durable, "--port", "clients=tcp:127.0.0.1:" + port);
        server = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(folder.resolve("server.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("applc run ended: " + Files.readString(folder.resolve("server.log")));
            }
            if (cli("PING").output().strip().equals("PONG")) {
                return;
            }
            Thread.sleep(200);
        }
        fail("no PONG within 60 s: " + Files.readString(folder.resolve("server.log")));
    }

    record Reply(String output) {
        void is(String expected) {
            assertEquals(expected, output.strip());
        }
    }

    private Reply cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        return new Reply(run(command));
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        return run(command, null);
    }

    private static String run(List<String> command, Path input) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            return "";
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return output;
    }

    private static byte[] resp(String... args) {
        StringBuilder b = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) {
            b.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** One reply line, without its "\r\n". */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
