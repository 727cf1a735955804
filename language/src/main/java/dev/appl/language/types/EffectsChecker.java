package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Stmt;
import dev.appl.language.ast.Walk;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;

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
    }

    private void member(Decl d) {
        switch (d) {
            case Decl.Fn f -> body(f.body(), Owner.FUNCTION);
            case Decl.Action a -> body(a.body(), Owner.ACTION);
            case Decl.Handler h -> body(h.body(), switch (h.event().text()) {
                case "datagram" -> Owner.DATAGRAM;
                case "message" -> Owner.MESSAGE;
                case "timer" -> Owner.TIMER;
                default -> Owner.PACKET;
            });
            default -> {}
        }
    }

    private void body(Stmt.Block body, Owner owner) {
        Walk.statements(body, s -> statement(s, owner));
        Walk.expressions(body, e -> expression(e, owner));
    }

    private void statement(Stmt s, Owner owner) {
        String what = switch (s) {
            case Stmt.Forward f -> "`forward`";
            case Stmt.Drop d -> "`drop`";
            case Stmt.Reply r -> "`reply`";
            case Stmt.Push p -> "`push`";
            case Stmt.Pop p -> "`pop`";
            default -> null;
        };
        if (what == null) {
            return;
        }
        boolean allowed = switch (owner) {
            case FUNCTION -> false;
            case TIMER -> false;
            case ACTION, PACKET -> true;
            case DATAGRAM, MESSAGE -> s instanceof Stmt.Drop || s instanceof Stmt.Reply;
        };
        if (!allowed) {
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

    private static boolean isState(Decl d) {
        return d instanceof Decl.Counter || d instanceof Decl.MapDecl || d instanceof Decl.Port
                || d instanceof Decl.Store || d instanceof Decl.Table || d instanceof Decl.Timer
                || d instanceof Decl.Action;
    }
}
