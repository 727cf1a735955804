package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Node;
import dev.appl.language.ast.Stmt;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Note;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Header validity by path: a header of a parsed packet may be read only where it is known to have
 * been extracted on every path that leads there. Knowledge comes from the parser (headers every
 * accepted packet has, and headers that imply others), from conditions ({@code if h.ip.valid},
 * {@code and}, {@code not}, early exits), and is lost by {@code pop}. A table, action or function
 * that reads headers of a parsed value it is given passes its needs on to its callers, which
 * must prove them where they call it. A read that is not proven is an error naming a parser path
 * on which the header is missing.
 */
public final class ValidityChecker {
    /** "Header {@code header} of the parsed value {@code base} is valid." */
    private record Fact(Symbol.Local base, String header) {}

    /** A header that a table, action or function reads (or pops) from its parameter number {@code param}. */
    private record Need(int param, String header, Span readAt) {}

    /** What a callee asks of its callers: headers it reads, and headers it pops (invalid after the call). */
    private record Summary(List<Need> needs, List<Need> pops) {
        static final Summary NONE = new Summary(List.of(), List.of());
    }

    private final Semantics sem;
    private final Diagnostics diags;
    private final Map<Decl, Summary> summaries = new IdentityHashMap<>();
    private final Set<Decl> summarizing = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    public ValidityChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
    }

    public void check(Module module) {
        module.allDeclarations().forEach(this::member);
    }

    private void member(Decl d) {
        switch (d) {
            case Decl.Handler h -> new Walk(null).block(h.body(), Set.of());
            case Decl.Fn f -> summary(f);
            case Decl.Action a -> summary(a);
            case Decl.Table t -> summary(t);
            case Decl.Parser p -> parser(p);
            default -> {}
        }
    }

    // ---- Parsers: a select may read only headers extracted on every path into its state --------

    private void parser(Decl.Parser p) {
        ParserGraph g = sem.graphOf(p);
        if (g == null) {
            return;
        }
        for (Decl.ParserState s : g.states().values()) {
            if (!(s.transition() instanceof Decl.Select sel)) {
                continue;
            }
            Set<String> valid = new HashSet<>(g.validOnEntry(s.name().text()));
            s.extracts().forEach(e -> valid.add(e.name().text()));
            forEachName(sel.subject(), ref -> {
                if (sem.referenceOf(ref) instanceof Symbol.Local l && sem.typeOf(ref) instanceof Type.Header
                        && !valid.contains(l.name())) {
                    diags.report(DiagnosticCode.HEADER_MAY_BE_MISSING, ref.span(), l.name());
                    diags.noteLast(Note.plain("state `" + s.name().text() + "` can be reached without extracting `"
                            + l.name() + "`"));
                }
            });
        }
    }

    private static void forEachName(Expr e, java.util.function.Consumer<Expr.NameRef> f) {
        switch (e) {
            case Expr.NameRef n -> f.accept(n);
            case Expr.Field x -> forEachName(x.target(), f);
            case Expr.Binary b -> {
                forEachName(b.left(), f);
                forEachName(b.right(), f);
            }
            case Expr.Unary u -> forEachName(u.operand(), f);
            case Expr.Cast c -> forEachName(c.value(), f);
            case Expr.Index i -> {
                forEachName(i.target(), f);
                forEachName(i.index(), f);
            }
            case Expr.Call c -> c.args().forEach(a -> forEachName(a, f));
            default -> {}
        }
    }

    // ---- Summaries of what callees need ---------------------------------------------------------

    private Summary summary(Decl d) {
        Summary done = summaries.get(d);
        if (done != null) {
            return done;
        }
        if (!summarizing.add(d)) {
            return Summary.NONE; // recursion is reported by BoundedWorkChecker
        }
        Collector c = switch (d) {
            case Decl.Fn f -> params(f.params());
            case Decl.Action a -> params(a.params());
            case Decl.Table t -> params(t.params());
            default -> params(List.of());
        };
        switch (d) {
            case Decl.Fn f -> new Walk(c).block(f.body(), Set.of());
            case Decl.Action a -> new Walk(c).block(a.body(), Set.of());
            case Decl.Table t -> {
                Walk walk = new Walk(c);
                t.keys().forEach(k -> walk.reads(k.expr(), Set.of()));
                for (var name : t.actions()) {
                    if (sem.referenceOf(name) instanceof Symbol.DeclSymbol(Decl.Action a, var m)) {
                        Summary s = summary(a);
                        c.needs().addAll(rebind(s.needs(), a, t));
                        c.pops().addAll(rebind(s.pops(), a, t));
                    }
                }
            }
            default -> {}
        }
        summarizing.remove(d);
        Summary summary = new Summary(List.copyOf(c.needs()), List.copyOf(c.pops()));
        summaries.put(d, summary);
        return summary;
    }

    /** An action's needs of its parameters, as needs of the table parameters they are bound to. */
    private static List<Need> rebind(List<Need> needs, Decl.Action a, Decl.Table t) {
        List<Need> out = new ArrayList<>();
        for (Need n : needs) {
            String pname = a.params().get(n.param()).name().text();
            for (int i = 0; i < t.params().size(); i++) {
                if (t.params().get(i).name().text().equals(pname)) {
                    out.add(new Need(i, n.header(), n.readAt()));
                }
            }
        }
        return out;
    }

    /** Where a callee's unproven reads and its pops of its own parameters go: into its summary. */
    private record Collector(Map<Symbol.Local, Integer> indexes, List<Need> needs, List<Need> pops) {}

    private Collector params(List<Decl.Param> params) {
        Map<Symbol.Local, Integer> indexes = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            if (sem.referenceOf(params.get(i).name()) instanceof Symbol.Local l) {
                indexes.put(l, i);
            }
        }
        return new Collector(indexes, new ArrayList<>(), new ArrayList<>());
    }

    // ---- The flow analysis ----------------------------------------------------------------------

    /** Walks one body. A state is the set of facts known; null means the path has ended. */
    private final class Walk {
        private final Collector collector;
        /** Headers popped by callees during the current statement: invalid once it is done. */
        private final Set<Fact> popped = new HashSet<>();
        /** Where each header this body popped was popped, for the note of a later read. */
        private final Map<Fact, Span> poppedAt = new HashMap<>();

        Walk(Collector collector) {
            this.collector = collector;
        }

        Set<Fact> block(Stmt.Block b, Set<Fact> in) {
            Set<Fact> facts = in;
            for (Stmt s : b.statements()) {
                if (facts == null) {
                    return null;
                }
                facts = stmt(s, facts);
                if (facts != null && !popped.isEmpty()) {
                    facts = new HashSet<>(facts);
                    facts.removeAll(popped);
                }
                popped.clear();
            }
            return facts;
        }

        private Set<Fact> stmt(Stmt s, Set<Fact> facts) {
            return switch (s) {
                case Stmt.Let l -> {
                    reads(l.value(), facts);
                    if (l.orElse() != null) {
                        block(l.orElse(), facts);
                    }
                    if (sem.typeOf(l.value()) instanceof Type.Parsed p
                            && sem.referenceOf(l.name()) instanceof Symbol.Local local) {
                        Set<Fact> more = new HashSet<>(facts);
                        ParserGraph g = sem.graphOf(p.decl());
                        if (g != null) {
                            g.alwaysValid().forEach(h -> more.add(new Fact(local, h)));
                        }
                        yield more;
                    }
                    yield facts;
                }
                case Stmt.If i -> {
                    reads(i.condition(), facts);
                    Set<Fact> then = block(i.then(), close(union(facts, whenTrue(i.condition()))));
                    Set<Fact> orElse = close(union(facts, whenFalse(i.condition())));
                    if (i.orElse() != null) {
                        orElse = block(i.orElse(), orElse);
                    }
                    yield merge(then, orElse);
                }
                case Stmt.Match m -> {
                    reads(m.subject(), facts);
                    Set<Fact> out = null;
                    boolean wildcard = false;
                    for (Stmt.MatchArm arm : m.arms()) {
                        wildcard |= arm.patterns().stream().anyMatch(p -> p instanceof dev.appl.language.ast.Pattern.Wildcard);
                        Set<Fact> end = block(arm.body(), facts);
                        out = first(out, end, arm == m.arms().getFirst());
                    }
                    // Without `_`, a value none of the arms names goes on with what was known before.
                    yield m.arms().isEmpty() ? facts : wildcard ? out : merge(out, facts);
                }
                case Stmt.For f -> {
                    reads(f.from(), facts);
                    reads(f.to(), facts);
                    // A later iteration starts with what the previous one left (a `pop` in the body
                    // holds in the next); after the loop, only what holds whether or not it ran.
                    Set<Fact> once = block(f.body(), facts);
                    Set<Fact> again = block(f.body(), once == null ? facts : intersect(facts, once));
                    yield again == null ? facts : intersect(facts, again);
                }
                case Stmt.Return r -> {
                    if (r.value() != null) {
                        reads(r.value(), facts);
                    }
                    yield null;
                }
                case Stmt.Reply r -> {
                    if (r.value() != null) {
                        reads(r.value(), facts);
                    }
                    yield null;
                }
                case Stmt.Forward f -> null;
                case Stmt.Drop d -> null;
                case Stmt.Enter e -> facts;
                case Stmt.Close c -> facts;
                case Stmt.Break b -> null;
                case Stmt.Continue c -> null;
                case Stmt.Push p -> {
                    reads(p.header(), facts);
                    reads(p.anchor(), facts);
                    yield facts;
                }
                case Stmt.Pop p -> {
                    reads(p.header(), facts);
                    Fact gone = fact(p.header());
                    if (gone != null) {
                        pop(gone, p.span());
                    }
                    yield facts;
                }
                case Stmt.Assign a -> {
                    reads(a.target(), facts);
                    reads(a.value(), facts);
                    yield facts;
                }
                case Stmt.ExprStmt e -> {
                    reads(e.expr(), facts);
                    yield facts;
                }
            };
        }

        private static Set<Fact> first(Set<Fact> acc, Set<Fact> next, boolean isFirst) {
            return isFirst ? next : merge(acc, next);
        }

        /** Checks every header read in an expression against the facts. */
        void reads(Expr e, Set<Fact> facts) {
            switch (e) {
                case Expr.Field f -> {
                    if (f.field().text().equals("valid") && fact(f.target()) != null
                            && sem.typeOf(f) instanceof Type.Bool) {
                        return; // asking is always allowed
                    }
                    Fact needed = fact(f);
                    if (needed != null) {
                        require(needed, facts, f.span(), null);
                        return;
                    }
                    reads(f.target(), facts);
                }
                case Expr.Binary b -> {
                    reads(b.left(), facts);
                    Set<Fact> right = switch (b.op()) {
                        case AND -> close(union(facts, whenTrue(b.left())));
                        case OR -> close(union(facts, whenFalse(b.left())));
                        default -> facts;
                    };
                    reads(b.right(), right);
                }
                case Expr.Unary u -> reads(u.operand(), facts);
                case Expr.Cast c -> reads(c.value(), facts);
                case Expr.Index i -> {
                    reads(i.target(), facts);
                    reads(i.index(), facts);
                }
                case Expr.StructLit s -> s.fields().forEach(x -> reads(x.value(), facts));
                case Expr.ArrayLit a -> a.elements().forEach(x -> reads(x, facts));
                case Expr.Call c -> {
                    c.args().forEach(a -> {
                        if (!(sem.typeOf(a) instanceof Type.Parsed)) {
                            reads(a, facts);
                        }
                    });
                    calleeNeeds(c, facts);
                }
                default -> {}
            }
        }

        /** A call to a table, action or function that reads headers of a parsed argument. */
        private void calleeNeeds(Expr.Call c, Set<Fact> facts) {
            Node callee = c.callee() instanceof Expr.Field f ? f : c.callee();
            if (!(sem.referenceOf(callee) instanceof Symbol.DeclSymbol ds)) {
                return;
            }
            if (!(ds.decl() instanceof Decl.Table || ds.decl() instanceof Decl.Action || ds.decl() instanceof Decl.Fn)) {
                return;
            }
            Summary summary = summary(ds.decl());
            for (Need need : summary.needs()) {
                Symbol.Local base = argument(c, need);
                if (base != null) {
                    require(new Fact(base, need.header()), facts, c.args().get(need.param()).span(),
                            Note.at(need.readAt(), ds.describe() + " `" + ds.name() + "` reads `" + need.header()
                                    + "` here"));
                }
            }
            for (Need pop : summary.pops()) {
                Symbol.Local base = argument(c, pop);
                if (base != null) {
                    pop(new Fact(base, pop.header()), pop.readAt());
                }
            }
        }

        private Symbol.Local argument(Expr.Call c, Need need) {
            if (need.param() < c.args().size() && c.args().get(need.param()) instanceof Expr.NameRef n
                    && sem.referenceOf(n) instanceof Symbol.Local base) {
                return base;
            }
            return null;
        }

        /** A header stops being valid at the end of the current statement; a callee reports it to its callers. */
        private void pop(Fact gone, Span at) {
            popped.add(gone);
            poppedAt.put(gone, at);
            if (collector != null && collector.indexes().containsKey(gone.base())) {
                collector.pops().add(new Need(collector.indexes().get(gone.base()), gone.header(), at));
            }
        }

        private void require(Fact needed, Set<Fact> facts, Span at, Note why) {
            if (facts.contains(needed)) {
                return;
            }
            if (collector != null && collector.indexes().containsKey(needed.base())) {
                collector.needs().add(new Need(collector.indexes().get(needed.base()), needed.header(), at));
                return;
            }
            String what = needed.base().name() + "." + needed.header();
            diags.report(DiagnosticCode.HEADER_MAY_BE_MISSING, at, what);
            if (why != null) {
                diags.noteLast(why);
            }
            Span removed = poppedAt.get(needed);
            diags.noteLast(removed != null ? Note.at(removed, "`" + what + "` is removed from the packet here")
                    : Note.plain(missingPath(needed, facts)));
        }

        private String missingPath(Fact needed, Set<Fact> facts) {
            ParserGraph g = graph(needed.base());
            if (g == null) {
                return "check `" + needed.base().name() + "." + needed.header() + ".valid` first";
            }
            Set<String> known = new HashSet<>();
            facts.stream().filter(f -> f.base() == needed.base()).forEach(f -> known.add(f.header()));
            ParserGraph.Path path = g.pathWithout(known, needed.header());
            String where = path == null ? "" : "on the parser path `" + path.describe() + "`, `" + needed.header()
                    + "` is not extracted; ";
            return where + "check `" + needed.base().name() + "." + needed.header() + ".valid` first";
        }
    }

    // ---- Facts from conditions -------------------------------------------------------------------

    /** {@code h.ip} as a fact when e is a header of a parsed local. */
    private Fact fact(Expr e) {
        if (e instanceof Expr.Field f && f.target() instanceof Expr.NameRef n
                && sem.typeOf(n) instanceof Type.Parsed && sem.referenceOf(n) instanceof Symbol.Local base
                && sem.typeOf(f) instanceof Type.Header) {
            return new Fact(base, f.field().text());
        }
        return null;
    }

    private Set<Fact> whenTrue(Expr cond) {
        return switch (cond) {
            case Expr.Field f when f.field().text().equals("valid") && fact(f.target()) != null ->
                    Set.of(fact(f.target()));
            case Expr.Binary b when b.op() == Expr.BinaryOp.AND -> union(whenTrue(b.left()), whenTrue(b.right()));
            // What either side implies through the parser holds too: close each before intersecting.
            case Expr.Binary b when b.op() == Expr.BinaryOp.OR ->
                    intersect(close(whenTrue(b.left())), close(whenTrue(b.right())));
            case Expr.Unary u when u.op() == Expr.UnaryOp.NOT -> whenFalse(u.operand());
            default -> Set.of();
        };
    }

    private Set<Fact> whenFalse(Expr cond) {
        return switch (cond) {
            case Expr.Binary b when b.op() == Expr.BinaryOp.OR -> union(whenFalse(b.left()), whenFalse(b.right()));
            case Expr.Binary b when b.op() == Expr.BinaryOp.AND ->
                    intersect(close(whenFalse(b.left())), close(whenFalse(b.right())));
            case Expr.Unary u when u.op() == Expr.UnaryOp.NOT -> whenTrue(u.operand());
            default -> Set.of();
        };
    }

    /** Adds what the parser implies: headers every path with the known ones also extracts. */
    private Set<Fact> close(Set<Fact> facts) {
        Map<Symbol.Local, Set<String>> byBase = new HashMap<>();
        facts.forEach(f -> byBase.computeIfAbsent(f.base(), b -> new LinkedHashSet<>()).add(f.header()));
        Set<Fact> out = new HashSet<>(facts);
        byBase.forEach((base, known) -> {
            ParserGraph g = graph(base);
            if (g != null) {
                g.impliedBy(known).forEach(h -> out.add(new Fact(base, h)));
            }
        });
        return out;
    }

    private ParserGraph graph(Symbol.Local base) {
        return base.type() instanceof Type.Parsed p ? sem.graphOf(p.decl()) : null;
    }

    private static Set<Fact> union(Set<Fact> a, Set<Fact> b) {
        Set<Fact> out = new HashSet<>(a);
        out.addAll(b);
        return out;
    }

    private static Set<Fact> intersect(Set<Fact> a, Set<Fact> b) {
        Set<Fact> out = new HashSet<>(a);
        out.retainAll(b);
        return out;
    }

    /** Joins two paths: what holds on both; an ended path adds no constraint. */
    private static Set<Fact> merge(Set<Fact> a, Set<Fact> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return intersect(a, b);
    }
}
