package dev.appl.compiler.codegen;

import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.table.RulesFile;
import dev.appl.runtime.table.TableSchema;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The samples' own traces, replayed as {@code applc run} replays them (in capture-time order,
 * timers firing as time passes, rules files loaded into the tables that load them), through the
 * interpreter and the compiled kernel side by side, before and after the passes.
 */
class TracesTest {
    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void traces(String sample) throws IOException {
        Path spec = Specs.sample(sample);
        Specs.Lowered lowered = Specs.lowerWithSemantics(spec);
        IrAppliance ir = lowered.appliances().getFirst();
        IrAppliance optimized = Specs.lower(spec).getFirst();
        dev.appl.compiler.passes.Pipeline.run(optimized);
        int packets = 0;
        for (IrAppliance compiledIr : new IrAppliance[] {ir, optimized}) {
            Differential d = new Differential(ir, CompiledAppliance.compile(compiledIr));
            loadRules(d, ir, lowered, spec.getParent());
            replay(ir, spec.getParent(), new Traffic() {
                @Override
                public void setTime(long nanos) {
                    d.setTime(nanos);
                }

                @Override
                public void tick(int timer) {
                    d.tick(timer);
                }

                @Override
                public void send(int port, byte[] packet) {
                    d.send(port, packet);
                }
            });
            packets += d.packets;
        }
        System.out.println("traces " + sample + ": " + packets + " packets");
    }

    /** Loads each table's rules file (the default of its `load` param, beside the spec) into both engines. */
    private static void loadRules(Differential d, IrAppliance ir, Specs.Lowered lowered, Path folder) throws IOException {
        for (int i = 0; i < ir.tables.size(); i++) {
            IrAppliance.Table table = ir.tables.get(i);
            if (table.loadParam() == null) {
                continue;
            }
            Object file = ir.params.stream().filter(p -> p.name().equals(table.loadParam())).findFirst().orElseThrow()
                    .value();
            Path rules = folder.resolve(file.toString());
            if (!Files.exists(rules)) {
                continue;
            }
            TableSchema schema = LoadedRules.schema(ir, i, lowered.decls().getFirst(), lowered.semantics());
            for (IrAppliance.Entry e : LoadedRules.entries(schema, RulesFile.read(rules, schema))) {
                d.addEntry(i, e);
            }
        }
    }

    /** What a replay drives: one appliance, or several. */
    interface Traffic {
        void setTime(long nanos);

        void tick(int timer);

        void send(int port, byte[] packet);
    }

    /** Replays the traces the ports of {@code ir} are bound to, in {@code folder}, as {@code applc run} does. */
    static void replay(IrAppliance ir, Path folder, Traffic d) throws IOException {
        Map<Integer, PcapFile> traces = new LinkedHashMap<>();
        try {
            for (int i = 0; i < ir.ports.size(); i++) {
                String binding = ir.ports.get(i).binding();
                if (binding != null && binding.startsWith("pcap:")) {
                    Path file = folder.resolve(binding.substring(5).split(",")[0]);
                    if (Files.exists(file)) {
                        traces.put(i, PcapFile.open(file));
                    }
                }
            }
            int[] next = new int[ir.ports.size()];
            long[] timerDue = new long[ir.timers.size()];
            boolean started = false;
            while (true) {
                int port = -1;
                long when = Long.MAX_VALUE;
                for (var t : traces.entrySet()) {
                    int i = next[t.getKey()];
                    if (i < t.getValue().count() && t.getValue().timestampNanos(i) < when) {
                        when = t.getValue().timestampNanos(i);
                        port = t.getKey();
                    }
                }
                if (port < 0) {
                    break;
                }
                if (!started) {
                    for (int t = 0; t < timerDue.length; t++) {
                        timerDue[t] = when + ir.timers.get(t).periodNanos();
                    }
                    started = true;
                }
                for (int t = 0; t < timerDue.length; t++) {
                    while (timerDue[t] <= when) {
                        d.setTime(timerDue[t]);
                        d.tick(t);
                        timerDue[t] += ir.timers.get(t).periodNanos();
                    }
                }
                d.setTime(when);
                d.send(port, traces.get(port).packet(next[port]++).toArray(ValueLayout.JAVA_BYTE));
            }
        } finally {
            for (PcapFile t : traces.values()) {
                t.close();
            }
        }
    }
}
