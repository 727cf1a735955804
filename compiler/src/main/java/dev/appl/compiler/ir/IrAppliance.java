package dev.appl.compiler.ir;

import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * One appliance, lowered: its interface (ports, params), its state (counters, maps, tables,
 * timers), its handlers and functions, and its tests. State is referred to by index everywhere
 * in the IR, which is also how the kernel lays it out.
 */
public final class IrAppliance {
    public record Port(String name, String kind, String binding) {}

    /** {@code value} is the default (or the value given at build time for a build param); null if none. */
    public record Param(String name, Type type, Object value, boolean buildTime) {}

    public record MapState(String name, Type key, Type value, long capacity, long expireNanos, boolean lru,
            boolean shared) {}

    public record Timer(String name, long periodNanos) {}

    /**
     * A store: its kind ({@code blocks}, {@code log}, {@code kv}) and its settings in the order
     * {@link #SETTINGS} gives for the kind, each a {@link IrExpr.Const} or a start-time
     * {@link IrExpr.ParamValue}.
     */
    public record StoreState(String name, String kind, List<IrExpr> settings) {}

    /** The settings of each store kind, in the order {@link StoreState#settings} holds them. */
    public static final java.util.Map<String, List<String>> SETTINGS = java.util.Map.of(
            "blocks", List.of("file", "size", "block"),
            "log", List.of("file", "segment"),
            "kv", List.of("file", "key", "value"));

    /** A table key: its match kind and the key's type. */
    public record Key(String matchKind, Type type) {}

    /** An action a table can run, with the types of the data its entries give it. */
    public record TableAction(String name, List<Type> data) {}

    /** An entry written in the spec: patterns per key, the action's index and its data. */
    public record Entry(List<IrPattern> patterns, int action, List<Object> data) {}

    public record Table(String name, List<Key> keys, List<TableAction> actions, int defaultAction,
            List<Object> defaultData, List<Entry> entries, boolean constEntries, long size, String loadParam) {}

    public record Handler(String event, int source, IrFunction function) {}

    private final String name;
    /** The wire layout of every header, for building header values into bytes. */
    public final java.util.Map<dev.appl.language.ast.Decl.Header, dev.appl.language.types.HeaderLayout> layouts =
            new java.util.IdentityHashMap<>();
    public final List<Port> ports = new ArrayList<>();
    public final List<Param> params = new ArrayList<>();
    public final List<String> counters = new ArrayList<>();
    public final List<MapState> maps = new ArrayList<>();
    public final List<Table> tables = new ArrayList<>();
    public final List<Timer> timers = new ArrayList<>();
    public final List<StoreState> stores = new ArrayList<>();
    public final List<Handler> handlers = new ArrayList<>();
    public final List<IrFunction> functions = new ArrayList<>();
    public final List<IrTest> tests = new ArrayList<>();

    public IrAppliance(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }
}
