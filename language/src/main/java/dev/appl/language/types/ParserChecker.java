package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Note;
import dev.appl.language.resolve.Module;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks each parser's state machine: every state ends in a transition to a state that exists,
 * states are named once, every state is reachable, and the graph has no cycle, so that parsing a
 * packet does bounded work.
 */
public final class ParserChecker {
    private final Semantics sem;
    private final Diagnostics diags;

    public ParserChecker(Semantics semantics, Diagnostics diagnostics) {
        this.sem = semantics;
        this.diags = diagnostics;
    }

    public void check(Module module) {
        for (Decl d : module.allDeclarations()) {
            if (d instanceof Decl.Parser p) {
                check(p);
            }
        }
    }

    private void check(Decl.Parser p) {
        ParserGraph g = sem.graphOf(p);
        if (g == null) {
            return;
        }
        Map<String, Decl.ParserState> seen = new HashMap<>();
        seen.put("start", p.start());
        for (Decl.ParserState s : p.states()) {
            String name = s.name().text();
            if (name.equals("accept") || name.equals("reject") || name.equals("start")) {
                diags.report(DiagnosticCode.INVALID_DECLARATION, s.name().span(),
                        "`" + name + "` is reserved: it names the parser's " + (name.equals("start") ? "first state"
                                : "outcome"));
                continue;
            }
            Decl.ParserState previous = seen.putIfAbsent(name, s);
            if (previous != null) {
                diags.report(DiagnosticCode.DUPLICATE_NAME, s.name().span(), name);
                diags.noteLast(Note.at(previous.name().span(), "first declared here"));
            }
        }
        for (Decl.ParserState s : seen.values()) {
            if (s.transition() == null) {
                diags.report(DiagnosticCode.MISSING_TRANSITION, s == p.start() ? p.name().span() : s.name().span(),
                        s.name().text());
            }
            switch (s.transition()) {
                case Decl.Goto go -> target(go.state(), seen);
                case Decl.Select sel -> sel.cases().forEach(c -> target(c.target(), seen));
                case null, default -> {}
            }
        }
        Set<String> reached = new HashSet<>();
        findCycle(g, "start", new ArrayList<>(), reached, new HashSet<>());
        for (Decl.ParserState s : p.states()) {
            if (!reached.contains(s.name().text()) && seen.get(s.name().text()) == s) {
                diags.report(DiagnosticCode.UNREACHABLE_STATE, s.name().span(), s.name().text());
            }
        }
    }

    private void target(dev.appl.language.ast.Name name, Map<String, Decl.ParserState> states) {
        String t = name.text();
        if (!t.equals("accept") && !t.equals("reject") && !t.equals("<missing>") && !states.containsKey(t)) {
            diags.report(DiagnosticCode.UNKNOWN_STATE, name.span(), t);
        }
    }

    /** Depth-first search; a state met again on the current path closes a cycle. */
    private void findCycle(ParserGraph g, String state, List<String> path, Set<String> reached, Set<String> done) {
        if (done.contains(state)) {
            return;
        }
        int at = path.indexOf(state);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(state);
            Decl.ParserState s = g.states().get(path.getLast());
            diags.report(DiagnosticCode.PARSER_CYCLE, s.transition() != null ? s.transition().span() : s.span(),
                    String.join(" -> ", cycle));
            return;
        }
        if (!g.states().containsKey(state)) {
            return;
        }
        reached.add(state);
        path.add(state);
        for (ParserGraph.Edge e : g.edgesFrom(state)) {
            if (!e.to().equals("accept") && !e.to().equals("reject")) {
                findCycle(g, e.to(), path, reached, done);
            }
        }
        path.removeLast();
        done.add(state);
    }
}
