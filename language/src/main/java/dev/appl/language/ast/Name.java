package dev.appl.language.ast;

import dev.appl.language.diag.Span;
import java.util.List;
import java.util.stream.Collectors;

/** An identifier as written, with its place. */
public record Name(String text, Span span) implements Node {
    public static String join(List<Name> names) {
        return names.stream().map(Name::text).collect(Collectors.joining("."));
    }

    @Override
    public String toString() {
        return text;
    }
}
