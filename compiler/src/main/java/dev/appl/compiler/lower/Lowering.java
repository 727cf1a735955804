package dev.appl.compiler.lower;

import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.ir.IrFunction;
import dev.appl.compiler.ir.IrLocal;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.ir.IrStmt;
import dev.appl.compiler.ir.IrTest;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Pattern;
import dev.appl.language.ast.Stmt;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.types.BuiltinTypes;
import dev.appl.language.types.ConstEval;
import dev.appl.language.types.HeaderLayout;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import dev.appl.runtime.kernel.Kernel;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowers a checked appliance to the IR. Parsers are expanded in place where they are applied, so
 * a parsed value becomes one offset local per header; tables and actions are expanded where they
 * are applied, with the action's bound parameters standing for the caller's values; functions
 * stay functions unless they take a parsed value. Build-time params become constants.
 */
public final class Lowering {
    private static final Type U64 = BuiltinTypes.u(64);
    private static final Type U32 = BuiltinTypes.u(32);
    private static final Type OFFSET = new Type.Int(64, true);
    /** The largest UDP payload: 65,535 bytes of UDP length, less its header and an IPv6 header. */
    public static final long DATAGRAM_MAX = 65_535 - 8 - 40;
    /** The largest packet an append may make. */
    public static final long PACKET_MAX = 65_535;

    /** A parsed value: where each extracted header starts (-1 if absent) and how long it is. */
    private record Parsed(Decl.Parser parser, Map<String, IrLocal> offsets, Map<String, IrLocal> lengths,
            IrLocal end) {}

    /** A header name inside a parser: the header at an offset local. */
    private record HeaderAt(IrLocal offset, Type.Header type) {}

    private final Semantics sem;
    private final ConstEval consts;
    private final Decl.Appliance appliance;
    private final IrAppliance ir;
    private final Map<Decl, Integer> index = new IdentityHashMap<>();
    /** The slot of each session variable in its connection's state. */
    private final Map<Decl.SessionVar, Integer> sessionSlots = new IdentityHashMap<>();
    private final Map<Decl.Fn, IrFunction> functions = new IdentityHashMap<>();

    // The function being lowered: its bindings and the blocks being filled.
    private IrFunction fn;
    private final Map<Symbol.Local, Object> bindings = new IdentityHashMap<>();
    private final Deque<List<IrStmt>> blocks = new ArrayDeque<>();
    /** Where a `return` of inlined code stores its value; null while lowering a real function. */
    private final Deque<IrLocal> inlineResults = new ArrayDeque<>();
    private int inlineDepth;
    /** The port of the handler being lowered, or -1. */
    private int handlerPort = -1;
    /** The {@code end} locals of the parsers expanded in the function being lowered. */
    private final List<IrLocal> parsedEnds = new ArrayList<>();
    /** Whether the function being lowered truncates its buffer. */
    private boolean truncates;

    /** The values of calls in const values, computed at build time, by call. */
    private final Map<Expr.Call, Object> buildTimeValues = new IdentityHashMap<>();

    private Lowering(Decl.Appliance appliance, Semantics semantics) {
        this.sem = semantics;
        this.consts = new ConstEval(semantics);
        this.appliance = appliance;
        this.ir = appliance == null ? new IrAppliance("consts") : new IrAppliance(appliance.name().text(), appliance.span());
    }

    /**
     * The value of a const as the compiler computes it, in the interpreter's representation (a
     * {@code Long}, a {@code List} for an array or struct...): what {@code applc} folds into the
     * code, calls of functions included.
     *
     * @throws Unsupported when computing it fails
     */
    public static Object constValue(Decl.Const c, Semantics semantics) {
        Lowering l = new Lowering(null, semantics);
        return l.evaluate(l.constExpr(c.value(), semantics.typeOf(c)), c.value().span());
    }

    /** @throws Unsupported for a construct the compiler cannot compile yet */
    public static IrAppliance lower(Decl.Appliance appliance, Semantics semantics) {
        return new Lowering(appliance, semantics).run();
    }

    private IrAppliance run() {
        ir.layouts.putAll(sem.layouts());
        for (Decl m : appliance.members()) {
            switch (m) {
                case Decl.Port p -> {
                    index.put(p, ir.ports.size());
                    Decl.Session session = sessionOf(p);
                    List<String> phases = new ArrayList<>();
                    List<IrAppliance.SessionVar> vars = new ArrayList<>();
                    if (session != null) {
                        session.phases().forEach(ph -> phases.add(ph.name().text()));
                        for (Decl.SessionVar v : session.vars()) {
                            sessionSlots.put(v, Kernel.SESSION + vars.size());
                            vars.add(new IrAppliance.SessionVar(v.name().text(), sem.typeOf(v), constant(v.value())));
                        }
                    }
                    // The framings are lowered below, once params have their indexes.
                    ir.ports.add(new IrAppliance.Port(p.name().text(), p.kind().text(),
                            p.binding() == null ? null : p.binding().value(), List.of(), phases, vars,
                            p.connections() == null ? IrAppliance.Port.DEFAULT_CONNECTIONS : longValue(p.connections()),
                            session != null));
                }
                case Decl.ParamDecl p -> {
                    index.put(p, ir.params.size());
                    ir.params.add(new IrAppliance.Param(p.name().text(), sem.typeOf(p),
                            p.defaultValue() == null ? null : constant(p.defaultValue()), p.buildTime()));
                }
                case Decl.Counter c -> {
                    index.put(c, ir.counters.size());
                    ir.counters.add(c.name().text());
                }
                case Decl.MapDecl map -> {
                    index.put(map, ir.maps.size());
                    ir.maps.add(new IrAppliance.MapState(map.name().text(), sem.typeOf(map.key()),
                            sem.typeOf(map.value()), longValue(map.capacity()),
                            map.expire() == null ? 0 : longValue(map.expire()), map.lru(), map.shared()));
                }
                case Decl.Timer t -> {
                    index.put(t, ir.timers.size());
                    ir.timers.add(new IrAppliance.Timer(t.name().text(), longValue(t.every())));
                }
                default -> {}
            }
        }
        for (Decl m : appliance.members()) {
            if (m instanceof Decl.Port p) {
                List<IrAppliance.Framing> framings = new ArrayList<>();
                Decl.Session session = sessionOf(p);
                if (session != null) {
                    for (Decl.Phase phase : session.phases()) {
                        framings.add(framing(phase.framing(), p.name().text() + "_" + phase.name().text(), maxOf(p)));
                    }
                } else if (p.framing() != null) {
                    framings.add(framing(p.framing(), p.name().text(), maxOf(p)));
                }
                int i = index.get(p);
                ir.ports.set(i, ir.ports.get(i).withFramings(framings));
            }
        }
        for (Decl m : appliance.members()) {
            if (m instanceof Decl.Store s) {
                index.put(s, ir.stores.size());
                ir.stores.add(store(s));
            }
        }
        for (Decl m : appliance.members()) {
            if (m instanceof Decl.Table t) {
                index.put(t, ir.tables.size());
                ir.tables.add(table(t));
            }
        }
        for (Decl m : appliance.members()) {
            if (m instanceof Decl.Handler h) {
                handler(h);
            }
        }
        for (Decl m : appliance.members()) {
            if (m instanceof Decl.Test t) {
                test(t);
            }
        }
        return ir;
    }

    // ---- State ----------------------------------------------------------------------------------

    /** A store's settings, in the order of {@link IrAppliance#SETTINGS}: constants, or params read at start. */
    private IrAppliance.StoreState store(Decl.Store s) {
        List<IrExpr> settings = new ArrayList<>();
        for (String name : IrAppliance.SETTINGS.get(s.kind().text())) {
            Expr value = s.args().stream().filter(a -> a.name().text().equals(name)).findFirst().orElseThrow().value();
            Type type = name.equals("file") ? new Type.Text("path") : Type.SIZE;
            if (sem.referenceOf(value) instanceof Symbol.DeclSymbol(Decl.ParamDecl p, var m)) {
                settings.add(new IrExpr.ParamValue(index.get(p), type));
            } else if (value instanceof Expr.StringLit || consts.value(value) != null) {
                settings.add(new IrExpr.Const(constant(value), type));
            } else {
                throw new Unsupported(value.span(), "a store's " + name + " is compiled when it is a constant or a param");
            }
        }
        return new IrAppliance.StoreState(s.name().text(), s.kind().text(), settings);
    }

    /** The session of port {@code p}, or null. */
    private Decl.Session sessionOf(Decl.Port p) {
        for (Decl m : appliance.members()) {
            if (m instanceof Decl.Session s && s.port().text().equals(p.name().text())) {
                return s;
            }
        }
        return null;
    }

    /** A stream port's {@code max}, -1 when it gives none. */
    private long maxOf(Decl.Port p) {
        return p.max() == null ? -1 : longValue(p.max());
    }

    /**
     * A framing: a length prefix; a header whose size (the {@code size} expression, or the header's
     * own length) a size function {@code frame_NAME} computes; or a {@code framed by} scanner.
     */
    private IrAppliance.Framing framing(Decl.Framing f, String name, long max) {
        if (f.by() != null) {
            return frameScan(f, name, max);
        }
        if (sem.typeOf(f.type()) instanceof Type.Header h) {
            return frameSize(f, h, name, max);
        }
        return IrAppliance.Framing.lengthPrefix(sem.typeOf(f.type()).bits() / 8, max);
    }

    /**
     * A framing header's {@code size} as a function over the frame's first bytes, where the header
     * is at offset 0: each field the expression names is loaded into a local of the field's type,
     * so that the expression is lowered (and its arithmetic typed) as the checker typed it. Without
     * {@code size}, the function returns the header's length: frames of a fixed size.
     */
    private IrAppliance.Framing frameSize(Decl.Framing f, Type.Header h, String name, long max) {
        HeaderLayout layout = sem.layoutOf(h.decl());
        if (f.size() == null) {
            start(new IrFunction("frame_" + name, IrFunction.Kind.FRAMING, U32, f.span()));
            fn.setBody(new IrStmt.Block(List.of(new IrStmt.Return(new IrExpr.Const((long) layout.fixedBytes(), U32)))));
            return IrAppliance.Framing.header(h.decl().name().text(), layout.fixedBytes(), fn, max);
        }
        start(new IrFunction("frame_" + name, IrFunction.Kind.FRAMING, sem.typeOf(f.size()), f.span()));
        blocks.push(new ArrayList<>());
        IrLocal header = fn.local(h.decl().name().text(), OFFSET);
        emit(new IrStmt.Assign(header, new IrExpr.Const(0L, OFFSET)));
        dev.appl.language.ast.Walk.expression(f.size(), x -> {
            if (x instanceof Expr.NameRef n && sem.referenceOf(n) instanceof Symbol.Local l && !bindings.containsKey(l)
                    && layout.field(l.name()) != null) {
                HeaderLayout.FieldLayout field = layout.field(l.name());
                IrLocal value = fn.local(l.name(), field.type());
                bindings.put(l, value);
                emit(new IrStmt.Assign(value, load(header, field)));
            }
        });
        emit(new IrStmt.Return(expr(f.size())));
        fn.setBody(new IrStmt.Block(blocks.pop()));
        return IrAppliance.Framing.header(h.decl().name().text(), layout.fixedBytes(), fn, max);
    }

    /**
     * A {@code framed by} scanner: a function over the bytes that have arrived (the frame
     * function's packet) that returns what the spec's function says of them.
     */
    private IrAppliance.Framing frameScan(Decl.Framing f, String name, long max) {
        Decl.Fn scanner = (Decl.Fn) ((Symbol.DeclSymbol) sem.referenceOf(f.by())).decl();
        start(new IrFunction("frame_" + name, IrFunction.Kind.FRAMING, U32, f.span()));
        IrExpr arrived = new IrExpr.Slice(new IrExpr.Const(0L, OFFSET), new IrExpr.PacketLength(OFFSET));
        fn.setBody(new IrStmt.Block(List.of(new IrStmt.Return(new IrExpr.Call(function(scanner), List.of(arrived), U32)))));
        return IrAppliance.Framing.scanned(fn, max);
    }

    private IrAppliance.Table table(Decl.Table t) {
        List<IrAppliance.Key> keys = new ArrayList<>();
        for (Decl.TableKey k : t.keys()) {
            Type kt = sem.typeOf(k.expr());
            if (kt.bits() > 64 || kt.bits() == 0) {
                throw new Unsupported(k.span(), "a table key of type `" + kt.display() + "` cannot be compiled yet");
            }
            keys.add(new IrAppliance.Key(k.matchKind().text(), kt));
        }
        List<IrAppliance.TableAction> actions = new ArrayList<>();
        Map<String, Integer> actionIndex = new HashMap<>();
        for (var name : t.actions()) {
            Decl.Action a = action(name);
            actionIndex.put(name.text(), actions.size());
            actions.add(new IrAppliance.TableAction(name.text(),
                    dev.appl.language.types.TypeChecker.actionData(t, a).stream().map(p -> sem.typeOf(p.type())).toList()));
        }
        List<IrAppliance.Entry> entries = new ArrayList<>();
        for (Decl.TableEntry e : t.entries()) {
            List<IrPattern> patterns = new ArrayList<>();
            for (int i = 0; i < e.patterns().size(); i++) {
                patterns.add(pattern(e.patterns().get(i), keys.get(i).type()));
            }
            entries.add(new IrAppliance.Entry(patterns, actionIndex.get(e.action().name().text()),
                    e.action().args().stream().map(this::constant).toList()));
        }
        String load = null;
        Expr file = t.load() instanceof Expr.Call c && !c.args().isEmpty() ? c.args().getFirst() : t.load();
        if (file != null && sem.referenceOf(file) instanceof Symbol.DeclSymbol ds) {
            load = ds.name();
        }
        return new IrAppliance.Table(t.name().text(), keys, actions,
                actionIndex.get(t.defaultAction().name().text()),
                t.defaultAction().args().stream().map(this::constant).toList(), entries, t.constEntries(),
                t.size() == null ? t.entries().size() : longValue(t.size()), load);
    }

    private Decl.Action action(dev.appl.language.ast.Name name) {
        if (sem.referenceOf(name) instanceof Symbol.DeclSymbol(Decl.Action a, var m)) {
            return a;
        }
        throw new IllegalStateException("unresolved action " + name + " in a checked spec");
    }

    // ---- Handlers and tests ---------------------------------------------------------------------

    private void handler(Decl.Handler h) {
        String event = h.event().text();
        int source = index.get(((Symbol.DeclSymbol) sem.referenceOf(h.source())).decl());
        int phase = h.phase() == null ? -1 : ir.ports.get(source).phases().indexOf(h.phase().text());
        start(new IrFunction(event + "_" + h.source().text() + (h.phase() == null ? "" : "_" + h.phase().text()),
                IrFunction.Kind.HANDLER, Type.VOID, h.span()));
        ir.handlers.add(new IrAppliance.Handler(event, source, phase, fn));
        handlerPort = event.equals("timer") ? -1 : source;
        if (event.equals("connect")) {
            ir.ports.set(source, ir.ports.get(source).withStateful());
        }
        List<IrStmt> body = block(h.body());
        if (truncates && !parsedEnds.isEmpty()) {
            // A truncation compares every parse's end, also of parses on paths not taken.
            List<IrStmt> ends = new ArrayList<>();
            parsedEnds.forEach(end -> ends.add(new IrStmt.Assign(end, new IrExpr.Const(0L, OFFSET))));
            ends.addAll(body);
            body = ends;
        }
        // A packet or datagram handler that ends without deciding drops the packet; a message or
        // connection handler that does has handled its message (Kernel.HANDLED, no fate here).
        if (!event.equals("timer") && !ir.handlers.getLast().answersMessages()
                && (body.isEmpty() || !(body.getLast() instanceof IrStmt.Fate))) {
            body = new ArrayList<>(body);
            body.add(new IrStmt.Fate(IrStmt.Fate.Kind.DROP, -1, null));
        }
        fn.setBody(new IrStmt.Block(body));
    }

    private void start(IrFunction function) {
        fn = function;
        bindings.clear();
        blocks.clear();
        inlineResults.clear();
        inlineDepth = 0;
        parsedEnds.clear();
        truncates = false;
    }

    private void test(Decl.Test t) {
        start(new IrFunction("test", IrFunction.Kind.TEST, Type.VOID, t.span()));
        List<IrTest.Step> steps = new ArrayList<>();
        int lastPort = -1; // of the last send or connect, as the checker found it
        for (Decl.TestStmt s : t.statements()) {
            blocks.push(new ArrayList<>());
            IrTest.Step step = switch (s) {
                case Decl.Send send -> new IrTest.Send(lastPort = portIndex(send.port()), expr(send.packet()));
                case Decl.ExpectDrop d -> new IrTest.ExpectDrop();
                case Decl.Connect c -> new IrTest.Connect(lastPort = portIndex(c.port()));
                case Decl.ExpectClose c when sem.readsValue(c) -> new IrTest.ExpectTrue(expr(c.value()),
                        c.value().span().text());
                case Decl.ExpectClose c -> new IrTest.ExpectClose();
                case Decl.ExpectPhase p when sem.comparesValue(p) -> new IrTest.ExpectTrue(expr(p.comparison()),
                        p.comparison().span().text());
                case Decl.ExpectPhase p -> new IrTest.ExpectPhase(lastPort,
                        ir.ports.get(lastPort).phases().indexOf(p.phase().text()));
                case Decl.ExpectForward f -> new IrTest.ExpectForward(portIndex(f.port()),
                        f.packet() == null ? null : expr(f.packet()));
                case Decl.ExpectReply r -> new IrTest.ExpectReply(r.packet() == null ? null : expr(r.packet()));
                case Decl.ExpectState e -> new IrTest.ExpectTrue(expr(e.condition()), e.condition().span().text());
                case Decl.TestLet l -> {
                    IrLocal local = fn.local(l.name().text(), sem.typeOf(l.value()));
                    bind(l.name(), local);
                    yield new IrTest.Let(local, expr(l.value()));
                }
            };
            if (!blocks.pop().isEmpty()) {
                throw new Unsupported(s.span(), "this test statement needs a table or parser, which tests cannot apply");
            }
            steps.add(step);
        }
        ir.tests.add(new IrTest(t.title().value(), fn, steps));
    }

    private int portIndex(dev.appl.language.ast.Name port) {
        return index.get(((Symbol.DeclSymbol) sem.referenceOf(port)).decl());
    }

    // ---- Statements -----------------------------------------------------------------------------

    private List<IrStmt> block(Stmt.Block b) {
        blocks.push(new ArrayList<>());
        for (Stmt s : b.statements()) {
            statement(s);
        }
        return blocks.pop();
    }

    private IrStmt.Block irBlock(Stmt.Block b) {
        return new IrStmt.Block(block(b));
    }

    private void emit(IrStmt s) {
        blocks.peek().add(s);
    }

    private void statement(Stmt s) {
        switch (s) {
            case Stmt.Let l -> let(l);
            case Stmt.If i -> {
                IrExpr c = expr(i.condition());
                emit(new IrStmt.If(c, irBlock(i.then()),
                        i.orElse() == null ? new IrStmt.Block(List.of()) : irBlock(i.orElse())));
            }
            case Stmt.Match m -> match(m);
            case Stmt.For f -> {
                IrExpr from = expr(f.from());
                IrExpr to = expr(f.to());
                // Without `max`, the end is constant (the checker sees to that); a start that is not
                // constant is bounded by it too.
                long max = f.max() != null ? longValue(f.max()) : consts.value(f.from()) != null
                        ? longValue(f.to()) - longValue(f.from()) : longValue(f.to());
                IrLocal counter = fn.local(f.variable().text(), sem.typeOf(f.from()) instanceof Type.Int t ? t
                        : sem.typeOf(f.to()) instanceof Type.Int t2 ? t2 : U32);
                bind(f.variable(), counter);
                emit(new IrStmt.Loop(counter, from, to, Math.max(0, max), irBlock(f.body())));
            }
            case Stmt.Break b -> emit(new IrStmt.Break());
            case Stmt.Continue c -> emit(new IrStmt.Continue());
            case Stmt.Return r -> {
                IrExpr value = r.value() == null ? null : expr(r.value());
                if (inlineDepth > 0) {
                    IrLocal result = inlineResults.peek();
                    if (value != null && result != null) {
                        emit(new IrStmt.Assign(result, value));
                    }
                    emit(new IrStmt.Leave());
                } else {
                    emit(new IrStmt.Return(value));
                }
            }
            case Stmt.Forward f -> emit(new IrStmt.Fate(IrStmt.Fate.Kind.FORWARD, portIndex(f.port()), null));
            case Stmt.Reply r -> emit(new IrStmt.Fate(IrStmt.Fate.Kind.REPLY, -1,
                    r.value() == null ? null : expr(r.value())));
            case Stmt.Drop d -> emit(new IrStmt.Fate(IrStmt.Fate.Kind.DROP, -1, null));
            case Stmt.Enter e -> emit(new IrStmt.ConnectionSet(Kernel.PHASE, new IrExpr.Const(
                    (long) ir.ports.get(handlerPort).phases().indexOf(e.phase().text()), U32)));
            case Stmt.Close c -> {
                ir.ports.set(handlerPort, ir.ports.get(handlerPort).withStateful());
                emit(new IrStmt.ConnectionSet(Kernel.CLOSE, new IrExpr.Const(1L, Type.BOOL)));
            }
            case Stmt.Push p -> push(p);
            case Stmt.Pop p -> {
                Parsed parsed = parsedOf(((Expr.Field) p.header()).target());
                String name = ((Expr.Field) p.header()).field().text();
                emit(new IrStmt.Remove(parsed.offsets().get(name), new IrExpr.Read(parsed.lengths().get(name)),
                        movable(parsed)));
            }
            case Stmt.Assign a -> assign(a);
            case Stmt.ExprStmt e -> {
                IrExpr value = expr(e.expr());
                if (!(value instanceof IrExpr.Read) && !(value instanceof IrExpr.Const)) {
                    emit(new IrStmt.Eval(value));
                }
            }
        }
    }

    private void let(Stmt.Let l) {
        if (l.orElse() != null) {
            Expr.Call call = (Expr.Call) l.value();
            Expr.Field method = (Expr.Field) call.callee();
            Decl owner = ((Symbol.DeclSymbol) sem.referenceOf(method.target())).decl();
            if (owner instanceof Decl.Store store) { // kv.get, log.read
                IrLocal target = fn.local(l.name().text(), Type.BYTES);
                IrExpr key = expr(call.args().getFirst());
                emit(new IrStmt.StoreGet(index.get(store), key, target, irBlock(l.orElse())));
                bind(l.name(), target);
                return;
            }
            Decl.MapDecl map = (Decl.MapDecl) owner;
            IrLocal target = fn.local(l.name().text(), sem.typeOf(map.value()));
            IrExpr key = expr(call.args().getFirst());
            emit(new IrStmt.MapGet(index.get(map), key, target, irBlock(l.orElse())));
            bind(l.name(), target);
            return;
        }
        if (sem.typeOf(l.value()) instanceof Type.Parsed) {
            bindings.put(local(l.name()), parsedOf(l.value()));
            return;
        }
        IrExpr value = expr(l.value());
        IrLocal target = fn.local(l.name().text(), sem.typeOf(l.value()) instanceof Type.UntypedInt
                ? U64 : l.type() != null ? sem.typeOf(l.type()) : sem.typeOf(l.value()));
        emit(new IrStmt.Assign(target, value));
        bind(l.name(), target);
    }

    private void match(Stmt.Match m) {
        Type subjectType = sem.typeOf(m.subject());
        IrExpr subject = expr(m.subject());
        List<IrStmt.Case> cases = new ArrayList<>();
        IrStmt.Block otherwise = new IrStmt.Block(List.of());
        for (Stmt.MatchArm arm : m.arms()) {
            if (arm.patterns().stream().anyMatch(Pattern.Wildcard.class::isInstance)) {
                otherwise = irBlock(arm.body());
                break; // later arms are unreachable (the checker warns)
            }
            List<IrPattern> patterns = arm.patterns().stream().map(p -> pattern(p, subjectType)).toList();
            cases.add(new IrStmt.Case(patterns, irBlock(arm.body())));
        }
        emit(new IrStmt.Switch(subject, cases, otherwise));
    }

    private void push(Stmt.Push p) {
        Expr.Field anchor = (Expr.Field) p.anchor();
        Parsed parsed = parsedOf(anchor.target());
        String name = anchor.field().text();
        IrLocal offset = parsed.offsets().get(name);
        IrExpr at = p.after()
                ? new IrExpr.Binary(Expr.BinaryOp.ADD, new IrExpr.Read(offset),
                        new IrExpr.Read(parsed.lengths().get(name)), OFFSET)
                : new IrExpr.Read(offset);
        emit(new IrStmt.Insert(at, expr(p.header()), movable(parsed)));
    }

    /** The offset locals that move when bytes are inserted or removed before them. */
    private static List<IrLocal> movable(Parsed parsed) {
        List<IrLocal> out = new ArrayList<>(parsed.offsets().values());
        out.add(parsed.end());
        return out;
    }

    private void assign(Stmt.Assign a) {
        IrExpr given = expr(a.value());
        IrExpr value = given;
        Expr target = a.target();
        if (a.op() != Stmt.AssignOp.SET) {
            IrExpr current = expr(target);
            value = new IrExpr.Binary(a.op().binary, current, given, sem.typeOf(target));
        }
        switch (target) {
            case Expr.NameRef n when sem.referenceOf(n) instanceof Symbol.DeclSymbol(Decl.Counter c, var m) -> {
                int counter = index.get(c);
                IrExpr delta = a.op() == Stmt.AssignOp.ADD ? given
                        : new IrExpr.Binary(Expr.BinaryOp.SUB, value, new IrExpr.CounterValue(counter, U64), U64);
                emit(new IrStmt.CounterAdd(counter, delta));
            }
            case Expr.NameRef n when sem.referenceOf(n) instanceof Symbol.DeclSymbol(Decl.SessionVar v, var m) ->
                    emit(new IrStmt.ConnectionSet(sessionSlots.get(v), value));
            case Expr.NameRef n -> emit(new IrStmt.Assign((IrLocal) bindings.get(local(n)), value));
            case Expr.Field f when sem.typeOf(f.target()) instanceof Type.Header h && headerOffset(f.target()) != null -> {
                HeaderLayout.FieldLayout field = sem.layoutOf(h.decl()).field(f.field().text());
                emit(new IrStmt.Store(headerOffset(f.target()), field.byteOffset(), field.bitOffset() % 8,
                        field.bitWidth(), field.littleEndian(), value));
            }
            default -> {
                List<IrExpr> path = new ArrayList<>();
                Expr base = target;
                while (base instanceof Expr.Field || base instanceof Expr.Index) {
                    if (base instanceof Expr.Field f) {
                        path.addFirst(new IrExpr.Const((long) fieldIndex(sem.typeOf(f.target()), f.field().text()), U32));
                        base = f.target();
                    } else {
                        Expr.Index i = (Expr.Index) base;
                        path.addFirst(expr(i.index()));
                        base = i.target();
                    }
                }
                emit(new IrStmt.AssignPart((IrLocal) bindings.get(local((Expr.NameRef) base)), path, value));
            }
        }
    }

    // ---- Parsers --------------------------------------------------------------------------------

    /** The parsed value an expression denotes, expanding the parser here if it is applied. */
    private Parsed parsedOf(Expr e) {
        if (e instanceof Expr.NameRef n && bindings.get(local(n)) instanceof Parsed p) {
            return p;
        }
        Expr.Call call = (Expr.Call) e;
        Decl.Parser parser = ((Type.Parsed) sem.typeOf(e)).decl();
        Map<String, IrLocal> offsets = new LinkedHashMap<>();
        Map<String, IrLocal> lengths = new LinkedHashMap<>();
        var graph = sem.graphOf(parser);
        for (Decl.ParserState s : graph.states().values()) {
            for (Decl.Extract x : s.extracts()) {
                if (!offsets.containsKey(x.name().text())) {
                    IrLocal off = fn.local(x.name().text(), OFFSET);
                    offsets.put(x.name().text(), off);
                    lengths.put(x.name().text(), fn.local(x.name().text() + "_len", OFFSET));
                    emit(new IrStmt.Assign(off, new IrExpr.Const(-1L, OFFSET)));
                }
            }
        }
        IrLocal end = fn.local("end", OFFSET);
        parsedEnds.add(end);
        emit(new IrStmt.Assign(end, new IrExpr.Const(0L, OFFSET)));
        Parsed parsed = new Parsed(parser, offsets, lengths, end);
        state(parsed, graph.states().get("start"), graph);
        return parsed;
    }

    /** Expands one parser state and, through its transition, the states it leads to. */
    private void state(Parsed parsed, Decl.ParserState s, dev.appl.language.types.ParserGraph graph) {
        for (Decl.Extract x : s.extracts()) {
            Type.Header h = (Type.Header) sem.typeOf(x.type());
            HeaderLayout layout = sem.layoutOf(h.decl());
            IrLocal off = parsed.offsets().get(x.name().text());
            IrLocal len = parsed.lengths().get(x.name().text());
            IrExpr cursor = new IrExpr.Read(parsed.end());
            emit(new IrStmt.Require(add(cursor, layout.fixedBytes())));
            emit(new IrStmt.Assign(off, cursor));
            HeaderLayout.FieldLayout trailing = layout.fields().isEmpty() ? null : layout.fields().getLast();
            IrExpr length = new IrExpr.Const((long) layout.fixedBytes(), OFFSET);
            if (trailing != null && trailing.isTrailingBytes()) {
                HeaderAt header = new HeaderAt(off, h);
                IrExpr extra = new IrExpr.Convert(headerExpr(trailing.field().length(), header), OFFSET);
                length = new IrExpr.Binary(Expr.BinaryOp.ADD, length, extra, OFFSET);
            }
            emit(new IrStmt.Assign(len, length));
            IrExpr end = new IrExpr.Binary(Expr.BinaryOp.ADD, new IrExpr.Read(off), new IrExpr.Read(len), OFFSET);
            if (trailing != null && trailing.isTrailingBytes()) {
                emit(new IrStmt.Require(end));
            }
            emit(new IrStmt.Assign(parsed.end(), end));
        }
        switch (s.transition()) {
            case Decl.Accept a -> {}
            case Decl.Reject r -> emit(new IrStmt.Fate(IrStmt.Fate.Kind.MALFORMED, -1, null));
            case Decl.Goto g -> state(parsed, graph.states().get(g.state().text()), graph);
            case Decl.Select sel -> {
                Type subjectType = sem.typeOf(sel.subject());
                IrExpr subject = parserExpr(sel.subject(), parsed);
                List<IrStmt.Case> cases = new ArrayList<>();
                IrStmt.Block otherwise = new IrStmt.Block(List.of());
                for (Decl.SelectCase c : sel.cases()) {
                    blocks.push(new ArrayList<>());
                    target(parsed, c, graph);
                    IrStmt.Block body = new IrStmt.Block(blocks.pop());
                    if (c.patterns().stream().anyMatch(Pattern.Wildcard.class::isInstance)) {
                        otherwise = body;
                        break;
                    }
                    cases.add(new IrStmt.Case(c.patterns().stream().map(p -> pattern(p, subjectType)).toList(), body));
                }
                emit(new IrStmt.Switch(subject, cases, otherwise));
            }
            case null -> {}
        }
    }

    private void target(Parsed parsed, Decl.SelectCase c, dev.appl.language.types.ParserGraph graph) {
        if (c.accepts()) {
            return;
        }
        if (c.rejects()) {
            emit(new IrStmt.Fate(IrStmt.Fate.Kind.MALFORMED, -1, null));
            return;
        }
        state(parsed, graph.states().get(c.target().text()), graph);
    }

    /** An expression in a parser's select: header names stand for the headers extracted so far. */
    private IrExpr parserExpr(Expr e, Parsed parsed) {
        bindHeaderNames(e, parsed);
        return expr(e);
    }

    private void bindHeaderNames(Expr e, Parsed parsed) {
        dev.appl.language.ast.Walk.expression(e, x -> {
            if (x instanceof Expr.NameRef n && sem.referenceOf(n) instanceof Symbol.Local l
                    && l.type() instanceof Type.Header h && parsed.offsets().containsKey(l.name())) {
                bindings.put(l, new HeaderAt(parsed.offsets().get(l.name()), h));
            }
        });
    }

    /** An expression over a header's own fields (a trailing length, a framing size). */
    private IrExpr headerExpr(Expr e, HeaderAt header) {
        return switch (e) {
            case Expr.NameRef n when sem.referenceOf(n) instanceof Symbol.Local l && l.type() != null -> {
                HeaderLayout.FieldLayout f = sem.layoutOf(header.type().decl()).field(n.name().text());
                yield f != null ? load(header.offset(), f) : expr(e);
            }
            case Expr.Binary b -> new IrExpr.Binary(b.op(), headerExpr(b.left(), header),
                    headerExpr(b.right(), header), sem.typeOf(b));
            case Expr.Unary u -> new IrExpr.Unary(u.op(), headerExpr(u.operand(), header), sem.typeOf(u));
            case Expr.Cast c -> new IrExpr.Convert(headerExpr(c.value(), header), sem.typeOf(c.type()));
            default -> expr(e);
        };
    }

    private static IrExpr load(IrLocal offset, HeaderLayout.FieldLayout f) {
        return new IrExpr.Load(offset, f.byteOffset(), f.bitOffset() % 8, f.bitWidth(), f.littleEndian(), f.type());
    }

    private static IrExpr add(IrExpr e, long n) {
        return n == 0 ? e : new IrExpr.Binary(Expr.BinaryOp.ADD, e, new IrExpr.Const(n, OFFSET), OFFSET);
    }

    /** The offset local of a header of a parsed value ({@code h.ip}) or a parser's header name, or null. */
    private IrLocal headerOffset(Expr e) {
        if (e instanceof Expr.Field f && sem.typeOf(f.target()) instanceof Type.Parsed) {
            return parsedOf(f.target()).offsets().get(f.field().text());
        }
        if (e instanceof Expr.NameRef n && bindings.get(local(n)) instanceof HeaderAt h) {
            return h.offset();
        }
        return null;
    }

    // ---- Expressions ----------------------------------------------------------------------------

    private IrExpr expr(Expr e) {
        Type type = sem.typeOf(e);
        return switch (e) {
            case Expr.IntLit i -> new IrExpr.Const(i.value().longValue(), type);
            case Expr.BoolLit b -> new IrExpr.Const(b.value() ? 1L : 0L, Type.BOOL);
            case Expr.SizeLit s -> new IrExpr.Const(s.bytes().longValue(), type);
            case Expr.DurationLit d -> new IrExpr.Const(d.nanos().longValue(), type);
            case Expr.AddressLit a -> new IrExpr.Const(addressValue(a), type);
            case Expr.StringLit s when type instanceof Type.Bytes -> new IrExpr.Const(utf8(s), Type.BYTES);
            case Expr.StringLit s -> new IrExpr.Const(s.value(), type);
            case Expr.BytesLit b -> new IrExpr.Const(java.util.HexFormat.of().parseHex(b.hex()), Type.BYTES);
            case Expr.NameRef n -> name(n, type);
            case Expr.Field f -> field(f, type);
            case Expr.Call c -> call(c, type);
            case Expr.Index i -> new IrExpr.Index(expr(i.target()), expr(i.index()), type);
            case Expr.Cast c -> new IrExpr.Convert(expr(c.value()), type);
            case Expr.Unary u -> new IrExpr.Unary(u.op(), expr(u.operand()), type);
            case Expr.Binary b -> binary(b, type);
            case Expr.StructLit s -> aggregate(s, type);
            case Expr.ArrayLit a -> new IrExpr.Aggregate(a.elements().stream().map(this::expr).toList(), type);
            case Expr.Error err -> throw new IllegalStateException("an error node in a checked spec");
        };
    }

    private IrExpr name(Expr.NameRef n, Type type) {
        Symbol s = sem.referenceOf(n);
        return switch (s) {
            case Symbol.Local l -> switch (bindings.get(l)) {
                case IrLocal local -> new IrExpr.Read(local);
                case HeaderAt h -> new IrExpr.HeaderValue(h.offset(),
                        new IrExpr.Const((long) sem.layoutOf(h.type().decl()).fixedBytes(), OFFSET), h.type());
                case null, default -> throw new IllegalStateException("unbound local " + l.name());
            };
            case Symbol.DeclSymbol(Decl.Const c, var m) -> constExpr(c.value(), type);
            // Build params become constants in FoldBuildParams, so that --dump-after shows where.
            case Symbol.DeclSymbol(Decl.ParamDecl p, var m) -> new IrExpr.ParamValue(index.get(p), type);
            case Symbol.DeclSymbol(Decl.Counter c, var m) -> new IrExpr.CounterValue(index.get(c), U64);
            case Symbol.DeclSymbol(Decl.SessionVar v, var m) -> new IrExpr.ConnectionValue(sessionSlots.get(v), sem.typeOf(v));
            default -> throw new IllegalStateException("unexpected name " + n.name() + " in a checked spec");
        };
    }

    /** A const's value: a number, or an array or struct of constants, or a call computed at build time. */
    private IrExpr constExpr(Expr value, Type type) {
        return switch (value) {
            case Expr.Call c -> new IrExpr.Const(buildTimeValue(c, type), type);
            case Expr.ArrayLit a -> new IrExpr.Aggregate(a.elements().stream()
                    .map(x -> constExpr(x, sem.typeOf(x))).toList(), type);
            case Expr.StructLit s -> aggregate(s, type);
            default -> {
                Object v = constant(value);
                yield new IrExpr.Const(v, type);
            }
        };
    }

    /**
     * A call in a const's value, evaluated now by the reference interpreter, so that the kernel
     * holds the result as a constant and the interpreter running the IR sees the same one. The
     * functions lowered only for this are left out of the IR: no handler calls them.
     */
    private Object buildTimeValue(Expr.Call c, Type type) {
        Object known = buildTimeValues.get(c);
        if (known != null) {
            return known;
        }
        if (buildTimeValues.containsKey(c)) {
            throw new IllegalStateException("a const computed from itself in a checked spec");
        }
        buildTimeValues.put(c, null);
        int functionsBefore = ir.functions.size();
        Object value = evaluate(call(c, type), c.span());
        List<IrFunction> added = new ArrayList<>(ir.functions.subList(functionsBefore, ir.functions.size()));
        ir.functions.subList(functionsBefore, ir.functions.size()).clear();
        functions.values().removeIf(added::contains);
        buildTimeValues.put(c, value);
        return value;
    }

    /** A constant expression's value, computed by the reference interpreter over the IR lowered so far. */
    private Object evaluate(IrExpr e, Span at) {
        Object value = new Interpreter(ir, Map.of()).evaluateConstant(e);
        if (value == null) {
            throw new Unsupported(at, "computing this const at build time indexed an array out of range");
        }
        return value;
    }

    private IrExpr field(Expr.Field f, Type type) {
        Symbol s = sem.referenceOf(f);
        if (s instanceof Symbol.EnumCase c) {
            return new IrExpr.Const(enumValue(c.owner(), c.decl()), type);
        }
        if (s instanceof Symbol.DeclSymbol(Decl.Const c, var m)) {
            return constExpr(c.value(), type);
        }
        Type target = sem.typeOf(f.target());
        String name = f.field().text();
        if (target instanceof Type.Parsed) {
            Parsed parsed = parsedOf(f.target());
            if (name.equals("payload")) {
                IrExpr end = new IrExpr.Read(parsed.end());
                return new IrExpr.Slice(end, new IrExpr.Binary(Expr.BinaryOp.SUB, new IrExpr.PacketLength(OFFSET),
                        end, OFFSET));
            }
            return new IrExpr.HeaderValue(parsed.offsets().get(name), new IrExpr.Read(parsed.lengths().get(name)),
                    type);
        }
        if (target instanceof Type.Header h) {
            IrLocal offset = headerOffset(f.target());
            if (name.equals("valid") && type instanceof Type.Bool && offset != null) {
                return new IrExpr.Binary(Expr.BinaryOp.NE, new IrExpr.Read(offset), new IrExpr.Const(-1L, OFFSET),
                        Type.BOOL);
            }
            HeaderLayout.FieldLayout field = sem.layoutOf(h.decl()).field(name);
            if (offset != null) {
                if (field.isTrailingBytes()) {
                    IrLocal len = lengthOf(f.target());
                    IrExpr start = add(new IrExpr.Read(offset), field.byteOffset());
                    return new IrExpr.Slice(start, new IrExpr.Binary(Expr.BinaryOp.SUB, new IrExpr.Read(len),
                            new IrExpr.Const((long) field.byteOffset(), OFFSET), OFFSET));
                }
                return load(offset, field);
            }
            return new IrExpr.Element(expr(f.target()), fieldIndex(target, name), type);
        }
        if (target instanceof Type.Struct) {
            return new IrExpr.Element(expr(f.target()), fieldIndex(target, name), type);
        }
        if (target instanceof Type.Bytes && name.equals("len")) {
            return new IrExpr.Length(expr(f.target()), type);
        }
        if (target instanceof Type.Buffer && name.equals("len")) {
            return new IrExpr.PacketLength(type);
        }
        throw new IllegalStateException("unexpected field " + f.span().text());
    }

    private IrLocal lengthOf(Expr header) {
        if (header instanceof Expr.Field f && sem.typeOf(f.target()) instanceof Type.Parsed) {
            return parsedOf(f.target()).lengths().get(f.field().text());
        }
        throw new Unsupported(header.span(), "a trailing bytes field of a header inside a parser");
    }

    private static int fieldIndex(Type owner, String name) {
        if (owner instanceof Type.Header h) {
            for (int i = 0; i < h.decl().fields().size(); i++) {
                if (h.decl().fields().get(i).name().text().equals(name)) {
                    return i;
                }
            }
        } else if (owner instanceof Type.Struct s) {
            for (int i = 0; i < s.decl().fields().size(); i++) {
                if (s.decl().fields().get(i).name().text().equals(name)) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("no field " + name + " in " + owner.display());
    }

    private IrExpr binary(Expr.Binary b, Type type) {
        if (type instanceof Type.Stack) {
            List<IrExpr> parts = new ArrayList<>();
            for (Expr side : List.of(b.left(), b.right())) {
                IrExpr part = expr(side);
                if (part instanceof IrExpr.Stack s) {
                    parts.addAll(s.parts());
                } else {
                    parts.add(part);
                }
            }
            return new IrExpr.Stack(parts);
        }
        if (sem.typeOf(b.left()) instanceof Type.ActionOf of) {
            IrExpr left = expr(b.left());
            int action = actionIndex(of.table(), ((Expr.NameRef) b.right()).name().text());
            return new IrExpr.Binary(b.op(), left, new IrExpr.Const((long) action, U32), Type.BOOL);
        }
        return new IrExpr.Binary(b.op(), expr(b.left()), expr(b.right()), type);
    }

    private IrExpr aggregate(Expr.StructLit s, Type type) {
        Map<String, Expr> given = new HashMap<>();
        s.fields().forEach(f -> given.put(f.name().text(), f.value()));
        List<IrExpr> parts = new ArrayList<>();
        if (type instanceof Type.Header h) {
            for (HeaderLayout.FieldLayout f : sem.layoutOf(h.decl()).fields()) {
                Expr value = given.get(f.field().name().text());
                parts.add(value != null ? expr(value) : f.field().defaultValue() != null
                        ? new IrExpr.Const(scalar(consts.value(f.field().defaultValue()), f.type()), f.type())
                        : zero(f.type()));
            }
        } else if (type instanceof Type.Struct st) {
            for (Decl.StructField f : st.decl().fields()) {
                Expr value = given.get(f.name().text());
                parts.add(value != null ? expr(value) : zero(sem.typeOf(f.type())));
            }
        }
        return new IrExpr.Aggregate(parts, type);
    }

    /** The value of a field a literal leaves out: zero, all the way down. */
    private IrExpr zero(Type t) {
        return switch (t) {
            case Type.Bytes b -> new IrExpr.Const(new byte[0], t);
            case Type.Address a when a.kind() == Expr.AddressKind.IP6 -> new IrExpr.Const(BigInteger.ZERO, t);
            case Type.Array a -> {
                List<IrExpr> parts = new ArrayList<>();
                for (long i = 0; i < a.length(); i++) {
                    parts.add(zero(a.element()));
                }
                yield new IrExpr.Aggregate(parts, t);
            }
            case Type.Struct s -> new IrExpr.Aggregate(s.decl().fields().stream()
                    .map(f -> zero(sem.typeOf(f.type()))).toList(), t);
            case Type.Header h -> new IrExpr.Aggregate(sem.layoutOf(h.decl()).fields().stream()
                    .map(f -> zero(f.type())).toList(), t);
            default -> new IrExpr.Const(0L, t);
        };
    }

    // ---- Calls ----------------------------------------------------------------------------------

    private IrExpr call(Expr.Call c, Type type) {
        if (c.callee() instanceof Expr.Field f && f.field().text().equals("slice")
                && (sem.typeOf(f.target()) instanceof Type.Bytes || sem.typeOf(f.target()) instanceof Type.Buffer)) {
            IrExpr bytes = sem.typeOf(f.target()) instanceof Type.Bytes ? expr(f.target()) : null;
            IrExpr start = new IrExpr.Convert(expr(c.args().get(0)), OFFSET);
            IrExpr length = new IrExpr.Convert(expr(c.args().get(1)), OFFSET);
            return bytes == null ? new IrExpr.Slice(start, length) : new IrExpr.BytesSlice(bytes, start, length);
        }
        if (c.callee() instanceof Expr.NameRef n && n.name().text().equals("now") && sem.referenceOf(n) == null) {
            return new IrExpr.Clock(type);
        }
        if (c.callee() instanceof Expr.Field f && f.target() instanceof Expr.NameRef n
                && sem.referenceOf(n) instanceof Symbol.DeclSymbol ds && sem.referenceOf(f) == null) {
            return method(c, f, ds.decl(), type);
        }
        if (c.callee() instanceof Expr.Field f && sem.typeOf(f.target()) instanceof Type.Buffer) {
            return bufferMethod(c, f);
        }
        Symbol callee = sem.referenceOf(c.callee());
        Decl decl = ((Symbol.DeclSymbol) callee).decl();
        return switch (decl) {
            case Decl.Fn f when f.params().stream().anyMatch(p -> sem.typeOf(p.type()) instanceof Type.Parsed) ->
                    inline(f.params(), c.args(), f.body(), type);
            case Decl.Fn f -> new IrExpr.Call(function(f), c.args().stream().map(this::expr).toList(), type);
            case Decl.Table t -> apply(t, c.args());
            case Decl.Action a -> {
                inline(a.params(), c.args(), a.body(), Type.VOID);
                yield new IrExpr.Const(0L, Type.VOID);
            }
            case Decl.Parser p -> throw new Unsupported(c.span(), "a parser applied outside `let`");
            default -> throw new IllegalStateException("unexpected callee " + decl.name());
        };
    }

    /**
     * {@code d.append(v)} and {@code d.truncate(n)} on the handler's buffer, as the packet edits that
     * push and pop make: an append inserts at the packet's end when the result stays within the
     * port's largest message, a truncation removes the bytes after {@code n} once no parsed header
     * reaches past it (else the buffer is malformed, so no header is ever read past the end).
     */
    private IrExpr bufferMethod(Expr.Call c, Expr.Field f) {
        IrExpr length = new IrExpr.PacketLength(OFFSET);
        if (f.field().text().equals("truncate")) {
            truncates = true;
            IrLocal keep = fn.local("keep", OFFSET);
            emit(new IrStmt.Assign(keep, new IrExpr.Convert(expr(c.args().getFirst()), OFFSET)));
            for (IrLocal end : parsedEnds) {
                emit(new IrStmt.If(new IrExpr.Binary(Expr.BinaryOp.GT, new IrExpr.Read(end), new IrExpr.Read(keep),
                        Type.BOOL), new IrStmt.Block(List.of(new IrStmt.Fate(IrStmt.Fate.Kind.MALFORMED, -1, null))),
                        new IrStmt.Block(List.of())));
            }
            IrExpr cut = new IrExpr.Binary(Expr.BinaryOp.SUB, length, new IrExpr.Read(keep), OFFSET);
            emit(new IrStmt.If(new IrExpr.Binary(Expr.BinaryOp.LT, new IrExpr.Read(keep), length, Type.BOOL),
                    new IrStmt.Block(List.of(new IrStmt.Remove(keep, cut, List.of()))), new IrStmt.Block(List.of())));
            return new IrExpr.Const(0L, Type.VOID);
        }
        Expr arg = c.args().getFirst();
        Type type = sem.typeOf(arg);
        IrLocal value = fn.local("appended", type);
        emit(new IrStmt.Assign(value, expr(arg)));
        IrExpr size;
        if (type instanceof Type.Header h) {
            HeaderLayout layout = sem.layoutOf(h.decl());
            size = new IrExpr.Const((long) layout.fixedBytes(), OFFSET);
            HeaderLayout.FieldLayout last = layout.fields().isEmpty() ? null : layout.fields().getLast();
            if (last != null && last.isTrailingBytes()) {
                IrExpr trailing = new IrExpr.Element(new IrExpr.Read(value), layout.fields().size() - 1, Type.BYTES);
                size = new IrExpr.Binary(Expr.BinaryOp.ADD, size,
                        new IrExpr.Convert(new IrExpr.Length(trailing, U32), OFFSET), OFFSET);
            }
        } else {
            size = new IrExpr.Convert(new IrExpr.Length(new IrExpr.Read(value), U32), OFFSET);
        }
        IrLocal appended = fn.local("fits", Type.BOOL);
        IrExpr fits = new IrExpr.Binary(Expr.BinaryOp.LE, new IrExpr.Binary(Expr.BinaryOp.ADD, length, size, OFFSET),
                new IrExpr.Const(largestMessage(), OFFSET), Type.BOOL);
        emit(new IrStmt.Assign(appended, fits));
        emit(new IrStmt.If(new IrExpr.Read(appended), new IrStmt.Block(List.of(
                new IrStmt.Insert(new IrExpr.PacketLength(OFFSET), new IrExpr.Read(value), List.of()))),
                new IrStmt.Block(List.of())));
        return new IrExpr.Read(appended);
    }

    /**
     * The longest the buffer of the handler being lowered may grow: a UDP datagram's payload over
     * IPv6, a stream port's largest message, an Ethernet frame of 64 KiB.
     */
    private long largestMessage() {
        if (handlerPort < 0) {
            return 0;
        }
        IrAppliance.Port port = ir.ports.get(handlerPort);
        return switch (port.kind()) {
            case "datagram" -> DATAGRAM_MAX;
            case "stream" -> port.framing().maxBytes();
            default -> PACKET_MAX;
        };
    }

    /** Expands a body here with its parameters bound to the arguments; returns its result. */
    private IrExpr inline(List<Decl.Param> params, List<Expr> args, Stmt.Block body, Type result) {
        for (int i = 0; i < params.size(); i++) {
            bindArgument(params.get(i), args.get(i));
        }
        IrLocal out = result instanceof Type.Void ? null : fn.local("result", result);
        inlineResults.push(out == null ? fn.local("unused", Type.VOID) : out);
        inlineDepth++;
        List<IrStmt> stmts = block(body);
        inlineDepth--;
        inlineResults.pop();
        emit(new IrStmt.Scoped(new IrStmt.Block(stmts)));
        return out == null ? new IrExpr.Const(0L, Type.VOID) : new IrExpr.Read(out);
    }

    private void bindArgument(Decl.Param param, Expr arg) {
        Symbol.Local local = (Symbol.Local) sem.referenceOf(param.name());
        if (sem.typeOf(param.type()) instanceof Type.Buffer) {
            return; // a handler has one buffer: what reads or edits a buffer parameter reads or edits it
        }
        if (sem.typeOf(param.type()) instanceof Type.Parsed) {
            bindings.put(local, parsedOf(arg));
        } else {
            IrLocal copy = fn.local(param.name().text(), sem.typeOf(param.type()));
            emit(new IrStmt.Assign(copy, expr(arg)));
            bindings.put(local, copy);
        }
    }

    /** Applies a table: looks it up and runs the action, each action's body expanded in place. */
    private IrExpr apply(Decl.Table t, List<Expr> args) {
        for (int i = 0; i < t.params().size(); i++) {
            bindArgument(t.params().get(i), args.get(i));
        }
        List<IrExpr> keys = t.keys().stream().map(k -> expr(k.expr())).toList();
        List<IrStmt.ActionCase> cases = new ArrayList<>();
        for (int i = 0; i < t.actions().size(); i++) {
            Decl.Action a = action(t.actions().get(i));
            List<IrLocal> data = new ArrayList<>();
            blocks.push(new ArrayList<>());
            for (Decl.Param p : a.params()) {
                boolean bound = t.params().stream().anyMatch(tp -> tp.name().text().equals(p.name().text()));
                Symbol.Local local = (Symbol.Local) sem.referenceOf(p.name());
                if (bound) {
                    Symbol.Local tableParam = t.params().stream()
                            .filter(tp -> tp.name().text().equals(p.name().text()))
                            .map(tp -> (Symbol.Local) sem.referenceOf(tp.name())).findFirst().orElseThrow();
                    bindings.put(local, bindings.get(tableParam));
                } else {
                    IrLocal d = fn.local(p.name().text(), sem.typeOf(p.type()));
                    data.add(d);
                    bindings.put(local, d);
                }
            }
            inlineResults.push(fn.local("unused", Type.VOID));
            inlineDepth++;
            List<IrStmt> body = block(a.body());
            inlineDepth--;
            inlineResults.pop();
            blocks.pop();
            cases.add(new IrStmt.ActionCase(i, data, new IrStmt.Block(List.of(new IrStmt.Scoped(new IrStmt.Block(body))))));
        }
        IrLocal result = fn.local(t.name().text() + "_action", U32);
        emit(new IrStmt.Apply(index.get(t), keys, cases, result));
        return new IrExpr.Read(result);
    }

    private IrExpr method(Expr.Call c, Expr.Field f, Decl owner, Type type) {
        String name = f.field().text();
        List<IrExpr> args = new ArrayList<>();
        switch (owner) {
            case Decl.MapDecl m -> {
                c.args().forEach(a -> args.add(expr(a)));
                return new IrExpr.MapOp(index.get(m), name, args, type);
            }
            case Decl.Table t -> {
                for (Expr a : c.args()) {
                    if (a instanceof Expr.Call call && sem.referenceOf(call.callee()) instanceof Symbol.DeclSymbol(
                            Decl.Action act, var m)) {
                        args.add(new IrExpr.Const((long) actionIndex(t, act.name().text()), U32));
                        call.args().forEach(x -> args.add(expr(x)));
                    } else {
                        args.add(expr(a));
                    }
                }
                return new IrExpr.TableOp(index.get(t), name, args, type);
            }
            case Decl.Store s -> {
                c.args().forEach(a -> args.add(expr(a)));
                return new IrExpr.StoreOp(index.get(s), name, args, type);
            }
            default -> throw new IllegalStateException("no methods on " + owner.name().text());
        }
    }

    private static int actionIndex(Decl.Table t, String action) {
        for (int i = 0; i < t.actions().size(); i++) {
            if (t.actions().get(i).text().equals(action)) {
                return i;
            }
        }
        throw new IllegalStateException("no action " + action);
    }

    private IrFunction function(Decl.Fn f) {
        IrFunction existing = functions.get(f);
        if (existing != null) {
            return existing;
        }
        IrFunction saved = fn;
        Map<Symbol.Local, Object> savedBindings = new IdentityHashMap<>(bindings);
        Deque<List<IrStmt>> savedBlocks = new ArrayDeque<>(blocks);
        int savedDepth = inlineDepth;
        Deque<IrLocal> savedResults = new ArrayDeque<>(inlineResults);
        IrFunction function = new IrFunction(f.name().text(), IrFunction.Kind.FUNCTION,
                f.result() == null ? Type.VOID : sem.typeOf(f.result()), f.span());
        functions.put(f, function);
        ir.functions.add(function);
        start(function);
        for (Decl.Param p : f.params()) {
            bind(p.name(), function.param(p.name().text(), sem.typeOf(p.type())));
        }
        function.setBody(irBlock(f.body()));
        fn = saved;
        bindings.clear();
        bindings.putAll(savedBindings);
        blocks.clear();
        blocks.addAll(savedBlocks);
        inlineDepth = savedDepth;
        inlineResults.clear();
        inlineResults.addAll(savedResults);
        return function;
    }

    // ---- Patterns and constants -----------------------------------------------------------------

    private IrPattern pattern(Pattern p, Type subject) {
        return switch (p) {
            case Pattern.Wildcard w -> new IrPattern.Any();
            case Pattern.Value v when v.value() instanceof Expr.AddressLit a && a.isPrefix() -> {
                int bits = a.kind().bits;
                long mask = a.prefixLength() == 0 ? 0 : -1L << (bits - a.prefixLength());
                mask &= bits == 64 ? -1L : (1L << bits) - 1;
                yield new IrPattern.Masked(a.value().longValue() & mask, mask);
            }
            case Pattern.Value v when subject instanceof Type.ActionOf of && v.value() instanceof Expr.NameRef n ->
                    new IrPattern.Exact(actionIndex(of.table(), n.name().text()));
            case Pattern.Value v -> new IrPattern.Exact(patternValue(v.value(), subject));
            case Pattern.Range r -> new IrPattern.Range(patternValue(r.low(), subject), patternValue(r.high(), subject),
                    dev.appl.compiler.ir.Arithmetic.signed(subject));
            case Pattern.Mask m -> new IrPattern.Masked(patternValue(m.value(), subject), patternValue(m.mask(), subject));
        };
    }

    /** A pattern constant held as values of the subject's type are: zero- or sign-extended. */
    private long patternValue(Expr e, Type subject) {
        if (sem.referenceOf(e) instanceof Symbol.EnumCase c) {
            return enumValue(c.owner(), c.decl());
        }
        BigInteger v = consts.value(e);
        if (v == null) {
            throw new IllegalStateException("a pattern that is not constant: " + e.span().text());
        }
        return dev.appl.compiler.ir.Arithmetic.wrap(v.longValue(), subject);
    }

    private long enumValue(Decl.Enum e, Decl.EnumCase c) {
        if (c.value() != null) {
            return consts.value(c.value()).longValue();
        }
        return e.cases().indexOf(c);
    }

    /**
     * An address literal's value: an ip6 address or prefix as a BigInteger; an ip4 address as a
     * long; an ip4 prefix as its address with its length in bits 32 to 39, so that a table write
     * ({@code t.insert(10.0.0.0/8, ...)}) keeps it a prefix.
     */
    static Object addressValue(Expr.AddressLit a) {
        if (a.kind() == Expr.AddressKind.IP6) {
            return a.value();
        }
        return a.isPrefix() ? a.value().longValue() | (long) a.prefixLength() << 32 : a.value().longValue();
    }

    /** A string literal where bytes are expected: its UTF-8 encoding (language.md §2). */
    private static byte[] utf8(Expr.StringLit s) {
        return s.value().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private Object constant(Expr e) {
        if (sem.referenceOf(e) instanceof Symbol.EnumCase c) {
            return enumValue(c.owner(), c.decl());
        }
        return switch (e) {
            case Expr.StringLit s when sem.typeOf(e) instanceof Type.Bytes -> utf8(s);
            case Expr.StringLit s -> s.value();
            case Expr.AddressLit a -> addressValue(a);
            case Expr.BytesLit b -> java.util.HexFormat.of().parseHex(b.hex());
            default -> {
                BigInteger v = consts.value(e);
                if (v == null) {
                    throw new IllegalStateException("not a constant: " + e.span().text());
                }
                yield scalar(v, sem.typeOf(e));
            }
        };
    }

    private static Object scalar(BigInteger v, Type type) {
        return type instanceof Type.Address a && a.kind() == Expr.AddressKind.IP6 ? v : (Object) v.longValue();
    }

    private long longValue(Expr e) {
        BigInteger v = consts.value(e);
        if (v == null) {
            throw new IllegalStateException("not a constant: " + e.span().text());
        }
        return v.longValue();
    }

    private void bind(dev.appl.language.ast.Name name, IrLocal local) {
        bindings.put(local(name), local);
    }

    private Symbol.Local local(dev.appl.language.ast.Name name) {
        return (Symbol.Local) sem.referenceOf(name);
    }

    private Symbol.Local local(Expr.NameRef n) {
        return (Symbol.Local) sem.referenceOf(n);
    }
}
