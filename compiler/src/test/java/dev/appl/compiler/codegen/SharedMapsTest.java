package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code shared} maps (language.md §10.4) on both engines: the NAT sample's traces replayed by two
 * workers, the first handling every packet from inside and the second every packet from outside,
 * so that each connection's return traffic reaches the worker that did not see it leave. With the
 * maps shared, every packet meets the fate and leaves with the bytes it does with one worker; with
 * the same maps per worker, the return traffic finds no binding.
 */
class SharedMapsTest {
    /** What happened to every packet, and the counters and map sizes after the run. */
    private record Run(List<String> packets, List<Long> counters, List<Integer> mapSizes) {}

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiled", "compiled after the passes"})
    void theNatOnTwoWorkersTranslatesAsOnOne(String engine) throws IOException {
        Path spec = Specs.sample("nat");
        IrAppliance ir = Specs.lower(spec).getFirst();
        assertTrue(ir.maps.stream().allMatch(IrAppliance.MapState::shared), "the NAT's maps are shared");
        Supplier<Engine> make = engines(engine, ir);
        Run one = replay(ir, spec.getParent(), make, false);
        Run two = replay(ir, spec.getParent(), make, true);
        assertEquals(one, two);
        int inside = port(ir, "inside");
        long translatedIn = one.counters().get(counter(ir, "translated_in"));
        assertTrue(translatedIn > 0 && one.packets().size() > 100 && inside == 0, "the traces have return traffic");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "compiled"})
    void perWorkerMapsSplitTheNat(String engine) throws IOException {
        Path spec = Specs.sample("nat");
        String text = Files.readString(spec).replace(" expire 5min shared", " expire 5min");
        Path copy = Files.createTempDirectory("nat-per-worker");
        try {
            for (String trace : List.of("inside.pcap", "outside.pcap")) {
                Files.copy(spec.resolveSibling(trace), copy.resolve(trace));
            }
            Files.writeString(copy.resolve("nat.appl"), text);
            IrAppliance ir = Specs.lower(copy.resolve("nat.appl")).getFirst();
            assertTrue(ir.maps.stream().noneMatch(IrAppliance.MapState::shared));
            Supplier<Engine> make = engines(engine, ir);
            Run one = replay(ir, copy, make, false);
            Run two = replay(ir, copy, make, true);
            int unsolicited = counter(ir, "unsolicited");
            assertNotEquals(one.packets(), two.packets());
            assertTrue(two.counters().get(unsolicited) > one.counters().get(unsolicited),
                    "return traffic on the other worker finds no binding: " + two.counters().get(unsolicited));
        } finally {
            try (var files = Files.list(copy)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(copy);
        }
    }

    private static Supplier<Engine> engines(String engine, IrAppliance ir) {
        return switch (engine) {
            case "interpreter" -> () -> Engine.interpreter(ir, Map.of());
            case "compiled" -> {
                CompiledAppliance compiled = CompiledAppliance.compile(ir);
                yield () -> compiled.newKernel(Map.of());
            }
            default -> {
                IrAppliance optimized = Specs.lower(Specs.sample("nat")).getFirst();
                dev.appl.compiler.passes.Pipeline.run(optimized);
                CompiledAppliance compiled = CompiledAppliance.compile(optimized);
                yield () -> compiled.newKernel(Map.of());
            }
        };
    }

    /**
     * Replays the traces on one engine, or on two that share maps: packets from {@code inside} on
     * the first, the others on the second, timers on the first only (as {@code Live} runs them for
     * an appliance whose maps are all shared).
     */
    private static Run replay(IrAppliance ir, Path folder, Supplier<Engine> make, boolean twoWorkers)
            throws IOException {
        Engine first = make.get();
        Engine second = twoWorkers ? make.get() : first;
        if (twoWorkers) {
            second.shareMaps(first);
        }
        int inside = port(ir, "inside");
        List<String> packets = new ArrayList<>();
        TracesTest.replay(ir, folder, new TracesTest.Traffic() {
            @Override
            public void setTime(long nanos) {
                first.setTime(nanos);
                second.setTime(nanos);
            }

            @Override
            public void tick(int timer) {
                first.tick(timer);
            }

            @Override
            public void send(int port, byte[] packet) {
                Interpreter.Outcome o = (port == inside ? first : second).handle(port, packet);
                boolean sent = o.fate() == Interpreter.Fate.FORWARD || o.fate() == Interpreter.Fate.REPLY;
                packets.add(o.fate() + " " + o.port() + (sent ? " " + HexFormat.of().formatHex(o.packet()) : ""));
            }
        });
        List<Long> counters = new ArrayList<>();
        for (int c = 0; c < ir.counters.size(); c++) {
            counters.add(first.counter(c) + (twoWorkers ? second.counter(c) : 0));
        }
        List<Integer> sizes = new ArrayList<>();
        for (int m = 0; m < ir.maps.size(); m++) {
            sizes.add(second.mapSize(m));
        }
        return new Run(packets, counters, sizes);
    }

    private static int port(IrAppliance ir, String name) {
        for (int i = 0; i < ir.ports.size(); i++) {
            if (ir.ports.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static int counter(IrAppliance ir, String name) {
        for (int i = 0; i < ir.counters.size(); i++) {
            if (ir.counters.get(i).equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }
}
