package dev.appl.language.ast;

import dev.appl.language.diag.Span;

/** What a match arm, select case or table entry compares a value against. */
public sealed interface Pattern extends Node {
    /** {@code _}. */
    record Wildcard(Span span) implements Pattern {}

    /** A constant: a literal, an enum case, a const, a prefix. */
    record Value(Expr value, Span span) implements Pattern {}

    /** {@code lo..hi}, both ends included. */
    record Range(Expr low, Expr high, Span span) implements Pattern {}

    /** {@code value &&& mask}: the bits set in mask must equal those of value. */
    record Mask(Expr value, Expr mask, Span span) implements Pattern {}
}
