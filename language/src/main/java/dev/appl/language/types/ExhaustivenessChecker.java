package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Name;
import dev.appl.language.ast.Pattern;
import dev.appl.language.ast.Stmt;
import dev.appl.language.ast.Walk;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Exhaustiveness: a {@code match} or {@code select} covers every value its subject can have.
 * Enums must name every case or use {@code _}; an enum read from the wire whose cases do not fill
 * its wire type may hold none of them, so it needs {@code _}; integers need {@code _}. Patterns
 * after a {@code _}, and cases named twice, are reported as unreachable.
 */
public final class ExhaustivenessChecker {
    /** Missing cases named in a message; the rest are counted. */
    private static final int MAX_LISTED = 4;

    private final Semantics sem;
    private final Diagnostics diags;
    private final ConstEval consts;

    public ExhaustivenessChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
        this.consts = new ConstEval(semantics);
    }

    public void check(Module module) {
        module.allDeclarations().forEach(this::member);
    }

    private void member(Decl d) {
        Stmt.Block body = switch (d) {
            case Decl.Fn f -> f.body();
            case Decl.Action a -> a.body();
            case Decl.Handler h -> h.body();
            case Decl.Parser p -> {
                ParserGraph g = sem.graphOf(p);
                if (g != null) {
                    for (Decl.ParserState s : g.states().values()) {
                        if (s.transition() instanceof Decl.Select sel) {
                            cover("select", sel.subject(), sel.cases().stream().map(Decl.SelectCase::patterns).toList(),
                                    sel.span());
                        }
                    }
                }
                yield null;
            }
            default -> null;
        };
        if (body != null) {
            Walk.statements(body, s -> {
                if (s instanceof Stmt.Match m) {
                    cover("match", m.subject(), m.arms().stream().map(Stmt.MatchArm::patterns).toList(), m.span());
                }
            });
        }
    }

    private void cover(String what, Expr subject, List<List<Pattern>> arms, Span at) {
        Type type = sem.typeOf(subject);
        if (type instanceof Type.Error) {
            return;
        }
        boolean wildcard = false;
        Set<String> named = new LinkedHashSet<>();
        for (List<Pattern> arm : arms) {
            for (Pattern p : arm) {
                if (wildcard) {
                    diags.report(DiagnosticCode.UNREACHABLE_ARM, p.span());
                    continue;
                }
                if (p instanceof Pattern.Wildcard) {
                    wildcard = true;
                    continue;
                }
                String key = caseOf(p);
                if (key != null && !named.add(key)) {
                    diags.report(DiagnosticCode.UNREACHABLE_ARM, p.span());
                }
            }
        }
        if (wildcard) {
            return;
        }
        List<String> all = allCases(type);
        String subjectText = what + " on `" + subject.span().text() + "`";
        if (all == null) {
            diags.report(DiagnosticCode.NON_EXHAUSTIVE, headOf(at, subject),
                    subjectText, "every value of `" + type.display() + "`");
            return;
        }
        List<String> missing = new ArrayList<>(all);
        missing.removeAll(named);
        if (!missing.isEmpty()) {
            List<String> shown = missing.stream().limit(MAX_LISTED).map(m -> "`" + m + "`").toList();
            String more = missing.size() > MAX_LISTED ? " and " + (missing.size() - MAX_LISTED) + " more" : "";
            diags.report(DiagnosticCode.NON_EXHAUSTIVE, headOf(at, subject), subjectText,
                    String.join(", ", shown) + more);
        } else if (type instanceof Type.Enum e && TypeChecker.isOpen(e, consts)) {
            diags.report(DiagnosticCode.NON_EXHAUSTIVE, headOf(at, subject), subjectText,
                    "values of `" + e.display() + "` that are none of its cases (they can arrive from the wire)");
        }
    }

    /**
     * Whether the arms cover every value of the subject's type, so that one of them always runs.
     * Used by {@link ControlFlowChecker} to tell whether a match without {@code _} ends every path.
     */
    public static boolean covers(Semantics sem, Expr subject, List<List<Pattern>> arms) {
        ExhaustivenessChecker quiet = new ExhaustivenessChecker(sem, new Diagnostics());
        Type type = sem.typeOf(subject);
        Set<String> named = new LinkedHashSet<>();
        for (List<Pattern> arm : arms) {
            for (Pattern p : arm) {
                if (p instanceof Pattern.Wildcard) {
                    return true;
                }
                String key = quiet.caseOf(p);
                if (key != null) {
                    named.add(key);
                }
            }
        }
        List<String> all = allCases(type);
        return all != null && named.containsAll(all)
                && !(type instanceof Type.Enum e && TypeChecker.isOpen(e, quiet.consts));
    }

    /** From the keyword to the end of the subject: {@code match m.cmd}. */
    private static Span headOf(Span whole, Expr subject) {
        return new Span(whole.source(), whole.start(), subject.span().end());
    }

    /** A name for the case a pattern covers, when it covers exactly one of a finite set. */
    private String caseOf(Pattern p) {
        if (!(p instanceof Pattern.Value v)) {
            return null;
        }
        return switch (v.value()) {
            case Expr.BoolLit b -> String.valueOf(b.value());
            case Expr.Field f when sem.referenceOf(f) instanceof Symbol.EnumCase c ->
                    c.owner().name().text() + "." + c.name();
            case Expr.NameRef n when sem.typeOf(n) instanceof Type.ActionOf -> n.name().text();
            default -> {
                var value = consts.value(v.value());
                yield value == null ? null : value.toString();
            }
        };
    }

    /** Every case of a finite type, or null for types that only `_` covers. */
    private static List<String> allCases(Type t) {
        return switch (t) {
            case Type.Bool b -> List.of("true", "false");
            case Type.Enum e -> e.decl().cases().stream().map(c -> e.decl().name().text() + "." + c.name().text()).toList();
            case Type.ActionOf a -> a.table().actions().stream().map(Name::text).toList();
            default -> null;
        };
    }
}
