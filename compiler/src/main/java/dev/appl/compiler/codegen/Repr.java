package dev.appl.compiler.codegen;

import org.objectweb.asm.Opcodes;

/**
 * How a value of the IR is held in generated code: its JVM type. Scalars of at most 64 bits are
 * {@code long}s holding the value's bits as the interpreter's do (unsigned zero-extended, signed
 * sign-extended); the rest are references.
 */
enum Repr {
    /** bool, uN, iN, ip4, mac, enums, size, duration, which action ran. */
    LONG("J", "java/lang/Long"),
    /** ip6: 128 bits, as the interpreter holds them. */
    BIG("Ljava/math/BigInteger;", "java/math/BigInteger"),
    /** bytes (a view of the packet, or a copy) and stacked packets. */
    SEG("Ljava/lang/foreign/MemorySegment;", "java/lang/foreign/MemorySegment"),
    /** A struct, header or array value whose parts are all {@link #LONG}: one word per part. */
    FLAT("[J", "[J"),
    /** Any other struct, header or array value: one boxed part per element. */
    OBJS("[Ljava/lang/Object;", "[Ljava/lang/Object;"),
    /** A path or string param. */
    TEXT("Ljava/lang/Object;", "java/lang/Object"),
    /** No value (an action's result, a function without one). */
    VOID("V", null);

    final String descriptor;
    /** The class a value of this kind is boxed as, in an {@code Object[]} or {@code Object}. */
    final String boxClass;

    Repr(String descriptor, String boxClass) {
        this.descriptor = descriptor;
        this.boxClass = boxClass;
    }

    int slots() {
        return this == LONG ? 2 : this == VOID ? 0 : 1;
    }

    boolean isReference() {
        return this != LONG && this != VOID;
    }

    int loadOpcode() {
        return this == LONG ? Opcodes.LLOAD : Opcodes.ALOAD;
    }

    int storeOpcode() {
        return this == LONG ? Opcodes.LSTORE : Opcodes.ASTORE;
    }

    int returnOpcode() {
        return this == LONG ? Opcodes.LRETURN : this == VOID ? Opcodes.RETURN : Opcodes.ARETURN;
    }
}
