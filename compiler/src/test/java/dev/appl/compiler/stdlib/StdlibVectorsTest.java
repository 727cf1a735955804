package dev.appl.compiler.stdlib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stdlib's functions against published vectors: the specs under src/test/resources/stdlib
 * hold them as test blocks, run here on the interpreter and on the compiled kernel.
 */
class StdlibVectorsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    static Stream<Path> specs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/stdlib"))) {
            return files.filter(f -> f.toString().endsWith(".appl")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void vectorsHoldOnBothEngines(Path spec) throws IOException {
        Compilation c = new Compilation(ROOT.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result r = c.check();
        assertFalse(r.diagnostics().hasErrors(), () -> r.diagnostics().sorted().toString());
        for (Decl d : m.decls()) {
            if (d instanceof Decl.Appliance a) {
                IrAppliance ir = Lowering.lower(a, r.semantics());
                assertFalse(ir.tests.isEmpty(), spec + " has vectors");
                assertPassed(TestRunner.run(ir));
                IrAppliance optimized = Lowering.lower(a, r.semantics());
                Pipeline.run(optimized);
                CompiledAppliance compiled = CompiledAppliance.compile(optimized);
                assertPassed(TestRunner.run(optimized, () -> compiled.newKernel(Map.of())));
            }
        }
    }

    private static void assertPassed(List<TestRunner.Result> results) {
        for (TestRunner.Result result : results) {
            assertEquals(null, result.failure(), result.test());
        }
    }
}
