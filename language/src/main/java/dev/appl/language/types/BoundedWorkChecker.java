package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Stmt;
import dev.appl.language.ast.Walk;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bounded work: every loop has a constant bound (its end, or its {@code max}), and no function,
 * action or table reaches itself through calls, so every handler has a worst-case cost.
 */
public final class BoundedWorkChecker {
    private final Semantics sem;
    private final Diagnostics diags;
    private final ConstEval consts;
    /**
     * Calls out of each function, action and table, in source order, with the call expression for
     * reporting. Keys are compared by identity: hashing a declaration would walk its whole tree.
     */
    private final Map<Decl, List<Call>> calls = new IdentityHashMap<>();
    /** The declarations with bodies, in source order, so that cycles are found and reported the same way every run. */
    private final List<Decl> order = new ArrayList<>();

    private record Call(Decl callee, Expr at) {}

    public BoundedWorkChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
        this.consts = new ConstEval(semantics);
    }

    public void check(Module module) {
        for (Decl d : module.allDeclarations()) {
            Stmt.Block body = switch (d) {
                case Decl.Fn f -> f.body();
                case Decl.Action a -> a.body();
                case Decl.Handler h -> h.body();
                default -> null;
            };
            if (body != null) {
                Walk.statements(body, s -> {
                    if (s instanceof Stmt.For f) {
                        loop(f);
                    }
                });
                calls.put(d, callsIn(body));
                order.add(d);
            } else if (d instanceof Decl.Table t) {
                List<Call> out = new ArrayList<>();
                for (var name : t.actions()) {
                    if (sem.referenceOf(name) instanceof Symbol.DeclSymbol ds) {
                        out.add(new Call(ds.decl(), new Expr.NameRef(name, name.span())));
                    }
                }
                calls.put(d, out);
                order.add(d);
            }
        }
        Set<Decl> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Decl d : order) {
            findCycle(d, new ArrayList<>(), done);
        }
    }

    private void loop(Stmt.For f) {
        if (f.max() != null || sem.typeOf(f.to()) instanceof Type.Error) {
            return; // the max is checked to be constant by the type checker
        }
        if (!consts.isConstant(f.to())) {
            diags.report(DiagnosticCode.UNBOUNDED_LOOP, f.to().span(), "`" + f.to().span().text() + "`");
        }
    }

    private List<Call> callsIn(Stmt.Block body) {
        List<Call> out = new ArrayList<>();
        Walk.expressions(body, e -> {
            if (e instanceof Expr.Call c) {
                var callee = c.callee() instanceof Expr.Field f && sem.referenceOf(f) != null ? f : c.callee();
                if (sem.referenceOf(callee) instanceof Symbol.DeclSymbol ds && (ds.decl() instanceof Decl.Fn
                        || ds.decl() instanceof Decl.Action || ds.decl() instanceof Decl.Table)) {
                    if (out.stream().noneMatch(x -> x.callee() == ds.decl())) {
                        out.add(new Call(ds.decl(), c));
                    }
                }
            }
        });
        return out;
    }

    private void findCycle(Decl d, List<Decl> path, Set<Decl> done) {
        if (done.contains(d)) {
            return;
        }
        int at = -1;
        for (int i = 0; i < path.size(); i++) {
            if (path.get(i) == d) {
                at = i;
            }
        }
        if (at >= 0) {
            List<String> names = new ArrayList<>();
            for (Decl x : path.subList(at, path.size())) {
                names.add("`" + x.name().text() + "`");
            }
            names.add("`" + d.name().text() + "`");
            Expr call = calls.get(path.getLast()).stream().filter(x -> x.callee() == d).findFirst().orElseThrow().at();
            diags.report(DiagnosticCode.RECURSION, call.span(), String.join(" calls ", names));
            return;
        }
        path.add(d);
        for (Call call : calls.getOrDefault(d, List.of())) {
            findCycle(call.callee(), path, done);
        }
        path.removeLast();
        done.add(d);
    }
}
