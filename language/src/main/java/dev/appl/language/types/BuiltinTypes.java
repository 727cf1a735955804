package dev.appl.language.types;

import dev.appl.language.ast.Expr.AddressKind;
import java.util.Map;

/** The type names every module knows without an import: {@code bool}, {@code u1}..{@code u64}, {@code ip4}... */
public final class BuiltinTypes {
    private static final Map<String, Type> NAMED = Map.ofEntries(
            Map.entry("bool", Type.BOOL),
            Map.entry("ip4", new Type.Address(AddressKind.IP4)),
            Map.entry("ip6", new Type.Address(AddressKind.IP6)),
            Map.entry("mac", new Type.Address(AddressKind.MAC)),
            Map.entry("prefix4", new Type.Prefix(AddressKind.IP4)),
            Map.entry("prefix6", new Type.Prefix(AddressKind.IP6)),
            Map.entry("size", Type.SIZE),
            Map.entry("duration", Type.DURATION),
            Map.entry("bytes", Type.BYTES),
            Map.entry("path", new Type.Text("path")),
            Map.entry("string", new Type.Text("string")),
            Map.entry("packet", new Type.Buffer("packet")),
            Map.entry("datagram", new Type.Buffer("datagram")),
            Map.entry("message", new Type.Buffer("message")));

    private BuiltinTypes() {}

    /** The built-in type of that name, or null. {@code u0} or {@code u65} are names of no type. */
    public static Type lookup(String name) {
        Type named = NAMED.get(name);
        if (named != null) {
            return named;
        }
        int width = integerWidth(name);
        if (width > 0 && width <= 64 && (name.charAt(0) == 'u' || width >= 2)) {
            return new Type.Int(width, name.charAt(0) == 'i');
        }
        return null;
    }

    /** True for every name shaped like a built-in type, including out-of-range widths like {@code u65}. */
    public static boolean isBuiltin(String name) {
        return NAMED.containsKey(name) || integerWidth(name) >= 0;
    }

    /** The width of a name shaped {@code uN} or {@code iN}, or -1. */
    public static int integerWidth(String name) {
        if (name.length() < 2 || name.length() > 6 || (name.charAt(0) != 'u' && name.charAt(0) != 'i')) {
            return -1;
        }
        for (int i = 1; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        if (name.length() > 2 && name.charAt(1) == '0') {
            return -1;
        }
        return Integer.parseInt(name.substring(1));
    }

    public static Type.Int u(int width) {
        return new Type.Int(width, false);
    }
}
