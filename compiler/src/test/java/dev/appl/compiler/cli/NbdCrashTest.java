package dev.appl.compiler.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash safety of the NBD sample: `applc run` serves the export in a child process while a client
 * writes and flushes through it (some writes with FUA), and the test kills the child with SIGKILL
 * at a seeded random point. After every restart, on the same store file, the store opens and each
 * write that a flush or FUA reply acknowledged reads back intact. Each write goes to a block of its
 * own, so what a write left is never overwritten by a later one. Rounds alternate the compiled
 * kernel and the interpreter.
 *
 * <p>A SIGKILL loses no page the Linux kernel holds, so this checks that replies wait for the store
 * and that the store recovers, not that a flush reaches the platter (docs/storage.md).
 */
class NbdCrashTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4096; // a 16 MiB export
    private static final int ROUNDS = 3;
    private static final Pattern SERVING = Pattern.compile("serving clients on tcp:127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    /** A write acknowledged as durable: its data at its offset. */
    record Durable(long offset, byte[] data) {}

    @ParameterizedTest
    @ValueSource(longs = {31, 32, 33, 34})
    void acknowledgedWritesSurviveSigkill(long seed) throws Exception {
        Random random = new Random(seed);
        Path image = dir.resolve("crash.img");
        List<Durable> durable = new ArrayList<>();
        AtomicInteger nextBlock = new AtomicInteger();
        for (int round = 0; round <= ROUNDS; round++) {
            Process child = start(image, round % 2 == 0 ? "compiled" : "interp");
            try {
                InetSocketAddress address = address(child);
                readBack(address, durable, "after " + round + " kills (seed " + seed + ")");
                if (round == ROUNDS) {
                    break;
                }
                Writer writer = new Writer(address, random.nextLong(), nextBlock);
                Thread thread = Thread.ofPlatform().name("nbd-writer").start(writer);
                int killAfterFlushes = 1 + random.nextInt(25);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (writer.flushes.get() < killAfterFlushes && writer.failure == null && writer.ended == null
                        && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertNull(writer.failure, "the writer failed before the kill");
                assertNull(writer.ended, "the connection ended before the kill");
                Thread.sleep(random.nextInt(20)); // let the writer get somewhere inside its next requests
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                thread.join(30_000);
                assertTrue(writer.flushes.get() >= killAfterFlushes, "the writer got " + killAfterFlushes + " flushes");
                synchronized (writer.durable) {
                    durable.addAll(writer.durable);
                }
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertTrue(durable.size() > ROUNDS, "writes were acknowledged: " + durable.size());
    }

    /** Starts `applc run` on the sample, serving the export in {@code image} on a free loopback port. */
    private static Process start(Path image, String engine) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path spec = Path.of("").toAbsolutePath().getParent().resolve("samples/nbd/nbd.appl");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Applc.class.getName(), "run", spec.toString(),
                "--engine", engine, "--port", "clients=tcp:127.0.0.1:0", "--param", "export_file=" + image,
                "--param", "export_size=16MiB")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The address the child serves on, from its "serving" line; fails with its output if it stopped. */
    private static InetSocketAddress address(Process child) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = err.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = SERVING.matcher(line);
            if (m.find()) {
                // Nothing more is printed until it stops; drain it anyway so that it never blocks.
                Thread.ofVirtual().start(() -> {
                    try {
                        err.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException e) {
                        // The child died: nothing left to read.
                    }
                });
                return new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
            }
        }
        fail("applc run did not start serving (the store did not open?):\n" + seen);
        return null;
    }

    private static void readBack(InetSocketAddress address, List<Durable> durable, String when) throws IOException {
        try (NbdClient client = new NbdClient(address, "default")) {
            for (Durable d : durable) {
                assertArrayEquals(d.data(), client.read(d.offset(), d.data().length),
                        "the acknowledged write at " + d.offset() + " reads back " + when);
            }
        }
    }

    /**
     * Writes to fresh blocks in batches of 1 to 8, a fourth of them with FUA, and flushes after each
     * batch, until the connection fails (the server was killed) or the blocks run out. A write
     * becomes durable when its FUA reply or the reply of a flush sent after it arrives.
     */
    private static final class Writer implements Runnable {
        private final InetSocketAddress address;
        private final Random random;
        private final AtomicInteger nextBlock;
        final AtomicInteger flushes = new AtomicInteger();
        final List<Durable> durable = new ArrayList<>();
        volatile Throwable failure;
        /** Why the connection ended, once it has. */
        volatile IOException ended;

        Writer(InetSocketAddress address, long seed, AtomicInteger nextBlock) {
            this.address = address;
            this.random = new Random(seed);
            this.nextBlock = nextBlock;
        }

        @Override
        public void run() {
            NbdClient client;
            try {
                client = new NbdClient(address, "default");
            } catch (IOException e) {
                failure = e;
                return;
            }
            try {
                while (true) {
                    List<Durable> pending = new ArrayList<>();
                    int batch = 1 + random.nextInt(8);
                    for (int i = 0; i < batch && nextBlock.get() < BLOCKS; i++) {
                        long offset = (long) nextBlock.getAndIncrement() * BLOCK;
                        byte[] data = new byte[1 + random.nextInt(BLOCK)];
                        random.nextBytes(data);
                        boolean fua = random.nextInt(4) == 0;
                        check(client.write(offset, data, fua), "write");
                        if (fua) {
                            record(new Durable(offset, data));
                        } else {
                            pending.add(new Durable(offset, data));
                        }
                    }
                    check(client.flush(), "flush");
                    pending.forEach(this::record);
                    flushes.incrementAndGet();
                }
            } catch (IOException e) {
                ended = e; // the server was killed: this is how every run ends
            } catch (Throwable t) {
                failure = t;
            } finally {
                try {
                    client.abandon();
                } catch (IOException e) {
                    // Closing a dead connection.
                }
            }
        }

        private void record(Durable d) {
            synchronized (durable) {
                durable.add(d);
            }
        }

        private static void check(int error, String what) {
            if (error != 0) {
                throw new AssertionError("the " + what + " failed with NBD error " + error);
            }
        }
    }
}
