package dev.appl.runtime.launch;

import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.TableEntry;
import dev.appl.runtime.table.DnsZone;
import dev.appl.runtime.table.KeyMatch;
import dev.appl.runtime.table.RulesEntry;
import dev.appl.runtime.table.RulesFile;
import dev.appl.runtime.table.RulesFileException;
import dev.appl.runtime.table.TableSchema;
import dev.appl.runtime.table.ValueType;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entry point of an appliance image ({@code java -jar NAME.jar}): runs the compiled kernel the
 * image carries over pcap traces or on live ports, as {@code applc run} runs the spec, with the
 * same options ({@code --port NAME=BINDING}, {@code --param NAME=VALUE}, {@code --workers N}), the
 * same messages and the same summary. What it knows of the appliance comes from the image's
 * {@link Descriptor}.
 *
 * <p>Default port bindings, rules files and zone files are relative to the working folder (there is no spec
 * folder beside an image); those given on the command line too. Each packet is copied once from
 * the mapped trace into one reused buffer with {@link Kernel#HEADROOM} on both sides and handled
 * in place there: nothing is allocated per packet.
 *
 * <p>Exit status: 0 when the traces were replayed, 2 for a usage or I/O error (a bad option or
 * param, a missing trace, a bad rules or zone file), 1 when the kernel itself failed. Every error is one
 * line on stderr; {@code -Dappl.debug=true} adds the stack trace of an internal failure.
 */
public final class Main {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private final Descriptor appliance;
    private final String program;
    private final PrintWriter out;
    private final PrintWriter err;

    Main(Descriptor appliance, String program, PrintWriter out, PrintWriter err) {
        this.appliance = appliance;
        this.program = program;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, false, StandardCharsets.UTF_8);
        String program = programName();
        int status;
        try {
            status = new Main(Descriptor.load(), program, out, err).run(args);
        } catch (IOException | IllegalArgumentException e) {
            err.println(program + ": this image cannot start: " + e.getMessage());
            status = EXIT_USAGE;
        }
        out.flush();
        err.flush();
        System.exit(status);
    }

    /**
     * What the user ran: the image's file name without {@code .jar}. Read from the class path
     * ({@code java -jar} makes it the jar), since a class loaded from an AOT cache may not know
     * its code source.
     */
    private static String programName() {
        try {
            String classPath = System.getProperty("java.class.path", "");
            Path jar = classPath.isEmpty() || classPath.contains(File.pathSeparator)
                    ? Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    : Path.of(classPath);
            String name = jar.getFileName().toString();
            return name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
        } catch (Exception e) {
            return "appliance";
        }
    }

    /** A problem the user can fix; its message is the line printed. */
    static final class UsageError extends Exception {
        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    private record Options(List<String> ports, List<String> params, Integer workers, boolean help, boolean version) {}

    int run(String[] args) {
        try {
            Options options = options(args);
            if (options.help()) {
                usage();
                return 0;
            }
            if (options.version()) {
                out.println(appliance.appliance() + ", built by applc " + appliance.compilerVersion() + " from "
                        + appliance.specFile() + " (sha256 " + appliance.specSha256() + ")");
                return 0;
            }
            return run(options);
        } catch (UsageError e) {
            err.println(program + ": " + e.getMessage());
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println(program + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return EXIT_USAGE;
        } catch (Replay.KernelFailure e) {
            err.println(program + ": " + e.getMessage());
            if (Boolean.getBoolean("appl.debug")) {
                e.getCause().printStackTrace(err);
            }
            return EXIT_FAILED;
        } catch (RuntimeException e) {
            err.println(program + ": internal error: " + e);
            if (Boolean.getBoolean("appl.debug")) {
                e.printStackTrace(err);
            }
            return EXIT_FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    // ---- Options -----------------------------------------------------------------------------------

    /** Picocli's syntax, as {@code applc run} has it: {@code --port X} or {@code --port=X}, and so on. */
    private static Options options(String[] args) throws UsageError {
        List<String> ports = new ArrayList<>();
        List<String> params = new ArrayList<>();
        Integer workers = null;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.startsWith("--") && a.indexOf('=') > 0 ? a.substring(0, a.indexOf('=')) : a;
            switch (name) {
                case "-h", "--help" -> help = true;
                case "-V", "--version" -> version = true;
                case "--port", "--param", "--workers" -> {
                    String value;
                    if (!name.equals(a)) {
                        value = a.substring(name.length() + 1);
                    } else if (i + 1 < args.length) {
                        value = args[++i];
                    } else {
                        throw new UsageError("Missing required parameter for option '" + name + "' ("
                                + (name.equals("--port") ? PORT_LABEL : name.equals("--param") ? PARAM_LABEL : "N")
                                + ")");
                    }
                    if (name.equals("--workers")) {
                        if (!value.matches("[0-9]{1,4}") || Integer.parseInt(value) < 1) {
                            throw new UsageError("--workers takes a number from 1, not `" + value + "`");
                        }
                        workers = Integer.parseInt(value);
                    } else {
                        (name.equals("--port") ? ports : params).add(value);
                    }
                }
                default -> {
                    if (a.startsWith("-") && a.length() > 1) {
                        throw new UsageError("Unknown option: '" + a + "' (--help lists the options)");
                    }
                    throw new UsageError("Unmatched argument at index " + i + ": '" + a + "' (--help lists the options)");
                }
            }
        }
        return new Options(ports, params, workers, help, version);
    }

    private static final String PORT_LABEL = "NAME=BINDING";
    private static final String PARAM_LABEL = "NAME=VALUE";

    private void usage() {
        String jar = program + ".jar";
        out.println("Usage: java -jar " + jar + " [-hV] [--workers=N] [--param=" + PARAM_LABEL + "]... [--port="
                + PORT_LABEL + "]...");
        wrap("Runs the appliance " + appliance.appliance() + " on the ports it is bound to (its default bindings,"
                + " or --port). Bound to pcap traces, it replays them: each packet port reads its trace and packets"
                + " forwarded or replied to a port are written to that port's out= file when it has one. Bound to"
                + " live traffic (afpacket, udp, tcp), it serves until Ctrl-C (SIGINT) or SIGTERM. Either way it"
                + " then prints packets in and out per port, drops, malformed packets and counters. Runs the"
                + " compiled kernel. Default bindings and rules files are relative to the working folder.");
        out.println("      --param=" + PARAM_LABEL + "   Sets a param, written as in a spec.");
        out.println("      --port=" + PORT_LABEL + "     Binds a port: a packet port to");
        out.println("                             pcap:IN.pcap[,out=OUT.pcap] or afpacket:IFACE, a");
        out.println("                             datagram port to udp:HOST:PORT, a stream port to");
        out.println("                             tcp:HOST:PORT.");
        out.println("      --workers=N          Workers serving live ports, one per core (default: one");
        out.println("                             per CPU this process may use; one for an appliance");
        out.println("                             with stores or with maps that are not shared).");
        out.println("  -h, --help               Show this help message and exit.");
        out.println("  -V, --version            Print version information and exit.");
        out.println("Ports:");
        int width = 4;
        for (Descriptor.Port p : appliance.ports()) {
            width = Math.max(width, p.name().length());
        }
        for (Descriptor.Param p : appliance.params()) {
            width = Math.max(width, p.name().length());
        }
        String row = "  %-" + width + "s  %-9s %s%n";
        if (appliance.ports().isEmpty()) {
            out.println("  (none)");
        }
        for (Descriptor.Port p : appliance.ports()) {
            out.printf(row, p.name(), p.kind(), p.binding() == null ? "(no default binding)" : "= " + p.binding());
        }
        out.println("Params:");
        if (appliance.params().isEmpty()) {
            out.println("  (none)");
        }
        for (Descriptor.Param p : appliance.params()) {
            StringBuilder what = new StringBuilder(p.value() == null ? "(no default)"
                    : "= " + ParamLiterals.show(p.type(), p.value()));
            if (p.build()) {
                what.append("  (build param: fixed in this image)");
            }
            for (Descriptor.LoadedTable t : appliance.tables()) {
                if (t.param().equals(p.name())) {
                    what.append(t.format() == Descriptor.Format.DNS_ZONE ? "  (zone file of table `"
                            : "  (rules file of table `").append(t.schema().name()).append("`)");
                }
            }
            out.printf(row, p.name(), p.type().kind() == ParamType.Kind.ENUM || p.type().kind() == ParamType.Kind.OTHER
                    ? p.type().name() : p.type().text(), what);
        }
        out.println("Built by applc " + appliance.compilerVersion() + " from " + appliance.specFile() + " (sha256 "
                + appliance.specSha256() + ").");
    }

    /** Prints {@code text} in lines of at most 80 characters, broken between words. */
    private void wrap(String text) {
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > 80) {
                out.println(line);
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        out.println(line);
    }

    // ---- Running -----------------------------------------------------------------------------------

    private int run(Options options) throws UsageError, IOException, Replay.KernelFailure {
        Map<String, Object> paramValues = params(options.params());
        Map<Integer, PortBinding> bindings = bindings(options.ports());
        boolean live = bindings.values().stream().anyMatch(PortBinding::live);
        if (!live && options.workers() != null && options.workers() > 1) {
            throw new UsageError("traces are replayed by one worker, in capture order: --workers "
                    + options.workers() + " needs live ports (afpacket, udp or tcp)");
        }
        Kernel kernel = kernel(paramValues);
        List<String> loaded;
        try {
            loaded = loadRules(kernel, paramValues);
        } catch (RulesFileException e) {
            for (RulesFileException.Problem p : e.problems()) {
                err.println(p.file() + ":" + p.line() + ":" + p.column() + ": error: " + p.message());
            }
            if (e.more() > 0) {
                err.println("... and " + e.more() + (e.more() == 1 ? " more problem" : " more problems"));
            }
            int count = e.problems().size() + e.more();
            err.println(program + ": " + e.problems().getFirst().file() + ": " + count
                    + (count == 1 ? " problem" : " problems") + "; the appliance was not started");
            return EXIT_USAGE;
        }
        for (String line : loaded) {
            err.println(program + ": " + line);
        }
        err.flush();
        List<Descriptor.Timer> timers = appliance.timers();
        long[] periods = new long[timers.size()];
        for (int t = 0; t < periods.length; t++) {
            periods[t] = timers.get(t).periodNanos();
        }
        Replay.Appliance what = new Replay.Appliance(appliance.appliance() + " (compiled kernel)",
                appliance.ports().stream().map(Descriptor.Port::name).toList(),
                appliance.ports().stream().map(Descriptor.Port::kind).toList(),
                timers.stream().map(Descriptor.Timer::name).toList(), periods, appliance.counters());
        try {
            kernel.openStores(Path.of("")); // store files are relative to the working folder
        } catch (IOException | RuntimeException e) {
            kernel.closeStores();
            throw e; // a StoreException names the file it refuses
        }
        try {
            if (live) {
                return serve(what, bindings, kernel, paramValues, options.workers());
            }
            Map<Integer, Replay.Binding> traces = new LinkedHashMap<>();
            bindings.forEach((port, binding) -> traces.put(port, (Replay.Binding) binding));
            Replay.run(kernel, what, traces, out);
        } catch (Replay.BadInput e) {
            throw new UsageError(e.getMessage());
        } finally {
            kernel.closeStores();
        }
        return 0;
    }

    /** Serves live ports with a worker per core until a signal; the summary is printed on the way out. */
    private int serve(Replay.Appliance what, Map<Integer, PortBinding> bindings, Kernel first,
            Map<String, Object> paramValues, Integer workers) throws UsageError, IOException, Replay.KernelFailure {
        for (var e : bindings.entrySet()) {
            if (!e.getValue().live()) {
                throw new UsageError("port `" + what.ports().get(e.getKey()) + "` is bound to a trace ("
                        + e.getValue() + ") while others are live; bind every port live, or every port to a trace");
            }
        }
        int count;
        try {
            count = Live.workerCount(appliance.appliance(), workers, first);
        } catch (Replay.BadInput e) {
            throw new UsageError(e.getMessage());
        }
        List<Kernel> kernels = new ArrayList<>(List.of(first));
        for (int w = 1; w < count; w++) {
            Kernel more = kernel(paramValues);
            try {
                loadRules(more, paramValues);
            } catch (RulesFileException e) {
                throw new IOException("a rules file read once failed the second time: " + e.getMessage());
            }
            kernels.add(more);
        }
        Live live;
        try {
            live = Live.start(kernels, what, bindings, true);
        } catch (dev.appl.runtime.io.PortException e) {
            throw new UsageError(e.getMessage());
        }
        List<String> where = new ArrayList<>();
        bindings.forEach((port, binding) -> where.add(what.ports().get(port) + " on " + switch (binding) {
            case PortBinding.Udp u -> new PortBinding.Udp(live.address(port));
            case PortBinding.Tcp t -> new PortBinding.Tcp(live.address(port));
            case PortBinding.UdpXdp x -> new PortBinding.UdpXdp(live.address(port), x.iface(), x.frames());
            default -> binding;
        }));
        err.println(program + ": " + appliance.appliance() + " serving " + String.join(", ", where) + " with " + count
                + (count == 1 ? " worker" : " workers") + "; Ctrl-C stops it");
        err.flush();
        return live.serveUntilSignalled(out, err, program) == 0 ? 0 : EXIT_FAILED;
    }

    /** --param values by name, as {@code applc run} reads them. */
    private Map<String, Object> params(List<String> assignments) throws UsageError {
        Map<String, Object> values = new HashMap<>();
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new UsageError("--param takes NAME=VALUE, not `" + assignment + "`");
            }
            String name = assignment.substring(0, eq);
            String text = assignment.substring(eq + 1);
            Descriptor.Param param = param(name);
            if (param == null) {
                List<String> names = new ArrayList<>();
                for (Descriptor.Param p : appliance.params()) {
                    names.add("`" + p.name() + "`");
                }
                throw new UsageError("appliance `" + appliance.appliance() + "` has no param `" + name + "`; it has "
                        + (names.isEmpty() ? "none" : String.join(", ", names)));
            }
            if (param.build()) {
                throw new UsageError("`" + name + "` is a build param: it is fixed when the appliance is built");
            }
            try {
                values.put(name, ParamLiterals.parse(param.type(), text));
            } catch (IllegalArgumentException e) {
                throw new UsageError("--param " + name + "=" + text + ": " + e.getMessage());
            }
        }
        return values;
    }

    private Descriptor.Param param(String name) {
        for (Descriptor.Param p : appliance.params()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Port bindings: the defaults (traces relative to the working folder), overridden by --port. */
    private Map<Integer, PortBinding> bindings(List<String> options) throws UsageError {
        Map<Integer, PortBinding> bindings = new LinkedHashMap<>();
        java.util.Set<Integer> given = new java.util.HashSet<>();
        Path base = Path.of("").toAbsolutePath();
        List<Descriptor.Port> ports = appliance.ports();
        for (int i = 0; i < ports.size(); i++) {
            Descriptor.Port p = ports.get(i);
            if (p.binding() != null) {
                bindings.put(i, binding(p, p.binding(), base));
            }
        }
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                throw new UsageError("--port takes NAME=BINDING, not `" + option + "`");
            }
            String name = option.substring(0, eq);
            int port = -1;
            for (int i = 0; i < ports.size(); i++) {
                if (ports.get(i).name().equals(name)) {
                    port = i;
                }
            }
            if (port < 0) {
                throw new UsageError("appliance `" + appliance.appliance() + "` has no port `" + name + "`");
            }
            bindings.put(port, binding(ports.get(port), option.substring(eq + 1), Path.of("")));
            given.add(port);
        }
        PortBinding.tracesOverLiveDefaults(bindings, given);
        return bindings;
    }

    private static PortBinding binding(Descriptor.Port port, String text, Path base) throws UsageError {
        try {
            return PortBinding.parse(port.name(), port.kind(), text, base);
        } catch (Replay.BadInput e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** A fresh kernel with every param's value: given, else the default (null when there is none). */
    private Kernel kernel(Map<String, Object> given) throws Replay.KernelFailure, IOException {
        List<Descriptor.Param> params = appliance.params();
        Object[] values = new Object[params.size()];
        for (int i = 0; i < values.length; i++) {
            Descriptor.Param p = params.get(i);
            values[i] = given.getOrDefault(p.name(), p.value());
        }
        Class<?> type;
        try {
            type = Class.forName(appliance.kernelClass(), true, Main.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IOException("this image has no usable kernel class " + appliance.kernelClass() + ": " + e);
        }
        try {
            return (Kernel) type.getConstructor(Object[].class).newInstance((Object) values);
        } catch (InvocationTargetException e) {
            throw new Replay.KernelFailure("the kernel failed to start: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IOException("the kernel class " + appliance.kernelClass() + " cannot be started: " + e);
        }
    }

    /**
     * Loads the rules file (or, for {@code load dns_zone(PARAM)}, the zone file) of every table
     * with {@code load PARAM}: the file the param names, given
     * by --param or by default (both relative to the working folder). An empty value loads nothing.
     * Returns a line per table, saying what it loaded.
     */
    private List<String> loadRules(Kernel kernel, Map<String, Object> paramValues) throws UsageError, IOException {
        List<String> lines = new ArrayList<>();
        for (Descriptor.LoadedTable table : appliance.tables()) {
            String name = table.param();
            String tableName = table.schema().name();
            Descriptor.Param param = param(name);
            if (param == null) {
                throw new IOException("table `" + tableName + "` loads the file named by param `" + name
                        + "`, which this image's descriptor does not have");
            }
            boolean given = paramValues.containsKey(name);
            Object value = given ? paramValues.get(name) : param.value();
            String what = "table `" + tableName + "` loads entries from the file named by param `" + name + "`";
            if (value == null) {
                throw new UsageError(what + ", which has no default: pass --param " + name + "=FILE (or --param "
                        + name + "= to start without loaded entries)");
            }
            String text = value.toString();
            if (text.isEmpty()) {
                lines.add("table `" + tableName + "`: no rules loaded (--param " + name + "= is empty)");
                continue;
            }
            Path file;
            try {
                file = Path.of(text);
            } catch (InvalidPathException e) {
                throw new UsageError(what + ": `" + text + "` is not a valid file name (" + e.getReason() + ")");
            }
            if (!Files.exists(file)) {
                throw new UsageError(given
                        ? "--param " + name + "=" + text + ": no such file " + file
                        : what + "; its default, " + file + " (in the working folder), does not exist: pass --param "
                                + name + "=FILE to load another file, or --param " + name
                                + "= to start without loaded entries");
            }
            boolean zone = table.format() == Descriptor.Format.DNS_ZONE;
            String kind = zone ? "zone file" : "rules file";
            if (Files.isDirectory(file)) {
                throw new UsageError((given ? "--param " + name + "=" + text : "param `" + name + "`") + ": " + file
                        + " is a folder, not a " + kind);
            }
            List<TableEntry> entries;
            int count; // entries as the file gives them (a signed range that crosses zero is one of them)
            try {
                if (zone) {
                    entries = zoneEntries(table.schema(), file);
                    count = entries.size();
                } else {
                    List<RulesEntry> rules = RulesFile.read(file, table.schema());
                    entries = tableEntries(table.schema(), rules);
                    count = rules.size();
                }
            } catch (IllegalArgumentException e) {
                throw new UsageError(file + ": " + e.getMessage()); // a zone that cannot be served, saying why
            } catch (RulesFileException e) {
                throw e;
            } catch (NoSuchFileException e) {
                throw new UsageError("cannot read " + kind + " " + file + ": no such file");
            } catch (IOException e) {
                throw new UsageError("cannot read " + kind + " " + file + ": " + e.getMessage());
            }
            for (TableEntry e : entries) {
                kernel.addEntry(table.index(), e);
            }
            lines.add("table `" + tableName + "`: " + count + (count == 1 ? " entry" : " entries") + " loaded from "
                    + file);
        }
        return lines;
    }

    /**
     * The entries a DNS zone file gives a table with {@code load dns_zone(P)}, as the kernel takes
     * them: keys the name's hash and, for a table of records ({@code rrset}, {@code nodata}), the
     * type ({@code any} for a CNAME's entry that answers every type); data scalars and bytes. The
     * table's shape was checked when the image was built.
     *
     * @throws IllegalArgumentException when the zone cannot be served or does not fit the table
     * @throws RulesFileException       for problems of the file's text
     */
    static List<TableEntry> zoneEntries(TableSchema schema, Path file) throws IOException {
        List<String> actions = schema.actions().stream().map(TableSchema.Action::name).toList();
        boolean records = DnsZone.keyedByType(actions);
        List<DnsZone.Entry> zone = DnsZone.load(file, schema.name(), actions, schema.size() - schema.specEntries());
        List<TableEntry> out = new ArrayList<>();
        for (DnsZone.Entry e : zone) {
            List<TableEntry.Match> keys = new ArrayList<>();
            keys.add(TableEntry.Match.exact(e.name()));
            if (records) {
                keys.add(e.type() < 0 ? TableEntry.Match.any() : TableEntry.Match.exact(e.type()));
            }
            long[] data = new long[e.data().size()];
            byte[][] blobs = null;
            for (int i = 0; i < data.length; i++) {
                switch (e.data().get(i)) {
                    case Long v -> data[i] = v;
                    case byte[] b -> {
                        blobs = blobs == null ? new byte[data.length][] : blobs;
                        blobs[i] = b;
                    }
                    default -> throw new IllegalStateException("DnsZone gives numbers and bytes, not " + e.data().get(i));
                }
            }
            out.add(new TableEntry(keys, actions.indexOf(e.action()), data, blobs));
        }
        return out;
    }

    /**
     * Loaded entries as the kernel takes them, in order: a wildcard is {@code any}, a full mask
     * {@code exact}. The kernel holds signed keys sign-extended and compares ranges unsigned, so a
     * range of a signed key that crosses zero becomes two entries, one per sign, which match
     * exactly what the one range matches (as the interpreter's loader does).
     */
    static List<TableEntry> tableEntries(TableSchema schema, List<RulesEntry> loaded) {
        List<TableEntry> out = new ArrayList<>();
        for (RulesEntry e : loaded) {
            List<List<TableEntry.Match>> choices = new ArrayList<>();
            for (int i = 0; i < e.keys().size(); i++) {
                choices.add(matches(e.keys().get(i), schema.keys().get(i).type()));
            }
            long[] data = new long[e.data().size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = e.data().get(i);
            }
            List<List<TableEntry.Match>> product = List.of(List.of());
            for (List<TableEntry.Match> choice : choices) {
                List<List<TableEntry.Match>> next = new ArrayList<>();
                for (List<TableEntry.Match> prefix : product) {
                    for (TableEntry.Match m : choice) {
                        List<TableEntry.Match> longer = new ArrayList<>(prefix);
                        longer.add(m);
                        next.add(longer);
                    }
                }
                product = next;
            }
            for (List<TableEntry.Match> keys : product) {
                out.add(new TableEntry(keys, e.action(), data));
            }
        }
        return out;
    }

    private static List<TableEntry.Match> matches(KeyMatch m, ValueType type) {
        boolean signed = type.kind() == ValueType.Kind.SIGNED;
        long width = type.widthMask();
        return switch (m) {
            case KeyMatch.Masked(long value, long mask) when mask == 0 -> List.of(TableEntry.Match.any());
            case KeyMatch.Masked(long value, long mask) when mask == width -> List.of(TableEntry.Match.exact(value));
            case KeyMatch.Masked(long value, long mask) -> List.of(TableEntry.Match.masked(value, mask));
            case KeyMatch.Range(long low, long high) when signed -> {
                long min = -1L << (type.bits() - 1);
                if (low == min && high == ~min) {
                    yield List.of(TableEntry.Match.any());
                }
                if (low < 0 && high >= 0) {
                    yield List.of(TableEntry.Match.range(low, -1), TableEntry.Match.range(0, high));
                }
                yield List.of(TableEntry.Match.range(low, high));
            }
            case KeyMatch.Range(long low, long high) when low == 0 && high == width -> List.of(TableEntry.Match.any());
            case KeyMatch.Range(long low, long high) -> List.of(TableEntry.Match.range(low, high));
        };
    }

}
