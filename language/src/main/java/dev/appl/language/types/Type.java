package dev.appl.language.types;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr.AddressKind;

/** The types of the language, as the checker sees them. */
public sealed interface Type {
    /** How the type is written in source, for messages. */
    String display();

    /** The width in bits when the type can sit in a header field or be compared bit by bit; 0 otherwise. */
    default int bits() {
        return 0;
    }

    record Bool() implements Type {
        public String display() {
            return "bool";
        }

        @Override
        public int bits() {
            return 1;
        }
    }

    record Int(int width, boolean signed) implements Type {
        public String display() {
            return (signed ? "i" : "u") + width;
        }

        @Override
        public int bits() {
            return width;
        }
    }

    /** An integer literal before its context gives it a width. */
    record UntypedInt() implements Type {
        public String display() {
            return "integer literal";
        }
    }

    record Address(AddressKind kind) implements Type {
        public String display() {
            return kind.name().toLowerCase();
        }

        @Override
        public int bits() {
            return kind.bits;
        }
    }

    record Prefix(AddressKind kind) implements Type {
        public String display() {
            return "prefix" + (kind == AddressKind.IP4 ? "4" : "6");
        }
    }

    record Size() implements Type {
        public String display() {
            return "size";
        }
    }

    record Duration() implements Type {
        public String display() {
            return "duration";
        }
    }

    /** A view of bytes in a buffer. */
    record Bytes() implements Type {
        public String display() {
            return "bytes";
        }
    }

    /** {@code string} or {@code path}; only params hold them. */
    record Text(String name) implements Type {
        public String display() {
            return name;
        }
    }

    /** The buffer a handler receives: {@code packet}, {@code datagram} or {@code message}. */
    record Buffer(String kind) implements Type {
        public String display() {
            return kind;
        }
    }

    /** A packet built in a test from headers and bytes stacked with {@code /}. */
    record Stack() implements Type {
        public String display() {
            return "packet";
        }
    }

    record Enum(Decl.Enum decl, Int wire) implements Type {
        public String display() {
            return decl.name().text();
        }

        @Override
        public int bits() {
            return wire == null ? 0 : wire.width();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Enum e && e.decl == decl;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(decl);
        }
    }

    record Header(Decl.Header decl) implements Type {
        public String display() {
            return decl.name().text();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && h.decl == decl;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(decl);
        }
    }

    record Struct(Decl.Struct decl) implements Type {
        public String display() {
            return decl.name().text();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Struct s && s.decl == decl;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(decl);
        }
    }

    record Array(Type element, long length) implements Type {
        public String display() {
            return "[" + element.display() + "; " + length + "]";
        }
    }

    /** What applying a parser gives: one header per extract name. */
    record Parsed(Decl.Parser decl) implements Type {
        public String display() {
            return decl.name().text();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Parsed p && p.decl == decl;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(decl);
        }
    }

    /** What applying a table gives: which of its actions ran. */
    record ActionOf(Decl.Table table) implements Type {
        public String display() {
            return "action of " + table.name().text();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ActionOf a && a.table == table;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(table);
        }
    }

    record Void() implements Type {
        public String display() {
            return "nothing";
        }
    }

    /** The type of an expression that already has an error; it matches anything, so errors do not cascade. */
    record Error() implements Type {
        public String display() {
            return "{error}";
        }
    }

    Bool BOOL = new Bool();
    UntypedInt UNTYPED_INT = new UntypedInt();
    Size SIZE = new Size();
    Duration DURATION = new Duration();
    Bytes BYTES = new Bytes();
    Stack STACK = new Stack();
    Void VOID = new Void();
    Error ERROR = new Error();

    static boolean isInteger(Type t) {
        return t instanceof Int || t instanceof UntypedInt;
    }
}
