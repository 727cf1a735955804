package dev.appl.compiler.ir;

import dev.appl.language.ast.Expr.BinaryOp;
import dev.appl.language.ast.Expr.UnaryOp;
import dev.appl.language.types.Type;
import java.util.List;

/**
 * Expressions of the IR. Packet memory is explicit: a header field is a {@link Load} at a constant
 * offset from the header's offset local, so a field nobody reads is never loaded. Scalars are at
 * most 64 bits wide, except {@code ip6}; arithmetic wraps to the type's width.
 */
public sealed interface IrExpr {
    Type type();

    /**
     * A constant: a {@link Long} for scalars (bools are 0 and 1), a {@link java.math.BigInteger} for ip6,
     * a {@code byte[]} for bytes, a {@link String} for text, a {@link java.util.List} for an aggregate.
     */
    record Const(Object value, Type type) implements IrExpr {}

    record Read(IrLocal local) implements IrExpr {
        public Type type() {
            return local.type();
        }
    }

    /**
     * A field of the packet: {@code width} bits starting {@code bitOffset} bits into the byte at
     * {@code header + byteOffset}, big-endian unless {@code littleEndian}. {@code inPacket}: a length
     * check has already proven that, whenever the header is valid, the bytes of the field lie inside
     * the packet (set by {@code MarkLoadsInPacket}); the kernel then tests only that the header is valid.
     */
    record Load(IrLocal header, int byteOffset, int bitOffset, int width, boolean littleEndian, Type type,
            boolean inPacket) implements IrExpr {
        public Load(IrLocal header, int byteOffset, int bitOffset, int width, boolean littleEndian, Type type) {
            this(header, byteOffset, bitOffset, width, littleEndian, type, false);
        }

        /** How many bytes from {@code header + byteOffset} the read touches. */
        public int bytes() {
            return littleEndian || width > 64 ? width / 8 : (bitOffset + width + 7) / 8;
        }
    }

    /** {@code length} bytes of the packet from {@code header + byteOffset}, as a view (not a copy). */
    record Slice(IrExpr start, IrExpr length) implements IrExpr {
        public Type type() {
            return Type.BYTES;
        }
    }

    /** The length of the packet being handled, in bytes. */
    record PacketLength(Type type) implements IrExpr {}

    record Unary(UnaryOp op, IrExpr operand, Type type) implements IrExpr {}

    /** Arithmetic, bitwise, comparison; {@code and} / {@code or} evaluate their right side only when needed. */
    record Binary(BinaryOp op, IrExpr left, IrExpr right, Type type) implements IrExpr {}

    /** An explicit conversion ({@code as}): truncation, zero or sign extension, unit changes. */
    record Convert(IrExpr value, Type type) implements IrExpr {}

    record Call(IrFunction function, List<IrExpr> args, Type type) implements IrExpr {}

    /** A struct, header or array value built from its fields or elements, in declaration order. */
    record Aggregate(List<IrExpr> parts, Type type) implements IrExpr {}

    /** Field or element {@code index} of an aggregate value. */
    record Element(IrExpr aggregate, int index, Type type) implements IrExpr {}

    /** {@code array[i]} or {@code bytes[i]}; an index out of range takes the malformed path. */
    record Index(IrExpr target, IrExpr index, Type type) implements IrExpr {}

    /** The whole header at an offset local, {@code length} bytes long, as a value (to pass or compare). */
    record HeaderValue(IrLocal header, IrExpr length, Type type) implements IrExpr {}

    /** Headers and bytes stacked into one packet ({@code a / b}). */
    record Stack(List<IrExpr> parts) implements IrExpr {
        public Type type() {
            return Type.STACK;
        }
    }

    record CounterValue(int counter, Type type) implements IrExpr {}

    /** Slot {@code slot} of the handler's connection state: a session variable ({@link IrStmt.ConnectionSet}). */
    record ConnectionValue(int slot, Type type) implements IrExpr {}

    /** A map operation other than get: contains, put, remove, size. */
    record MapOp(int map, String op, List<IrExpr> args, Type type) implements IrExpr {}

    /** A start-time param (build-time params are folded into constants). */
    record ParamValue(int param, Type type) implements IrExpr {}

    /** The length of a bytes value. */
    record Length(IrExpr bytes, Type type) implements IrExpr {}

    /**
     * {@code length} bytes of a bytes value from {@code start}, as a view (not a copy); a range
     * outside the value takes the malformed path.
     */
    record BytesSlice(IrExpr bytes, IrExpr start, IrExpr length) implements IrExpr {
        public Type type() {
            return Type.BYTES;
        }
    }

    /** {@code now()}: the kernel's clock, nanoseconds since the Unix epoch. */
    record Clock(Type type) implements IrExpr {}

    /**
     * A store operation (language.md §10.6) other than the lookups of {@link IrStmt.StoreGet}:
     * blocks read, write, zero, trim, flush, size; log append, next, flush, size; kv put, remove,
     * contains, flush, size.
     */
    record StoreOp(int store, String op, List<IrExpr> args, Type type) implements IrExpr {}

    /** A table write: insert (keys..., action index, data...), remove (keys...), clear. */
    record TableOp(int table, String op, List<IrExpr> args, Type type) implements IrExpr {}
}
