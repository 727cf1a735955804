package dev.appl.compiler.image;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrTest;
import dev.appl.runtime.io.PcapWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The packets an appliance's tests send to its packet ports, written as pcap traces: what the AOT
 * cache's training run replays when the spec has tests but no traces of its own. Each test runs
 * on a fresh interpreter, as {@code applc test} runs it, so that a packet built from what an
 * earlier step returned is the packet the test sends; expectations are not checked here.
 */
public final class TestTraces {
    /** The gap between two packets of a trace, so that timers see time pass as in a test run. */
    private static final long GAP_NANOS = 1_000_000;

    private TestTraces() {}

    private record Sent(long time, byte[] bytes) {}

    /**
     * Writes {@code folder/PORT.pcap} for each packet port the tests send to.
     *
     * @param ir     the appliance as lowered, before the passes, with its tests
     * @param params the values of its build params
     * @return the traces written, by port name; empty when the tests send nothing to a packet port
     *         or cannot run (a param without a default)
     */
    public static Map<String, Path> write(IrAppliance ir, Map<String, Object> params, Path folder) throws IOException {
        // Each packet is stamped in the order the tests send it, so that a replay of all the traces
        // feeds the kernel in that order.
        Map<Integer, List<Sent>> sent = new LinkedHashMap<>();
        long time = 0;
        try {
            for (IrTest test : ir.tests) {
                Engine engine = Engine.interpreter(ir, params);
                Object[] locals = new Object[test.scope().locals().size()];
                for (IrTest.Step step : test.steps()) {
                    switch (step) {
                        case IrTest.Send send -> {
                            byte[] packet = engine.packet(send.packet(), locals);
                            if (ir.ports.get(send.port()).kind().equals("packet")) {
                                time += GAP_NANOS;
                                sent.computeIfAbsent(send.port(), p -> new ArrayList<>()).add(new Sent(time, packet));
                            }
                            engine.handle(send.port(), packet);
                        }
                        case IrTest.Let let -> locals[let.local().slot()] = engine.evaluate(let.value(), locals);
                        default -> {
                            // Expectations: checked by applc test, not needed to train.
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            // A test that cannot run here (a param without a default, say) trains nothing.
            return Map.of();
        }
        Map<String, Path> traces = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Sent>> port : sent.entrySet()) {
            String name = ir.ports.get(port.getKey()).name();
            Path file = folder.resolve(name + ".pcap");
            try (PcapWriter w = new PcapWriter(file)) {
                for (Sent packet : port.getValue()) {
                    w.write(packet.time(), MemorySegment.ofArray(packet.bytes()), 0, packet.bytes().length);
                }
            }
            traces.put(name, file);
        }
        return traces;
    }
}
