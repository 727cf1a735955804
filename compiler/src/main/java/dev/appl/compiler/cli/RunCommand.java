package dev.appl.compiler.cli;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.codegen.CompiledKernel;
import dev.appl.compiler.interp.EngineKernel;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Live;
import dev.appl.runtime.launch.PortBinding;
import dev.appl.runtime.store.StoreException;
import dev.appl.runtime.launch.Replay;
import dev.appl.runtime.io.PortException;
import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.interp.ZoneTables;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.types.Semantics;
import dev.appl.runtime.table.RulesFileException;
import dev.appl.runtime.table.TableSchema;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code applc run}: runs an appliance over packet traces, or serves live traffic on its ports until
 * SIGINT or SIGTERM, and prints what happened.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Runs an appliance on the ports it is bound to (its default bindings in the spec, or --port)."
                + " Bound to pcap traces, it replays them: each packet port reads its trace and packets forwarded or"
                + " replied to a port are written to that port's out= file when it has one. Bound to live traffic"
                + " (afpacket, udp, tcp), it serves until Ctrl-C (SIGINT) or SIGTERM. Either way it then prints"
                + " packets in and out per port, drops, malformed packets and counters. Runs the compiled kernel"
                + " unless --engine interp.")
final class RunCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The spec file of the appliance.")
    Path specFile;

    @Option(names = "--port", paramLabel = "NAME=BINDING",
            description = "Binds a port: a packet port to pcap:IN.pcap[,out=OUT.pcap] (a trace to read and one to"
                    + " write) or afpacket:IFACE (a network interface), a datagram port to udp:HOST:PORT, a stream"
                    + " port to tcp:HOST:PORT.")
    List<String> ports = new ArrayList<>();

    @Option(names = "--workers", paramLabel = "N",
            description = "Workers serving live ports, each on its own core with its own state but `shared` maps"
                    + " (default: one per CPU this process may use; one for an appliance with stores or with maps"
                    + " that are not shared). Traces are replayed by one.")
    Integer workers;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Sets a param, written as in a spec.")
    List<String> params = new ArrayList<>();

    /** Which engine runs the appliance. */
    enum EngineKind { compiled, interp }

    @Option(names = "--engine", defaultValue = "compiled",
            description = "compiled (default): the specialized kernel; interp: the reference interpreter.")
    EngineKind engine;

    @Mixin
    SpecOptions options = new SpecOptions();


    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(out, err);
        } catch (UsageError e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        } catch (IOException e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
    }


    private int run(PrintWriter out, PrintWriter err) throws UsageError, IOException {
        Prepared p = prepare(err);
        if (p == null) {
            return Applc.EXIT_ERRORS;
        }
        IrAppliance ir = p.ir();
        String title = ir.name() + (engine == EngineKind.interp ? " (reference interpreter)" : " (compiled kernel)");
        Replay.Appliance appliance = new Replay.Appliance(title, ir.ports.stream().map(IrAppliance.Port::name).toList(),
                ir.ports.stream().map(IrAppliance.Port::kind).toList(), ir.timers.stream().map(IrAppliance.Timer::name).toList(),
                ir.timers.stream().mapToLong(IrAppliance.Timer::periodNanos).toArray(), ir.counters);
        boolean live = p.bindings().values().stream().anyMatch(PortBinding::live);
        if (workers != null && workers < 1) {
            throw new UsageError("--workers takes a number from 1, not " + workers);
        }
        if (live) {
            try (Closing stores = p.engine()::closeStores) {
                return serve(p, appliance, out, err);
            }
        }
        if (workers != null && workers > 1) {
            throw new UsageError("traces are replayed by one worker, in capture order: --workers " + workers
                    + " needs live ports (afpacket, udp or tcp)");
        }
        Map<Integer, Replay.Binding> traces = new LinkedHashMap<>();
        p.bindings().forEach((port, binding) -> traces.put(port, (Replay.Binding) binding));
        try (Closing stores = p.engine()::closeStores) {
            Replay.run(kernel(p.engine(), p.ir()), appliance, traces, out);
        } catch (Replay.BadInput e) {
            throw new UsageError(e.getMessage());
        } catch (Replay.KernelFailure e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_INTERNAL;
        }
        return 0;
    }

    /** Closes the stores of a prepared appliance when it is done. */
    interface Closing extends AutoCloseable {
        @Override
        void close();
    }

    /** Serves live ports with a worker per core until a signal; the summary is printed on the way out. */
    private int serve(Prepared p, Replay.Appliance appliance, PrintWriter out, PrintWriter err)
            throws UsageError, IOException {
        for (var e : p.bindings().entrySet()) {
            if (!e.getValue().live()) {
                throw new UsageError("port `" + appliance.ports().get(e.getKey()) + "` is bound to a trace ("
                        + e.getValue() + ") while others are live; bind every port live, or every port to a trace");
            }
        }
        List<Kernel> kernels = new ArrayList<>();
        kernels.add(kernel(p.engine(), p.ir()));
        int count;
        try {
            count = Live.workerCount(p.ir().name(), workers, kernels.getFirst());
        } catch (Replay.BadInput e) {
            throw new UsageError(e.getMessage());
        }
        for (int w = 1; w < count; w++) {
            kernels.add(kernel(p.another().make(), p.ir()));
        }
        Live live;
        try {
            live = Live.start(kernels, appliance, p.bindings(), true);
        } catch (PortException e) {
            throw new UsageError(e.getMessage());
        }
        List<String> where = new ArrayList<>();
        p.bindings().forEach((port, binding) -> where.add(appliance.ports().get(port) + " on " + shown(binding,
                live.address(port))));
        err.println("applc: " + p.ir().name() + " serving " + String.join(", ", where) + " with " + count
                + (count == 1 ? " worker" : " workers") + "; Ctrl-C stops it");
        err.flush();
        return live.serveUntilSignalled(out, err, "applc") == 0 ? 0 : Applc.EXIT_INTERNAL;
    }

    private static PortBinding shown(PortBinding binding, java.net.InetSocketAddress bound) {
        return switch (binding) {
            case PortBinding.Udp u -> new PortBinding.Udp(bound);
            case PortBinding.Tcp t -> new PortBinding.Tcp(bound);
            case PortBinding.UdpXdp x -> new PortBinding.UdpXdp(bound, x.iface(), x.frames());
            default -> binding;
        };
    }

    static Kernel kernel(Engine engine, IrAppliance ir) {
        return engine instanceof CompiledKernel compiled ? compiled.kernel() : new EngineKernel(engine, ir);
    }

    /** Makes one more engine of the appliance, with the same params and loaded entries. */
    interface EngineMaker {
        Engine make() throws UsageError, IOException;
    }

    /**
     * An appliance ready to run: its IR, the engine holding its state (its stores open), its port bindings, and how to
     * make more engines (one per worker).
     */
    record Prepared(IrAppliance ir, Engine engine, Map<Integer, PortBinding> bindings, EngineMaker another) {}

    /**
     * Checks, lowers and loads the appliance on the chosen engine, with its params and rules files;
     * null (after printing the diagnostics) when the spec has errors.
     */
    Prepared prepare(PrintWriter err) throws UsageError, IOException {
        CheckedSpec spec = CheckedSpec.load(specFile, options.stdlib, err);
        if (spec == null) {
            return null;
        }
        Compilation.Result result = spec.result();
        Decl.Appliance appliance;
        try {
            appliance = spec.single(options.appliance);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        IrAppliance ir;
        try {
            ir = Lowering.lower(appliance, result.semantics());
        } catch (Unsupported e) {
            throw new UsageError(e.span() + ": " + e.getMessage());
        }
        Map<String, Object> paramValues;
        try {
            paramValues = ParamValues.parse(ir, params);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        List<String> missing = ir.params.stream()
                .filter(p -> p.value() == null && !paramValues.containsKey(p.name()))
                .map(p -> "--param " + p.name() + "=VALUE").toList();
        if (!missing.isEmpty()) {
            throw new UsageError("appliance `" + ir.name() + "` needs " + String.join(" and ", missing)
                    + ": " + (missing.size() == 1 ? "that param has" : "those params have") + " no default");
        }
        Map<Integer, PortBinding> bindings = bindings(ir);
        EngineMaker newEngine;
        Engine engine;
        if (this.engine == EngineKind.interp) {
            newEngine = () -> Engine.interpreter(ir, paramValues);
            engine = newEngine.make();
        } else {
            Pipeline.run(ir);
            CompiledAppliance compiled;
            try {
                compiled = CompiledAppliance.compile(ir);
                engine = compiled.newKernel(paramValues);
            } catch (Unsupported e) {
                throw new UsageError((e.span() == null ? "" : e.span() + ": ") + e.getMessage()
                        + " (`--engine interp` runs it on the interpreter)");
            }
            newEngine = () -> compiled.newKernel(paramValues);
        }
        List<String> loaded;
        try {
            loaded = loadRules(ir, appliance, result.semantics(), engine, paramValues);
        } catch (RulesFileException e) {
            for (RulesFileException.Problem p : e.problems()) {
                err.println(p.file() + ":" + p.line() + ":" + p.column() + ": error: " + p.message());
            }
            if (e.more() > 0) {
                err.println("... and " + e.more() + (e.more() == 1 ? " more problem" : " more problems"));
            }
            int count = e.problems().size() + e.more();
            throw new UsageError(e.problems().getFirst().file() + ": " + count + (count == 1 ? " problem" : " problems")
                    + "; the appliance was not started");
        }
        for (String line : loaded) {
            err.println("applc: " + line);
        }
        err.flush();
        try {
            engine.openStores(Path.of("")); // store files are relative to the working folder
        } catch (StoreException e) {
            throw new UsageError(e.getMessage());
        }
        EngineMaker another = () -> {
            Engine more = newEngine.make();
            try {
                loadRules(ir, appliance, result.semantics(), more, paramValues);
            } catch (RulesFileException e) {
                throw new IllegalStateException("a rules file read once failed the second time", e);
            }
            return more;
        };
        return new Prepared(ir, engine, bindings, another);
    }

    /**
     * Loads the rules file of every table with {@code load PARAM}: the file the param names, given
     * by --param (relative to the working folder) or by default (relative to the spec's folder). An
     * empty value loads nothing. Returns a line per table with {@code load}, saying what it loaded.
     */
    private List<String> loadRules(IrAppliance ir, Decl.Appliance appliance, Semantics semantics, Engine engine,
            Map<String, Object> paramValues) throws UsageError, IOException {
        List<String> lines = new ArrayList<>();
        Path specFolder = specFile.getParent() == null ? Path.of("") : specFile.getParent();
        for (int i = 0; i < ir.tables.size(); i++) {
            IrAppliance.Table table = ir.tables.get(i);
            String name = table.loadParam();
            if (name == null) {
                continue;
            }
            IrAppliance.Param param = ir.params.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("table " + table.name() + " loads unknown param " + name));
            boolean given = paramValues.containsKey(name);
            Object value = given ? paramValues.get(name) : param.value();
            String what = "table `" + table.name() + "` loads entries from the file named by param `" + name + "`";
            if (value == null) {
                throw new UsageError(what + ", which has no default: pass --param " + name + "=FILE (or --param "
                        + name + "= to start without loaded entries)");
            }
            String text = value.toString();
            if (text.isEmpty()) {
                lines.add("table `" + table.name() + "`: no rules loaded (--param " + name + "= is empty)");
                continue;
            }
            Path file;
            try {
                file = given ? Path.of(text) : specFolder.resolve(text);
            } catch (InvalidPathException e) {
                throw new UsageError(what + ": `" + text + "` is not a valid file name (" + e.getReason() + ")");
            }
            if (!Files.exists(file)) {
                throw new UsageError(given
                        ? "--param " + name + "=" + text + ": no such file " + file
                        : what + "; its default, " + file + " (beside the spec), does not exist: pass --param " + name
                                + "=FILE to load another file, or --param " + name + "= to start without loaded entries");
            }
            if (Files.isDirectory(file)) {
                throw new UsageError((given ? "--param " + name + "=" + text : "param `" + name + "`") + ": " + file
                        + " is a folder, not a rules file");
            }
            Decl.Table decl = appliance.members().stream().filter(m -> m instanceof Decl.Table t
                    && t.name().text().equals(table.name())).map(Decl.Table.class::cast).findFirst().orElseThrow();
            int count;
            try {
                if (ZoneTables.loadsZone(decl)) {
                    count = ZoneTables.load(engine, i, table, file);
                } else {
                    count = LoadedRules.load(engine, i, LoadedRules.schema(ir, i, appliance, semantics), file);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageError(file + ": " + e.getMessage());
            } catch (RulesFileException e) {
                throw e;
            } catch (NoSuchFileException e) {
                throw new UsageError("cannot read rules file " + file + ": no such file");
            } catch (IOException e) {
                throw new UsageError("cannot read rules file " + file + ": " + e.getMessage());
            }
            lines.add("table `" + table.name() + "`: " + count + (count == 1 ? " entry" : " entries") + " loaded from "
                    + file);
        }
        return lines;
    }

    /** Port bindings: the spec's defaults (traces relative to its folder), overridden by --port. */
    private Map<Integer, PortBinding> bindings(IrAppliance ir) throws UsageError {
        Map<Integer, PortBinding> bindings = new LinkedHashMap<>();
        java.util.Set<Integer> given = new java.util.HashSet<>();
        Path base = specFile.toAbsolutePath().getParent();
        for (int i = 0; i < ir.ports.size(); i++) {
            IrAppliance.Port p = ir.ports.get(i);
            if (p.binding() != null) {
                bindings.put(i, parseBinding(p, p.binding(), base));
            }
        }
        for (String option : ports) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                throw new UsageError("--port takes NAME=BINDING, not `" + option + "`");
            }
            String name = option.substring(0, eq);
            IrAppliance.Port port = ir.ports.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new UsageError("appliance `" + ir.name() + "` has no port `" + name + "`"));
            bindings.put(ir.ports.indexOf(port), parseBinding(port, option.substring(eq + 1), Path.of("")));
            given.add(ir.ports.indexOf(port));
        }
        PortBinding.tracesOverLiveDefaults(bindings, given);
        return bindings;
    }

    private static PortBinding parseBinding(IrAppliance.Port port, String text, Path base) throws UsageError {
        try {
            return PortBinding.parse(port.name(), port.kind(), text, base);
        } catch (Replay.BadInput e) {
            throw new UsageError(e.getMessage());
        }
    }

}
