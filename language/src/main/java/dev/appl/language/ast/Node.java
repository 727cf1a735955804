package dev.appl.language.ast;

import dev.appl.language.diag.Span;

/** A syntax tree node. Nodes are immutable records and every one knows where it came from. */
public interface Node {
    Span span();
}
