package dev.appl.runtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills a process writing to the three stores with SIGKILL at a random point, then checks on
 * reopening that every store opens and that every write acknowledged (flushed) before the kill
 * reads back intact. Writes after the last acknowledgement may or may not be there, whole or torn
 * (blocks), but nothing else may have changed.
 */
class StoreCrashTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {101, 102, 103, 104, 105, 106})
    void acknowledgedWritesSurviveSigkill(long seed) throws Exception {
        Random r = new Random(seed);
        int killAfterAcks = 1 + r.nextInt(120);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), dir.toString(), Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int acked = -1;
        int acks = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String line = out.readLine();
            if (!"ready".equals(line)) {
                fail("the writer did not start: " + line);
            }
            while (acks < killAfterAcks && (line = out.readLine()) != null) {
                acked = Integer.parseInt(line.substring("ack ".length()));
                acks++;
            }
            Thread.sleep(r.nextInt(15)); // let the writer get somewhere inside its next steps
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(acked >= 0, "the writer acknowledged something");
        verify(seed, acked, CrashWriter.MAX_STEPS);
    }

    /** Checks the stores against the steps up to {@code acked} (durable) and after it (maybe). */
    private void verify(long seed, int acked, int maxSteps) throws IOException {
        // Steps after the acknowledged ones that may have reached the stores: those the writer could
        // have done before it was killed. The log says how far it got.
        List<CrashWriter.Step> steps = new ArrayList<>();
        try (LogStore log = LogStore.open(dir.resolve("journal.log"), CrashWriter.SEGMENT)) {
            int i = 0;
            for (long o = log.start(); o < log.end(); o = log.next(o), i++) {
                CrashWriter.Step s = CrashWriter.step(seed, i);
                steps.add(s);
                assertArrayEquals(s.record(), log.read(o).toArray(ValueLayout.JAVA_BYTE), "log record " + i);
            }
            assertTrue(i > acked, "log: " + i + " records, but steps up to " + acked + " were acknowledged");
            System.err.println("seed " + seed + ": steps up to " + acked + " acknowledged, " + i + " in the log");
        }
        // A step may have written its block and kv entry but not (whole) its log record: allow one more.
        int possible = steps.size() + 1;
        while (steps.size() < possible) {
            steps.add(CrashWriter.step(seed, steps.size()));
        }
        try (BlockStore blocks = BlockStore.open(dir.resolve("disk.img"), CrashWriter.BLOCKS, CrashWriter.BLOCK)) {
            for (int b = 0; b < CrashWriter.BLOCKS / CrashWriter.BLOCK; b++) {
                List<byte[]> candidates = new ArrayList<>();
                byte[] durable = new byte[CrashWriter.BLOCK];
                for (int i = 0; i < steps.size(); i++) {
                    if (steps.get(i).block() == b) {
                        if (i <= acked) {
                            durable = steps.get(i).blockBytes();
                        } else {
                            candidates.add(steps.get(i).blockBytes());
                        }
                    }
                }
                candidates.add(durable);
                byte[] got = blocks.view((long) b * CrashWriter.BLOCK, CrashWriter.BLOCK).toArray(ValueLayout.JAVA_BYTE);
                if (candidates.size() == 1) {
                    assertArrayEquals(durable, got, "block " + b);
                    continue;
                }
                for (int k = 0; k < got.length; k++) { // an unacknowledged write may be torn
                    final int at = k;
                    if (candidates.stream().noneMatch(c -> c[at] == got[at])) {
                        fail("block " + b + " byte " + k + " is from no write to it");
                    }
                }
            }
        }
        try (KvStore kv = KvStore.open(dir.resolve("data.kv"), 32, 1000)) {
            Map<String, byte[]> durable = new HashMap<>();
            Map<String, List<byte[]>> later = new HashMap<>();
            for (int i = 0; i < steps.size(); i++) {
                CrashWriter.Step s = steps.get(i);
                if (i <= acked) {
                    durable.put(s.key(), s.value());
                } else {
                    later.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(s.value());
                }
            }
            for (int k = 0; k < CrashWriter.KEYS; k++) {
                String key = "key-" + k;
                MemorySegment value = kv.get(CrashWriter.key(key));
                byte[] got = value == null ? null : value.toArray(ValueLayout.JAVA_BYTE);
                List<byte[]> allowed = new ArrayList<>(later.getOrDefault(key, List.of()));
                allowed.add(durable.get(key));
                if (allowed.stream().noneMatch(v -> Arrays.equals(v, got))) {
                    fail("kv " + key + " holds " + (got == null ? "nothing" : new String(got))
                            + ", which no acknowledged or later write put there");
                }
            }
        }
    }
}
