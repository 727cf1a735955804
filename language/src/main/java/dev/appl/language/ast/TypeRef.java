package dev.appl.language.ast;

import dev.appl.language.diag.Span;
import java.util.List;

/** A type as written in the source; resolved to a {@code dev.appl.language.types.Type} by the checker. */
public sealed interface TypeRef extends Node {
    /** {@code u16}, {@code Ipv4}, {@code ipv4.Ipv4}. */
    record Named(List<Name> path, Span span) implements TypeRef {
        public String text() {
            return Name.join(path);
        }
    }

    /** {@code [u8; 16]}. */
    record Array(TypeRef element, Expr length, Span span) implements TypeRef {}
}
