package dev.appl.language;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.lsp.ServerProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The front end's mutation corpus ({@link MutationTest}: every stdlib and sample file, broken in
 * every way it knows, with the same seeds) run through the language server: each mutant is opened
 * as an edit of the previous one, and every feature is asked about it at a few places. The server
 * must answer each request without an internal error, and publish diagnostics whose ranges lie
 * inside the document. In this package to reach the generator, which the front end keeps to itself.
 * {@code -Dlsp.mutation.runs=N} sets the mutants per spec and kind (5 by default).
 */
class ServerMutationTest {
    private static final int RUNS = Integer.getInteger("lsp.mutation.runs", 5);

    @TempDir
    static Path workspace;
    static ServerProbe probe;

    @BeforeAll
    static void start() throws Exception {
        probe = new ServerProbe(workspace);
    }

    @AfterAll
    static void stop() throws Exception {
        probe.close();
    }

    static Stream<Arguments> specsAndKinds() {
        return MutationTest.specsAndKinds();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("specsAndKinds")
    void everyRequestIsAnsweredForEveryMutant(String file, MutationTest.Kind kind) throws Exception {
        byte[] bytes = Files.readAllBytes(root().resolve(file));
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<String> failures = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int run = 0; run < RUNS; run++) {
                long seed = MutationTest.seed(file, kind, run);
                Random random = new Random(seed);
                MutationTest.Mutant mutant = kind.mutate(random, text, bytes);
                List<String> problems = probe.probe(Path.of(file).getFileName().toString(), mutant.decoded(), random);
                if (!problems.isEmpty()) {
                    failures.add("seed " + seed + " (" + mutant.description() + "):\n  " + String.join("\n  ", problems));
                }
            }
        });
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + RUNS + " mutants of " + file + " (" + kind + ") failed:\n"
                    + String.join("\n", failures.subList(0, Math.min(3, failures.size()))));
        }
    }

    private static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("stdlib").resolve("std")) && Files.isDirectory(dir.resolve("samples"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no stdlib/ and samples/ above " + Path.of("").toAbsolutePath());
    }
}
