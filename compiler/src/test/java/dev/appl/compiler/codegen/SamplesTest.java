package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The samples compile to classes that verify, the same bytes every time, and pass their tests. */
class SamplesTest {
    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat", "kv"})
    void verifiesAndIsDeterministic(String sample) {
        IrAppliance ir = Specs.lower(Specs.sample(sample)).getFirst();
        Codegen.Generated g = Codegen.generate(ir, true);
        assertEquals("", Specs.verify(g.bytes()));
        Codegen.Generated plain = Codegen.generate(ir);
        assertEquals("", Specs.verify(plain.bytes()));
        assertArrayEquals(g.bytes(), Codegen.generate(ir, true).bytes());
        // A second lowering of the same spec gives the same class too.
        IrAppliance again = Specs.lower(Specs.sample(sample)).getFirst();
        assertArrayEquals(plain.bytes(), Codegen.generate(again).bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat", "kv"})
    void testsPassOnTheCompiledKernel(String sample) {
        IrAppliance ir = Specs.lower(Specs.sample(sample)).getFirst();
        List<TestRunner.Result> results = compiledTests(ir);
        assertTrue(!results.isEmpty());
        for (TestRunner.Result r : results) {
            assertTrue(r.passed(), r.test() + ": " + r.failure());
        }
        assertEquals(TestRunner.run(ir).stream().map(TestRunner.Result::failure).toList(),
                results.stream().map(TestRunner.Result::failure).toList());
    }

    /**
     * Whether the kernel says it writes its packets (what a replay and the bench go by to hand it
     * the trace in place): the firewall only reads; the l4lb pushes, the NAT rewrites addresses,
     * the KV sample replies with a payload.
     */
    @ParameterizedTest
    @ValueSource(strings = {"firewall:false", "l4lb:true", "nat:true", "kv:true"})
    void saysWhetherItWritesItsPackets(String sampleAndWrites) {
        String[] parts = sampleAndWrites.split(":");
        IrAppliance ir = Specs.lower(Specs.sample(parts[0])).getFirst();
        dev.appl.compiler.passes.Pipeline.run(ir);
        assertEquals(Boolean.parseBoolean(parts[1]),
                CompiledAppliance.compile(ir).newKernel(java.util.Map.of()).kernel().writesPackets());
    }

    private static List<TestRunner.Result> compiledTests(dev.appl.compiler.ir.IrAppliance ir) {
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        return TestRunner.run(ir, () -> compiled.newKernel(java.util.Map.of()));
    }
}
