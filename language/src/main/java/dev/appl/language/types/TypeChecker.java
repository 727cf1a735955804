package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Name;
import dev.appl.language.ast.Pattern;
import dev.appl.language.ast.Stmt;
import dev.appl.language.ast.TypeRef;
import dev.appl.language.ast.Walk;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Note;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.ModuleLoader;
import dev.appl.language.resolve.Symbol;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Resolves every name in declaration bodies and gives every expression a type, enforcing widths
 * and units: no implicit widening or truncation, integer literals that fit their type, {@code size}
 * and {@code duration} kept apart from plain integers. Records what it finds in {@link Semantics}
 * for the checks that follow (validity, bounded work, exhaustiveness, effects).
 */
public final class TypeChecker {
    /** The module and appliance members a body sees, and the type a `return` in it must give. */
    /**
     * Where an expression is checked: its module, the appliance's members, the return type of the
     * function it is in, and, inside a handler of a stream port, that port and its session (null
     * elsewhere, and the session null for a port without one).
     */
    private record Ctx(Module module, Map<String, Symbol> members, Type returnType, Decl.Port port,
            Decl.Session session) {
        Ctx(Module module, Map<String, Symbol> members, Type returnType) {
            this(module, members, returnType, null, null);
        }

        Ctx returning(Type ret) {
            return new Ctx(module, members, ret, port, session);
        }
    }

    /** Local names, innermost first. */
    private static final class Env {
        final Env parent;
        final Map<String, Symbol> names = new HashMap<>();

        Env(Env parent) {
            this.parent = parent;
        }

        Symbol lookup(String name) {
            for (Env e = this; e != null; e = e.parent) {
                Symbol s = e.names.get(name);
                if (s != null) {
                    return s;
                }
            }
            return null;
        }

        Symbol.Local define(Name name, Type type, boolean mutable) {
            Symbol.Local local = new Symbol.Local(name, type, mutable);
            names.put(name.text(), local);
            return local;
        }
    }

    private static final Type U64 = BuiltinTypes.u(64);
    private static final Type U32 = BuiltinTypes.u(32);
    /** The loader of DNS zone files in a table's {@code load}: {@code load dns_zone(P)}. */
    public static final String ZONE_LOADER = "dns_zone";
    private static final Type U8 = BuiltinTypes.u(8);

    private final Semantics sem;
    private final Diagnostics diags;
    private final ConstEval consts;
    /** The const whose value is being checked, to name a cycle from its start. */
    private Decl.Const currentConst;
    /** The consts of the module being checked whose values call functions, checked, for {@link #computedFromItself}. */
    private final List<Decl.Const> computedByCalls = new java.util.ArrayList<>();
    private final Set<Decl> resolvingTypes = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** The sessions of the appliance being checked, by port name. */
    private final Map<String, Decl.Session> sessions = new HashMap<>();

    public TypeChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
        this.consts = new ConstEval(semantics);
    }

    public void check(Module module) {
        Ctx ctx = new Ctx(module, Map.of(), null);
        // Parsers first: their result types are used by what comes before them in the file.
        for (Decl decl : module.decls()) {
            if (decl instanceof Decl.Parser) {
                decl(decl, ctx);
            }
        }
        for (Decl decl : module.decls()) {
            if (!(decl instanceof Decl.Parser)) {
                decl(decl, ctx);
            }
        }
        // Once every function body is checked, so that their references are known.
        computedByCalls.forEach(this::computedFromItself);
        computedByCalls.clear();
    }

    // ---- Declarations -------------------------------------------------------------------------

    private void decl(Decl decl, Ctx ctx) {
        switch (decl) {
            case Decl.Const c -> constDecl(c, ctx);
            case Decl.Enum e -> enumType(e, ctx);
            case Decl.Header h -> headerLayout(h, ctx);
            case Decl.Struct s -> structType(s, ctx);
            case Decl.Fn f -> fn(f, ctx);
            case Decl.Parser p -> parser(p, ctx);
            case Decl.Appliance a -> appliance(a, ctx);
            case Decl.ParamDecl p -> param(p, ctx);
            case Decl.Port p -> port(p, ctx);
            case Decl.Session s -> session(s, ctx);
            case Decl.SessionVar v -> {} // checked with its session
            case Decl.Phase p -> {} // checked with its session
            case Decl.Counter c -> sem.declTypes.put(c, U64);
            case Decl.MapDecl m -> map(m, ctx);
            case Decl.Timer t -> {
                expectConst(t.every(), Type.DURATION, ctx, "a timer's period");
                BigInteger period = consts.value(t.every());
                if (period != null && period.signum() <= 0) {
                    diags.report(DiagnosticCode.INVALID_DECLARATION, t.every().span(), "a timer's period must be longer than 0");
                }
            }
            case Decl.Store s -> store(s, ctx);
            case Decl.Action a -> action(a, ctx);
            case Decl.Table t -> table(t, ctx);
            case Decl.Handler h -> handler(h, ctx);
            case Decl.Test t -> test(t, ctx);
        }
    }

    private void constDecl(Decl.Const c, Ctx ctx) {
        Type t = type(c.type(), ctx);
        sem.declTypes.put(c, t);
        currentConst = c;
        int errors = diags.errorCount();
        expectConst(c.value(), t, ctx, "a const's value", true);
        currentConst = null;
        boolean[] calls = {false};
        Walk.expression(c.value(), x -> calls[0] |= x instanceof Expr.Call);
        if (diags.errorCount() == errors && calls[0]) {
            computedByCalls.add(c);
        }
    }

    /**
     * Reports a const whose value calls a function that needs the const itself (reads it, or calls
     * a function that does, or reads a const computed so): the compiler computes the call when it
     * builds the appliance, and this computation would never end. Cycles of consts alone are
     * reported as not constant ({@link #whyNotConstant}).
     */
    private void computedFromItself(Decl.Const c) {
        SelfReference search = new SelfReference(c);
        if (search.reaches(visit -> Walk.expression(c.value(), visit)) && search.throughCall) {
            String name = "`" + c.name().text() + "`";
            diags.report(DiagnosticCode.NOT_CONSTANT, c.value().span(), "a const's value");
            diags.noteLast(Note.plain(name + " is computed when the appliance is built, by running the call,"
                    + " and the call needs the value of " + name + " itself: " + String.join(" -> ", search.path)));
            diags.noteLast(Note.at(search.closing.span(), name + " is read here"));
        }
    }

    /**
     * A search for the reads of one const from its own value: through the consts it reads and the
     * functions it calls (their bodies), each looked at once.
     */
    private final class SelfReference {
        private final Decl.Const target;
        /** The names from the const to where the search is, in backticks. */
        final List<String> path = new java.util.ArrayList<>();
        private final Set<Decl> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        /** The read of the const that closes the cycle, once found. */
        Expr closing;
        /** Whether the cycle passes through a function. */
        boolean throughCall;

        SelfReference(Decl.Const target) {
            this.target = target;
            path.add("`" + target.name().text() + "`");
        }

        /** Whether the expressions {@code walk} visits read the const; they are visited outer before inner. */
        boolean reaches(Consumer<Consumer<Expr>> walk) {
            walk.accept(x -> {
                if (closing == null && (x instanceof Expr.NameRef || x instanceof Expr.Field)) {
                    step(sem.referenceOf(x), x);
                }
            });
            return closing != null;
        }

        private void step(Symbol s, Expr at) {
            switch (s) {
                case Symbol.DeclSymbol(Decl.Const c, var m) when c == target -> {
                    path.add("`" + c.name().text() + "`");
                    closing = at;
                }
                case Symbol.DeclSymbol(Decl.Const c, var m) when seen.add(c) ->
                        follow(c.name(), visit -> Walk.expression(c.value(), visit), false);
                case Symbol.DeclSymbol(Decl.Fn f, var m) when seen.add(f) ->
                        follow(f.name(), visit -> Walk.expressions(f.body(), visit), true);
                case null, default -> {}
            }
        }

        private void follow(Name name, Consumer<Consumer<Expr>> walk,
                boolean call) {
            path.add("`" + name.text() + "`");
            if (reaches(walk)) {
                throughCall |= call;
            } else {
                path.removeLast();
            }
        }
    }

    /** Checks an expression against a type and requires it to be constant. */
    private void expectConst(Expr e, Type type, Ctx ctx, String what) {
        expectConst(e, type, ctx, what, false);
    }

    /** @param buildTime also take calls of top-level functions, evaluated at build time (a const's value) */
    private void expectConst(Expr e, Type type, Ctx ctx, String what, boolean buildTime) {
        expect(e, type, ctx.returning(null), new Env(null));
        boolean known = buildTime ? consts.isBuildTimeConstant(e) : consts.isConstant(e);
        if (!(sem.typeOf(e) instanceof Type.Error) && !known) {
            diags.report(DiagnosticCode.NOT_CONSTANT, e.span(), what);
            java.util.List<Decl.Const> through = new java.util.ArrayList<>();
            if (currentConst != null) {
                through.add(currentConst);
            }
            String why = whyNotConstant(e, through);
            if (why != null) {
                diags.noteLast(Note.plain(why));
            }
            boolean[] calls = {false};
            Walk.expression(e, x -> calls[0] |= x instanceof Expr.Call);
            if (buildTime && calls[0]) {
                diags.noteLast(Note.plain("a const may call a function declared at the top level of a module, with"
                        + " arguments known when the spec is compiled, and is then computed when the appliance is"
                        + " built; the call must be the const's whole value, or an element or field of an array"
                        + " or struct literal that is"));
            }
        }
    }

    /** Why an expression made only of constants has no value: a division by zero, or a const cycle. */
    private String whyNotConstant(Expr e, java.util.List<Decl.Const> through) {
        String[] found = {null};
        Walk.expression(e, x -> {
            if (found[0] != null) {
                return;
            }
            if (x instanceof Expr.Binary b && (b.op() == Expr.BinaryOp.DIV || b.op() == Expr.BinaryOp.MOD)
                    && BigInteger.ZERO.equals(consts.value(b.right()))) {
                found[0] = "`" + b.right().span().text() + "` is zero: the value divides by zero";
            } else if (x instanceof Expr.NameRef n
                    && sem.referenceOf(n) instanceof Symbol.DeclSymbol(Decl.Const c, var m)) {
                if (!through.isEmpty() && through.getFirst() == c) {
                    List<String> names = new java.util.ArrayList<>();
                    through.forEach(t -> names.add("`" + t.name().text() + "`"));
                    names.add("`" + c.name().text() + "`");
                    found[0] = "the consts are defined in terms of each other: " + String.join(" -> ", names);
                } else if (through.stream().noneMatch(t -> t == c) && through.size() < 64) {
                    through.add(c);
                    found[0] = whyNotConstant(c.value(), through);
                    through.removeLast();
                }
            }
        });
        return found[0];
    }

    private Type.Enum enumType(Decl.Enum e, Ctx ctx) {
        Type existing = sem.declTypes.get(e);
        if (existing != null) {
            return existing instanceof Type.Enum en ? en : null;
        }
        Type.Int wire = null;
        if (e.wireType() != null) {
            Type w = type(e.wireType(), ctx);
            if (w instanceof Type.Int i && !i.signed()) {
                wire = i;
            } else if (!(w instanceof Type.Error)) {
                diags.report(DiagnosticCode.INVALID_ENUM, e.wireType().span(),
                        "an enum's wire type must be an unsigned integer type, not `" + w.display() + "`");
            }
        }
        Type.Enum type = new Type.Enum(e, wire);
        sem.declTypes.put(e, type);
        Map<String, Decl.EnumCase> names = new HashMap<>();
        Map<BigInteger, Decl.EnumCase> values = new HashMap<>();
        for (Decl.EnumCase c : e.cases()) {
            Decl.EnumCase previous = names.putIfAbsent(c.name().text(), c);
            if (previous != null) {
                diags.report(DiagnosticCode.DUPLICATE_NAME, c.name().span(), c.name().text());
                diags.noteLast(Note.at(previous.name().span(), "first declared here"));
            }
            if (wire == null && e.wireType() == null && c.value() != null) {
                diags.report(DiagnosticCode.INVALID_ENUM, c.value().span(),
                        "only an enum with a wire type (`enum " + e.name().text() + ": u8`) gives its cases values");
            } else if (wire != null && c.value() == null) {
                diags.report(DiagnosticCode.INVALID_ENUM, c.name().span(),
                        "case `" + c.name().text() + "` needs a value: its enum has a wire type");
            } else if (wire != null) {
                expectConst(c.value(), wire, ctx, "an enum case's value");
                BigInteger v = consts.value(c.value());
                Decl.EnumCase same = v == null ? null : values.putIfAbsent(v, c);
                if (same != null) {
                    diags.report(DiagnosticCode.INVALID_ENUM, c.value().span(),
                            "cases `" + same.name().text() + "` and `" + c.name().text() + "` have the same value");
                }
            }
        }
        return type;
    }

    /** Whether a value read from the wire may be none of the cases. */
    public static boolean isOpen(Type.Enum e, ConstEval consts) {
        if (e.wire() == null) {
            return false;
        }
        if (e.wire().width() > 16) {
            return true;
        }
        Set<BigInteger> values = new HashSet<>();
        for (Decl.EnumCase c : e.decl().cases()) {
            BigInteger v = c.value() == null ? null : consts.value(c.value());
            if (v != null) {
                values.add(v);
            }
        }
        return values.size() < (1 << e.wire().width());
    }

    private HeaderLayout headerLayout(Decl.Header h, Ctx ctx) {
        HeaderLayout existing = sem.layouts.get(h);
        if (existing != null || !resolvingTypes.add(h)) {
            return existing;
        }
        sem.declTypes.put(h, new Type.Header(h));
        List<HeaderLayout.FieldLayout> fields = new java.util.ArrayList<>();
        Env scope = new Env(null);
        Map<String, Decl.HeaderField> seen = new HashMap<>();
        int bit = 0;
        for (int i = 0; i < h.fields().size(); i++) {
            Decl.HeaderField f = h.fields().get(i);
            duplicateMember(seen, f.name(), f);
            Type t = type(f.type(), ctx);
            if (f.length() != null) {
                if (i != h.fields().size() - 1) {
                    diags.report(DiagnosticCode.TRAILING_BYTES_NOT_LAST, f.span());
                }
                if (!(t instanceof Type.Bytes) && !(t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.INVALID_HEADER_FIELD, f.type().span(), t.display() + "[...]");
                }
                if (f.defaultValue() != null) {
                    diags.report(DiagnosticCode.INVALID_DECLARATION, f.defaultValue().span(),
                            "a trailing `bytes[...]` field has no default: its length comes from the packet");
                }
                Type lt = expr(f.length(), null, ctx.returning(null), scope);
                requireInteger(f.length(), lt);
                fields.add(new HeaderLayout.FieldLayout(f, Type.BYTES, bit, 0, false));
                continue;
            }
            int width = t.bits();
            boolean allowed = t instanceof Type.Int || t instanceof Type.Bool || t instanceof Type.Address
                    || (t instanceof Type.Enum en && en.wire() != null);
            if (!allowed) {
                if (!(t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.INVALID_HEADER_FIELD, f.type().span(), t.display());
                }
                width = 0;
            }
            if (f.littleEndian() && (bit % 8 != 0 || width % 8 != 0)) {
                diags.report(DiagnosticCode.INVALID_BYTE_ORDER, f.name().span(), f.name().text());
            }
            if (f.defaultValue() != null) {
                expectConst(f.defaultValue(), t, ctx, "a header field's default");
            }
            fields.add(new HeaderLayout.FieldLayout(f, t, bit, width, f.littleEndian()));
            scope.define(f.name(), t, false);
            bit += width;
        }
        if (bit % 8 != 0) {
            diags.report(DiagnosticCode.HEADER_NOT_BYTE_ALIGNED, h.name().span(), h.name().text(), bit);
        }
        HeaderLayout layout = new HeaderLayout(h, List.copyOf(fields), bit);
        sem.layouts.put(h, layout);
        return layout;
    }

    private Type.Struct structType(Decl.Struct s, Ctx ctx) {
        if (sem.declTypes.get(s) instanceof Type.Struct t || !resolvingTypes.add(s)) {
            return (Type.Struct) sem.declTypes.get(s);
        }
        Type.Struct type = new Type.Struct(s);
        sem.declTypes.put(s, type);
        Map<String, Decl.StructField> seen = new HashMap<>();
        for (Decl.StructField f : s.fields()) {
            duplicateMember(seen, f.name(), f);
            Type t = type(f.type(), ctx);
            if (t instanceof Type.Buffer || t instanceof Type.Bytes || t instanceof Type.Parsed
                    || t instanceof Type.Text) {
                diags.report(DiagnosticCode.TYPE_MISMATCH, f.type().span(), "a value type", q(t));
            }
        }
        String path = containment(s, type, new java.util.ArrayList<>());
        if (path != null) {
            diags.report(DiagnosticCode.INVALID_DECLARATION, s.name().span(), "struct `" + s.name().text()
                    + "` contains itself (through " + path + "), so its values would never end");
        }
        return type;
    }

    /** The field path by which a struct contains {@code target} again, or null. */
    private String containment(Decl.Struct target, Type t, java.util.List<Decl.Struct> seen) {
        Type element = t instanceof Type.Array a ? a.element() : t;
        if (!(element instanceof Type.Struct s) || seen.stream().anyMatch(x -> x == s.decl())) {
            return null;
        }
        seen.add(s.decl());
        for (Decl.StructField f : s.decl().fields()) {
            Type ft = sem.typeOf(f.type());
            Type fe = ft instanceof Type.Array a ? a.element() : ft;
            if (fe instanceof Type.Struct inner && inner.decl() == target) {
                return "`" + f.name().text() + "`";
            }
            String deeper = containment(target, ft, seen);
            if (deeper != null) {
                return "`" + f.name().text() + "`, " + deeper;
            }
        }
        return null;
    }

    private <T> void duplicateMember(Map<String, T> seen, Name name, T node) {
        T previous = seen.putIfAbsent(name.text(), node);
        if (previous instanceof dev.appl.language.ast.Node n) {
            diags.report(DiagnosticCode.DUPLICATE_NAME, name.span(), name.text());
            diags.noteLast(Note.at(n.span(), "first declared here"));
        }
    }

    private void fn(Decl.Fn f, Ctx ctx) {
        Env env = new Env(null);
        params(f.params(), env, ctx);
        Type result = f.result() == null ? Type.VOID : type(f.result(), ctx);
        sem.declTypes.put(f, result);
        block(f.body(), ctx.returning(result), new Env(env));
    }

    private void params(List<Decl.Param> params, Env env, Ctx ctx) {
        Map<String, Decl.Param> seen = new HashMap<>();
        for (Decl.Param p : params) {
            duplicateMember(seen, p.name(), p);
            Symbol.Local local = env.define(p.name(), type(p.type(), ctx), false);
            sem.references.put(p.name(), local);
        }
    }

    private void parser(Decl.Parser p, Ctx ctx) {
        Env env = new Env(null);
        params(p.params(), env, ctx);
        sem.declTypes.put(p, new Type.Parsed(p));
        if (p.params().size() != 1 || !(sem.typeOf(p.params().getFirst().type()) instanceof Type.Buffer)) {
            diags.report(DiagnosticCode.INVALID_DECLARATION, p.name().span(),
                    "a parser takes one parameter: the packet, datagram or message it parses");
        }
        ParserGraph graph = ParserGraph.of(p);
        sem.parsers.put(p, graph);
        // Every extracted header is visible in the selects; whether it is valid there is ValidityChecker's concern.
        Env headers = new Env(env);
        for (Decl.ParserState s : graph.states().values()) {
            for (Decl.Extract e : s.extracts()) {
                Type t = type(e.type(), ctx);
                if (!(t instanceof Type.Header) && !(t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.TYPE_MISMATCH, e.type().span(), "a header type", q(t));
                }
                Symbol existing = headers.names.get(e.name().text());
                if (existing instanceof Symbol.Local l && !l.type().equals(t)) {
                    diags.report(DiagnosticCode.DUPLICATE_NAME, e.name().span(), e.name().text());
                    diags.noteLast(Note.at(l.declaredAt(), "first extracted here, as `" + l.type().display() + "`"));
                } else if (existing == null) {
                    headers.define(e.name(), t, false);
                }
                sem.references.put(e.name(), headers.names.get(e.name().text()));
            }
        }
        Ctx inParser = ctx.returning(null);
        for (Decl.ParserState s : graph.states().values()) {
            if (s.transition() instanceof Decl.Select sel) {
                Type subject = expr(sel.subject(), null, inParser, headers);
                for (Decl.SelectCase c : sel.cases()) {
                    for (Pattern pat : c.patterns()) {
                        pattern(pat, subject, inParser, headers);
                    }
                }
            }
        }
    }

    private void appliance(Decl.Appliance a, Ctx outer) {
        Map<String, Symbol> members = new LinkedHashMap<>();
        sessions.clear();
        for (Decl m : a.members()) {
            if (m instanceof Decl.Session s) {
                Decl.Session first = sessions.putIfAbsent(s.port().text(), s);
                if (first != null) {
                    diags.report(DiagnosticCode.INVALID_SESSION, s.port().span(),
                            "port `" + s.port().text() + "` already has a session");
                    diags.noteLast(Note.at(first.port().span(), "its first session"));
                }
            }
            if (m instanceof Decl.Handler || m instanceof Decl.Test || m instanceof Decl.Session) {
                continue;
            }
            if (ModuleLoader.isTypeDeclaration(m) && BuiltinTypes.isBuiltin(m.name().text())) {
                diags.report(DiagnosticCode.RESERVED_NAME, m.name().span(), m.name().text());
                continue;
            }
            Symbol previous = members.putIfAbsent(m.name().text(), new Symbol.DeclSymbol(m, outer.module()));
            if (previous != null) {
                diags.report(DiagnosticCode.DUPLICATE_NAME, m.name().span(), m.name().text());
                diags.noteLast(Note.at(previous.declaredAt(), "first declared here"));
            }
        }
        Ctx ctx = new Ctx(outer.module(), members, null);
        // One handler per port and per timer (per phase of a session, and one `on connect`): which
        // one runs must not depend on the order.
        Map<String, Decl.Handler> handlers = new HashMap<>();
        for (Decl m : a.members()) {
            if (m instanceof Decl.Handler h) {
                String key = h.source().text() + (h.event().text().equals("connect") ? " connect"
                        : h.phase() != null ? " in " + h.phase().text() : "");
                String what = h.event().text().equals("connect") ? "an `on connect` handler"
                        : h.phase() != null ? "a handler in phase `" + h.phase().text() + "`" : "a handler";
                Decl.Handler first = handlers.putIfAbsent(key, h);
                if (first != null) {
                    diags.report(DiagnosticCode.INVALID_DECLARATION, h.source().span(),
                            "`" + h.source().text() + "` already has " + what);
                    diags.noteLast(Note.at(first.source().span(), "the first handler of `" + h.source().text() + "`"));
                }
            }
        }
        for (Decl.Session s : sessions.values()) {
            for (Decl.Phase phase : s.phases()) {
                if (!handlers.containsKey(s.port().text() + " in " + phase.name().text())) {
                    diags.report(DiagnosticCode.UNHANDLED_PHASE, phase.name().span(), phase.name().text(),
                            s.port().text());
                    diags.noteLast(Note.plain("add `on message m from " + s.port().text() + " in "
                            + phase.name().text() + " { ... }`"));
                }
            }
        }
        // Parsers, then the other declarations, then handlers and tests, so that each sees what it
        // uses whatever the order in the file.
        for (Decl m : a.members()) {
            if (m instanceof Decl.Parser) {
                decl(m, ctx);
            }
        }
        for (Decl m : a.members()) {
            if (!(m instanceof Decl.Handler) && !(m instanceof Decl.Test) && !(m instanceof Decl.Parser)) {
                decl(m, ctx);
            }
        }
        for (Decl m : a.members()) {
            if (m instanceof Decl.Handler || m instanceof Decl.Test) {
                decl(m, ctx);
            }
        }
    }

    /**
     * A stream port's or a phase's framing: a length prefix, a header with an optional size, or a
     * function that measures frames.
     */
    private void framing(Decl.Framing f, Ctx ctx) {
        if (f.by() != null) {
            framer(f.by(), ctx);
            return;
        }
        if (f.type() == null) {
            return; // the parser reported what is missing after `framed`
        }
        Type t = type(f.type(), ctx);
        if (t instanceof Type.Header h) {
            // A header without `size` frames messages of the header's own length.
            if (f.size() != null) {
                Env fields = new Env(null);
                for (Decl.HeaderField field : h.decl().fields()) {
                    fields.define(field.name(), type(field.type(), ctx), false);
                }
                requireInteger(f.size(), expr(f.size(), null, ctx.returning(null), fields));
            }
        } else if (t instanceof Type.Int i) {
            if (i.signed() || i.width() % 8 != 0) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, f.type().span(),
                        "a length prefix is an unsigned integer of whole bytes, like `u16` or `u32`");
            }
            if (f.size() != null) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, f.size().span(),
                        "a length prefix frames by itself; `size` goes with a framing header");
            }
        } else if (!(t instanceof Type.Error)) {
            diags.report(DiagnosticCode.TYPE_MISMATCH, f.type().span(), "a length prefix type or a header", q(t));
        }
    }

    /**
     * {@code session on PORT}: a stream port's, with variables of scalar types and constant initial
     * values, and at least one phase, each named once and framed.
     */
    private void session(Decl.Session s, Ctx ctx) {
        Symbol target = lookupValue(s.port().text(), ctx, null);
        if (target instanceof Symbol.DeclSymbol(Decl.Port p, var m)) {
            sem.references.put(s.port(), target);
            if (!p.kind().text().equals("stream")) {
                diags.report(DiagnosticCode.WRONG_PORT_KIND, s.port().span(), p.name().text(), p.kind().text(),
                        "a session", "stream");
            }
        } else if (target == null) {
            diags.report(DiagnosticCode.UNKNOWN_NAME, s.port().span(), s.port().text());
        } else {
            diags.report(DiagnosticCode.TYPE_MISMATCH, s.port().span(), "a port", target.withArticle());
        }
        Map<String, Decl> names = new HashMap<>();
        for (Decl.SessionVar v : s.vars()) {
            unique(names, v);
            Type t = type(v.type(), ctx);
            sem.declTypes.put(v, t);
            boolean scalar = Type.isInteger(t) || t instanceof Type.Bool || t instanceof Type.Enum
                    || t instanceof Type.Size || t instanceof Type.Duration
                    || (t instanceof Type.Address && t.bits() <= 64) || t instanceof Type.Error;
            if (!scalar) {
                diags.report(DiagnosticCode.INVALID_SESSION, v.type().span(),
                        "a session variable holds an integer, a bool, an enum, a size, a duration or an address of"
                                + " up to 64 bits, not " + q(t));
            }
            expectConst(v.value(), t, ctx, "a session variable's initial value");
            sem.references.put(v.name(), new Symbol.DeclSymbol(v, ctx.module()));
        }
        if (s.phases().isEmpty()) {
            diags.report(DiagnosticCode.INVALID_SESSION, s.port().span(),
                    "a session needs at least one phase: `phase NAME framed ...`; the first is where each connection"
                            + " starts");
        }
        for (Decl.Phase phase : s.phases()) {
            unique(names, phase);
            sem.references.put(phase.name(), new Symbol.DeclSymbol(phase, ctx.module()));
            if (phase.framing() == null) {
                diags.report(DiagnosticCode.INVALID_SESSION, phase.name().span(), "phase `" + phase.name().text()
                        + "` needs a framing: `framed u16` (a length prefix) or `framed Header [size EXPR]`");
            } else {
                framing(phase.framing(), ctx);
            }
        }
    }

    /** Reports a session variable or phase whose name another one of its session already has. */
    private void unique(Map<String, Decl> names, Decl d) {
        Decl first = names.putIfAbsent(d.name().text(), d);
        if (first != null) {
            diags.report(DiagnosticCode.DUPLICATE_NAME, d.name().span(), d.name().text());
            diags.noteLast(Note.at(first.name().span(), "first declared here"));
        }
    }

    /** The phase of {@code session} named {@code name}, or null (reported) when it has none. */
    private Decl.Phase phase(Decl.Session session, Name name, Module module) {
        for (Decl.Phase p : session.phases()) {
            if (p.name().text().equals(name.text())) {
                sem.references.put(name, new Symbol.DeclSymbol(p, module));
                return p;
            }
        }
        diags.report(DiagnosticCode.UNKNOWN_PHASE, name.span(), session.port().text(), name.text());
        if (!session.phases().isEmpty()) {
            diags.noteLast(Note.plain("its phases: " + String.join(", ",
                    session.phases().stream().map(p -> "`" + p.name().text() + "`").toList())));
        }
        return null;
    }

    private void param(Decl.ParamDecl p, Ctx ctx) {
        Type t = type(p.type(), ctx);
        sem.declTypes.put(p, t);
        boolean scalar = t instanceof Type.Int || t instanceof Type.Bool || t instanceof Type.Address
                || t instanceof Type.Prefix || t instanceof Type.Size || t instanceof Type.Duration
                || t instanceof Type.Text || t instanceof Type.Enum || t instanceof Type.Error;
        if (!scalar) {
            diags.report(DiagnosticCode.INVALID_DECLARATION, p.type().span(),
                    "a param holds a scalar, an address, a size, a duration, a path or a string, not `"
                            + t.display() + "`");
        }
        if (p.defaultValue() != null) {
            expectConst(p.defaultValue(), t, ctx, "a param's default");
        }
    }

    /**
     * {@code framed by NAME}: NAME is a function {@code fn(b: bytes) -> u32} that measures the
     * first frame of the bytes that have arrived (functions are pure and bounded, so it can run on
     * every read).
     */
    private void framer(Expr by, Ctx ctx) {
        Env none = new Env(null);
        Symbol s = null;
        if (by instanceof Expr.NameRef n) {
            s = lookupValue(n.name().text(), ctx, none);
        } else if (by instanceof Expr.Field f && staticTarget(f.target(), ctx, none) instanceof Symbol.ModuleSymbol ms) {
            s = ms.module().declared(f.field().text());
            if (s == null) {
                diags.report(DiagnosticCode.NOT_IN_MODULE, f.field().span(), ms.module().name(), f.field().text());
                return;
            }
        }
        if (s == null) {
            diags.report(DiagnosticCode.UNKNOWN_NAME, by.span(), by.span().text());
            return;
        }
        sem.references.put(by, s);
        if (by instanceof Expr.Field f) {
            sem.references.put(f.field(), s);
        }
        if (!(s instanceof Symbol.DeclSymbol ds && ds.decl() instanceof Decl.Fn fn)) {
            diags.report(DiagnosticCode.INVALID_FRAMER, by.span(), by.span().text(), "it is not a function");
            return;
        }
        Ctx owner = ds.module() == ctx.module() ? ctx : new Ctx(ds.module(), Map.of(), null);
        boolean fits = fn.params().size() == 1 && type(fn.params().getFirst().type(), owner) instanceof Type.Bytes
                && fn.result() != null && type(fn.result(), owner).equals(U32);
        if (!fits) {
            diags.report(DiagnosticCode.INVALID_FRAMER, by.span(), by.span().text(),
                    "a framing function takes one `bytes` (the stream's bytes from the frame's start) and returns"
                            + " a `u32` (the frame's length; 0 while more bytes are needed)");
        }
    }

    private void port(Decl.Port p, Ctx ctx) {
        String kind = p.kind().text();
        if (!kind.equals("packet") && !kind.equals("datagram") && !kind.equals("stream")) {
            diags.report(DiagnosticCode.UNKNOWN_PORT_KIND, p.kind().span(), kind);
            return;
        }
        boolean session = sessions.containsKey(p.name().text());
        if (p.framing() != null && !kind.equals("stream")) {
            diags.report(DiagnosticCode.INVALID_DECLARATION, p.framing().span(),
                    "only a stream port has a framing; a " + kind + " port keeps the boundaries of its " + kind + "s");
        } else if (p.framing() != null && session) {
            diags.report(DiagnosticCode.INVALID_SESSION, p.framing().span(),
                    "port `" + p.name().text() + "` has a session, whose phases give the framing; remove this one");
        } else if (p.framing() == null && kind.equals("stream") && !session) {
            diags.report(DiagnosticCode.INVALID_DECLARATION, p.span(),
                    "a stream port needs a framing: `framed u16` (a length prefix) or `framed Header size EXPR`,"
                            + " or a session whose phases give one");
        }
        if (p.framing() != null) {
            framing(p.framing(), ctx);
        }
        if (p.max() != null) {
            if (!kind.equals("stream")) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, p.max().span(),
                        "only a stream port has a `max`: the longest frame a connection may send");
            }
            expectConst(p.max(), Type.SIZE, ctx, "a frame's maximum size");
        }
        if (p.connections() != null) {
            if (!kind.equals("stream")) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, p.connections().span(),
                        "only a stream port has `connections`: the most connections open at once");
            }
            expectConst(p.connections(), U32, ctx, "a port's connection limit");
            BigInteger n = consts.value(p.connections());
            if (n != null && n.signum() <= 0) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, p.connections().span(),
                        "a port takes at least 1 connection");
            }
        }
        if (p.binding() != null) {
            String b = p.binding().value();
            String scheme = b.contains(":") ? b.substring(0, b.indexOf(':')) : "";
            Set<String> allowed = switch (kind) {
                case "packet" -> Set.of("pcap", "afpacket");
                case "datagram" -> Set.of("udp");
                default -> Set.of("tcp");
            };
            if (!allowed.contains(scheme)) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, p.binding().span(),
                        "a " + kind + " port binds to " + String.join(" or ",
                                allowed.stream().sorted().map(s -> "`" + s + ":...`").toList()));
            }
        }
    }

    private void map(Decl.MapDecl m, Ctx ctx) {
        Type key = type(m.key(), ctx);
        Type value = type(m.value(), ctx);
        if (containsBytes(key)) {
            diags.report(DiagnosticCode.TYPE_MISMATCH, m.key().span(), "a key without bytes (compared by value)",
                    q(key));
        }
        for (TypeRef ref : List.of(m.key(), m.value())) {
            Type t = sem.typeOf(ref);
            if (t instanceof Type.Buffer || t instanceof Type.Bytes || t instanceof Type.Parsed || t instanceof Type.Text) {
                diags.report(DiagnosticCode.TYPE_MISMATCH, ref.span(), "a value type", q(t));
            }
        }
        sem.declTypes.put(m, value);
        if (m.capacity() == null) {
            diags.report(DiagnosticCode.INVALID_DECLARATION, m.name().span(),
                    "map `" + m.name().text() + "` needs `capacity N`: state is bounded");
        } else {
            expectConst(m.capacity(), U32, ctx, "a map's capacity");
        }
        if (m.expire() != null) {
            expectConst(m.expire(), Type.DURATION, ctx, "a map's expiry");
        }
    }

    private static final Map<String, Map<String, String>> STORE_ARGS = Map.of(
            "blocks", Map.of("file", "path", "size", "size", "block", "size"),
            "log", Map.of("file", "path", "segment", "size"),
            "kv", Map.of("file", "path", "key", "size", "value", "size"));

    private void store(Decl.Store s, Ctx ctx) {
        Map<String, String> expected = STORE_ARGS.get(s.kind().text());
        if (expected == null) {
            diags.report(DiagnosticCode.INVALID_STORE, s.kind().span(),
                    "unknown store kind `" + s.kind().text() + "`; expected blocks, log or kv");
            return;
        }
        Set<String> given = new HashSet<>();
        for (Decl.NamedArg arg : s.args()) {
            String kind = expected.get(arg.name().text());
            if (kind == null) {
                diags.report(DiagnosticCode.INVALID_STORE, arg.name().span(), "a " + s.kind().text()
                        + " store has no setting `" + arg.name().text() + "`; it takes "
                        + String.join(", ", expected.keySet().stream().sorted().toList()));
                continue;
            }
            if (!given.add(arg.name().text())) {
                diags.report(DiagnosticCode.INVALID_STORE, arg.name().span(), "`" + arg.name().text() + "` is given twice");
            }
            Type t = kind.equals("path") ? new Type.Text("path") : Type.SIZE;
            Type actual = expr(arg.value(), t, ctx.returning(null), new Env(null));
            if (kind.equals("path") && actual instanceof Type.Text) {
                continue;
            }
            assignable(arg.value(), actual, t);
        }
        for (String required : expected.keySet().stream().sorted().toList()) {
            if (!given.contains(required)) {
                diags.report(DiagnosticCode.INVALID_STORE, s.name().span(),
                        "store `" + s.name().text() + "` needs `" + required + ": ...`");
            }
        }
    }

    private void action(Decl.Action a, Ctx ctx) {
        Env env = new Env(null);
        params(a.params(), env, ctx);
        block(a.body(), ctx.returning(Type.VOID), new Env(env));
    }

    private void table(Decl.Table t, Ctx ctx) {
        Env env = new Env(null);
        params(t.params(), env, ctx);
        Ctx inTable = ctx.returning(null);
        java.util.List<Type> keyTypes = new java.util.ArrayList<>();
        for (Decl.TableKey key : t.keys()) {
            Type kt = expr(key.expr(), null, inTable, env);
            keyTypes.add(kt);
            String kind = key.matchKind().text();
            if (!Set.of("exact", "lpm", "ternary", "range").contains(kind)) {
                diags.report(DiagnosticCode.UNKNOWN_MATCH_KIND, key.matchKind().span(), kind);
            } else if (kind.equals("lpm") && !(kt instanceof Type.Address || kt instanceof Type.Int
                    || kt instanceof Type.Error)) {
                diags.report(DiagnosticCode.INVALID_PATTERN, key.matchKind().span(), "`lpm`",
                        "a key of type `" + kt.display() + "`");
            }
        }
        if (t.keys().isEmpty()) {
            diags.report(DiagnosticCode.MISSING_TABLE_PROPERTY, t.name().span(), t.name().text(), "`key { ... }`");
        }
        Map<String, Decl.Action> actions = new LinkedHashMap<>();
        for (Name n : t.actions()) {
            Symbol s = lookupValue(n.text(), ctx, null);
            if (s instanceof Symbol.DeclSymbol(Decl.Action a, var m)) {
                actions.put(n.text(), a);
                sem.references.put(n, s);
                checkActionBinding(t, a, n.span(), ctx);
            } else if (s == null) {
                diags.report(DiagnosticCode.UNKNOWN_NAME, n.span(), n.text());
            } else {
                diags.report(DiagnosticCode.TYPE_MISMATCH, n.span(), "an action", s.withArticle());
            }
        }
        if (t.actions().isEmpty()) {
            diags.report(DiagnosticCode.MISSING_TABLE_PROPERTY, t.name().span(), t.name().text(), "`actions { ... }`");
        }
        if (t.defaultAction() == null) {
            diags.report(DiagnosticCode.MISSING_TABLE_PROPERTY, t.name().span(), t.name().text(),
                    "`default ACTION`: what happens when no entry matches");
        } else {
            actionCall(t, t.defaultAction(), actions, ctx);
        }
        if (t.size() != null) {
            expectConst(t.size(), U32, ctx, "a table's size");
        } else if (!t.constEntries() || t.load() != null) {
            diags.report(DiagnosticCode.MISSING_TABLE_PROPERTY, t.name().span(), t.name().text(),
                    "`size N`: entries can be added at run time, so the table needs a bound");
        }
        for (Decl.TableEntry entry : t.entries()) {
            if (entry.patterns().size() != t.keys().size()) {
                diags.report(DiagnosticCode.ENTRY_ARITY, entry.span(), entry.patterns().size(), t.keys().size());
            }
            for (int i = 0; i < Math.min(entry.patterns().size(), t.keys().size()); i++) {
                keyPattern(entry.patterns().get(i), keyTypes.get(i), t.keys().get(i).matchKind().text(), inTable);
            }
            actionCall(t, entry.action(), actions, ctx);
        }
        if (t.load() != null) {
            // `load P` reads a rules file; `load dns_zone(P)` a DNS zone file (docs/rules-files.md).
            Expr file = t.load();
            if (file instanceof Expr.Call c && c.callee() instanceof Expr.NameRef n
                    && n.name().text().equals(ZONE_LOADER)) {
                sem.exprTypes.put(n, Type.VOID);
                sem.exprTypes.put(c, Type.VOID);
                if (c.args().size() != 1) {
                    diags.report(DiagnosticCode.ARGUMENT_COUNT, c.span(), ZONE_LOADER, 1, c.args().size());
                    c.args().forEach(a -> expr(a, null, inTable, new Env(null)));
                    return;
                }
                file = c.args().getFirst();
            }
            Type lt = expr(file, null, inTable, new Env(null));
            if (!(lt instanceof Type.Text) && !(lt instanceof Type.Error)) {
                diags.report(DiagnosticCode.TYPE_MISMATCH, file.span(), "a param of type path", q(lt));
            }
        }
    }

    /** An action's parameters named like the table's are bound from the table's arguments (same type required). */
    private void checkActionBinding(Decl.Table t, Decl.Action a, Span at, Ctx ctx) {
        for (Decl.Param ap : a.params()) {
            for (Decl.Param tp : t.params()) {
                // The action may be declared after the table: its parameters' types are resolved here
                // (type() caches, so they are resolved and reported once).
                Type actionType = type(ap.type(), ctx);
                Type tableType = type(tp.type(), ctx);
                if (ap.name().text().equals(tp.name().text()) && !actionType.equals(tableType)) {
                    diags.report(DiagnosticCode.TYPE_MISMATCH, at, q(tableType), q(actionType));
                    diags.noteLast(Note.at(ap.span(), "action parameter `" + ap.name().text()
                            + "` takes the table's argument of the same name"));
                }
            }
        }
    }

    /** The parameters an entry supplies: those not bound from the table's own parameters. */
    public static List<Decl.Param> actionData(Decl.Table t, Decl.Action a) {
        Set<String> bound = new HashSet<>();
        t.params().forEach(p -> bound.add(p.name().text()));
        return a.params().stream().filter(p -> !bound.contains(p.name().text())).toList();
    }

    private void actionCall(Decl.Table t, Decl.ActionCall call, Map<String, Decl.Action> actions, Ctx ctx) {
        Decl.Action a = actions.get(call.name().text());
        if (a == null) {
            if (!call.name().text().equals("<missing>")) {
                diags.report(DiagnosticCode.NOT_AN_ACTION_OF, call.name().span(), call.name().text(), t.name().text());
            }
            return;
        }
        sem.references.put(call.name(), lookupValue(call.name().text(), ctx, null));
        List<Decl.Param> data = actionData(t, a);
        if (data.size() != call.args().size()) {
            diags.report(DiagnosticCode.ARGUMENT_COUNT, call.span(), a.name().text(), data.size(), call.args().size());
            if (data.size() != a.params().size()) {
                diags.noteLast(Note.plain("an entry gives only the action's data; parameters named like the table's ("
                        + String.join(", ", t.params().stream().map(p -> "`" + p.name().text() + "`").toList())
                        + ") come from the table's arguments"));
            }
        }
        for (int i = 0; i < Math.min(data.size(), call.args().size()); i++) {
            expectConst(call.args().get(i), sem.typeOf(data.get(i).type()), ctx, "an entry's action argument");
        }
    }

    private void keyPattern(Pattern p, Type keyType, String kind, Ctx ctx) {
        Env none = new Env(null);
        boolean ok = switch (p) {
            case Pattern.Wildcard w -> true;
            case Pattern.Range r -> kind.equals("range");
            case Pattern.Mask m -> kind.equals("ternary");
            case Pattern.Value v -> !(v.value() instanceof Expr.AddressLit a && a.isPrefix()) || kind.equals("lpm");
        };
        if (!ok) {
            diags.report(DiagnosticCode.INVALID_PATTERN, p.span(), "`" + p.span().text() + "`",
                    (kind.equals("exact") ? "an" : "a") + " `" + kind + "` key");
            return;
        }
        if (p instanceof Pattern.Value v && v.value() instanceof Expr.AddressLit a && a.isPrefix()) {
            Type t = expr(v.value(), null, ctx, none);
            if (!(keyType instanceof Type.Address addr && addr.kind() == a.kind()) && !(keyType instanceof Type.Error)) {
                diags.report(DiagnosticCode.TYPE_MISMATCH, p.span(), q(keyType), q(t));
            }
            return;
        }
        pattern(p, keyType, ctx, none);
    }

    private void handler(Decl.Handler h, Ctx ctx) {
        String event = h.event().text();
        Env env = new Env(null);
        if (event.equals("timer")) {
            Symbol s = lookupValue(h.source().text(), ctx, null);
            if (s instanceof Symbol.DeclSymbol(Decl.Timer t, var m)) {
                sem.references.put(h.source(), s);
            } else if (s == null) {
                diags.report(DiagnosticCode.UNKNOWN_NAME, h.source().span(), h.source().text());
            } else {
                diags.report(DiagnosticCode.TYPE_MISMATCH, h.source().span(), "a timer", s.withArticle());
            }
        } else {
            String portKind = switch (event) {
                case "packet" -> "packet";
                case "datagram" -> "datagram";
                case "message", "connect" -> "stream";
                default -> null;
            };
            if (portKind == null) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, h.event().span(),
                        "unknown event `" + event + "`; expected packet, datagram, message, connect or timer");
            } else {
                Symbol s = lookupValue(h.source().text(), ctx, null);
                if (s instanceof Symbol.DeclSymbol(Decl.Port p, var m)) {
                    sem.references.put(h.source(), s);
                    if (!p.kind().text().equals(portKind)) {
                        diags.report(DiagnosticCode.WRONG_PORT_KIND, h.source().span(), p.name().text(),
                                p.kind().text(), "`on " + event + "`", portKind);
                    } else if (portKind.equals("stream")) {
                        ctx = streamHandler(h, p, ctx);
                    }
                } else if (s == null) {
                    diags.report(DiagnosticCode.UNKNOWN_NAME, h.source().span(), h.source().text());
                } else {
                    diags.report(DiagnosticCode.TYPE_MISMATCH, h.source().span(), "a port", s.withArticle());
                }
            }
            if (h.binding() != null) {
                Type bt = new Type.Buffer(event.equals("message") ? "message" : event);
                if (h.bindingType() != null) {
                    diags.report(DiagnosticCode.INVALID_DECLARATION, h.bindingType().span(),
                            "a handler's buffer has no type annotation; parse it with a parser");
                }
                sem.references.put(h.binding(), env.define(h.binding(), bt, false));
            }
        }
        if (h.phase() != null && ctx.port() == null) {
            diags.report(DiagnosticCode.INVALID_SESSION, h.phase().span(),
                    "`in " + h.phase().text() + "` names a phase of a session, which only a stream port's"
                            + " `on message` handler has");
        }
        block(h.body(), ctx.returning(Type.VOID), new Env(env));
    }

    /**
     * The context of a stream port's handler: the port, its session (if any) and the session's
     * variables in scope. With a session every message handler names its phase (and `on connect`
     * none); without one, none does.
     */
    private Ctx streamHandler(Decl.Handler h, Decl.Port port, Ctx ctx) {
        Decl.Session session = sessions.get(port.name().text());
        boolean connect = h.event().text().equals("connect");
        if (h.phase() != null) {
            if (connect) {
                diags.report(DiagnosticCode.INVALID_SESSION, h.phase().span(),
                        "`on connect` runs before any phase; enter one with `enter PHASE`");
            } else if (session == null) {
                diags.report(DiagnosticCode.INVALID_SESSION, h.phase().span(),
                        "port `" + port.name().text() + "` has no session, so no phase `" + h.phase().text() + "`");
                diags.noteLast(Note.plain("declare its phases with `session on " + port.name().text()
                        + " { phase NAME framed ... }`"));
            } else {
                phase(session, h.phase(), ctx.module());
            }
        } else if (session != null && !connect) {
            diags.report(DiagnosticCode.INVALID_SESSION, h.source().span(),
                    "port `" + port.name().text() + "` has a session: its message handlers name their phase,"
                            + " `on message m from " + port.name().text() + " in PHASE`");
        }
        Map<String, Symbol> members = ctx.members();
        if (session != null && !session.vars().isEmpty()) {
            members = new LinkedHashMap<>(members);
            for (Decl.SessionVar v : session.vars()) {
                members.put(v.name().text(), new Symbol.DeclSymbol(v, ctx.module()));
            }
        }
        return new Ctx(ctx.module(), members, ctx.returnType(), port, session);
    }

    private void test(Decl.Test t, Ctx ctx) {
        Env env = new Env(null);
        Ctx inTest = ctx.returning(null);
        // The port of the last `send` or `connect`, whose connection `expect phase` looks at.
        Decl.Port lastPort = null;
        for (Decl.TestStmt s : t.statements()) {
            switch (s) {
                case Decl.Send send -> {
                    lastPort = testPort(send.port(), ctx, false);
                    testPacket(send.packet(), inTest, env, "`send`");
                }
                case Decl.ExpectDrop d -> {}
                case Decl.Connect c -> {
                    Decl.Port p = testPort(c.port(), ctx, false);
                    if (p != null && !p.kind().text().equals("stream")) {
                        diags.report(DiagnosticCode.INVALID_TEST, c.port().span(), "`" + c.port().text() + "` is a "
                                + p.kind().text() + " port: only a stream port has connections");
                    }
                    lastPort = p;
                }
                case Decl.ExpectClose c -> {
                    Symbol hiding = lookupValue("close", inTest, env);
                    if (hiding != null) {
                        // As for `expect phase`: whatever the test sees named `close` wins over the
                        // word of the check, which is then `expect BOOL-EXPR` on that value.
                        int errors = diags.errorCount();
                        expect(c.value(), Type.BOOL, inTest, env);
                        if (diags.errorCount() > errors) {
                            diags.noteLast(Note.at(hiding.declaredAt(), "`close` is this " + hiding.describe()
                                    + ", which hides the check that the connection closed (`expect close`"
                                    + " checks it where nothing is named `close`): rename it"));
                        }
                    } else if (lastPort == null || !lastPort.kind().text().equals("stream")) {
                        diags.report(DiagnosticCode.INVALID_TEST, c.span(), "`expect close` looks at the connection"
                                + " of the last `send` or `connect`, which must be on a stream port");
                    }
                }
                case Decl.ExpectPhase e -> {
                    Decl.Session session = lastPort == null ? null : sessions.get(lastPort.name().text());
                    Symbol hiding = lookupValue("phase", inTest, env);
                    if (hiding != null) {
                        // Ordinary scoping: whatever the test sees named `phase` wins over the word of
                        // the check (as C#'s contextual `var` yields to a type named so), and the
                        // words are the comparison they spell.
                        expect(e.comparison(), Type.BOOL, inTest, env);
                        if (session != null && lookupValue(e.phase().text(), inTest, env) == null
                                && session.phases().stream().anyMatch(p -> p.name().text().equals(e.phase().text()))) {
                            // The unknown name is a phase: the user meant the check the value hides.
                            diags.noteLast(Note.at(hiding.declaredAt(), "`phase` is this " + hiding.describe()
                                    + ", which hides the check of the connection's phase (`expect phase == "
                                    + e.phase().text() + "` checks it where nothing is named `phase`): rename it"));
                        }
                    } else if (session == null) {
                        diags.report(DiagnosticCode.INVALID_TEST, e.span(), "`expect phase` looks at the connection"
                                + " of the last `send` or `connect`, which must be on a port with a session");
                    } else {
                        phase(session, e.phase(), ctx.module());
                    }
                }
                case Decl.ExpectForward f -> {
                    testPort(f.port(), ctx, true);
                    if (f.packet() != null) {
                        testPacket(f.packet(), inTest, env, "`expect forward`");
                    }
                }
                case Decl.ExpectReply r -> {
                    if (r.packet() != null) {
                        testPacket(r.packet(), inTest, env, "`expect reply`");
                    }
                }
                case Decl.ExpectState e -> expect(e.condition(), Type.BOOL, inTest, env);
                case Decl.TestLet l -> {
                    Type declared = l.type() == null ? null : type(l.type(), ctx);
                    Type v = declared == null ? expr(l.value(), null, inTest, env) : expect(l.value(), declared, inTest, env);
                    sem.references.put(l.name(), env.define(l.name(), declared != null ? declared : v, false));
                }
            }
        }
    }

    /** The port a test names, or null (reported) when the name is no port. */
    private Decl.Port testPort(Name port, Ctx ctx, boolean forwarded) {
        Symbol s = lookupValue(port.text(), ctx, null);
        if (s instanceof Symbol.DeclSymbol(Decl.Port p, var m)) {
            sem.references.put(port, s);
            if (forwarded && !p.kind().text().equals("packet")) {
                diags.report(DiagnosticCode.INVALID_TEST, port.span(), "`" + port.text() + "` is a " + p.kind().text()
                        + " port: packets are forwarded only to packet ports (expect a reply instead)");
            }
            return p;
        } else if (s == null) {
            diags.report(DiagnosticCode.UNKNOWN_NAME, port.span(), port.text());
        } else {
            diags.report(DiagnosticCode.TYPE_MISMATCH, port.span(), "a port", s.withArticle());
        }
        return null;
    }

    private void testPacket(Expr e, Ctx ctx, Env env, String statement) {
        // A string is its UTF-8 bytes here, as for text protocols: `send clients "PING\r\n"`.
        Type t = expr(e, e instanceof Expr.StringLit ? Type.BYTES : null, ctx, env);
        if (!isPacketPart(t) && !(t instanceof Type.Error)) {
            diags.report(DiagnosticCode.INVALID_TEST, e.span(), statement
                    + " needs a packet: headers and bytes stacked with `/`, not " + q(t));
        }
    }

    /** Bytes for a packet: headers and byte strings, alone or stacked with {@code /}. */
    private void packetValue(Expr e, Ctx ctx, Env env) {
        Type t = expr(e, null, ctx, env);
        if (!(t instanceof Type.Stack || t instanceof Type.Header || t instanceof Type.Bytes
                || t instanceof Type.Error)) {
            diags.report(DiagnosticCode.TYPE_MISMATCH, e.span(), "a packet: headers and bytes stacked with `/`",
                    q(t));
        }
    }

    // ---- Types --------------------------------------------------------------------------------

    Type type(TypeRef ref, Ctx ctx) {
        Type cached = sem.typeRefs.get(ref);
        if (cached != null) {
            return cached;
        }
        Type t = switch (ref) {
            case TypeRef.Named n -> namedType(n, ctx);
            case TypeRef.Array a -> {
                Type element = type(a.element(), ctx);
                expectConst(a.length(), U32, ctx, "an array's length");
                BigInteger n = consts.value(a.length());
                if (n != null && n.signum() <= 0) {
                    diags.report(DiagnosticCode.INVALID_DECLARATION, a.length().span(), "an array has at least one element");
                }
                yield new Type.Array(element, n == null ? 1 : n.longValue());
            }
        };
        sem.typeRefs.put(ref, t);
        return t;
    }

    private Type namedType(TypeRef.Named n, Ctx ctx) {
        if (n.path().getFirst().text().equals("<missing>")) {
            return Type.ERROR;
        }
        Name first = n.path().getFirst();
        if (n.path().size() == 1) {
            Type builtin = BuiltinTypes.lookup(first.text());
            if (builtin != null) {
                return builtin;
            }
            if (BuiltinTypes.integerWidth(first.text()) >= 0) {
                diags.report(DiagnosticCode.INVALID_WIDTH, first.span(), first.text());
                return Type.ERROR;
            }
        }
        Symbol s = lookupValue(first.text(), ctx, null);
        for (int i = 1; i < n.path().size() && s != null; i++) {
            Name part = n.path().get(i);
            if (s instanceof Symbol.ModuleSymbol ms) {
                sem.references.put(n.path().get(i - 1), s);
                s = ms.module().declared(part.text());
                if (s == null) {
                    diags.report(DiagnosticCode.NOT_IN_MODULE, part.span(), ms.module().name(), part.text());
                    return Type.ERROR;
                }
            } else {
                diags.report(DiagnosticCode.NOT_A_TYPE, n.span(), n.text(), "a member of " + s.withArticle());
                return Type.ERROR;
            }
        }
        Name last = n.path().getLast();
        if (s == null) {
            diags.report(DiagnosticCode.UNKNOWN_TYPE, n.span(), n.text());
            return Type.ERROR;
        }
        sem.references.put(last, s);
        sem.references.put(n, s);
        if (s instanceof Symbol.DeclSymbol ds) {
            Ctx declCtx = new Ctx(ds.module(), Map.of(), null);
            Ctx owner = ds.module() == ctx.module() ? ctx : declCtx;
            switch (ds.decl()) {
                case Decl.Enum e -> {
                    Type.Enum t = enumType(e, owner);
                    return t == null ? Type.ERROR : t;
                }
                case Decl.Header h -> {
                    headerLayout(h, owner);
                    return new Type.Header(h);
                }
                case Decl.Struct st -> {
                    structType(st, owner);
                    return new Type.Struct(st);
                }
                case Decl.Parser p -> {
                    return new Type.Parsed(p);
                }
                default -> {}
            }
        }
        diags.report(DiagnosticCode.NOT_A_TYPE, n.span(), n.text(), s.withArticle());
        return Type.ERROR;
    }

    // ---- Statements ---------------------------------------------------------------------------

    private void block(Stmt.Block b, Ctx ctx, Env env) {
        for (Stmt s : b.statements()) {
            stmt(s, ctx, env);
        }
    }

    private void stmt(Stmt s, Ctx ctx, Env env) {
        switch (s) {
            case Stmt.Let l -> let(l, ctx, env);
            case Stmt.If i -> {
                expect(i.condition(), Type.BOOL, ctx, env);
                block(i.then(), ctx, new Env(env));
                if (i.orElse() != null) {
                    block(i.orElse(), ctx, new Env(env));
                }
            }
            case Stmt.Match m -> {
                Type subject = expr(m.subject(), null, ctx, env);
                for (Stmt.MatchArm arm : m.arms()) {
                    for (Pattern p : arm.patterns()) {
                        pattern(p, subject, ctx, env);
                    }
                    block(arm.body(), ctx, new Env(env));
                }
            }
            case Stmt.For f -> forLoop(f, ctx, env);
            case Stmt.Return r -> {
                Type expected = ctx.returnType() == null ? Type.VOID : ctx.returnType();
                if (r.value() == null) {
                    if (!(expected instanceof Type.Void)) {
                        diags.report(DiagnosticCode.TYPE_MISMATCH, r.span(), q(expected), "no value");
                    }
                } else if (expected instanceof Type.Void) {
                    expr(r.value(), null, ctx, env);
                    diags.report(DiagnosticCode.TYPE_MISMATCH, r.value().span(),
                            "no value (this returns nothing)", q(sem.typeOf(r.value())));
                } else {
                    expect(r.value(), expected, ctx, env);
                }
            }
            case Stmt.Forward f -> portName(f.port(), ctx);
            case Stmt.Reply r -> {
                if (r.value() != null) {
                    packetValue(r.value(), ctx, env);
                }
            }
            case Stmt.Push p -> {
                Type h = expr(p.header(), null, ctx, env);
                if (!(h instanceof Type.Header || h instanceof Type.Stack || h instanceof Type.Error)) {
                    diags.report(DiagnosticCode.TYPE_MISMATCH, p.header().span(), "a header", q(h));
                }
                parsedHeader(p.anchor(), ctx, env);
            }
            case Stmt.Pop p -> parsedHeader(p.header(), ctx, env);
            case Stmt.Assign a -> assign(a, ctx, env);
            case Stmt.ExprStmt e -> {
                Type t = expr(e.expr(), null, ctx, env);
                if (!(e.expr() instanceof Expr.Call) && !(t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.INVALID_DECLARATION, e.span(), "an expression alone does nothing");
                }
            }
            case Stmt.Break b -> {}
            case Stmt.Continue c -> {}
            case Stmt.Drop d -> {}
            case Stmt.Enter e -> {
                if (ctx.session() == null) {
                    diags.report(DiagnosticCode.NOT_ALLOWED_HERE, e.span(), "`enter`",
                            ctx.port() == null ? "this body: only a stream port's handlers change its phase"
                                    : "a handler of `" + ctx.port().name().text() + "`, which has no session");
                } else {
                    phase(ctx.session(), e.phase(), ctx.module());
                }
            }
            case Stmt.Close c -> {
                if (ctx.port() == null) {
                    diags.report(DiagnosticCode.NOT_ALLOWED_HERE, c.span(), "`close`",
                            "this body: only a stream port's handlers close its connections");
                }
            }
        }
    }

    private void let(Stmt.Let l, Ctx ctx, Env env) {
        Type declared = l.type() == null ? null : type(l.type(), ctx);
        Type value;
        boolean optional = isOptionalGet(l.value(), ctx, env);
        if (l.orElse() != null && !optional) {
            diags.report(DiagnosticCode.NOT_ALLOWED_HERE, l.span(), "`let ... else`",
                    "a binding whose value is always there (only a lookup like `map.get(key)` can be missing)");
        }
        if (l.orElse() != null) {
            block(l.orElse(), ctx, new Env(env));
        }
        boolean withElse = optional && l.orElse() != null;
        value = declared == null ? expr(l.value(), null, ctx, env, withElse)
                : expect(l.value(), declared, ctx, env, withElse);
        Type bound = declared != null ? declared : value;
        if (bound instanceof Type.UntypedInt) {
            diags.report(DiagnosticCode.UNTYPED_LITERAL, l.value().span());
            bound = Type.ERROR;
        }
        sem.references.put(l.name(), env.define(l.name(), bound, l.mutable()));
    }

    /** {@code map.get(k)}, {@code kv.get(k)}, {@code log.read(o)}: lookups that may find nothing. */
    private boolean isOptionalGet(Expr e, Ctx ctx, Env env) {
        if (e instanceof Expr.Call c && c.callee() instanceof Expr.Field f && f.target() instanceof Expr.NameRef n
                && env.lookup(n.name().text()) == null) {
            Symbol s = lookupValue(n.name().text(), ctx, null);
            String m = f.field().text();
            return s instanceof Symbol.DeclSymbol ds && switch (ds.decl()) {
                case Decl.MapDecl md -> m.equals("get");
                case Decl.Store st -> (st.kind().text().equals("kv") && m.equals("get"))
                        || (st.kind().text().equals("log") && m.equals("read"));
                default -> false;
            };
        }
        return false;
    }

    private void forLoop(Stmt.For f, Ctx ctx, Env env) {
        Type from = expr(f.from(), null, ctx, env);
        Type to = expr(f.to(), null, ctx, env);
        Type counter;
        if (from instanceof Type.Int) {
            counter = from;
            expect(f.to(), from, ctx, env);
        } else if (to instanceof Type.Int) {
            counter = to;
            expect(f.from(), to, ctx, env);
        } else if (from instanceof Type.UntypedInt && to instanceof Type.UntypedInt) {
            counter = U32; // a loop over two literals counts in u32 (documented in docs/language.md)
            expect(f.from(), U32, ctx, env);
            expect(f.to(), U32, ctx, env);
        } else {
            requireInteger(f.from(), from);
            requireInteger(f.to(), to);
            counter = Type.ERROR;
        }
        if (f.max() != null) {
            expectConst(f.max(), U32, ctx, "a loop's `max`");
        }
        Env body = new Env(env);
        sem.references.put(f.variable(), body.define(f.variable(), counter, false));
        block(f.body(), ctx, body);
    }

    private void portName(Name port, Ctx ctx) {
        Symbol s = lookupValue(port.text(), ctx, null);
        if (s instanceof Symbol.DeclSymbol(Decl.Port p, var m)) {
            sem.references.put(port, s);
        } else if (s == null) {
            diags.report(DiagnosticCode.UNKNOWN_NAME, port.span(), port.text());
        } else {
            diags.report(DiagnosticCode.TYPE_MISMATCH, port.span(), "a port", s.withArticle());
        }
    }

    /** {@code h.ip}: a header of a parsed packet, as push and pop need. */
    private void parsedHeader(Expr e, Ctx ctx, Env env) {
        Type t = expr(e, null, ctx, env);
        boolean ok = e instanceof Expr.Field f && sem.typeOf(f.target()) instanceof Type.Parsed
                && t instanceof Type.Header;
        if (!ok && !(t instanceof Type.Error)) {
            diags.report(DiagnosticCode.TYPE_MISMATCH, e.span(), "a header of a parsed packet, like `h.ip`",
                    q(t));
        }
    }

    private void assign(Stmt.Assign a, Ctx ctx, Env env) {
        Type target = expr(a.target(), null, ctx, env);
        String why = assignability(a.target(), ctx, env);
        if (why != null) {
            diags.report(DiagnosticCode.NOT_ASSIGNABLE, a.target().span(), a.target().span().text(), why);
        }
        if (a.op() == Stmt.AssignOp.SET) {
            expect(a.value(), target, ctx, env);
        } else if (a.op().binary.isShift()) {
            requireInteger(a.target(), target);
            requireInteger(a.value(), expr(a.value(), null, ctx, env));
        } else {
            Type value = expr(a.value(), target, ctx, env);
            arithmetic(a.op().binary, a.target(), target, a.value(), value, a.span());
        }
    }

    /** Null when the place can be written, else why not. */
    private String assignability(Expr place, Ctx ctx, Env env) {
        return switch (place) {
            case Expr.NameRef n -> switch (sem.referenceOf(n)) {
                case Symbol.Local l when l.type() instanceof Type.Parsed -> "a parsed packet is parsed once, where it is bound";
                case Symbol.Local l -> l.mutable() ? null : "`" + l.name() + "` is not a `var`";
                case Symbol.DeclSymbol(Decl.Counter c, var m) -> null;
                case Symbol.DeclSymbol(Decl.SessionVar v, var m) -> null;
                case null -> null; // unknown name, already reported
                case Symbol s -> "it is " + s.withArticle();
            };
            case Expr.Field f -> {
                Type owner = sem.typeOf(f.target());
                if (owner instanceof Type.Header h && sem.layoutOf(h.decl()) != null
                        && sem.layoutOf(h.decl()).field(f.field().text()) != null
                        && sem.layoutOf(h.decl()).field(f.field().text()).isTrailingBytes()) {
                    yield "its length comes from the packet; write its bytes with `push` instead";
                }
                if (owner instanceof Type.Header) {
                    // A field of a parsed header rewrites the packet; a local header value must be a var.
                    yield f.target() instanceof Expr.Field inner && sem.typeOf(inner.target()) instanceof Type.Parsed
                            ? null : assignability(f.target(), ctx, env);
                }
                if (owner instanceof Type.Struct || owner instanceof Type.Array) {
                    yield assignability(f.target(), ctx, env);
                }
                yield owner instanceof Type.Error ? null : "it is not a field of a header or struct";
            }
            case Expr.Index i -> sem.typeOf(i.target()) instanceof Type.Array ? assignability(i.target(), ctx, env)
                    : sem.typeOf(i.target()) instanceof Type.Error ? null : "only an array element can be assigned";
            case Expr.Error e -> null;
            default -> "it is not a variable, a field or a counter";
        };
    }

    // ---- Patterns -----------------------------------------------------------------------------

    private void pattern(Pattern p, Type subject, Ctx ctx, Env env) {
        boolean scalar = subject.bits() > 0 && subject.bits() <= 64 || subject instanceof Type.ActionOf
                || subject instanceof Type.Enum
                || subject instanceof Type.Size || subject instanceof Type.Duration || subject instanceof Type.UntypedInt
                || subject instanceof Type.Error;
        if (!scalar && !(p instanceof Pattern.Wildcard)) {
            diags.report(DiagnosticCode.INVALID_PATTERN, p.span(), "`" + p.span().text() + "`",
                    "a subject of type " + q(subject) + ": patterns match integers, booleans, enums, addresses"
                            + " of up to 64 bits, sizes and durations");
            return;
        }
        switch (p) {
            case Pattern.Wildcard w -> {}
            case Pattern.Value v -> {
                if (subject instanceof Type.ActionOf a && v.value() instanceof Expr.NameRef n) {
                    actionName(n, a, ctx);
                    return;
                }
                expect(v.value(), subject, ctx, env);
                requireConstPattern(v.value());
            }
            case Pattern.Range r -> {
                expect(r.low(), subject, ctx, env);
                expect(r.high(), subject, ctx, env);
                requireOrdered(r.low(), subject);
                requireConstPattern(r.low());
                requireConstPattern(r.high());
            }
            case Pattern.Mask m -> {
                expect(m.value(), subject, ctx, env);
                expect(m.mask(), subject, ctx, env);
                requireConstPattern(m.value());
                requireConstPattern(m.mask());
            }
        }
    }

    private void requireConstPattern(Expr e) {
        if (!(sem.typeOf(e) instanceof Type.Error) && !consts.isConstant(e)
                && !(e instanceof Expr.AddressLit)) {
            diags.report(DiagnosticCode.NOT_CONSTANT, e.span(), "a pattern");
        }
    }

    private void requireOrdered(Expr e, Type t) {
        if (!(t instanceof Type.Int || t instanceof Type.Address || t instanceof Type.Size
                || t instanceof Type.Duration || t instanceof Type.Error || t instanceof Type.UntypedInt)) {
            diags.report(DiagnosticCode.INVALID_OPERATOR, e.span(), "..", t.display());
        }
    }

    private void actionName(Expr.NameRef n, Type.ActionOf of, Ctx ctx) {
        for (Name a : of.table().actions()) {
            if (a.text().equals(n.name().text())) {
                sem.references.put(n, lookupValue(a.text(), ctx, null));
                sem.exprTypes.put(n, of);
                return;
            }
        }
        diags.report(DiagnosticCode.NOT_AN_ACTION_OF, n.span(), n.name().text(), of.table().name().text());
        sem.exprTypes.put(n, Type.ERROR);
    }

    // ---- Expressions --------------------------------------------------------------------------

    /** Checks that e has the expected type (giving integer literals that type). */
    private Type expect(Expr e, Type expected, Ctx ctx, Env env) {
        return expect(e, expected, ctx, env, false);
    }

    private Type expect(Expr e, Type expected, Ctx ctx, Env env, boolean optionalAllowed) {
        Type actual = expr(e, expected, ctx, env, optionalAllowed);
        return assignable(e, actual, expected);
    }

    private Type assignable(Expr e, Type actual, Type expected) {
        if (actual instanceof Type.Error || expected instanceof Type.Error || actual.equals(expected)) {
            return expected;
        }
        if (actual instanceof Type.UntypedInt && expected instanceof Type.Int) {
            return expected;
        }
        // A datagram and a stream's message are both one message of a protocol, without framing:
        // one parser or action serves a protocol over UDP and TCP alike. A packet is a frame.
        if (actual instanceof Type.Buffer a && expected instanceof Type.Buffer x && !a.kind().equals("packet")
                && !x.kind().equals("packet")) {
            return expected;
        }
        if (actual instanceof Type.Int a && expected instanceof Type.Int x && a.signed() == x.signed()) {
            diags.report(DiagnosticCode.WIDTH_MISMATCH, e.span(), expected.display(), actual.display());
        } else if (isUnit(actual) != isUnit(expected) && (Type.isInteger(actual) || Type.isInteger(expected))) {
            diags.report(DiagnosticCode.UNIT_MISMATCH, e.span(), expected.display(), actual.display());
            if (actual instanceof Type.UntypedInt && isUnit(expected)) {
                diags.noteLast(Note.plain("write the number with its unit, like `" + e.span().text()
                        + (expected instanceof Type.Size ? "B` or `" + e.span().text() + "KiB`"
                                : "s` or `" + e.span().text() + "ms`")));
            }
        } else {
            diags.report(DiagnosticCode.TYPE_MISMATCH, e.span(), q(expected), q(actual));
        }
        return Type.ERROR;
    }

    private static boolean isUnit(Type t) {
        return t instanceof Type.Size || t instanceof Type.Duration;
    }

    private Type expr(Expr e, Type expected, Ctx ctx, Env env) {
        return expr(e, expected, ctx, env, false);
    }

    private Type expr(Expr e, Type expected, Ctx ctx, Env env, boolean optionalAllowed) {
        Type t = compute(e, expected, ctx, env, optionalAllowed);
        sem.exprTypes.put(e, t);
        return t;
    }

    private Type compute(Expr e, Type expected, Ctx ctx, Env env, boolean optionalAllowed) {
        return switch (e) {
            case Expr.IntLit i -> intLiteral(i, i.value(), expected);
            case Expr.BoolLit b -> Type.BOOL;
            case Expr.SizeLit s -> Type.SIZE;
            case Expr.DurationLit d -> Type.DURATION;
            case Expr.AddressLit a -> a.isPrefix() ? new Type.Prefix(a.kind()) : new Type.Address(a.kind());
            case Expr.StringLit s -> expected instanceof Type.Bytes ? Type.BYTES
                    : expected instanceof Type.Text t ? t : new Type.Text("string");
            case Expr.BytesLit b -> Type.BYTES;
            case Expr.NameRef n -> nameRef(n, ctx, env);
            case Expr.Field f -> field(f, ctx, env);
            case Expr.Call c -> call(c, ctx, env, optionalAllowed);
            case Expr.Index i -> index(i, ctx, env);
            case Expr.Cast c -> cast(c, ctx, env);
            case Expr.Unary u -> unary(u, expected, ctx, env);
            case Expr.Binary b -> binary(b, expected, ctx, env);
            case Expr.StructLit s -> structLiteral(s, ctx, env);
            case Expr.ArrayLit a -> arrayLiteral(a, expected, ctx, env);
            case Expr.Error err -> Type.ERROR;
        };
    }

    private Type intLiteral(Expr e, BigInteger value, Type expected) {
        if (expected instanceof Type.Int(int width, boolean signed)) {
            BigInteger min = signed ? BigInteger.ONE.shiftLeft(width - 1).negate() : BigInteger.ZERO;
            BigInteger max = signed ? BigInteger.ONE.shiftLeft(width - 1).subtract(BigInteger.ONE)
                    : BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                diags.report(DiagnosticCode.LITERAL_OVERFLOW, e.span(), "`" + e.span().text() + "`", expected.display());
                return Type.ERROR;
            }
            return expected;
        }
        return Type.UNTYPED_INT;
    }

    private Type nameRef(Expr.NameRef n, Ctx ctx, Env env) {
        String name = n.name().text();
        if (name.equals("<missing>")) {
            return Type.ERROR;
        }
        Symbol s = lookupValue(name, ctx, env);
        if (s == null) {
            if (name.equals("_")) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, n.span(), "`_` is only a pattern");
            } else if (BuiltinTypes.isBuiltin(name)) {
                diags.report(DiagnosticCode.NOT_A_VALUE, n.span(), name, "a type");
            } else {
                diags.report(DiagnosticCode.UNKNOWN_NAME, n.span(), name);
                for (Decl.Session session : sessions.values()) {
                    if (session.vars().stream().anyMatch(v -> v.name().text().equals(name))) {
                        diags.noteLast(Note.plain("`" + name + "` is a session variable of port `"
                                + session.port().text() + "`: only that port's handlers see it"));
                    }
                }
            }
            return Type.ERROR;
        }
        sem.references.put(n, s);
        return switch (s) {
            case Symbol.Local l -> l.type();
            case Symbol.DeclSymbol ds -> switch (ds.decl()) {
                case Decl.Const c -> constType(c, ds.module());
                case Decl.ParamDecl p -> {
                    Type t = sem.declTypes.get(p);
                    yield t == null ? type(p.type(), ctx) : t;
                }
                case Decl.Counter c -> U64;
                case Decl.SessionVar v -> {
                    Type t = sem.declTypes.get(v);
                    yield t == null ? Type.ERROR : t;
                }
                case Decl.Action a -> {
                    // Only a comparison with a table's result names an action as a value; binary() and
                    // pattern() handle that before coming here.
                    diags.report(DiagnosticCode.NOT_A_VALUE, n.span(), name, s.withArticle());
                    yield Type.ERROR;
                }
                default -> {
                    diags.report(DiagnosticCode.NOT_A_VALUE, n.span(), name, s.withArticle());
                    yield Type.ERROR;
                }
            };
            default -> {
                diags.report(DiagnosticCode.NOT_A_VALUE, n.span(), name, s.withArticle());
                yield Type.ERROR;
            }
        };
    }

    private Type constType(Decl.Const c, Module owner) {
        Type t = sem.declTypes.get(c);
        if (t == null) {
            t = type(c.type(), new Ctx(owner, Map.of(), null));
        }
        return t;
    }

    private Type field(Expr.Field f, Ctx ctx, Env env) {
        String name = f.field().text();
        if (name.equals("<missing>")) {
            expr(f.target(), null, ctx, env);
            return Type.ERROR;
        }
        // A dotted name may be a module member or an enum case rather than a value's field.
        Symbol owner = staticTarget(f.target(), ctx, env);
        if (owner instanceof Symbol.ModuleSymbol ms) {
            Symbol member = ms.module().declared(name);
            if (member == null) {
                diags.report(DiagnosticCode.NOT_IN_MODULE, f.field().span(), ms.module().name(), name);
                return Type.ERROR;
            }
            sem.references.put(f, member);
            sem.references.put(f.field(), member);
            if (member instanceof Symbol.DeclSymbol(Decl.Const c, var m)) {
                return constType(c, m);
            }
            diags.report(DiagnosticCode.NOT_A_VALUE, f.span(), f.span().text(), member.withArticle());
            return Type.ERROR;
        }
        if (owner instanceof Symbol.DeclSymbol(Decl.Enum en, var m)) {
            Type.Enum et = enumType(en, new Ctx(m, Map.of(), null));
            for (Decl.EnumCase c : en.cases()) {
                if (c.name().text().equals(name)) {
                    Symbol cs = new Symbol.EnumCase(en, c);
                    sem.references.put(f, cs);
                    sem.references.put(f.field(), cs);
                    return et == null ? Type.ERROR : et;
                }
            }
            diags.report(DiagnosticCode.UNKNOWN_FIELD, f.field().span(), en.name().text(), name);
            return Type.ERROR;
        }
        if (owner != null) {
            diags.report(DiagnosticCode.NOT_A_VALUE, f.target().span(), f.target().span().text(), owner.withArticle());
            return Type.ERROR;
        }
        Type target = expr(f.target(), null, ctx, env);
        return switch (target) {
            case Type.Error err -> Type.ERROR;
            case Type.Header h -> {
                if (name.equals("valid") && f.target() instanceof Expr.Field inner
                        && sem.typeOf(inner.target()) instanceof Type.Parsed && h.decl().fields().stream()
                        .noneMatch(x -> x.name().text().equals("valid"))) {
                    yield Type.BOOL;
                }
                HeaderLayout layout = headerLayout(h.decl(), ctx);
                HeaderLayout.FieldLayout fl = layout == null ? null : layout.field(name);
                if (fl == null) {
                    yield unknownField(f, target);
                }
                sem.references.put(f, new Symbol.Field(fl.field().name(), fl.type()));
                sem.references.put(f.field(), sem.references.get(f));
                yield fl.type();
            }
            case Type.Struct s -> {
                for (Decl.StructField sf : s.decl().fields()) {
                    if (sf.name().text().equals(name)) {
                        Type ft = type(sf.type(), ctx);
                        sem.references.put(f, new Symbol.Field(sf.name(), ft));
                        sem.references.put(f.field(), sem.references.get(f));
                        yield ft;
                    }
                }
                yield unknownField(f, target);
            }
            case Type.Parsed p -> {
                ParserGraph g = sem.parsers.get(p.decl());
                if (name.equals("payload")) {
                    yield Type.BYTES;
                }
                if (g != null) {
                    for (Decl.ParserState s : g.states().values()) {
                        for (Decl.Extract x : s.extracts()) {
                            if (x.name().text().equals(name)) {
                                Type ht = sem.typeOf(x.type());
                                sem.references.put(f, new Symbol.Field(x.name(), ht));
                                sem.references.put(f.field(), sem.references.get(f));
                                yield ht;
                            }
                        }
                    }
                }
                yield unknownField(f, target);
            }
            case Type.Bytes b when name.equals("len") -> U32;
            case Type.Buffer b when name.equals("len") -> U32;
            default -> unknownField(f, target);
        };
    }

    private Type unknownField(Expr.Field f, Type target) {
        diags.report(DiagnosticCode.UNKNOWN_FIELD, f.field().span(), target.display(), f.field().text());
        return Type.ERROR;
    }

    /** The module or enum a dotted name starts from, if it names one rather than a value. */
    private Symbol staticTarget(Expr target, Ctx ctx, Env env) {
        if (target instanceof Expr.NameRef n && env != null && env.lookup(n.name().text()) == null) {
            Symbol s = lookupValue(n.name().text(), ctx, env);
            if (s instanceof Symbol.ModuleSymbol || s instanceof Symbol.DeclSymbol ds && isStatic(ds.decl())) {
                sem.references.put(n, s);
                sem.exprTypes.put(n, Type.VOID);
                return s;
            }
        }
        if (target instanceof Expr.Field inner && staticTarget(inner.target(), ctx, env) instanceof Symbol.ModuleSymbol ms) {
            Symbol member = ms.module().declared(inner.field().text());
            if (member instanceof Symbol.DeclSymbol ds && isStatic(ds.decl())) {
                sem.references.put(inner, member);
                sem.references.put(inner.field(), member);
                sem.exprTypes.put(inner, Type.VOID);
                return member;
            }
        }
        return null;
    }

    /** Declarations that are not values: using one with a dot means a case or a member. */
    private static boolean isStatic(Decl d) {
        return d instanceof Decl.Enum || d instanceof Decl.Header || d instanceof Decl.Struct
                || d instanceof Decl.Parser || d instanceof Decl.Appliance;
    }

    private Type index(Expr.Index i, Ctx ctx, Env env) {
        Type target = expr(i.target(), null, ctx, env);
        Type index = expr(i.index(), null, ctx, env);
        requireInteger(i.index(), index);
        return switch (target) {
            case Type.Bytes b -> U8;
            case Type.Array a -> a.element();
            case Type.Error err -> Type.ERROR;
            default -> {
                diags.report(DiagnosticCode.INVALID_OPERATOR, i.span(), "[]", target.display());
                yield Type.ERROR;
            }
        };
    }

    private Type cast(Expr.Cast c, Ctx ctx, Env env) {
        Type to = type(c.type(), ctx);
        // The operand is typed on its own, then converted: `(0 - x) as i64` subtracts in x's type.
        // Only an operand with no type of its own (literals) takes the target's, and must fit it.
        Type from = expr(c.value(), null, ctx, env);
        if (from instanceof Type.UntypedInt && to instanceof Type.Int) {
            from = expr(c.value(), to, ctx, env);
        }
        if (from instanceof Type.Error || to instanceof Type.Error || from.equals(to)) {
            return to;
        }
        boolean ok = switch (to) {
            case Type.Int i -> from instanceof Type.Int || from instanceof Type.UntypedInt || from instanceof Type.Bool
                    || from instanceof Type.Size || from instanceof Type.Duration
                    || (from instanceof Type.Enum en && en.wire() != null)
                    || (from instanceof Type.Address a && a.bits() == i.width());
            case Type.Size s -> Type.isInteger(from);
            case Type.Duration d -> Type.isInteger(from);
            case Type.Bool b -> from instanceof Type.Int i && i.width() == 1;
            case Type.Address a -> a.bits() <= 64 && ((from instanceof Type.Int i && i.width() == a.bits())
                    || from instanceof Type.UntypedInt);
            default -> false;
        };
        if (!ok) {
            diags.report(DiagnosticCode.INVALID_CAST, c.span(), from.display(), to.display());
        }
        return to;
    }

    private Type unary(Expr.Unary u, Type expected, Ctx ctx, Env env) {
        if (u.op() == Expr.UnaryOp.NOT) {
            expect(u.operand(), Type.BOOL, ctx, env);
            return Type.BOOL;
        }
        if (u.op() == Expr.UnaryOp.NEG && u.operand() instanceof Expr.IntLit lit) {
            Type t = intLiteral(u, lit.value().negate(), expected);
            sem.exprTypes.put(lit, t);
            return t;
        }
        Type t = expr(u.operand(), expected, ctx, env);
        boolean ok = t instanceof Type.Int || t instanceof Type.UntypedInt || t instanceof Type.Error
                || (u.op() == Expr.UnaryOp.BIT_NOT && t instanceof Type.Address);
        if (!ok) {
            diags.report(DiagnosticCode.INVALID_OPERATOR, u.span(), u.op().symbol, t.display());
            return Type.ERROR;
        }
        return t;
    }

    private Type binary(Expr.Binary b, Type expected, Ctx ctx, Env env) {
        Expr.BinaryOp op = b.op();
        if (op.isLogical()) {
            expect(b.left(), Type.BOOL, ctx, env);
            expect(b.right(), Type.BOOL, ctx, env);
            return Type.BOOL;
        }
        if (op.isShift()) {
            Type left = expr(b.left(), expected, ctx, env);
            Type right = expr(b.right(), null, ctx, env);
            if (!(left instanceof Type.Int || left instanceof Type.UntypedInt || left instanceof Type.Error)) {
                diags.report(DiagnosticCode.INVALID_OPERATOR, b.span(), op.symbol, left.display());
                return Type.ERROR;
            }
            if (right instanceof Type.Int r && r.signed()) {
                diags.report(DiagnosticCode.INVALID_OPERATOR, b.right().span(), op.symbol, right.display());
            } else {
                requireInteger(b.right(), right);
            }
            return left;
        }
        if (op == Expr.BinaryOp.DIV && (b.left() instanceof Expr.StringLit || b.right() instanceof Expr.StringLit)) {
            // Text stacked into a packet: each string is its UTF-8 bytes.
            Type left = expr(b.left(), b.left() instanceof Expr.StringLit ? Type.BYTES : null, ctx, env);
            Type right = expr(b.right(), b.right() instanceof Expr.StringLit ? Type.BYTES : null, ctx, env);
            if (isPacketPart(left) && isPacketPart(right) || left instanceof Type.Error || right instanceof Type.Error) {
                return Type.STACK;
            }
            diags.report(DiagnosticCode.INVALID_OPERATOR, b.span(), op.symbol, (isPacketPart(left) ? right : left).display());
            return Type.ERROR;
        }
        Type operandHint = op.isComparison() ? null : expected;
        Type left = expr(b.left(), operandHint, ctx, env);
        if (op.isComparison() && left instanceof Type.ActionOf a && b.right() instanceof Expr.NameRef n) {
            actionName(n, a, ctx);
            return Type.BOOL;
        }
        Type right = expr(b.right(), left instanceof Type.UntypedInt ? operandHint : left, ctx, env);
        if (left instanceof Type.UntypedInt && !(right instanceof Type.UntypedInt)) {
            left = expr(b.left(), right, ctx, env);
        }
        if (op == Expr.BinaryOp.DIV && isPacketPart(left) && isPacketPart(right)) {
            return Type.STACK; // headers and bytes stacked into a packet
        }
        if (op.isComparison()) {
            comparison(b, left, right);
            return Type.BOOL;
        }
        return arithmetic(op, b.left(), left, b.right(), right, b.span());
    }

    private static boolean isPacketPart(Type t) {
        return t instanceof Type.Header || t instanceof Type.Stack || t instanceof Type.Bytes;
    }

    private void comparison(Expr.Binary b, Type left, Type right) {
        if (left instanceof Type.Error || right instanceof Type.Error) {
            return;
        }
        if (!sameOperands(b.left(), left, b.right(), right)) {
            return;
        }
        Type t = left instanceof Type.UntypedInt ? right : left;
        boolean equality = b.op() == Expr.BinaryOp.EQ || b.op() == Expr.BinaryOp.NE;
        boolean ok = equality ? !(t instanceof Type.Buffer || t instanceof Type.Parsed || t instanceof Type.Void
                || t instanceof Type.Stack)
                : t instanceof Type.Int || t instanceof Type.UntypedInt || t instanceof Type.Size
                        || t instanceof Type.Duration || t instanceof Type.Address;
        if (!ok) {
            diags.report(DiagnosticCode.INVALID_OPERATOR, b.span(), b.op().symbol, t.display());
        }
    }

    /** Reports and returns false when the two sides of an operator have different types. */
    private boolean sameOperands(Expr le, Type left, Expr re, Type right) {
        if (left.equals(right) || left instanceof Type.UntypedInt && right instanceof Type.Int
                || right instanceof Type.UntypedInt && left instanceof Type.Int) {
            return true;
        }
        if (left instanceof Type.Int l && right instanceof Type.Int r && l.signed() == r.signed()) {
            diags.report(DiagnosticCode.WIDTH_MISMATCH, le.span().to(re.span()), left.display(), right.display());
        } else if (isUnit(left) || isUnit(right)) {
            diags.report(DiagnosticCode.UNIT_MISMATCH, le.span().to(re.span()), left.display(), right.display());
        } else {
            diags.report(DiagnosticCode.TYPE_MISMATCH, re.span(), q(left), q(right));
        }
        return false;
    }

    /** + - * / % & | ^ and their compound assignments. */
    private Type arithmetic(Expr.BinaryOp op, Expr le, Type left, Expr re, Type right, Span span) {
        if (left instanceof Type.Error || right instanceof Type.Error) {
            return Type.ERROR;
        }
        // Quantities with units: size+size, size-size, size*n, n*size, size/n, size/size (a plain number).
        if (isUnit(left) || isUnit(right)) {
            boolean scale = (op == Expr.BinaryOp.MUL && (Type.isInteger(left) || Type.isInteger(right)))
                    || (op == Expr.BinaryOp.DIV && Type.isInteger(right));
            if (scale) {
                return isUnit(left) ? left : right;
            }
            if (left.equals(right) && (op == Expr.BinaryOp.ADD || op == Expr.BinaryOp.SUB)) {
                return left;
            }
            if (left.equals(right) && op == Expr.BinaryOp.DIV) {
                return U64;
            }
            if (left.equals(right) && op == Expr.BinaryOp.MOD) {
                return left;
            }
            diags.report(DiagnosticCode.UNIT_MISMATCH, span, left.display(), right.display());
            return Type.ERROR;
        }
        boolean bitwise = op == Expr.BinaryOp.BIT_AND || op == Expr.BinaryOp.BIT_OR || op == Expr.BinaryOp.BIT_XOR;
        boolean numeric = Type.isInteger(left) && Type.isInteger(right);
        boolean bits = bitwise && left.equals(right) && (left instanceof Type.Address || left instanceof Type.Bool);
        if (!numeric && !bits) {
            Type bad = Type.isInteger(left) ? right : left;
            if (Type.isInteger(left) || Type.isInteger(right) || left.equals(right)) {
                diags.report(DiagnosticCode.INVALID_OPERATOR, span, op.symbol, bad.display());
            } else {
                diags.report(DiagnosticCode.TYPE_MISMATCH, re.span(), q(left), q(right));
            }
            return Type.ERROR;
        }
        if (!sameOperands(le, left, re, right)) {
            return Type.ERROR;
        }
        return left instanceof Type.UntypedInt ? right : left;
    }

    private Type structLiteral(Expr.StructLit s, Ctx ctx, Env env) {
        Type t = type(s.type(), ctx);
        Map<String, Type> fields = new LinkedHashMap<>();
        switch (t) {
            case Type.Header h -> {
                HeaderLayout layout = headerLayout(h.decl(), ctx);
                if (layout != null) {
                    layout.fields().forEach(f -> fields.put(f.field().name().text(), f.type()));
                }
            }
            case Type.Struct st -> st.decl().fields().forEach(f -> fields.put(f.name().text(), type(f.type(), ctx)));
            case Type.Error err -> {
                s.fields().forEach(f -> expr(f.value(), null, ctx, env));
                return Type.ERROR;
            }
            default -> {
                diags.report(DiagnosticCode.TYPE_MISMATCH, s.type().span(), "a header or struct", q(t));
                s.fields().forEach(f -> expr(f.value(), null, ctx, env));
                return Type.ERROR;
            }
        }
        Set<String> given = new HashSet<>();
        for (Expr.FieldInit init : s.fields()) {
            Type ft = fields.get(init.name().text());
            if (ft == null) {
                diags.report(DiagnosticCode.UNKNOWN_FIELD, init.name().span(), t.display(), init.name().text());
                expr(init.value(), null, ctx, env);
                continue;
            }
            if (!given.add(init.name().text())) {
                diags.report(DiagnosticCode.DUPLICATE_NAME, init.name().span(), init.name().text());
            }
            expect(init.value(), ft, ctx, env);
        }
        return t;
    }

    private Type arrayLiteral(Expr.ArrayLit a, Type expected, Ctx ctx, Env env) {
        Type element = expected instanceof Type.Array arr ? arr.element() : null;
        for (Expr e : a.elements()) {
            Type t = element == null ? expr(e, null, ctx, env) : expect(e, element, ctx, env);
            if (element == null && !(t instanceof Type.UntypedInt)) {
                element = t;
            }
        }
        if (element == null) {
            if (!a.elements().isEmpty()) {
                diags.report(DiagnosticCode.UNTYPED_LITERAL, a.span());
            }
            return Type.ERROR;
        }
        return new Type.Array(element, a.elements().size());
    }

    // ---- Calls --------------------------------------------------------------------------------

    private Type call(Expr.Call c, Ctx ctx, Env env, boolean optionalAllowed) {
        if (c.callee() instanceof Expr.Field f && f.field().text().equals("slice") && !isStaticName(f.target(), ctx, env)) {
            return slice(c, f, ctx, env);
        }
        if (isClock(c, ctx, env)) {
            sem.exprTypes.put(c.callee(), Type.VOID);
            if (!c.args().isEmpty()) {
                diags.report(DiagnosticCode.ARGUMENT_COUNT, c.span(), "now", 0, c.args().size());
                c.args().forEach(a -> expr(a, null, ctx, env));
            }
            return U64;
        }
        if (c.callee() instanceof Expr.Field f && f.target() instanceof Expr.NameRef n
                && env.lookup(n.name().text()) instanceof Symbol.Local l && l.type() instanceof Type.Buffer b
                && (f.field().text().equals("append") || f.field().text().equals("truncate"))) {
            expr(n, null, ctx, env);
            sem.exprTypes.put(f, Type.VOID);
            return bufferMethod(c, f, b, ctx, env);
        }
        if (c.callee() instanceof Expr.Field f && f.target() instanceof Expr.NameRef n
                && env.lookup(n.name().text()) == null) {
            Symbol s = lookupValue(n.name().text(), ctx, env);
            if (s instanceof Symbol.DeclSymbol ds && hasMethods(ds.decl())) {
                sem.references.put(n, s);
                sem.exprTypes.put(n, Type.VOID);
                return method(c, f, ds.decl(), ctx, env, optionalAllowed);
            }
        }
        Symbol callee = switch (c.callee()) {
            case Expr.NameRef n -> {
                Symbol s = lookupValue(n.name().text(), ctx, env);
                if (s == null) {
                    diags.report(DiagnosticCode.UNKNOWN_NAME, n.span(), n.name().text());
                    c.args().forEach(a -> expr(a, null, ctx, env));
                    yield null;
                }
                sem.references.put(n, s);
                sem.exprTypes.put(n, Type.VOID);
                yield s;
            }
            case Expr.Field f -> {
                Symbol module = staticTarget(f.target(), ctx, env);
                if (module instanceof Symbol.ModuleSymbol ms) {
                    Symbol member = ms.module().declared(f.field().text());
                    if (member == null) {
                        diags.report(DiagnosticCode.NOT_IN_MODULE, f.field().span(), ms.module().name(), f.field().text());
                    } else {
                        sem.references.put(f, member);
                        sem.references.put(f.field(), member);
                        sem.exprTypes.put(f, Type.VOID);
                    }
                    yield member;
                }
                Type t = expr(f, null, ctx, env);
                if (!(t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.NOT_CALLABLE, f.span(), f.span().text());
                }
                yield null;
            }
            default -> {
                Type t = expr(c.callee(), null, ctx, env);
                if (!(t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.NOT_CALLABLE, c.callee().span(), c.callee().span().text());
                }
                yield null;
            }
        };
        if (callee == null) {
            c.args().forEach(a -> {
                if (!sem.exprTypes.containsKey(a)) {
                    expr(a, null, ctx, env);
                }
            });
            return Type.ERROR;
        }
        String name = callee.name();
        if (!(callee instanceof Symbol.DeclSymbol ds)) {
            diags.report(DiagnosticCode.NOT_CALLABLE, c.callee().span(), name);
            c.args().forEach(a -> expr(a, null, ctx, env));
            return Type.ERROR;
        }
        Ctx owner = ds.module() == ctx.module() ? ctx : new Ctx(ds.module(), Map.of(), null);
        return switch (ds.decl()) {
            case Decl.Fn fn -> {
                arguments(c, name, fn.params().stream().map(p -> type(p.type(), owner)).toList(), ctx, env);
                yield fn.result() == null ? Type.VOID : type(fn.result(), owner);
            }
            case Decl.Parser p -> {
                arguments(c, name, p.params().stream().map(x -> type(x.type(), owner)).toList(), ctx, env);
                yield new Type.Parsed(p);
            }
            case Decl.Table t -> {
                arguments(c, name, t.params().stream().map(x -> type(x.type(), owner)).toList(), ctx, env);
                yield new Type.ActionOf(t);
            }
            case Decl.Action a -> {
                arguments(c, name, a.params().stream().map(x -> type(x.type(), owner)).toList(), ctx, env);
                yield Type.VOID;
            }
            default -> {
                diags.report(DiagnosticCode.NOT_CALLABLE, c.callee().span(), name);
                c.args().forEach(a -> expr(a, null, ctx, env));
                yield Type.ERROR;
            }
        };
    }

    /** Whether {@code e} names a module or a declaration with methods (a map, store or table), not a value. */
    private boolean isStaticName(Expr e, Ctx ctx, Env env) {
        if (!(e instanceof Expr.NameRef n) || env.lookup(n.name().text()) != null) {
            return false;
        }
        Symbol s = lookupValue(n.name().text(), ctx, env);
        return s instanceof Symbol.ModuleSymbol || s instanceof Symbol.DeclSymbol ds && hasMethods(ds.decl());
    }

    /**
     * {@code now()}, the wall clock, where no declaration is called {@code now}: nanoseconds since
     * the Unix epoch as the runtime last read them (tests: the test's clock).
     */
    static boolean isClockCall(Expr.Call c) {
        return c.callee() instanceof Expr.NameRef n && n.name().text().equals("now");
    }

    private boolean isClock(Expr.Call c, Ctx ctx, Env env) {
        return isClockCall(c) && lookupValue("now", ctx, env) == null;
    }

    /**
     * {@code b.slice(offset, length)} on a bytes value or the handler's buffer: a view of
     * {@code length} bytes from {@code offset}; a range outside takes the malformed path at run time.
     */
    private Type slice(Expr.Call c, Expr.Field f, Ctx ctx, Env env) {
        Type t = expr(f.target(), null, ctx, env);
        sem.exprTypes.put(f, Type.VOID);
        if (t instanceof Type.Bytes || t instanceof Type.Buffer) {
            arguments(c, "slice", List.of(U32, U32), ctx, env);
            return Type.BYTES;
        }
        if (!(t instanceof Type.Error)) {
            diags.report(DiagnosticCode.UNKNOWN_METHOD, f.field().span(), q(t), "slice");
        }
        c.args().forEach(a -> expr(a, null, ctx, env));
        return Type.ERROR;
    }

    /**
     * {@code d.append(value)}: a bytes or header value written after the end of the handler's
     * buffer, true if it fit; {@code d.truncate(n)}: the buffer cut to its first n bytes.
     */
    private Type bufferMethod(Expr.Call c, Expr.Field f, Type.Buffer buffer, Ctx ctx, Env env) {
        String name = f.field().text();
        switch (name) {
            case "append" -> {
                if (c.args().size() != 1) {
                    diags.report(DiagnosticCode.ARGUMENT_COUNT, c.span(), name, 1, c.args().size());
                    c.args().forEach(a -> expr(a, null, ctx, env));
                    return Type.BOOL;
                }
                Expr value = c.args().getFirst();
                Type t = expr(value, value instanceof Expr.StringLit ? Type.BYTES : null, ctx, env);
                if (!(t instanceof Type.Bytes || t instanceof Type.Header || t instanceof Type.Error)) {
                    diags.report(DiagnosticCode.TYPE_MISMATCH, c.args().getFirst().span(), "bytes or a header value",
                            q(t));
                }
                return Type.BOOL;
            }
            case "truncate" -> {
                arguments(c, name, List.of(U32), ctx, env);
                return Type.VOID;
            }
            default -> throw new IllegalStateException("buffer method " + name);
        }
    }

    private void arguments(Expr.Call c, String name, List<Type> params, Ctx ctx, Env env) {
        if (params.size() != c.args().size()) {
            diags.report(DiagnosticCode.ARGUMENT_COUNT, c.span(), name, params.size(), c.args().size());
        }
        for (int i = 0; i < c.args().size(); i++) {
            if (i < params.size()) {
                expect(c.args().get(i), params.get(i), ctx, env);
            } else {
                expr(c.args().get(i), null, ctx, env);
            }
        }
    }

    private static boolean hasMethods(Decl d) {
        return d instanceof Decl.MapDecl || d instanceof Decl.Store || d instanceof Decl.Table;
    }

    /** A method's parameters: a type, or null for "any unsigned integer" (offsets and lengths). */
    private record Method(List<Type> params, Type result, boolean optional) {}

    private Type method(Expr.Call c, Expr.Field f, Decl owner, Ctx ctx, Env env, boolean optionalAllowed) {
        String name = f.field().text();
        Method m = switch (owner) {
            case Decl.MapDecl map -> {
                Type k = type(map.key(), ctx);
                Type v = type(map.value(), ctx);
                yield switch (name) {
                    case "get" -> new Method(List.of(k), v, true);
                    case "contains", "remove" -> new Method(List.of(k), Type.BOOL, false);
                    case "put" -> new Method(List.of(k, v), Type.BOOL, false);
                    case "size" -> new Method(List.of(), U64, false);
                    default -> null;
                };
            }
            case Decl.Store s -> storeMethod(s.kind().text(), name, c.args().size());
            case Decl.Table t -> tableMethod(c, t, name, ctx, env);
            default -> null;
        };
        sem.exprTypes.put(f, Type.VOID);
        if (m == null) {
            if (!(owner instanceof Decl.Table) || !name.equals("insert") && !name.equals("remove")
                    && !name.equals("clear")) {
                diags.report(DiagnosticCode.UNKNOWN_METHOD, f.field().span(),
                        ownerDescription(owner), name);
                c.args().forEach(a -> expr(a, null, ctx, env));
                return Type.ERROR;
            }
            return Type.VOID; // table writes were checked by tableMethod
        }
        if (m.optional() && !optionalAllowed) {
            diags.report(DiagnosticCode.NOT_ALLOWED_HERE, c.span(), "`" + c.span().text() + "`",
                    "this place: a lookup may find nothing, so bind it with `let x = ... else { ... }`");
        }
        if (m.params().size() != c.args().size()) {
            diags.report(DiagnosticCode.ARGUMENT_COUNT, c.span(), f.span().text(), m.params().size(), c.args().size());
        }
        for (int i = 0; i < c.args().size(); i++) {
            Type p = i < m.params().size() ? m.params().get(i) : null;
            if (p == null) {
                Type a = expr(c.args().get(i), null, ctx, env);
                if (i < m.params().size()) {
                    requireUnsigned(c.args().get(i), a);
                }
            } else {
                expect(c.args().get(i), p, ctx, env);
            }
        }
        return m.result();
    }

    private static String ownerDescription(Decl owner) {
        return switch (owner) {
            case Decl.MapDecl m -> "map `" + m.name().text() + "`";
            case Decl.Store s -> "store `" + s.name().text() + "` (" + s.kind().text() + ")";
            case Decl.Table t -> "table `" + t.name().text() + "`";
            default -> "`" + owner.name().text() + "`";
        };
    }

    private static Method storeMethod(String kind, String name, int arity) {
        java.util.ArrayList<Type> two = new java.util.ArrayList<>();
        two.add(null);
        two.add(null);
        return switch (kind + "." + name) {
            case "blocks.read" -> new Method(two, Type.BYTES, false);
            case "blocks.write" -> new Method(java.util.Arrays.asList(null, Type.BYTES), Type.VOID, false);
            case "blocks.flush" -> new Method(arity == 0 ? List.of() : two, Type.VOID, false);
            case "blocks.trim", "blocks.zero" -> new Method(two, Type.VOID, false);
            case "blocks.size", "log.size", "kv.size" -> new Method(List.of(), U64, false);
            case "log.append" -> new Method(List.of(Type.BYTES), U64, false);
            case "log.read" -> new Method(java.util.Arrays.asList((Type) null), Type.BYTES, true);
            case "log.next" -> new Method(java.util.Arrays.asList((Type) null), U64, false);
            case "log.flush", "kv.flush", "kv.clear" -> new Method(List.of(), Type.VOID, false);
            case "kv.get" -> new Method(List.of(Type.BYTES), Type.BYTES, true);
            case "kv.put" -> new Method(arity == 3 ? List.of(Type.BYTES, Type.BYTES, Type.BYTES)
                    : List.of(Type.BYTES, Type.BYTES), Type.VOID, false);
            case "kv.remove", "kv.contains" -> new Method(List.of(Type.BYTES), Type.BOOL, false);
            default -> null;
        };
    }

    /**
     * {@code t.insert(k1, ..., action(args))}, {@code t.remove(k1, ...)}, {@code t.clear()}: writes to a
     * run-time table. Keys are values (exact), prefixes (lpm), ranges are not writable this way.
     */
    private Method tableMethod(Expr.Call c, Decl.Table t, String name, Ctx ctx, Env env) {
        int keys = t.keys().size();
        int expected = switch (name) {
            case "insert" -> keys + 1;
            case "remove" -> keys;
            case "clear" -> 0;
            default -> -1;
        };
        if (expected < 0) {
            return null;
        }
        if (c.args().size() != expected) {
            diags.report(DiagnosticCode.ARGUMENT_COUNT, c.span(), t.name().text() + "." + name, expected, c.args().size());
        }
        for (int i = 0; i < c.args().size(); i++) {
            Expr arg = c.args().get(i);
            if (i < keys) {
                Type keyType = sem.typeOf(t.keys().get(i).expr());
                Type at = expr(arg, keyType, ctx, env);
                if (!(at instanceof Type.Prefix)) {
                    assignable(arg, at, keyType);
                }
            } else if (arg instanceof Expr.Call call && call.callee() instanceof Expr.NameRef an) {
                Symbol s = lookupValue(an.name().text(), ctx, env);
                if (s instanceof Symbol.DeclSymbol(Decl.Action a, var m) && t.actions().stream()
                        .anyMatch(x -> x.text().equals(a.name().text()))) {
                    sem.references.put(an, s);
                    sem.exprTypes.put(an, Type.VOID);
                    sem.exprTypes.put(call, Type.VOID);
                    List<Decl.Param> data = actionData(t, a);
                    if (data.size() != call.args().size()) {
                        diags.report(DiagnosticCode.ARGUMENT_COUNT, call.span(), a.name().text(), data.size(),
                                call.args().size());
                    }
                    for (int j = 0; j < call.args().size(); j++) {
                        if (j < data.size()) {
                            expect(call.args().get(j), type(data.get(j).type(), ctx), ctx, env);
                        } else {
                            expr(call.args().get(j), null, ctx, env);
                        }
                    }
                } else {
                    diags.report(DiagnosticCode.NOT_AN_ACTION_OF, an.span(), an.name().text(), t.name().text());
                    call.args().forEach(x -> expr(x, null, ctx, env));
                }
            } else {
                expr(arg, null, ctx, env);
                diags.report(DiagnosticCode.TYPE_MISMATCH, arg.span(), "an action call like `allow()`",
                        q(sem.typeOf(arg)));
            }
        }
        return null;
    }

    // ---- Helpers ------------------------------------------------------------------------------

    private Symbol lookupValue(String name, Ctx ctx, Env env) {
        if (env != null) {
            Symbol local = env.lookup(name);
            if (local != null) {
                return local;
            }
        }
        Symbol member = ctx.members().get(name);
        return member != null ? member : ctx.module().lookup(name);
    }

    /** Whether values of the type hold bytes (a trailing `bytes[...]` field), which map keys may not. */
    private boolean containsBytes(Type t) {
        return switch (t) {
            case Type.Bytes b -> true;
            case Type.Header h -> sem.layoutOf(h.decl()) != null && sem.layoutOf(h.decl()).fields().stream()
                    .anyMatch(HeaderLayout.FieldLayout::isTrailingBytes);
            case Type.Struct s -> s.decl().fields().stream().anyMatch(f -> containsBytes(sem.typeOf(f.type())));
            case Type.Array a -> containsBytes(a.element());
            default -> false;
        };
    }

    /** A type as messages show it: in backticks. */
    private static String q(Type t) {
        return "`" + t.display() + "`";
    }

    private void requireInteger(Expr e, Type t) {
        if (!Type.isInteger(t) && !(t instanceof Type.Error)) {
            diags.report(DiagnosticCode.TYPE_MISMATCH, e.span(), "an integer", q(t));
        }
    }

    private void requireUnsigned(Expr e, Type t) {
        if (t instanceof Type.Int i && i.signed()) {
            diags.report(DiagnosticCode.TYPE_MISMATCH, e.span(), "an unsigned integer", q(t));
        } else {
            requireInteger(e, t);
        }
    }
}
