package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Pattern;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parser's states as a graph, and what its paths from the start to {@code accept} extract. Header
 * validity is decided from these paths: a header is valid after parsing when every accepting path
 * extracts it, and one header implies another when every accepting path that extracts the first
 * also extracts the second.
 */
public final class ParserGraph {
    /** More accepting paths than this are not enumerated; validity then proves less, never more. */
    private static final int MAX_PATHS = 4096;

    /** One edge: from a state to a state name (or accept/reject), labelled with the case's patterns. */
    public record Edge(String from, String to, String label) {}

    /** A path from the start state to accept: the states passed and the edges taken. */
    public record Path(List<Edge> edges, Set<String> extracts) {
        public String describe() {
            StringBuilder out = new StringBuilder("start");
            for (Edge e : edges) {
                out.append(e.label().isEmpty() ? " -> " : " -(" + e.label() + ")-> ").append(e.to());
            }
            return out.toString();
        }
    }

    private final Decl.Parser parser;
    private final Map<String, Decl.ParserState> states = new LinkedHashMap<>();
    private final Map<String, List<Edge>> edges = new LinkedHashMap<>();
    private final List<Path> acceptPaths = new ArrayList<>();
    private boolean truncated;

    private ParserGraph(Decl.Parser parser) {
        this.parser = parser;
    }

    public static ParserGraph of(Decl.Parser parser) {
        ParserGraph g = new ParserGraph(parser);
        g.states.put("start", parser.start());
        for (Decl.ParserState s : parser.states()) {
            g.states.putIfAbsent(s.name().text(), s);
        }
        for (Decl.ParserState s : g.states.values()) {
            g.edges.put(s.name().text(), outgoing(s));
        }
        g.enumerate("start", new ArrayList<>(), new LinkedHashSet<>(), new LinkedHashSet<>());
        return g;
    }

    private static List<Edge> outgoing(Decl.ParserState s) {
        String from = s.name().text();
        List<Edge> out = new ArrayList<>();
        switch (s.transition()) {
            case Decl.Accept a -> out.add(new Edge(from, "accept", ""));
            case Decl.Reject r -> out.add(new Edge(from, "reject", ""));
            case Decl.Goto g -> out.add(new Edge(from, g.state().text(), ""));
            case Decl.Select sel -> {
                for (Decl.SelectCase c : sel.cases()) {
                    out.add(new Edge(from, c.target().text(), label(c.patterns())));
                }
            }
            case null -> {}
        }
        return out;
    }

    private static String label(List<Pattern> patterns) {
        List<String> parts = new ArrayList<>();
        for (Pattern p : patterns) {
            parts.add(p.span().text());
        }
        return String.join(", ", parts);
    }

    private void enumerate(String state, List<Edge> path, Set<String> onPath, Set<String> extracted) {
        if (acceptPaths.size() >= MAX_PATHS) {
            truncated = true;
            return;
        }
        Decl.ParserState s = states.get(state);
        if (s == null || !onPath.add(state)) {
            return; // an unknown state or a cycle: reported by ParserChecker
        }
        Set<String> here = new LinkedHashSet<>(extracted);
        for (Decl.Extract e : s.extracts()) {
            here.add(e.name().text());
        }
        for (Edge e : edges.getOrDefault(state, List.of())) {
            path.add(e);
            if (e.to().equals("accept")) {
                acceptPaths.add(new Path(List.copyOf(path), Set.copyOf(here)));
            } else if (!e.to().equals("reject")) {
                enumerate(e.to(), path, onPath, here);
            }
            path.removeLast();
        }
        onPath.remove(state);
    }

    public Decl.Parser parser() {
        return parser;
    }

    public Map<String, Decl.ParserState> states() {
        return states;
    }

    public List<Edge> edgesFrom(String state) {
        return edges.getOrDefault(state, List.of());
    }

    public List<Path> acceptPaths() {
        return acceptPaths;
    }

    /** Headers that every accepted packet has. */
    public Set<String> alwaysValid() {
        return truncated ? Set.of() : intersection(acceptPaths);
    }

    /** Headers valid whenever all of {@code known} are: on every accepting path that extracts them all. */
    public Set<String> impliedBy(Set<String> known) {
        if (truncated) {
            return known;
        }
        List<Path> matching = acceptPaths.stream().filter(p -> p.extracts().containsAll(known)).toList();
        Set<String> result = matching.isEmpty() ? new HashSet<>(known) : intersection(matching);
        result.addAll(known);
        return result;
    }

    /** An accepting path that extracts all of {@code known} but not {@code missing}, or null. */
    public Path pathWithout(Set<String> known, String missing) {
        for (Path p : acceptPaths) {
            if (p.extracts().containsAll(known) && !p.extracts().contains(missing)) {
                return p;
            }
        }
        return null;
    }

    /** Headers extracted on every path from the start into {@code state}, before its own extracts. */
    public Set<String> validOnEntry(String state) {
        Set<String> result = null;
        for (List<String> prefix : pathsInto(state)) {
            Set<String> set = new HashSet<>(prefix);
            if (result == null) {
                result = set;
            } else {
                result.retainAll(set);
            }
        }
        return result == null ? Set.of() : result;
    }

    private List<List<String>> pathsInto(String target) {
        List<List<String>> out = new ArrayList<>();
        collectInto("start", target, new ArrayList<>(), new HashSet<>(), out);
        return out;
    }

    private void collectInto(String state, String target, List<String> extracted, Set<String> onPath,
            List<List<String>> out) {
        if (out.size() >= MAX_PATHS || !onPath.add(state)) {
            return;
        }
        Decl.ParserState s = states.get(state);
        if (state.equals(target)) {
            out.add(List.copyOf(extracted));
        } else if (s != null) {
            List<String> here = new ArrayList<>(extracted);
            s.extracts().forEach(e -> here.add(e.name().text()));
            for (Edge e : edgesFrom(state)) {
                collectInto(e.to(), target, here, onPath, out);
            }
        }
        onPath.remove(state);
    }

    private static Set<String> intersection(List<Path> paths) {
        Set<String> result = null;
        for (Path p : paths) {
            if (result == null) {
                result = new HashSet<>(p.extracts());
            } else {
                result.retainAll(p.extracts());
            }
        }
        return result == null ? new HashSet<>() : result;
    }
}
