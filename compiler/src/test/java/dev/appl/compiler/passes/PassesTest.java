package dev.appl.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPrinter;
import dev.appl.compiler.ir.IrTest;
import dev.appl.compiler.lower.Lowering;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimization passes: golden IR after each pass for small specs under src/test/resources/ir
 * ({@code -Dgolden.update=true} rewrites them), and a differential test that runs every sample's
 * IR before and after the passes on the same seeded packets, which must give the same outcomes,
 * packets and counters.
 */
class PassesTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path IR = Path.of("src/test/resources/ir");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    static Stream<Path> irSpecs() throws IOException {
        try (Stream<Path> files = Files.list(IR)) {
            return files.filter(f -> f.toString().endsWith(".appl")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("irSpecs")
    void irAfterEachPassMatchesItsGolden(Path spec) throws IOException {
        StringBuilder dump = new StringBuilder();
        for (IrAppliance ir : lower(spec)) {
            dump.append("// after lowering\n").append(IrPrinter.print(ir));
            Pipeline.run(ir, Set.of(), (pass, after) ->
                    dump.append("// after ").append(pass.name()).append('\n').append(IrPrinter.print(after)));
        }
        Path golden = Path.of(spec.toString().replace(".appl", ".ir"));
        if (UPDATE) {
            Files.writeString(golden, dump);
        }
        assertEquals(Files.readString(golden), dump.toString(), spec + ": rerun with -Dgolden.update=true after an intended change");
    }

    static Stream<Path> samples() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT.resolve("samples"))) {
            return dirs.map(d -> d.resolve(d.getFileName() + ".appl")).filter(Files::exists).sorted().toList().stream();
        }
    }

    /** Every sample, before and after the passes, on its test packets and seeded variations of them. */
    @ParameterizedTest
    @MethodSource("samples")
    void passesKeepWhatEveryPacketDoes(Path spec, @TempDir Path stores) throws IOException {
        for (IrAppliance before : lower(spec)) {
            IrAppliance after = lowerNamed(spec, before.name());
            Pipeline.run(after);
            List<Sent> packets = testPackets(before);
            assertFalse(packets.isEmpty(), "the sample's tests send packets");
            Random random = new Random(spec.getFileName().toString().hashCode());
            Interpreter a = new Interpreter(before, Map.of());
            Interpreter b = new Interpreter(after, Map.of());
            if (!before.stores.isEmpty()) {
                // Each side with store files of its own, as the sample's tests have.
                a.openStores(Files.createDirectories(stores.resolve(before.name() + "-before")));
                b.openStores(Files.createDirectories(stores.resolve(before.name() + "-after")));
            }
            int checked = 0;
            for (int round = 0; round < 400; round++) {
                Sent base = packets.get(random.nextInt(packets.size()));
                byte[] bytes = mutate(base.bytes(), random, round);
                Interpreter.Outcome x = a.handle(base.port(), bytes);
                Interpreter.Outcome y = b.handle(base.port(), bytes);
                String where = spec.getFileName() + " round " + round;
                assertEquals(x.fate(), y.fate(), where);
                assertEquals(x.port(), y.port(), where);
                if (x.packet() != null) {
                    assertArrayEquals(x.packet(), y.packet(), where);
                }
                for (int c = 0; c < before.counters.size(); c++) {
                    assertEquals(a.counter(c), b.counter(c), where + " counter " + before.counters.get(c));
                }
                for (int m = 0; m < before.maps.size(); m++) {
                    assertEquals(a.mapSize(m), b.mapSize(m), where + " map " + before.maps.get(m).name());
                }
                checked++;
            }
            assertEquals(400, checked);
            a.closeStores();
            b.closeStores();
        }
    }

    private record Sent(int port, byte[] bytes) {}

    /** The packets the appliance's own tests send, built by the interpreter. */
    private static List<Sent> testPackets(IrAppliance ir) {
        List<Sent> out = new ArrayList<>();
        Interpreter builder = new Interpreter(ir, Map.of());
        for (IrTest t : ir.tests) {
            Object[] locals = new Object[t.scope().locals().size()];
            for (IrTest.Step s : t.steps()) {
                if (s instanceof IrTest.Let l) {
                    locals[l.local().slot()] = builder.evaluate(l.value(), locals);
                } else if (s instanceof IrTest.Send send) {
                    Object v = builder.evaluate(send.packet(), locals);
                    if (v instanceof byte[] bytes) {
                        out.add(new Sent(send.port(), bytes));
                    }
                }
            }
        }
        return out;
    }

    /** The packet as it is, truncated, with bytes changed, or with bytes added. */
    private static byte[] mutate(byte[] packet, Random random, int round) {
        byte[] out = packet.clone();
        switch (round % 4) {
            case 0 -> {}
            case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length + 1));
            case 2 -> {
                for (int i = 0; i < 1 + random.nextInt(4) && out.length > 0; i++) {
                    out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                }
            }
            default -> {
                out = java.util.Arrays.copyOf(out, out.length + random.nextInt(40));
                for (int i = packet.length; i < out.length; i++) {
                    out[i] = (byte) random.nextInt(256);
                }
            }
        }
        return out;
    }

    private static List<IrAppliance> lower(Path spec) throws IOException {
        Compilation c = new Compilation(ROOT.resolve("stdlib"), Files::readAllBytes, false);
        Module m = c.add(spec);
        Compilation.Result r = c.check();
        assertFalse(r.diagnostics().hasErrors(), () -> spec + ": " + r.diagnostics().sorted());
        List<IrAppliance> out = new ArrayList<>();
        for (Decl d : m.decls()) {
            if (d instanceof Decl.Appliance a) {
                out.add(Lowering.lower(a, r.semantics()));
            }
        }
        return out;
    }

    private static IrAppliance lowerNamed(Path spec, String name) throws IOException {
        return lower(spec).stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }
}
