package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Stmt;
import dev.appl.language.ast.Walk;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Note;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import java.util.ArrayList;
import java.util.List;

/**
 * Effects: functions are pure (no state, ports, stores, tables or packet fates); a handler's
 * statements fit its event (only a packet handler forwards, pushes or pops; a timer has no buffer
 * to send or drop); {@code forward} names a packet port; a table with const entries is never
 * written. Names outside the appliance cannot be reached at all: name resolution sees to that.
 */
public final class EffectsChecker {
    private final Semantics sem;
    private final Diagnostics diags;

    public EffectsChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
    }

    /** What a body belongs to, and so which fates of the buffer it may decide. */
    private enum Owner {
        FUNCTION("a function"),
        ACTION("an action"),
        PACKET("a packet handler"),
        DATAGRAM("a datagram handler"),
        MESSAGE("a message handler"),
        TIMER("a timer handler");

        final String description;

        Owner(String description) {
            this.description = description;
        }
    }

    public void check(Module module) {
        module.allDeclarations().forEach(this::member);
        for (Decl d : module.decls()) {
            if (d instanceof Decl.Appliance a) {
                flushes(a);
            }
        }
    }

    /** The store methods that change what a store holds; {@code flush} makes the changes durable. */
    private static final java.util.Set<String> STORE_WRITES =
            java.util.Set.of("write", "zero", "trim", "append", "put", "remove", "clear");

    /**
     * A write to a store is durable only after a flush: a store that handlers and actions write
     * but never flush would hold writes that are never made durable, and nothing could acknowledge
     * them honestly.
     */
    private void flushes(Decl.Appliance appliance) {
        java.util.Map<Decl.Store, Expr> firstWrite = new java.util.LinkedHashMap<>();
        java.util.Set<Decl.Store> flushed = new java.util.HashSet<>();
        for (Decl m : appliance.members()) {
            Stmt.Block body = switch (m) {
                case Decl.Handler h -> h.body();
                case Decl.Action a -> a.body();
                default -> null;
            };
            if (body == null) {
                continue;
            }
            Walk.expressions(body, e -> {
                if (e instanceof Expr.Call c && c.callee() instanceof Expr.Field f
                        && sem.referenceOf(f.target()) instanceof Symbol.DeclSymbol(Decl.Store st, var ignored)) {
                    String method = f.field().text();
                    if (method.equals("flush")) {
                        flushed.add(st);
                    } else if (STORE_WRITES.contains(method)) {
                        firstWrite.putIfAbsent(st, c);
                    }
                }
            });
        }
        firstWrite.forEach((store, write) -> {
            if (!flushed.contains(store)) {
                diags.report(DiagnosticCode.STORE_NEVER_FLUSHED, store.name().span(), store.name().text());
                diags.noteLast(Note.at(write.span(), "written here"));
            }
        });
    }

    private void member(Decl d) {
        switch (d) {
            case Decl.Fn f -> body(f.body(), Owner.FUNCTION);
            case Decl.Action a -> body(a.body(), Owner.ACTION);
            case Decl.Handler h -> body(h.body(), switch (h.event().text()) {
                case "datagram" -> Owner.DATAGRAM;
                case "message", "connect" -> Owner.MESSAGE;
                case "timer" -> Owner.TIMER;
                default -> Owner.PACKET;
            });
            default -> {}
        }
    }

    private void body(Stmt.Block body, Owner owner) {
        Walk.statements(body, s -> statement(s, owner));
        Walk.expressions(body, e -> expression(e, owner));
        if (owner == Owner.FUNCTION) {
            Walk.statements(body, s -> {
                if (s instanceof Stmt.Assign a && writesPacket(a.target())) {
                    diags.report(DiagnosticCode.NOT_ALLOWED_HERE, a.target().span(), "writing the packet",
                            "a function: functions are pure");
                }
            });
        }
    }

    /** Whether a place is a field of a header of a parsed packet, which a write changes in place. */
    private boolean writesPacket(Expr place) {
        return place instanceof Expr.Field f && f.target() instanceof Expr.Field header
                && sem.typeOf(header.target()) instanceof Type.Parsed;
    }

    /**
     * The statements deciding the packet's fate (forward, drop, reply, push, pop) that running an
     * action or table can reach, through the actions it calls; checked where it is called.
     */
    private List<Stmt> fatesOf(Decl callee, java.util.Set<Decl> seen) {
        List<Stmt> out = new ArrayList<>();
        if (!seen.add(callee)) {
            return out;
        }
        switch (callee) {
            case Decl.Action a -> {
                Walk.statements(a.body(), s -> {
                    if (fateName(s) != null) {
                        out.add(s);
                    }
                });
                Walk.expressions(a.body(), e -> calleeOf(e).forEach(d -> out.addAll(fatesOf(d, seen))));
            }
            case Decl.Table t -> t.actions().forEach(n -> {
                if (sem.referenceOf(n) instanceof Symbol.DeclSymbol ds) {
                    out.addAll(fatesOf(ds.decl(), seen));
                }
            });
            default -> {}
        }
        return out;
    }

    /** The action or table a call expression runs, if any. */
    private List<Decl> calleeOf(Expr e) {
        if (e instanceof Expr.Call c && sem.referenceOf(c.callee()) instanceof Symbol.DeclSymbol ds
                && (ds.decl() instanceof Decl.Action || ds.decl() instanceof Decl.Table)) {
            return List.of(ds.decl());
        }
        return List.of();
    }

    private void statement(Stmt s, Owner owner) {
        String what = fateName(s);
        if (what == null) {
            return;
        }
        if (!allowed(owner, s)) {
            diags.report(DiagnosticCode.NOT_ALLOWED_HERE, s.span(), what, owner.description);
            return;
        }
        if (s instanceof Stmt.Forward f && sem.referenceOf(f.port()) instanceof Symbol.DeclSymbol(Decl.Port p, var m)
                && !p.kind().text().equals("packet")) {
            diags.report(DiagnosticCode.WRONG_PORT_KIND, f.port().span(), p.name().text(), p.kind().text(),
                    "`forward`", "packet");
        }
    }

    private void expression(Expr e, Owner owner) {
        if (owner != Owner.FUNCTION && owner != Owner.ACTION) {
            for (Decl callee : calleeOf(e)) {
                for (Stmt s : fatesOf(callee, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()))) {
                    String what = fateName(s);
                    if (!allowed(owner, s)) {
                        diags.report(DiagnosticCode.NOT_ALLOWED_HERE, e.span(),
                                what + " (in `" + callee.name().text() + "`)", owner.description);
                        diags.noteLast(Note.at(s.span(), "the " + what + " it runs"));
                        break;
                    }
                }
            }
        }
        if (owner == Owner.FUNCTION && e instanceof Expr.Call c && TypeChecker.isClockCall(c) && sem.referenceOf(c.callee()) == null) {
            diags.report(DiagnosticCode.IMPURE_FUNCTION, c.callee().span(), "now", "the wall clock");
        }
        if (owner == Owner.FUNCTION && (e instanceof Expr.NameRef || e instanceof Expr.Field)
                && sem.referenceOf(e) instanceof Symbol.DeclSymbol ds && isState(ds.decl())) {
            diags.report(DiagnosticCode.IMPURE_FUNCTION, e.span(), ds.name(), ds.withArticle());
        }
        if (e instanceof Expr.Call c && c.callee() instanceof Expr.Field f && f.target() instanceof Expr.NameRef n
                && sem.referenceOf(n) instanceof Symbol.DeclSymbol(Decl.Table t, var m) && t.constEntries()
                && (f.field().text().equals("insert") || f.field().text().equals("remove")
                        || f.field().text().equals("clear"))) {
            diags.report(DiagnosticCode.CONST_TABLE_WRITE, c.span(), t.name().text());
        }
    }

    private static boolean allowed(Owner owner, Stmt s) {
        return switch (owner) {
            case FUNCTION, TIMER -> false;
            case ACTION, PACKET -> true;
            case DATAGRAM, MESSAGE -> s instanceof Stmt.Drop || s instanceof Stmt.Reply;
        };
    }

    /** How messages name a statement that decides the packet's fate or shape; null for any other. */
    private static String fateName(Stmt s) {
        return switch (s) {
            case Stmt.Forward f -> "`forward`";
            case Stmt.Drop d -> "`drop`";
            case Stmt.Reply r -> "`reply`";
            case Stmt.Push p -> "`push`";
            case Stmt.Pop p -> "`pop`";
            default -> null;
        };
    }

    private static boolean isState(Decl d) {
        return d instanceof Decl.Counter || d instanceof Decl.MapDecl || d instanceof Decl.Port
                || d instanceof Decl.Store || d instanceof Decl.Table || d instanceof Decl.Timer
                || d instanceof Decl.Action;
    }
}
