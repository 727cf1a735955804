package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Unsupported;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The language's golden {@code ok/} specs: every appliance that lowers compiles
 * to a class that verifies, deterministically, and agrees with the interpreter on its tests, their
 * broken copies and random traffic.
 */
class GoldenSpecsTest {
    static Stream<String> specs() throws IOException {
        Path dir = Specs.root().resolve("language/src/test/resources/golden/ok");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".appl")).map(f -> f.getFileName().toString()).sorted()
                    .toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void compilesAndAgrees(String name) {
        Path file = Specs.root().resolve("language/src/test/resources/golden/ok").resolve(name);
        List<IrAppliance> appliances;
        try {
            appliances = Specs.lower(file);
        } catch (Unsupported e) {
            Assumptions.abort("not lowered: " + e.getMessage());
            return;
        }
        Assumptions.assumeFalse(appliances.isEmpty(), "no appliance");
        for (IrAppliance ir : appliances) {
            Codegen.Generated g = Codegen.generate(ir, true);
            assertEquals("", Specs.verify(g.bytes()), ir.name());
            assertArrayEquals(g.bytes(), Codegen.generate(ir, true).bytes());
            CompiledAppliance compiled = CompiledAppliance.load(ir, g);
            int cases = DifferentialSamplesTest.run(ir, compiled, name.hashCode());
            System.out.println("differential " + name + " " + ir.name() + ": " + cases + " packets");
        }
    }
}
