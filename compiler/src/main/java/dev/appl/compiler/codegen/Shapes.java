package dev.appl.compiler.codegen;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrWalk;
import dev.appl.compiler.ir.IrExpr;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr.AddressKind;
import dev.appl.language.types.HeaderLayout;
import dev.appl.language.types.Type;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides how each type's values are held ({@link Repr}). Struct field types are not in the IR, so
 * they are learned from the struct values it builds ({@code Aggregate}) and the fields it reads
 * ({@code Element}); a struct the IR never builds has no values, and any shape does for it.
 */
final class Shapes {
    private final IrAppliance ir;
    private final Map<Decl.Struct, List<Type>> built = new IdentityHashMap<>();
    private final Map<Decl.Struct, Map<Integer, Type>> read = new IdentityHashMap<>();
    /** {@link #exploded} by struct or header declaration. */
    private final Map<Object, Boolean> explodedCache = new IdentityHashMap<>();

    Shapes(IrAppliance ir) {
        this.ir = ir;
        IrWalk.appliance(ir, e -> {
            if (e instanceof IrExpr.Aggregate a && a.type() instanceof Type.Struct s) {
                built.putIfAbsent(s.decl(), a.parts().stream().map(IrExpr::type).toList());
            } else if (e instanceof IrExpr.Element el && el.aggregate().type() instanceof Type.Struct s) {
                read.computeIfAbsent(s.decl(), k -> new IdentityHashMap<>()).putIfAbsent(el.index(), el.type());
            }
        }, s -> {});
    }

    Repr repr(Type t) {
        return switch (t) {
            case Type.Bool b -> Repr.LONG;
            case Type.Int i -> Repr.LONG;
            case Type.UntypedInt u -> Repr.LONG;
            case Type.Enum e -> Repr.LONG;
            case Type.Size s -> Repr.LONG;
            case Type.Duration d -> Repr.LONG;
            case Type.ActionOf a -> Repr.LONG;
            case Type.Prefix p -> p.kind() == AddressKind.IP6 ? Repr.BIG : Repr.LONG;
            case Type.Address a -> a.kind() == AddressKind.IP6 ? Repr.BIG : Repr.LONG;
            case Type.Bytes b -> Repr.SEG;
            case Type.Stack s -> Repr.SEG;
            case Type.Struct s -> flat(t) ? Repr.FLAT : Repr.OBJS;
            case Type.Header h -> flat(t) ? Repr.FLAT : Repr.OBJS;
            case Type.Array a -> flat(t) ? Repr.FLAT : Repr.OBJS;
            case Type.Text x -> Repr.TEXT;
            case Type.Void v -> Repr.VOID;
            default -> throw new Unsupported(null, "a value of type `" + t.display() + "` cannot be compiled yet");
        };
    }

    /**
     * Whether values of type {@code t} are scalar-replaced in handlers and functions: held as one
     * JVM local per part, passed as one argument per part, returned through per-kernel fields,
     * pushed and used as map keys part by part, so that building, passing and reading them
     * allocates nothing. True for a struct or header whose part types are all known and none of
     * them is itself an aggregate; elsewhere (tests, constants, comparisons of whole values) the
     * value is an array in {@link #repr}.
     */
    boolean exploded(Type t) {
        if (!(t instanceof Type.Struct || t instanceof Type.Header)) {
            return false;
        }
        Object decl = t instanceof Type.Struct s ? s.decl() : ((Type.Header) t).decl();
        return explodedCache.computeIfAbsent(decl, k -> {
            for (int i = 0; i < parts(t); i++) {
                Type p = partType(t, i);
                if (p == null) {
                    return false;
                }
                Repr r = repr(p);
                if (r == Repr.FLAT || r == Repr.OBJS || r == Repr.VOID) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The representation of each part of a value of an {@link #exploded} type. */
    Repr[] partReprs(Type t) {
        Repr[] out = new Repr[parts(t)];
        for (int i = 0; i < out.length; i++) {
            out[i] = repr(partType(t, i));
        }
        return out;
    }

    /** Whether values of an aggregate type are {@code long[]}: every part a {@link Repr#LONG}. */
    boolean flat(Type t) {
        return switch (t) {
            case Type.Header h -> {
                for (HeaderLayout.FieldLayout f : layout(h).fields()) {
                    if (f.isTrailingBytes() || f.bitWidth() > 64 || repr(f.type()) != Repr.LONG) {
                        yield false;
                    }
                }
                yield true;
            }
            case Type.Array a -> repr(a.element()) == Repr.LONG;
            case Type.Struct s -> {
                List<Type> parts = built.get(s.decl());
                if (parts == null) {
                    Map<Integer, Type> seen = read.get(s.decl());
                    parts = seen == null ? List.of() : new ArrayList<>(seen.values());
                }
                for (Type p : parts) {
                    if (repr(p) != Repr.LONG) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> false;
        };
    }

    /** The type of part {@code index} of an aggregate type, or null when the IR does not say. */
    Type partType(Type aggregate, int index) {
        return switch (aggregate) {
            case Type.Header h -> {
                HeaderLayout.FieldLayout f = layout(h).fields().get(index);
                yield f.isTrailingBytes() ? Type.BYTES : f.type();
            }
            case Type.Array a -> a.element();
            case Type.Struct s -> {
                List<Type> parts = built.get(s.decl());
                if (parts != null && index < parts.size()) {
                    yield parts.get(index);
                }
                Map<Integer, Type> seen = read.get(s.decl());
                yield seen == null ? null : seen.get(index);
            }
            default -> null;
        };
    }

    /** How many parts a value of an aggregate type has. */
    int parts(Type aggregate) {
        return switch (aggregate) {
            case Type.Header h -> layout(h).fields().size();
            case Type.Array a -> (int) a.length();
            case Type.Struct s -> s.decl().fields().size();
            default -> throw new IllegalArgumentException(aggregate.display());
        };
    }

    /** The number of 64-bit words a map key or value of type {@code t} takes, or -1 if it cannot be one. */
    int words(Type t) {
        return switch (repr(t)) {
            case LONG -> 1;
            case FLAT -> parts(t);
            default -> -1;
        };
    }

    /** Whether a value of type {@code t} may hold bytes (which may view the packet). */
    boolean containsBytes(Type t) {
        return switch (t) {
            case Type.Bytes b -> true;
            case Type.Stack s -> true;
            case Type.Array a -> containsBytes(a.element());
            case Type.Header h -> !flat(t);
            case Type.Struct s -> {
                if (flat(t)) {
                    yield false;
                }
                for (int i = 0; i < parts(t); i++) {
                    Type p = partType(t, i);
                    if (p == null || containsBytes(p)) {
                        yield true;
                    }
                }
                yield false;
            }
            default -> false;
        };
    }

    HeaderLayout layout(Type.Header h) {
        HeaderLayout l = ir.layouts.get(h.decl());
        if (l == null) {
            throw new Unsupported(null, "no wire layout for header `" + h.display() + "`");
        }
        return l;
    }
}
