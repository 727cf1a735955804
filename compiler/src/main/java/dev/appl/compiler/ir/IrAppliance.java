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
    /**
     * A port. A stream port cuts messages by its {@code framings}: one, or with a session one per
     * phase (named in {@code phases}, in order; the first is where each connection starts); packet
     * and datagram ports have none. {@code session} are the session's variables; a
     * {@code stateful} port keeps state per connection (a session, an {@code on connect} handler or
     * a {@code close}): the connection's phase, whether it closes, and the variables
     * ({@link #connectionSlots}). {@code connections} is the most open at once.
     */
    public record Port(String name, String kind, String binding, List<Framing> framings, List<String> phases,
            List<SessionVar> session, long connections, boolean stateful) {
        /** The most connections a stream port has open when its spec does not say. */
        public static final long DEFAULT_CONNECTIONS = dev.appl.runtime.kernel.Kernel.DEFAULT_CONNECTIONS;

        /** A port without a session; {@code framing} is null for packet and datagram ports. */
        public Port(String name, String kind, String binding, Framing framing) {
            this(name, kind, binding, framing == null ? List.of() : List.of(framing), List.of(), List.of(),
                    DEFAULT_CONNECTIONS, false);
        }

        /** The framing of a port without a session, or of a session's first phase; null for other kinds. */
        public Framing framing() {
            return framings.isEmpty() ? null : framings.getFirst();
        }

        /** The framing of {@code phase} (0 for a port without a session); null when there is no such phase. */
        public Framing framing(int phase) {
            return phase >= 0 && phase < framings.size() ? framings.get(phase) : null;
        }

        public Port withFramings(List<Framing> framings) {
            return new Port(name, kind, binding, List.copyOf(framings), phases, session, connections, stateful);
        }

        public Port withStateful() {
            return new Port(name, kind, binding, framings, phases, session, connections, true);
        }

        /**
         * How many longs each connection's state takes ({@link dev.appl.runtime.kernel.Kernel#connectionSlots}):
         * the phase, the close flag and the session's variables; 0 for a port that keeps none.
         */
        public int connectionSlots() {
            return stateful ? dev.appl.runtime.kernel.Kernel.SESSION + session.size() : 0;
        }

        /** The longest message, the same in every phase (0 for packet and datagram ports). */
        public long maxBytes() {
            return framings.isEmpty() ? 0 : framings.getFirst().maxBytes();
        }
    }

    /** A session variable: its type and the value each connection starts with (a Long). */
    public record SessionVar(String name, Type type, Object initial) {}

    /**
     * A stream port's framing: a big-endian length prefix of {@code prefixBytes} bytes, or (when
     * that is 0) a framing header of {@code headerBytes} bytes whose {@code size} function computes
     * the frame's length from the header's fields, or (when {@code header} is null too) a scanner:
     * {@code size} runs a {@code framed by} function over the bytes that have arrived;
     * {@code maxBytes} is the longest message, the prefix not counted (for a header or a scanner,
     * the whole frame).
     */
    public record Framing(int prefixBytes, String header, int headerBytes, IrFunction size, long maxBytes) {
        /** The longest message of a stream port whose spec gives no {@code max}. */
        public static final long DEFAULT_MAX = 64 * 1024;

        /** A length prefix of {@code bytes} bytes, with the spec's max (-1 for none). */
        public static Framing lengthPrefix(int bytes, long max) {
            long largest = bytes >= 8 ? Long.MAX_VALUE : (1L << (8 * bytes)) - 1;
            return new Framing(bytes, null, 0, null, Math.min(largest, max < 0 ? DEFAULT_MAX : max));
        }

        /**
         * Frames that start with {@code header} ({@code headerBytes} long) and are as long as
         * {@code size} returns, with the spec's max (-1 for none).
         */
        public static Framing header(String header, int headerBytes, IrFunction size, long max) {
            return new Framing(0, header, headerBytes, size, max < 0 ? DEFAULT_MAX : max);
        }

        /**
         * Frames as long as {@code scan} (a function of the bytes from the frame's start, which
         * calls the spec's {@code framed by} function) says, with the spec's max (-1 for none).
         */
        public static Framing scanned(IrFunction scan, long max) {
            return new Framing(0, null, 0, scan, max < 0 ? DEFAULT_MAX : max);
        }

        /** Whether {@code size} scans the bytes so far ({@code framed by}) rather than reading a header. */
        public boolean scanned() {
            return header == null && size != null;
        }

        /**
         * As the IR prints it: {@code u16 max 65535}, {@code Request size frame_requests max 65536},
         * {@code by frame_requests max 65536}.
         */
        public String text() {
            String how = scanned() ? "by " + size.name() : header != null ? header + " size " + size.name() : "u" + 8 * prefixBytes;
            return how + " max " + maxBytes;
        }
    }

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

    /**
     * {@code event} is {@code packet}, {@code datagram}, {@code message}, {@code connect} or
     * {@code timer}; {@code phase} the index of the session's phase a message handler serves, -1
     * for other handlers.
     */
    public record Handler(String event, int source, int phase, IrFunction function) {
        /**
         * Whether it handles a stream's messages or connections, where ending without {@code reply}
         * or {@code drop} means the message was handled and needs no reply, not that it was dropped.
         */
        public boolean answersMessages() {
            return event.equals("message") || event.equals("connect");
        }
    }

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
    /**
     * What the passes chose that the code does not show by itself, one line each (say why a const
     * table's entries stay tried in order rather than compiled into a decision tree).
     */
    public final List<String> notes = new ArrayList<>();

    /** Where the spec declares the appliance, for diagnostics about it; null for IR built by hand. */
    private final dev.appl.language.diag.Span span;

    public IrAppliance(String name) {
        this(name, null);
    }

    public IrAppliance(String name, dev.appl.language.diag.Span span) {
        this.name = name;
        this.span = span;
    }

    public dev.appl.language.diag.Span span() {
        return span;
    }

    public String name() {
        return name;
    }

    /** The size functions of the ports (and phases) framed by a header or a scanner, in port and phase order. */
    public List<IrFunction> frameSizes() {
        return ports.stream().flatMap(p -> p.framings().stream()).filter(f -> f.size() != null).map(Framing::size)
                .toList();
    }

    /**
     * The handler of {@code port}'s messages in {@code phase} (-1 for a port without a session),
     * or of its connections' opening when {@code event} is {@code connect}; null if it has none.
     */
    public Handler handler(int port, String event, int phase) {
        for (Handler h : handlers) {
            if (h.source() == port && h.event().equals(event) && h.phase() == phase) {
                return h;
            }
        }
        return null;
    }
}
