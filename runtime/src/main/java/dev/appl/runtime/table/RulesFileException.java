package dev.appl.runtime.table;

import java.io.IOException;
import java.util.List;

/**
 * A rules file that cannot be loaded. The message has one line per problem, each starting with
 * {@code file:line:column:}; {@link #problems()} has them one by one.
 */
public final class RulesFileException extends IOException {
    /** One problem, at a line and column of a file (both counted from 1). */
    public record Problem(String file, int line, int column, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ":" + column + ": " + message;
        }
    }

    private final List<Problem> problems;
    private final int more;

    /**
     * @param problems the problems reported, in file order (at least one)
     * @param more     how many further problems were found but left out
     */
    public RulesFileException(List<Problem> problems, int more) {
        super(message(problems, more));
        this.problems = List.copyOf(problems);
        this.more = more;
    }

    public List<Problem> problems() {
        return problems;
    }

    /** How many problems were found beyond those in {@link #problems()}. */
    public int more() {
        return more;
    }

    private static String message(List<Problem> problems, int more) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a RulesFileException needs a problem");
        }
        StringBuilder b = new StringBuilder();
        for (Problem p : problems) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append(p);
        }
        if (more > 0) {
            b.append("\n... and ").append(more).append(more == 1 ? " more problem" : " more problems");
        }
        return b.toString();
    }
}
