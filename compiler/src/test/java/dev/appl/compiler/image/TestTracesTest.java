package dev.appl.compiler.image;

import static dev.appl.compiler.SampleFiles.root;
import static dev.appl.compiler.SampleFiles.spec;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.io.PcapFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestTracesTest {
    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void everyPacketATestSendsIsInTheTraceOfItsPort(String sample, @TempDir Path tmp) throws IOException {
        Compilation compilation = new Compilation(root().resolve("stdlib"), Files::readAllBytes, false);
        Module module = compilation.add(spec(sample));
        Compilation.Result result = compilation.check();
        assertFalse(result.diagnostics().hasErrors());
        Decl.Appliance appliance = module.decls().stream().filter(Decl.Appliance.class::isInstance)
                .map(Decl.Appliance.class::cast).findFirst().orElseThrow();
        IrAppliance ir = Lowering.lower(appliance, result.semantics());

        Map<String, Path> traces = TestTraces.write(ir, Map.of(), tmp);

        // Counted from the spec's text: `send PORT` in its tests.
        Map<String, Integer> sends = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*send\\s+(\\w+)\\b").matcher(Files.readString(spec(sample), UTF_8));
        while (m.find()) {
            sends.merge(m.group(1), 1, Integer::sum);
        }
        assertFalse(sends.isEmpty(), sample + " has tests that send packets");
        assertEquals(sends.keySet(), traces.keySet());
        for (var e : traces.entrySet()) {
            assertEquals(tmp.resolve(e.getKey() + ".pcap"), e.getValue());
            try (PcapFile trace = PcapFile.open(e.getValue())) {
                assertEquals(sends.get(e.getKey()), trace.count(), e.getKey());
                for (int i = 0; i < trace.count(); i++) {
                    // In the order the tests send them, a millisecond apart.
                    assertEquals(0, trace.timestampNanos(i) % 1_000_000);
                    assertTrue(i == 0 || trace.timestampNanos(i) > trace.timestampNanos(i - 1));
                }
            }
        }
    }
}
