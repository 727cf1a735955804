package dev.appl.runtime.launch;

import dev.appl.runtime.table.ValueType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The type of an appliance's param, as much of it as reading a value from the command line needs,
 * or the type of a table key or datum in a descriptor (see {@link #valueType()}).
 *
 * <p>Written in a descriptor as one word, or for an enum and for other types a few:
 * <pre>
 *   u16 | i8 | bool | ip4 | ip6 | mac | prefix4 | prefix6 | size | duration | path | string
 *   enum NAME BITS CASE=VALUE,CASE=VALUE,...      (BITS 0: an enum without a wire type)
 *   other NAME                                    (a type params and rules files cannot write)
 * </pre>
 *
 * @param kind  what the value is
 * @param bits  the width of an integer, or of an enum's wire type (0 for none); 0 for the rest
 * @param name  the type as a spec writes it: {@code u16}, {@code IpProto}, {@code duration}
 * @param cases for an enum, its cases in declaration order with their values (the wire value, or
 *              for an enum without a wire type, the case's index); empty otherwise
 */
public record ParamType(Kind kind, int bits, String name, Map<String, Long> cases) {
    /** What a value is. */
    public enum Kind {
        UNSIGNED, SIGNED, BOOL, IP4, IP6, MAC, PREFIX4, PREFIX6, SIZE, DURATION, PATH, STRING, ENUM, OTHER
    }

    public ParamType {
        cases = Collections.unmodifiableMap(new LinkedHashMap<>(cases));
        if ((kind == Kind.UNSIGNED || kind == Kind.SIGNED) && (bits < 1 || bits > 64)) {
            throw new IllegalArgumentException(name + ": width " + bits + " is not 1 to 64");
        }
    }

    public static ParamType of(Kind kind) {
        String name = switch (kind) {
            case UNSIGNED, SIGNED, ENUM, OTHER -> throw new IllegalArgumentException(kind + " needs a width or a name");
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
        return new ParamType(kind, 0, name, Map.of());
    }

    public static ParamType unsigned(int bits) {
        return new ParamType(Kind.UNSIGNED, bits, "u" + bits, Map.of());
    }

    public static ParamType signed(int bits) {
        return new ParamType(Kind.SIGNED, bits, "i" + bits, Map.of());
    }

    public static ParamType enumeration(String name, int bits, Map<String, Long> cases) {
        return new ParamType(Kind.ENUM, bits, name, cases);
    }

    public static ParamType other(String name) {
        return new ParamType(Kind.OTHER, 0, name, Map.of());
    }

    /** The param type a rules file's value type stands for. */
    public static ParamType of(ValueType t) {
        return switch (t.kind()) {
            case UNSIGNED -> unsigned(t.bits());
            case SIGNED -> signed(t.bits());
            case BOOL -> of(Kind.BOOL);
            case IP4 -> of(Kind.IP4);
            case MAC -> of(Kind.MAC);
            case ENUM -> enumeration(t.name(), t.bits(), t.cases());
            case UNSUPPORTED -> other(t.name());
        };
    }

    /** The type as a rules file sees it: integers, bool, ip4, mac and enums; anything else unsupported. */
    public ValueType valueType() {
        return switch (kind) {
            case UNSIGNED -> ValueType.unsigned(bits);
            case SIGNED -> ValueType.signed(bits);
            case BOOL -> ValueType.bool();
            case IP4 -> ValueType.ip4();
            case MAC -> ValueType.mac();
            case ENUM -> ValueType.enumeration(name, bits, cases);
            default -> ValueType.unsupported(name);
        };
    }

    /** Whether the kernel holds a value of this type as a {@code Long} (ip6 is a BigInteger, text a String). */
    public boolean isLong() {
        return kind != Kind.IP6 && kind != Kind.PATH && kind != Kind.STRING;
    }

    /** The type in a descriptor's notation (see the class comment). */
    public String text() {
        return switch (kind) {
            case ENUM -> {
                List<String> list = new ArrayList<>();
                cases.forEach((c, v) -> list.add(c + "=" + v));
                yield "enum " + name + " " + bits + " " + String.join(",", list);
            }
            case OTHER -> "other " + name;
            default -> name;
        };
    }

    /** @throws IllegalArgumentException when {@code text} is not a type in the descriptor's notation */
    public static ParamType parse(String text) {
        if (text.startsWith("other ")) {
            return other(text.substring("other ".length()));
        }
        if (text.startsWith("enum ")) {
            String[] parts = text.split(" ", 4);
            if (parts.length < 3) {
                throw new IllegalArgumentException("not a type: `" + text + "`");
            }
            Map<String, Long> cases = new LinkedHashMap<>();
            if (parts.length == 4 && !parts[3].isEmpty()) {
                for (String c : parts[3].split(",")) {
                    int eq = c.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("not an enum case: `" + c + "` in `" + text + "`");
                    }
                    cases.put(c.substring(0, eq), Long.parseLong(c.substring(eq + 1)));
                }
            }
            return enumeration(parts[1], Integer.parseInt(parts[2]), cases);
        }
        if (text.matches("[ui][1-9][0-9]?") && Integer.parseInt(text.substring(1)) <= 64) {
            int bits = Integer.parseInt(text.substring(1));
            return text.charAt(0) == 'u' ? unsigned(bits) : signed(bits);
        }
        for (Kind k : Kind.values()) {
            if (k != Kind.UNSIGNED && k != Kind.SIGNED && k != Kind.ENUM && k != Kind.OTHER
                    && k.name().toLowerCase(java.util.Locale.ROOT).equals(text)) {
                return of(k);
            }
        }
        throw new IllegalArgumentException("not a type: `" + text + "`");
    }
}
