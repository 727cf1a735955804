package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Stmt;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.resolve.Module;

/**
 * Where control goes: a function with a result returns on every path, the {@code else} of a
 * {@code let ... else} never falls through, {@code break} and {@code continue} sit in loops, and
 * statements after one that ends the path are reported as unreachable.
 */
public final class ControlFlowChecker {
    private final Semantics sem;
    private final Diagnostics diags;

    public ControlFlowChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
    }

    public void check(Module module) {
        module.allDeclarations().forEach(this::member);
    }

    private void member(Decl d) {
        Stmt.Block body = switch (d) {
            case Decl.Fn f -> {
                if (f.result() != null && !ends(f.body())) {
                    diags.report(DiagnosticCode.MISSING_RETURN, f.name().span(), f.name().text());
                }
                yield f.body();
            }
            case Decl.Action a -> a.body();
            case Decl.Handler h -> h.body();
            default -> null;
        };
        if (body != null) {
            block(body, false);
        }
    }

    private void block(Stmt.Block b, boolean inLoop) {
        boolean ended = false;
        for (Stmt s : b.statements()) {
            if (ended) {
                diags.report(DiagnosticCode.UNREACHABLE_CODE, s.span());
                break;
            }
            statement(s, inLoop);
            ended = ends(s);
        }
    }

    private void statement(Stmt s, boolean inLoop) {
        switch (s) {
            case Stmt.Let l when l.orElse() != null -> {
                if (!ends(l.orElse())) {
                    diags.report(DiagnosticCode.ELSE_FALLS_THROUGH, l.orElse().span());
                }
                block(l.orElse(), inLoop);
            }
            case Stmt.If i -> {
                block(i.then(), inLoop);
                if (i.orElse() != null) {
                    block(i.orElse(), inLoop);
                }
            }
            case Stmt.Match m -> m.arms().forEach(a -> block(a.body(), inLoop));
            case Stmt.For f -> block(f.body(), true);
            case Stmt.Break b when !inLoop -> diags.report(DiagnosticCode.NOT_ALLOWED_HERE, b.span(), "`break`",
                    "this place: it is not inside a loop");
            case Stmt.Continue c when !inLoop -> diags.report(DiagnosticCode.NOT_ALLOWED_HERE, c.span(), "`continue`",
                    "this place: it is not inside a loop");
            default -> {}
        }
    }

    /** Whether control never reaches the end of the statement. */
    public boolean ends(Stmt s) {
        return switch (s) {
            case Stmt.Return r -> true;
            case Stmt.Forward f -> true;
            case Stmt.Drop d -> true;
            case Stmt.Reply r -> true;
            case Stmt.Break b -> true;
            case Stmt.Continue c -> true;
            case Stmt.If i -> i.orElse() != null && ends(i.then()) && ends(i.orElse());
            case Stmt.Match m -> ExhaustivenessChecker.covers(sem, m.subject(),
                    m.arms().stream().map(Stmt.MatchArm::patterns).toList())
                    && m.arms().stream().allMatch(a -> ends(a.body()));
            default -> false;
        };
    }

    public boolean ends(Stmt.Block b) {
        return !b.statements().isEmpty() && b.statements().stream().anyMatch(this::ends);
    }
}
