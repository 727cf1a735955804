package dev.appl.language.resolve;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Name;
import dev.appl.language.diag.Span;
import dev.appl.language.types.Type;

/** What a name refers to. */
public sealed interface Symbol {
    String name();

    /** Where the symbol is declared, for go-to-definition; null for built-ins. */
    Span declaredAt();

    /** "header", "counter"...: what kind of thing it is. */
    String describe();

    /** "a header", "an action": how messages speak of it. */
    default String withArticle() {
        String kind = describe();
        return ("aeiou".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ") + kind;
    }

    /** A declaration: top level, or a member of an appliance. */
    record DeclSymbol(Decl decl, Module module) implements Symbol {
        // Identity, not the record's structural equality: that would walk the whole declaration.
        @Override
        public boolean equals(Object o) {
            return o instanceof DeclSymbol d && d.decl == decl;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(decl);
        }

        public String name() {
            return decl.name().text();
        }

        public Span declaredAt() {
            return decl.name().span();
        }

        public String describe() {
            return switch (decl) {
                case Decl.Const c -> "const";
                case Decl.Enum e -> "enum";
                case Decl.Header h -> "header";
                case Decl.Struct s -> "struct";
                case Decl.Fn f -> "function";
                case Decl.Parser p -> "parser";
                case Decl.Appliance a -> "appliance";
                case Decl.ParamDecl p -> "param";
                case Decl.Port p -> "port";
                case Decl.Session s -> "session";
                case Decl.SessionVar v -> "session variable";
                case Decl.Phase p -> "phase";
                case Decl.Counter c -> "counter";
                case Decl.MapDecl m -> "map";
                case Decl.Timer t -> "timer";
                case Decl.Store s -> "store";
                case Decl.Action a -> "action";
                case Decl.Table t -> "table";
                case Decl.Handler h -> "handler";
                case Decl.Test t -> "test";
            };
        }
    }

    /** {@code import std.net.ipv4} binds the module itself. */
    record ModuleSymbol(Module module, Name boundAs) implements Symbol {
        public String name() {
            return boundAs.text();
        }

        public Span declaredAt() {
            return boundAs.span();
        }

        public String describe() {
            return "module";
        }
    }

    /** A local binding: a function or action parameter, a let or var, a loop variable, a handler's buffer. */
    record Local(Name declaration, Type type, boolean mutable) implements Symbol {
        public String name() {
            return declaration.text();
        }

        public Span declaredAt() {
            return declaration.span();
        }

        public String describe() {
            return mutable ? "variable" : "binding";
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /** An enum case, reached as {@code Enum.Case}. */
    record EnumCase(Decl.Enum owner, Decl.EnumCase decl) implements Symbol {
        @Override
        public boolean equals(Object o) {
            return o instanceof EnumCase c && c.decl == decl;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(decl);
        }

        public String name() {
            return decl.name().text();
        }

        public Span declaredAt() {
            return decl.name().span();
        }

        public String describe() {
            return "enum case";
        }
    }

    /** A header or struct field, reached as {@code value.field}. */
    record Field(Name declaration, Type type) implements Symbol {
        @Override
        public boolean equals(Object o) {
            return o instanceof Field f && f.declaration == declaration;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(declaration);
        }

        public String name() {
            return declaration.text();
        }

        public Span declaredAt() {
            return declaration.span();
        }

        public String describe() {
            return "field";
        }
    }
}
