package dev.appl.runtime.table;

import java.util.Locale;

/** How a table matches one key field: {@code exact}, {@code lpm}, {@code ternary} or {@code range}. */
public enum MatchKind {
    EXACT,
    LPM,
    TERNARY,
    RANGE;

    /** The match kind written {@code text} in a spec ({@code exact}, {@code lpm}, ...). */
    public static MatchKind of(String text) {
        for (MatchKind k : values()) {
            if (k.text().equals(text)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no match kind `" + text + "`");
    }

    /** How the kind is written in a spec. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
