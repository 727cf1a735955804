package dev.appl.language.format;

import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Compares syntax trees structurally, ignoring where things are: record components are compared
 * recursively, except those of type {@link Span} or {@link Source}; lists element by element;
 * anything else (strings, numbers, booleans, enums, literal {@code text}) with {@code equals}.
 * Used to check that formatting changes only the layout of a spec.
 */
public final class AstEquality {
    private AstEquality() {}

    /** The first difference between two trees, as a path and the two values; null if they are equal. */
    public static String difference(Object expected, Object actual) {
        return difference("", expected, actual);
    }

    private static String difference(String path, Object a, Object b) {
        if (a == b) {
            return null;
        }
        if (a == null || b == null) {
            return at(path, a, b);
        }
        if (a.getClass() != b.getClass()) {
            return at(path, a.getClass().getSimpleName(), b.getClass().getSimpleName());
        }
        if (a instanceof Span || a instanceof Source) {
            return null;
        }
        if (a instanceof List<?> la) {
            List<?> lb = (List<?>) b;
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                String d = difference(path + "[" + i + "]", la.get(i), lb.get(i));
                if (d != null) {
                    return d;
                }
            }
            return la.size() == lb.size() ? null
                    : at(path + ".size()", la.size() + " " + la, lb.size() + " " + lb);
        }
        if (a instanceof Record) {
            String here = path + "<" + a.getClass().getSimpleName() + ">";
            for (RecordComponent c : a.getClass().getRecordComponents()) {
                if (c.getType() == Span.class || c.getType() == Source.class) {
                    continue;
                }
                String d = difference(here + "." + c.getName(), get(c, a), get(c, b));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return a.equals(b) ? null : at(path, a, b);
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("cannot read " + c, e);
        }
    }

    private static String at(String path, Object a, Object b) {
        return (path.isEmpty() ? "<root>" : path) + ": " + a + " != " + b;
    }
}
