package dev.appl.runtime.table;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The type of a table key or of an action's datum, as much of it as a rules file needs: how the
 * value is written and how many bits it has.
 *
 * @param kind  what the value is
 * @param bits  its width: 1 to 64; for an enum, the width of its wire type, or 0 for an enum
 *              without one (whose cases only can be written)
 * @param name  the type as a spec writes it, for messages: {@code u16}, {@code ip4}, {@code IpProto}
 * @param cases for an enum, its cases in declaration order, by name, with their values; empty otherwise
 */
public record ValueType(Kind kind, int bits, String name, Map<String, Long> cases) {
    /** What a value is. */
    public enum Kind {
        /** {@code uN}: written as an integer from 0 to 2^N - 1. */
        UNSIGNED,
        /** {@code iN}: written as an integer from -2^(N-1) to 2^(N-1) - 1. */
        SIGNED,
        /** {@code bool}: {@code true} or {@code false}. */
        BOOL,
        /** {@code ip4}: {@code 192.0.2.1}. */
        IP4,
        /** {@code mac}: {@code 02:00:00:00:00:01}. */
        MAC,
        /** An enum: {@code IpProto.Tcp}, or for an enum with a wire type, a number that fits it. */
        ENUM,
        /** A type a rules file cannot write (ip6, structs, ...); using it is reported where it is needed. */
        UNSUPPORTED
    }

    public ValueType {
        cases = Collections.unmodifiableMap(new LinkedHashMap<>(cases));
        if (kind != Kind.UNSUPPORTED && kind != Kind.ENUM && (bits < 1 || bits > 64)) {
            throw new IllegalArgumentException(name + ": width " + bits + " is not 1 to 64");
        }
        if (kind == Kind.ENUM && (bits < 0 || bits > 64)) {
            throw new IllegalArgumentException(name + ": width " + bits + " is not 0 to 64");
        }
    }

    public static ValueType unsigned(int bits) {
        return new ValueType(Kind.UNSIGNED, bits, "u" + bits, Map.of());
    }

    public static ValueType signed(int bits) {
        return new ValueType(Kind.SIGNED, bits, "i" + bits, Map.of());
    }

    public static ValueType bool() {
        return new ValueType(Kind.BOOL, 1, "bool", Map.of());
    }

    public static ValueType ip4() {
        return new ValueType(Kind.IP4, 32, "ip4", Map.of());
    }

    public static ValueType mac() {
        return new ValueType(Kind.MAC, 48, "mac", Map.of());
    }

    /**
     * @param bits  the width of the wire type, or 0 for an enum without one
     * @param cases the cases in declaration order with their values (the wire value, or for an
     *              enum without a wire type, the case's index)
     */
    public static ValueType enumeration(String name, int bits, Map<String, Long> cases) {
        return new ValueType(Kind.ENUM, bits, name, cases);
    }

    /** A type rules files cannot write yet, named as a spec writes it. */
    public static ValueType unsupported(String name) {
        return new ValueType(Kind.UNSUPPORTED, 0, name, Map.of());
    }

    /** The low {@code bits} bits set. */
    public long widthMask() {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }
}
