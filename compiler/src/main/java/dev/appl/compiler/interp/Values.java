package dev.appl.compiler.interp;

import dev.appl.compiler.ir.Arithmetic;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.language.ast.Decl;
import dev.appl.language.types.HeaderLayout;
import dev.appl.language.types.Type;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Header values as bytes and back, and short names for the shared {@link Arithmetic}. */
final class Values {
    private Values() {}

    static long wrap(long v, Type t) {
        return Arithmetic.wrap(v, t);
    }

    static boolean signed(Type t) {
        return Arithmetic.signed(t);
    }

    static long bool(boolean b) {
        return Arithmetic.bool(b);
    }

    /** A header value's bytes: fields packed by the layout, then its trailing bytes. */
    static byte[] headerBytes(List<?> fields, HeaderLayout layout) {
        byte[] fixed = new byte[layout.fixedBytes()];
        byte[] trailing = new byte[0];
        for (int i = 0; i < layout.fields().size(); i++) {
            HeaderLayout.FieldLayout f = layout.fields().get(i);
            Object v = fields.get(i);
            if (f.isTrailingBytes()) {
                trailing = (byte[]) v;
                continue;
            }
            if (v instanceof BigInteger big) {
                byte[] raw = big.toByteArray();
                for (int b = 0; b < 16; b++) {
                    int from = raw.length - 16 + b;
                    fixed[f.byteOffset() + b] = from >= 0 ? raw[from] : 0;
                }
                continue;
            }
            long value = (Long) v;
            if (f.littleEndian()) {
                for (int b = 0; b < f.bitWidth() / 8; b++) {
                    fixed[f.byteOffset() + b] = (byte) (value >>> (8 * b));
                }
                continue;
            }
            for (int bit = 0; bit < f.bitWidth(); bit++) {
                int position = f.bitOffset() + bit;
                if (((value >>> (f.bitWidth() - 1 - bit)) & 1) != 0) {
                    fixed[position / 8] |= (byte) (0x80 >>> (position % 8));
                }
            }
        }
        byte[] out = new byte[fixed.length + trailing.length];
        System.arraycopy(fixed, 0, out, 0, fixed.length);
        System.arraycopy(trailing, 0, out, fixed.length, trailing.length);
        return out;
    }

    /** Value equality: aggregates part by part, bytes by content. */
    static boolean same(Object a, Object b) {
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return java.util.Arrays.equals(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Reads a header value out of the packet: one value per field. */
    static List<Object> headerValue(Packet packet, long offset, long length, HeaderLayout layout) {
        List<Object> out = new ArrayList<>();
        for (HeaderLayout.FieldLayout f : layout.fields()) {
            if (f.isTrailingBytes()) {
                out.add(packet.slice(offset + f.byteOffset(), length - f.byteOffset()));
            } else if (f.bitWidth() > 64) {
                out.add(new BigInteger(1, packet.slice(offset + f.byteOffset(), 16)));
            } else if (f.littleEndian()) {
                out.add(wrap(packet.readLittleEndian(offset + f.byteOffset(), f.bitWidth()), f.type()));
            } else {
                out.add(wrap(packet.readBits(offset + f.byteOffset(), f.bitOffset() % 8, f.bitWidth()), f.type()));
            }
        }
        return out;
    }

    /** The bytes of a packet part: a header value, bytes, or an already stacked packet. */
    static byte[] bytesOf(Object value, Type type, IrAppliance ir) {
        return switch (type) {
            case Type.Header h -> headerBytes((List<?>) value, layout(ir, h.decl()));
            default -> (byte[]) value;
        };
    }

    static HeaderLayout layout(IrAppliance ir, Decl.Header h) {
        return ir.layouts.get(h);
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
