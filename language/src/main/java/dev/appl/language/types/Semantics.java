package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Node;
import dev.appl.language.ast.TypeRef;
import dev.appl.language.resolve.Symbol;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What the checker learned about a program, kept beside the immutable syntax tree: the type of
 * every expression and what every name refers to. Later checks, the compiler and the language
 * server read it; only {@link TypeChecker} writes it.
 */
public final class Semantics {
    final Map<Expr, Type> exprTypes = new IdentityHashMap<>();
    final Map<TypeRef, Type> typeRefs = new IdentityHashMap<>();
    final Map<Node, Symbol> references = new IdentityHashMap<>();
    final Map<Decl, Type> declTypes = new IdentityHashMap<>();
    final Map<Decl.Parser, ParserGraph> parsers = new IdentityHashMap<>();
    final Map<Decl.Header, HeaderLayout> layouts = new IdentityHashMap<>();

    /** The type of a checked expression, {@link Type#ERROR} if it was never checked. */
    public Type typeOf(Expr e) {
        return exprTypes.getOrDefault(e, Type.ERROR);
    }

    public Type typeOf(TypeRef ref) {
        return typeRefs.getOrDefault(ref, Type.ERROR);
    }

    /** The type a declaration introduces (a header, enum, struct, parser) or holds (a const, param). */
    public Type typeOf(Decl decl) {
        return declTypes.getOrDefault(decl, Type.ERROR);
    }

    /** What a name in the tree refers to: a {@code NameRef}, a {@code Field}, a type's name... or null. */
    public Symbol referenceOf(Node node) {
        return references.get(node);
    }

    /**
     * Whether {@code expect phase == NAME} compares what the test sees named {@code phase} (the
     * checker resolved the name) rather than checking the phase of a connection.
     */
    public boolean comparesValue(Decl.ExpectPhase e) {
        return references.containsKey(e.comparison().left());
    }

    /**
     * Whether {@code expect close} reads what the test sees named {@code close} (the checker
     * resolved the name) rather than checking that a connection closed.
     */
    public boolean readsValue(Decl.ExpectClose e) {
        return references.containsKey(e.value());
    }

    /** Every resolved reference, for find-references and rename. */
    public Map<Node, Symbol> references() {
        return Collections.unmodifiableMap(references);
    }

    public ParserGraph graphOf(Decl.Parser parser) {
        return parsers.get(parser);
    }

    public HeaderLayout layoutOf(Decl.Header header) {
        return layouts.get(header);
    }

    /** Every header layout computed, for the compiler's serializers. */
    public Map<Decl.Header, HeaderLayout> layouts() {
        return Collections.unmodifiableMap(layouts);
    }
}
