package dev.appl.compiler.interp;

import dev.appl.runtime.kernel.Framing;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.MalformedPacket;
import dev.appl.runtime.kernel.StoreOps;
import dev.appl.runtime.store.BlockStore;
import dev.appl.runtime.store.KvStore;
import dev.appl.runtime.store.LogStore;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import dev.appl.compiler.ir.Arithmetic;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.types.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference interpreter: runs an appliance's IR one packet at a time. It defines what a spec
 * means; the compiled kernel must produce the same packets, fates and state for every input.
 * Speed is not its concern: values are boxed and every step is checked.
 */
public final class Interpreter {
    /** What became of a packet: forwarded to {@code port}, replied (to the port it came from), dropped, or malformed. */
    public record Outcome(Fate fate, int port, byte[] packet) {}

    /** What became of a packet; {@code HANDLED}: a message or connection handler ended without a reply or drop. */
    public enum Fate { FORWARD, REPLY, DROP, MALFORMED, HANDLED }

    /** How a statement ended. */
    private enum Flow { NEXT, BREAK, CONTINUE, RETURN, LEAVE, FATE }

    private final IrAppliance ir;
    private final Object[] params;
    private final long[] counters;
    private final List<Map<Object, MapEntry>> maps = new ArrayList<>();
    private final List<List<IrAppliance.Entry>> loadedEntries = new ArrayList<>();
    private long now;
    /** The open stores (BlockStore, LogStore, KvStore), by index; null until {@link #openStores}. */
    private final Object[] stores;
    private final Map<Integer, long[]> defaultConnections = new java.util.HashMap<>();

    private record MapEntry(Object value, long touched) {}

    /** Per call: locals, the packet (null outside a handler), the fate once decided. */
    private static final class Frame {
        final Object[] locals;
        final Packet packet;
        final int inPort;
        /** The state of the connection a stream message came on, from {@code connectionBase}; null for others. */
        long[] connection;
        int connectionBase;
        Object returned;
        Outcome outcome;

        Frame(IrFunction fn, Packet packet, int inPort) {
            this(new Object[fn.locals().size()], packet, inPort);
        }

        Frame(Object[] locals, Packet packet, int inPort) {
            this.locals = locals;
            this.packet = packet;
            this.inPort = inPort;
        }
    }

    /** @param paramValues the value of every param by name; params not named keep their defaults */
    public Interpreter(IrAppliance ir, Map<String, Object> paramValues) {
        this.ir = ir;
        this.params = new Object[ir.params.size()];
        for (int i = 0; i < params.length; i++) {
            IrAppliance.Param p = ir.params.get(i);
            params[i] = paramValues.getOrDefault(p.name(), p.value());
        }
        this.counters = new long[ir.counters.size()];
        this.stores = new Object[ir.stores.size()];
        for (IrAppliance.MapState m : ir.maps) {
            maps.add(m.lru() ? new LinkedHashMap<>(16, 0.75f, true) : new LinkedHashMap<>());
        }
        for (IrAppliance.Table t : ir.tables) {
            // A table's `entries {}` (not const) are its first run-time entries, which handlers may
            // remove and clear; `const entries {}` stay, tried before the run-time ones.
            loadedEntries.add(new ArrayList<>(t.constEntries() ? List.of() : t.entries()));
        }
    }

    /**
     * Opens the stores, file names relative to {@code folder}, settings from constants and params;
     * on failure closes those already open.
     */
    public void openStores(Path folder) throws IOException {
        try {
            for (int i = 0; i < stores.length; i++) {
                IrAppliance.StoreState s = ir.stores.get(i);
                Object[] v = s.settings().stream().map(e -> eval(e, new Frame(new Object[0], null, -1))).toArray();
                stores[i] = switch (s.kind()) {
                    case "blocks" -> StoreOps.openBlocks(folder, v[0], (Long) v[1], (Long) v[2]);
                    case "log" -> StoreOps.openLog(folder, v[0], (Long) v[1]);
                    default -> StoreOps.openKv(folder, v[0], (Long) v[1], (Long) v[2]);
                };
            }
        } catch (IOException | RuntimeException e) {
            closeStores();
            throw e;
        }
    }

    /** Flushes and closes the stores that are open. */
    public void closeStores() {
        for (int i = 0; i < stores.length; i++) {
            if (stores[i] instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            stores[i] = null;
        }
    }

    /** The clock maps expire by, in nanoseconds; traces set it from capture times. */
    public void setTime(long nanos) {
        now = nanos;
    }

    public long counter(int i) {
        return counters[i];
    }

    public int mapSize(int i) {
        synchronized (maps.get(i)) {
            expire(i);
            return maps.get(i).size();
        }
    }

    /**
     * Makes this interpreter, another worker's instance of {@code first}'s appliance, use
     * {@code first}'s {@code shared} maps. Every map operation holds the map's monitor, so that the
     * workers' operations on a shared map happen one after the other.
     */
    public void shareMaps(Interpreter first) {
        for (int i = 0; i < maps.size(); i++) {
            if (ir.maps.get(i).shared()) {
                maps.set(i, first.maps.get(i));
            }
        }
    }

    /** Entries added at start (from a rules file) or by handlers, after the spec's own. */
    public void addEntry(int table, IrAppliance.Entry entry) {
        loadedEntries.get(table).add(entry);
    }

    /** Runs the handler of {@code port} on a packet. */
    public Outcome handle(int port, byte[] bytes) {
        return handle(port, null, 0, bytes);
    }

    /**
     * Runs the handler of a message of a stream port that keeps state per connection, on the
     * connection whose state is {@code connection} from {@code base} ({@link Kernel#connectionSlots}
     * longs): the {@code on connect} handler while the connection is {@link Kernel#CONNECTING} (on
     * an empty message), else the handler of its phase. With no state given, the port's messages
     * all belong to one connection the interpreter keeps ({@link #defaultConnection}).
     */
    public Outcome handle(int port, long[] connection, int base, byte[] bytes) {
        IrAppliance.Port p = port >= 0 && port < ir.ports.size() ? ir.ports.get(port) : null;
        if (p != null && p.stateful() && connection == null) {
            connection = defaultConnection(port);
            base = 0;
        }
        IrAppliance.Handler handler;
        if (p != null && p.stateful() && connection[base + Kernel.PHASE] == Kernel.CONNECTING) {
            connection[base + Kernel.PHASE] = 0;
            handler = ir.handler(port, "connect", -1);
        } else if (p != null && !p.phases().isEmpty()) {
            handler = ir.handler(port, "message", (int) connection[base + Kernel.PHASE]);
        } else {
            handler = ir.handlers.stream().filter(h -> !h.event().equals("timer") && !h.event().equals("connect")
                    && h.source() == port).findFirst().orElse(null);
        }
        if (handler == null) {
            return new Outcome(Fate.DROP, -1, bytes);
        }
        Packet packet = new Packet(bytes);
        Frame frame = new Frame(handler.function(), packet, port);
        if (p != null && p.stateful()) {
            frame.connection = connection;
            frame.connectionBase = base;
        }
        try {
            block(handler.function().body(), frame);
        } catch (Malformed e) {
            return new Outcome(Fate.MALFORMED, -1, packet.bytes());
        }
        if (frame.outcome != null) {
            return frame.outcome;
        }
        // A packet or datagram nobody forwarded or replied to is dropped; a message was handled.
        return new Outcome(handler.answersMessages() ? Fate.HANDLED : Fate.DROP, -1, packet.bytes());
    }

    /** How many longs of state each connection of {@code port} keeps ({@link Kernel#connectionSlots}). */
    public int connectionSlots(int port) {
        return port >= 0 && port < ir.ports.size() ? ir.ports.get(port).connectionSlots() : 0;
    }

    /** {@link Kernel#openConnection}: a new connection's phase, close flag and session variables. */
    public void openConnection(int port, long[] state, int base) {
        IrAppliance.Port p = ir.ports.get(port);
        if (!p.stateful()) {
            return;
        }
        state[base + Kernel.PHASE] = ir.handler(port, "connect", -1) != null ? Kernel.CONNECTING : 0;
        state[base + Kernel.CLOSE] = 0;
        for (int i = 0; i < p.session().size(); i++) {
            state[base + Kernel.SESSION + i] = (Long) p.session().get(i).initial();
        }
    }

    /** The one connection the messages of a stateful port belong to when they come without one. */
    private long[] defaultConnection(int port) {
        long[] state = defaultConnections.get(port);
        if (state == null) {
            state = new long[connectionSlots(port)];
            openConnection(port, state, 0);
            defaultConnections.put(port, state);
        }
        return state;
    }

    /**
     * {@link dev.appl.runtime.kernel.Kernel#frameLength} of a stream port's framing: a length
     * prefix by {@link Framing#prefixed}; a framing header, once its bytes have arrived, by running
     * its size function over them and checking the size with {@link Framing#sized}; a scanner
     * ({@code framed by}) by running it over every byte so far, checked with {@link Framing#scanned}.
     */
    public int frameLength(int port, int phase, MemorySegment buffer, long offset, int available) {
        IrAppliance.Framing framing = port >= 0 && port < ir.ports.size() ? ir.ports.get(port).framing(phase) : null;
        if (framing == null) {
            return Kernel.MALFORMED;
        }
        if (framing.size() == null) {
            return Framing.prefixed(buffer, offset, available, framing.prefixBytes(), framing.maxBytes());
        }
        if (available < framing.headerBytes() || available == 0) {
            return Kernel.NEED_MORE;
        }
        IrFunction size = framing.size();
        int measured = framing.scanned() ? available : framing.headerBytes();
        Frame frame = new Frame(size, new Packet(buffer.asSlice(offset, measured).toArray(ValueLayout.JAVA_BYTE)), port);
        try {
            block(size.body(), frame);
        } catch (Malformed e) {
            return Kernel.MALFORMED;
        }
        if (framing.scanned()) {
            return Framing.scanned((Long) frame.returned, framing.maxBytes());
        }
        return Framing.sized((Long) frame.returned, Values.signed(size.result()), framing.headerBytes(), framing.maxBytes());
    }

    /** Runs the handler of timer {@code timer}. */
    public void tick(int timer) {
        for (IrAppliance.Handler h : ir.handlers) {
            if (h.event().equals("timer") && h.source() == timer) {
                Frame frame = new Frame(h.function(), null, -1);
                try {
                    block(h.function().body(), frame);
                } catch (Malformed e) {
                    // A timer handler has no packet; only an out-of-range index gets here, and it
                    // ends the handler, as it would end a packet's.
                }
            }
        }
    }

    /** Evaluates an expression of a test: over the appliance's state and the test's own locals. */
    public Object evaluate(IrExpr e, Object[] locals) {
        return eval(e, new Frame(locals, null, -1), locals);
    }

    /**
     * Evaluates an expression that reads no packet, local or state: a call in a const's value,
     * computed when the appliance is built. Null when it takes the malformed path (an index out
     * of an array's range).
     */
    public Object evaluateConstant(IrExpr e) {
        try {
            return evaluate(e, new Object[0]);
        } catch (Malformed m) {
            return null;
        }
    }

    // ---- Statements -----------------------------------------------------------------------------

    private Flow block(IrStmt.Block b, Frame f) {
        for (IrStmt s : b.statements()) {
            Flow flow = stmt(s, f);
            if (flow != Flow.NEXT) {
                return flow;
            }
        }
        return Flow.NEXT;
    }

    private Flow stmt(IrStmt s, Frame f) {
        switch (s) {
            case IrStmt.Assign a -> f.locals[a.target().slot()] = eval(a.value(), f);
            case IrStmt.AssignPart a -> f.locals[a.target().slot()] =
                    withPart(f.locals[a.target().slot()], a.path(), 0, eval(a.value(), f), f);
            case IrStmt.Store st when st.width() > 64 -> { // ip6: sixteen bytes, big-endian
                long at = offset(f, st.header()) + st.byteOffset();
                java.math.BigInteger v = (java.math.BigInteger) eval(st.value(), f);
                for (int i = 0; i < 16; i++) {
                    f.packet.writeBits(at + i, 0, 8, v.shiftRight(8 * (15 - i)).longValue() & 0xff);
                }
            }
            case IrStmt.Store st -> {
                long at = offset(f, st.header()) + st.byteOffset();
                long v = (Long) eval(st.value(), f);
                if (st.littleEndian()) {
                    f.packet.writeLittleEndian(at, st.width(), v);
                } else {
                    f.packet.writeBits(at, st.bitOffset(), st.width(), v);
                }
            }
            case IrStmt.If i -> {
                return block(truth(eval(i.condition(), f)) ? i.then() : i.orElse(), f);
            }
            case IrStmt.Switch sw -> {
                long v = (Long) eval(sw.subject(), f);
                for (IrStmt.Case c : sw.cases()) {
                    if (c.patterns().stream().anyMatch(p -> p.matches(v))) {
                        return block(c.body(), f);
                    }
                }
                return block(sw.otherwise(), f);
            }
            case IrStmt.Loop l -> {
                long from = (Long) eval(l.from(), f);
                long to = (Long) eval(l.to(), f);
                boolean signed = Values.signed(l.counter().type());
                long done = 0;
                for (long i = from; done < l.max() && (signed ? i < to : Long.compareUnsigned(i, to) < 0); i++, done++) {
                    f.locals[l.counter().slot()] = Values.wrap(i, l.counter().type());
                    Flow flow = block(l.body(), f);
                    if (flow == Flow.BREAK) {
                        break;
                    }
                    if (flow != Flow.NEXT && flow != Flow.CONTINUE) {
                        return flow;
                    }
                }
            }
            case IrStmt.Break b -> {
                return Flow.BREAK;
            }
            case IrStmt.Continue c -> {
                return Flow.CONTINUE;
            }
            case IrStmt.Return r -> {
                f.returned = r.value() == null ? null : eval(r.value(), f);
                return Flow.RETURN;
            }
            case IrStmt.Scoped sc -> {
                Flow flow = block(sc.body(), f);
                return flow == Flow.LEAVE ? Flow.NEXT : flow;
            }
            case IrStmt.Leave l -> {
                return Flow.LEAVE;
            }
            case IrStmt.Fate fate -> {
                f.outcome = switch (fate.kind()) {
                    case FORWARD -> new Outcome(Fate.FORWARD, fate.port(), f.packet.bytes());
                    case DROP -> new Outcome(Fate.DROP, -1, f.packet == null ? null : f.packet.bytes());
                    case MALFORMED -> throw new Malformed();
                    case REPLY -> {
                        if (fate.payload() != null) {
                            f.packet.replace(Values.bytesOf(eval(fate.payload(), f), fate.payload().type(), ir));
                        }
                        yield new Outcome(Fate.REPLY, f.inPort, f.packet.bytes());
                    }
                };
                return Flow.FATE;
            }
            case IrStmt.Require r -> {
                long end = (Long) eval(r.end(), f);
                if (end < 0 || end > f.packet.length()) {
                    throw new Malformed();
                }
            }
            case IrStmt.CounterAdd c -> counters[c.counter()] += (Long) eval(c.delta(), f);
            case IrStmt.ConnectionSet c -> f.connection[f.connectionBase + c.slot()] = (Long) eval(c.value(), f);
            case IrStmt.Eval e -> eval(e.expr(), f);
            case IrStmt.StoreGet g -> {
                Object key = eval(g.key(), f);
                MemorySegment found = switch (stores[g.store()]) {
                    case KvStore kv -> kv.get(MemorySegment.ofArray((byte[]) key));
                    case LogStore log -> StoreOps.read(log, (Long) key);
                    default -> throw new IllegalStateException("no lookup in store " + g.store());
                };
                if (found == null) {
                    return block(g.missing(), f);
                }
                f.locals[g.target().slot()] = found.toArray(ValueLayout.JAVA_BYTE);
            }
            case IrStmt.MapGet g -> {
                Object key = eval(g.key(), f);
                Map<Object, MapEntry> map = maps.get(g.map());
                MapEntry entry;
                synchronized (map) {
                    expire(g.map());
                    entry = map.get(key);
                    if (entry != null) {
                        map.put(key, new MapEntry(entry.value(), now));
                    }
                }
                if (entry == null) {
                    return block(g.missing(), f);
                }
                f.locals[g.target().slot()] = entry.value();
            }
            case IrStmt.Apply a -> {
                return apply(a, f);
            }
            case IrStmt.Insert ins -> {
                long at = (Long) eval(ins.at(), f);
                byte[] bytes = Values.bytesOf(eval(ins.header(), f), ins.header().type(), ir);
                f.packet.insert(at, bytes);
                for (IrLocal moved : ins.moved()) {
                    long o = (Long) f.locals[moved.slot()];
                    if (o >= at) {
                        f.locals[moved.slot()] = o + bytes.length;
                    }
                }
            }
            case IrStmt.Remove rm -> {
                long at = offset(f, rm.header());
                long length = (Long) eval(rm.length(), f);
                f.packet.remove(at, length);
                f.locals[rm.header().slot()] = -1L;
                for (IrLocal moved : rm.moved()) {
                    long o = (Long) f.locals[moved.slot()];
                    if (o > at) {
                        f.locals[moved.slot()] = o - length;
                    }
                }
            }
        }
        return Flow.NEXT;
    }

    private long offset(Frame f, IrLocal header) {
        long o = (Long) f.locals[header.slot()];
        if (o < 0) {
            throw new Malformed(); // the checker proves this cannot happen; stay safe if it did
        }
        return o;
    }

    private Flow apply(IrStmt.Apply a, Frame f) {
        IrAppliance.Table table = ir.tables.get(a.table());
        long[] keys = new long[a.keys().size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (Long) eval(a.keys().get(i), f);
        }
        int action = table.defaultAction();
        List<Object> data = table.defaultData();
        IrAppliance.Entry hit = table.constEntries() && !a.runtimeOnly() ? match(table.entries(), keys) : null;
        if (hit == null) {
            hit = match(loadedEntries.get(a.table()), keys);
        }
        if (hit != null) {
            action = hit.action();
            data = hit.data();
        }
        if (a.result() != null) {
            f.locals[a.result().slot()] = (long) action;
        }
        for (IrStmt.ActionCase c : a.actions()) {
            if (c.action() == action) {
                for (int i = 0; i < c.data().size(); i++) {
                    f.locals[c.data().get(i).slot()] = data.get(i);
                }
                return block(c.body(), f);
            }
        }
        return Flow.NEXT;
    }

    private static IrAppliance.Entry match(List<IrAppliance.Entry> entries, long[] keys) {
        for (IrAppliance.Entry e : entries) {
            boolean all = true;
            for (int i = 0; i < keys.length && all; i++) {
                all = e.patterns().get(i).matches(keys[i]);
            }
            if (all) {
                return e;
            }
        }
        return null;
    }

    private void expire(int map) {
        long idle = ir.maps.get(map).expireNanos();
        if (idle > 0) {
            maps.get(map).values().removeIf(e -> now - e.touched() >= idle);
        }
    }

    // ---- Expressions ----------------------------------------------------------------------------

    private Object eval(IrExpr e, Frame f) {
        return eval(e, f, f.locals);
    }

    private Object eval(IrExpr e, Frame f, Object[] locals) {
        return switch (e) {
            case IrExpr.Const c -> c.value();
            case IrExpr.Read r -> locals[r.local().slot()];
            case IrExpr.Load l -> {
                long at = offset(f, l.header()) + l.byteOffset();
                long v = l.littleEndian() ? f.packet.readLittleEndian(at, l.width())
                        : l.width() > 64 ? 0 : f.packet.readBits(at, l.bitOffset(), l.width());
                if (l.width() > 64) {
                    yield new BigInteger(1, f.packet.slice(at, l.width() / 8));
                }
                yield Values.signed(l.type()) ? Values.wrap(v, l.type()) : v;
            }
            case IrExpr.Slice s -> f.packet.slice((Long) eval(s.start(), f, locals), (Long) eval(s.length(), f, locals));
            case IrExpr.PacketLength p -> (long) f.packet.length();
            case IrExpr.Unary u -> {
                Object v = eval(u.operand(), f, locals);
                yield switch (u.op()) {
                    case NEG -> Values.wrap(-(Long) v, u.type());
                    case BIT_NOT -> v instanceof BigInteger b ? b.not().and(MASK128) : Values.wrap(~(Long) v, u.type());
                    case NOT -> (Long) v == 0 ? 1L : 0L;
                };
            }
            case IrExpr.Binary b -> binary(b, f, locals);
            case IrExpr.Convert c -> convert(eval(c.value(), f, locals), c.value().type(), c.type());
            case IrExpr.Call c -> call(c, f, locals);
            case IrExpr.Aggregate a -> {
                List<Object> parts = new ArrayList<>();
                for (IrExpr p : a.parts()) {
                    parts.add(eval(p, f, locals));
                }
                yield List.copyOf(parts);
            }
            case IrExpr.Element el -> ((List<?>) eval(el.aggregate(), f, locals)).get(el.index());
            case IrExpr.Index ix -> {
                Object target = eval(ix.target(), f, locals);
                long i = (Long) eval(ix.index(), f, locals);
                if (target instanceof byte[] bytes) {
                    if (i < 0 || i >= bytes.length) {
                        throw new Malformed();
                    }
                    yield (long) (bytes[(int) i] & 0xff);
                }
                List<?> list = (List<?>) target;
                if (i < 0 || i >= list.size()) {
                    throw new Malformed();
                }
                yield list.get((int) i);
            }
            case IrExpr.HeaderValue h -> {
                Type.Header type = (Type.Header) h.type();
                yield Values.headerValue(f.packet, offset(f, h.header()), (Long) eval(h.length(), f, locals),
                        Values.layout(ir, type.decl()));
            }
            case IrExpr.Stack s -> {
                List<byte[]> parts = new ArrayList<>();
                for (IrExpr p : s.parts()) {
                    parts.add(Values.bytesOf(eval(p, f, locals), p.type(), ir));
                }
                yield Values.concat(parts);
            }
            case IrExpr.CounterValue c -> counters[c.counter()];
            case IrExpr.ConnectionValue c -> f.connection[f.connectionBase + c.slot()];
            case IrExpr.MapOp m -> mapOp(m, f, locals);
            case IrExpr.StoreOp s -> storeOp(s, f, locals);
            case IrExpr.ParamValue p -> params[p.param()];
            case IrExpr.Length l -> (long) ((byte[]) eval(l.bytes(), f, locals)).length;
            case IrExpr.BytesSlice s -> {
                byte[] bytes = (byte[]) eval(s.bytes(), f, locals);
                long start = (Long) eval(s.start(), f, locals);
                long length = (Long) eval(s.length(), f, locals);
                if (start < 0 || length < 0 || start + length > bytes.length) {
                    throw new Malformed();
                }
                yield java.util.Arrays.copyOfRange(bytes, (int) start, (int) (start + length));
            }
            case IrExpr.Clock c -> now;
            case IrExpr.TableOp t -> tableOp(t, f, locals);
        };
    }

    private static final BigInteger MASK128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private Object binary(IrExpr.Binary b, Frame f, Object[] locals) {
        if (b.op() == BinaryOp.AND) {
            return truth(eval(b.left(), f, locals)) && truth(eval(b.right(), f, locals)) ? 1L : 0L;
        }
        if (b.op() == BinaryOp.OR) {
            return truth(eval(b.left(), f, locals)) || truth(eval(b.right(), f, locals)) ? 1L : 0L;
        }
        Object l = eval(b.left(), f, locals);
        Object r = eval(b.right(), f, locals);
        if (!(l instanceof Long) || !(r instanceof Long)) {
            // ip6 values, aggregates and bytes compare by value.
            boolean equal = Values.same(l, r);
            return switch (b.op()) {
                case EQ -> Values.bool(equal);
                case NE -> Values.bool(!equal);
                case BIT_AND -> ((BigInteger) l).and((BigInteger) r);
                case BIT_OR -> ((BigInteger) l).or((BigInteger) r);
                case BIT_XOR -> ((BigInteger) l).xor((BigInteger) r);
                case LT, LE, GT, GE -> {
                    int c = ((BigInteger) l).compareTo((BigInteger) r);
                    yield Values.bool(switch (b.op()) {
                        case LT -> c < 0;
                        case LE -> c <= 0;
                        case GT -> c > 0;
                        default -> c >= 0;
                    });
                }
                default -> throw new IllegalStateException(b.op() + " on " + l.getClass().getSimpleName());
            };
        }
        return Arithmetic.binary(b.op(), (Long) l, (Long) r, Arithmetic.operandType(b.left(), b.right()), b.type());
    }

    private static Object convert(Object v, Type from, Type to) {
        if (v instanceof BigInteger big) {
            return to instanceof Type.Address a && a.bits() == 128 ? big : Values.wrap(big.longValue(), to);
        }
        long x = (Long) v;
        return Values.wrap(x, to);
    }

    private Object call(IrExpr.Call c, Frame caller, Object[] locals) {
        IrFunction fn = c.function();
        Frame frame = new Frame(fn, caller.packet, caller.inPort);
        for (int i = 0; i < c.args().size(); i++) {
            frame.locals[fn.params().get(i).slot()] = eval(c.args().get(i), caller, locals);
        }
        block(fn.body(), frame);
        return frame.returned;
    }

    private Object mapOp(IrExpr.MapOp m, Frame f, Object[] locals) {
        Map<Object, MapEntry> map = maps.get(m.map());
        IrAppliance.MapState spec = ir.maps.get(m.map());
        List<Object> args = new ArrayList<>();
        for (IrExpr a : m.args()) {
            args.add(eval(a, f, locals));
        }
        synchronized (map) {
            expire(m.map());
            return mapOp(m.op(), map, spec, args);
        }
    }

    private Object mapOp(String op, Map<Object, MapEntry> map, IrAppliance.MapState spec, List<Object> args) {
        return switch (op) {
            case "contains" -> Values.bool(map.containsKey(args.getFirst()));
            case "remove" -> Values.bool(map.remove(args.getFirst()) != null);
            case "size" -> (long) map.size();
            case "put" -> {
                Object key = args.get(0);
                if (!map.containsKey(key) && map.size() >= spec.capacity()) {
                    if (!spec.lru()) {
                        yield 0L;
                    }
                    Object eldest = map.keySet().iterator().next();
                    map.remove(eldest);
                }
                map.put(key, new MapEntry(args.get(1), now));
                yield 1L;
            }
            default -> throw new IllegalStateException("map method " + op);
        };
    }

    /** A store operation, through the runtime's {@link StoreOps} as compiled kernels call them. */
    private Object storeOp(IrExpr.StoreOp s, Frame f, Object[] locals) {
        List<Object> args = new ArrayList<>();
        for (IrExpr a : s.args()) {
            args.add(eval(a, f, locals));
        }
        try {
            return switch (stores[s.store()]) {
                case BlockStore b -> switch (s.op()) {
                    case "read" -> StoreOps.read(b, (Long) args.get(0), (Long) args.get(1)).toArray(ValueLayout.JAVA_BYTE);
                    case "write" -> {
                        StoreOps.write(b, (Long) args.get(0), MemorySegment.ofArray((byte[]) args.get(1)));
                        yield null;
                    }
                    case "zero" -> {
                        StoreOps.zero(b, (Long) args.get(0), (Long) args.get(1));
                        yield null;
                    }
                    case "trim" -> {
                        StoreOps.trim(b, (Long) args.get(0), (Long) args.get(1));
                        yield null;
                    }
                    case "flush" -> {
                        if (args.isEmpty()) {
                            b.flush();
                        } else {
                            StoreOps.flush(b, (Long) args.get(0), (Long) args.get(1));
                        }
                        yield null;
                    }
                    case "size" -> b.size();
                    default -> throw new IllegalStateException("blocks method " + s.op());
                };
                case LogStore log -> switch (s.op()) {
                    case "append" -> StoreOps.append(log, MemorySegment.ofArray((byte[]) args.get(0)));
                    case "next" -> StoreOps.next(log, (Long) args.get(0));
                    case "flush" -> {
                        log.flush();
                        yield null;
                    }
                    case "size" -> log.end();
                    default -> throw new IllegalStateException("log method " + s.op());
                };
                case KvStore kv -> switch (s.op()) {
                    case "put" -> {
                        if (args.size() == 3) {
                            StoreOps.put(kv, MemorySegment.ofArray((byte[]) args.get(0)), MemorySegment.ofArray((byte[]) args.get(1)),
                                    MemorySegment.ofArray((byte[]) args.get(2)));
                        } else {
                            StoreOps.put(kv, MemorySegment.ofArray((byte[]) args.get(0)), MemorySegment.ofArray((byte[]) args.get(1)));
                        }
                        yield null;
                    }
                    case "remove" -> Values.bool(kv.remove(MemorySegment.ofArray((byte[]) args.get(0))));
                    case "contains" -> Values.bool(kv.contains(MemorySegment.ofArray((byte[]) args.get(0))));
                    case "flush" -> {
                        kv.flush();
                        yield null;
                    }
                    case "size" -> kv.size();
                    case "clear" -> {
                        kv.clear();
                        yield null;
                    }
                    default -> throw new IllegalStateException("kv method " + s.op());
                };
                default -> throw new IllegalStateException("store " + s.store() + " is not open");
            };
        } catch (MalformedPacket e) {
            throw new Malformed();
        }
    }

    private Object tableOp(IrExpr.TableOp t, Frame f, Object[] locals) {
        IrAppliance.Table table = ir.tables.get(t.table());
        List<Object> args = new ArrayList<>();
        for (IrExpr a : t.args()) {
            args.add(eval(a, f, locals));
        }
        int keys = table.keys().size();
        List<IrAppliance.Entry> entries = loadedEntries.get(t.table());
        List<IrPattern> patterns = new ArrayList<>();
        for (int i = 0; i < keys && i < args.size(); i++) {
            patterns.add(written(t.args().get(i).type(), (Long) args.get(i)));
        }
        switch (t.op()) {
            case "clear" -> entries.clear();
            case "remove" -> entries.removeIf(e -> e.patterns().equals(patterns));
            case "insert" -> {
                entries.removeIf(e -> e.patterns().equals(patterns));
                if (entries.size() < table.size()) {
                    int action = ((Long) args.get(keys)).intValue();
                    entries.add(new IrAppliance.Entry(patterns, action, List.copyOf(args.subList(keys + 1, args.size()))));
                }
            }
            default -> throw new IllegalStateException("table method " + t.op());
        }
        return 0L;
    }

    /**
     * The pattern a table write's key stands for: an ip4 prefix (its address with its length in
     * bits 32 to 39, as lowered) the addresses under it, a /32 one address, a /0 every address;
     * any other value itself.
     */
    static IrPattern written(Type type, long value) {
        if (!(type instanceof Type.Prefix)) {
            return new IrPattern.Exact(value);
        }
        int length = (int) (value >>> 32);
        long address = value & 0xFFFFFFFFL;
        if (length >= 32) {
            return new IrPattern.Exact(address);
        }
        if (length == 0) {
            return new IrPattern.Any();
        }
        long mask = (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
        return new IrPattern.Masked(address & mask, mask);
    }

    private static boolean truth(Object v) {
        return (Long) v != 0;
    }

    /** A copy of an aggregate (or bytes) with one part replaced. */
    private Object withPart(Object aggregate, List<IrExpr> path, int depth, Object value, Frame f) {
        if (depth == path.size()) {
            return value;
        }
        int i = ((Long) eval(path.get(depth), f)).intValue();
        List<Object> copy = new ArrayList<>((List<?>) aggregate);
        if (i < 0 || i >= copy.size()) {
            throw new Malformed();
        }
        copy.set(i, withPart(copy.get(i), path, depth + 1, value, f));
        return List.copyOf(copy);
    }
}
