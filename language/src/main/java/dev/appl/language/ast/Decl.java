package dev.appl.language.ast;

import dev.appl.language.ast.Stmt.Block;
import dev.appl.language.diag.Span;
import java.util.List;

/**
 * Declarations: those a module holds at the top level and the members of an appliance. Each has
 * a name (handlers and tests use their event or title) and the text of its {@code ///} comment.
 */
public sealed interface Decl extends Node {
    Name name();

    /** The {@code ///} comment above the declaration, without the slashes; empty if none. */
    String doc();

    record Const(String doc, Name name, TypeRef type, Expr value, Span span) implements Decl {}

    record Enum(String doc, Name name, TypeRef wireType, List<EnumCase> cases, Span span) implements Decl {}

    record EnumCase(String doc, Name name, Expr value, Span span) implements Node {}

    record Header(String doc, Name name, List<HeaderField> fields, Span span) implements Decl {}

    /**
     * A header field; {@code length} is set for a trailing {@code bytes[length]} field, and
     * {@code defaultValue} (or null) is its value in a header literal that leaves it out.
     */
    record HeaderField(String doc, Name name, TypeRef type, Expr length, boolean littleEndian, Expr defaultValue,
            Span span) implements Node {}

    record Struct(String doc, Name name, List<StructField> fields, Span span) implements Decl {}

    record StructField(String doc, Name name, TypeRef type, Span span) implements Node {}

    record Fn(String doc, Name name, List<Param> params, TypeRef result, Block body, Span span) implements Decl {}

    record Param(Name name, TypeRef type, Span span) implements Node {}

    /** A parser: the start state (leading extracts and transition) and the named states. */
    record Parser(String doc, Name name, List<Param> params, ParserState start, List<ParserState> states, Span span)
            implements Decl {}

    /** A state; the start state's name is {@code start}. A missing transition is reported by the checker. */
    record ParserState(Name name, List<Extract> extracts, Transition transition, Span span) implements Node {}

    record Extract(Name name, TypeRef type, Span span) implements Node {}

    sealed interface Transition extends Node {}

    record Accept(Span span) implements Transition {}

    record Reject(Span span) implements Transition {}

    record Goto(Name state, Span span) implements Transition {}

    record Select(Expr subject, List<SelectCase> cases, Span span) implements Transition {}

    /** A case's target is a state name, or the names {@code accept} / {@code reject}. */
    record SelectCase(List<Pattern> patterns, Name target, Span span) implements Node {
        public boolean accepts() {
            return target.text().equals("accept");
        }

        public boolean rejects() {
            return target.text().equals("reject");
        }
    }

    record Appliance(String doc, Name name, List<Decl> members, Span span) implements Decl {}

    record ParamDecl(String doc, Name name, TypeRef type, Expr defaultValue, boolean buildTime, Span span)
            implements Decl {}

    /**
     * {@code binding} is the default binding string, such as {@code "pcap:in.pcap"}; null if none.
     * {@code max} (the longest frame) and {@code connections} (the most open connections) are a
     * stream port's options, null when not given.
     */
    record Port(String doc, Name name, Name kind, Framing framing, Expr max, Expr connections,
            Expr.StringLit binding, Span span) implements Decl {}

    /**
     * {@code framed u16} (a length prefix), {@code framed Request size 28 + length} (a header and
     * the frame's size), {@code framed Hello} (a header alone: frames of the header's size), or
     * {@code framed by scan} ({@code by} names the function that measures a frame; {@code type} is
     * then null).
     */
    record Framing(TypeRef type, Expr by, Expr size, Span span) implements Node {}

    /**
     * {@code session on clients { ... }}: what each connection of a stream port keeps (its
     * variables) and the phases it goes through; its name is the port's.
     */
    record Session(String doc, Name port, List<SessionVar> vars, List<Phase> phases, Span span) implements Decl {
        @Override
        public Name name() {
            return port;
        }
    }

    /** {@code var name: T = value}: a variable each connection has its own of, from {@code value}. */
    record SessionVar(String doc, Name name, TypeRef type, Expr value, Span span) implements Decl {}

    /** {@code phase name framed ...}: a phase of a session, with the framing of its messages (null if missing). */
    record Phase(String doc, Name name, Framing framing, Span span) implements Decl {}

    record Counter(String doc, Name name, Span span) implements Decl {}

    record MapDecl(String doc, Name name, TypeRef key, TypeRef value, Expr capacity, Expr expire, boolean lru,
            boolean shared, Span span) implements Decl {}

    record Timer(String doc, Name name, Expr every, Span span) implements Decl {}

    record Store(String doc, Name name, Name kind, List<NamedArg> args, Span span) implements Decl {}

    record NamedArg(Name name, Expr value, Span span) implements Node {}

    record Action(String doc, Name name, List<Param> params, Block body, Span span) implements Decl {}

    /**
     * A match-action table. Properties that were not written are null (or empty); {@code constEntries}
     * tells whether the entries are {@code const}, which makes the table read-only.
     */
    record Table(String doc, Name name, List<Param> params, List<TableKey> keys, List<Name> actions,
            ActionCall defaultAction, Expr size, List<TableEntry> entries, boolean constEntries, Expr load, Span span)
            implements Decl {}

    record TableKey(Expr expr, Name matchKind, Span span) implements Node {}

    record TableEntry(List<Pattern> patterns, ActionCall action, Span span) implements Node {}

    record ActionCall(Name name, List<Expr> args, Span span) implements Node {}

    /**
     * {@code on packet p from outside}, {@code on message m from clients in options} ({@code phase}
     * is null without {@code in}), {@code on connect c from clients}; for {@code on timer sweep}
     * the event is {@code timer}, the source is the timer and there is no binding.
     */
    record Handler(String doc, Name event, Name binding, TypeRef bindingType, Name source, Name phase, Block body,
            Span span) implements Decl {
        @Override
        public Name name() {
            return event;
        }
    }

    record Test(String doc, Expr.StringLit title, List<TestStmt> statements, Span span) implements Decl {
        @Override
        public Name name() {
            return new Name(title.value(), title.span());
        }
    }

    /** The statements of a test block. */
    sealed interface TestStmt extends Node {}

    record Send(Name port, Expr packet, Span span) implements TestStmt {}

    /** {@code connect clients}: a fresh connection on a stream port, greeted by its {@code on connect}. */
    record Connect(Name port, Span span) implements TestStmt {}

    /**
     * {@code expect close}: the last handler closed its connection; unless the test sees something
     * named {@code close} (a {@code let} of the test, a counter...), which wins as any name in scope
     * would: then it is {@code value}, the same word read as an expression
     * ({@link dev.appl.language.types.Semantics#readsValue}).
     */
    record ExpectClose(Expr.NameRef value, Span span) implements TestStmt {}

    /**
     * {@code expect phase == NAME}: the connection of the last message or connect is in that phase;
     * unless the test sees something named {@code phase} (a {@code let} of the test, a counter...),
     * which wins as any name in scope would: then it is {@code comparison}, the same words read as
     * an expression ({@link dev.appl.language.types.Semantics#comparesValue}).
     */
    record ExpectPhase(Name phase, Expr.Binary comparison, Span span) implements TestStmt {}

    record ExpectDrop(Span span) implements TestStmt {}

    record ExpectForward(Name port, Expr packet, Span span) implements TestStmt {}

    record ExpectReply(Expr packet, Span span) implements TestStmt {}

    record ExpectState(Expr condition, Span span) implements TestStmt {}

    record TestLet(Name name, TypeRef type, Expr value, Span span) implements TestStmt {}
}
