package dev.appl.bench;

import dev.appl.language.Compilation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The front end (parse, resolve, every check) on one generated spec, warm: what `applc check`
 * and the language server pay per run once the JVM has compiled the checker. Lines per second =
 * lines / (ms per op / 1000).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CheckBenchmark {
    @Param("20000")
    int lines;

    private String text;
    private Path stdlib;

    @Setup
    public void setUp() {
        text = SpecGenerator.generate(lines);
        stdlib = Path.of(System.getProperty("appl.stdlib", "stdlib"));
        Compilation.Result r = check();
        if (r.diagnostics().hasErrors()) {
            throw new IllegalStateException("the generated spec has errors: " + r.diagnostics().sorted().getFirst());
        }
    }

    @Benchmark
    public Compilation.Result check() {
        Compilation c = new Compilation(Files.isDirectory(stdlib) ? stdlib : null, Files::readAllBytes, false);
        c.add(Path.of("generated.appl"), text);
        return c.check();
    }
}
