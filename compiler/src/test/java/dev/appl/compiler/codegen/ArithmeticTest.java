package dev.appl.compiler.codegen;

import dev.appl.compiler.ir.IrAppliance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Arithmetic corner cases, compiled against interpreted: for every width of unsigned (u1..u64) and
 * signed (i2..i64) integers, a header of operand and result fields at odd bit offsets, and a
 * handler that computes every operator, comparison and conversion into it. Packets set the operands
 * to edge values (0, 1, the extremes, -1, the width and around it for shifts) and random ones.
 */
class ArithmeticTest {
    static final int PACKETS = 120;

    record Width(boolean signed, int bits) {
        String type() {
            return (signed ? "i" : "u") + bits;
        }

        @Override
        public String toString() {
            return type();
        }
    }

    static Stream<Width> widths() {
        List<Width> out = new ArrayList<>();
        for (int w = 1; w <= 64; w++) {
            out.add(new Width(false, w));
        }
        for (int w = 2; w <= 64; w++) {
            out.add(new Width(true, w));
        }
        return out.stream();
    }

    /** The result fields: name, type, expression over a, b (the width's type) and s (u8). */
    static List<String[]> results(Width w) {
        String t = w.type();
        List<String[]> r = new ArrayList<>(List.of(
                new String[] {"r_add", t, "a + b"},
                new String[] {"r_sub", t, "a - b"},
                new String[] {"r_mul", t, "a * b"},
                new String[] {"r_div", t, "a / b"},
                new String[] {"r_mod", t, "a % b"},
                new String[] {"r_and", t, "a & b"},
                new String[] {"r_or", t, "a | b"},
                new String[] {"r_xor", t, "a ^ b"},
                new String[] {"r_shl", t, "a << s"},
                new String[] {"r_shr", t, "a >> s"},
                new String[] {"r_not", t, "~a"},
                new String[] {"r_neg", t, "-a"},
                new String[] {"r_lit", t, w.bits() > 2 ? "(a + 1) * 3 - b / 2" : "(a + 1) * b - b / 1"},
                new String[] {"r_lt", "bool", "a < b"},
                new String[] {"r_le", "bool", "a <= b"},
                new String[] {"r_gt", "bool", "a > b"},
                new String[] {"r_ge", "bool", "a >= b"},
                new String[] {"r_eq", "bool", "a == b"},
                new String[] {"r_ne", "bool", "a != b and not (a == b)"},
                new String[] {"r_logic", "bool", "(a < b or a == 0) and not (b > a and a == 0)"},
                new String[] {"c_u8", "u8", "a as u8"},
                new String[] {"c_u64", "u64", "a as u64"},
                new String[] {"c_i64", "i64", "a as i64"},
                new String[] {"c_i8", "i8", "a as i8"},
                new String[] {"c_u32", "u32", "a as u32"},
                new String[] {"c_i17", "i17", "b as i17"},
                new String[] {"c_u5", "u5", "b as u5"}));
        if (!w.signed()) {
            r.add(new String[] {"r_shlb", t, "a << b"});
            r.add(new String[] {"r_shrb", t, "a >> b"});
        }
        if (w.bits() == 1 && !w.signed()) {
            r.add(new String[] {"c_bool", "bool", "a as bool"});
        }
        return r;
    }

    static String spec(Width w) {
        StringBuilder fields = new StringBuilder();
        StringBuilder body = new StringBuilder();
        int bits = 3 + 2 * w.bits() + 8;
        fields.append("    skew: u3\n    a: ").append(w.type()).append("\n    b: ").append(w.type()).append("\n    s: u8\n");
        for (String[] r : results(w)) {
            fields.append("    ").append(r[0]).append(": ").append(r[1]).append('\n');
            body.append("        h.x.").append(r[0]).append(" = ").append(r[2]).append('\n');
            bits += r[1].equals("bool") ? 1 : Integer.parseInt(r[1].substring(1));
        }
        if (bits % 8 != 0) {
            fields.append("    pad: u").append(8 - bits % 8).append('\n');
        }
        return """
                header X {
                %s}

                appliance Ops {
                    port input: packet
                    port output: packet

                    parser P(p: packet) {
                        extract x: X
                        accept
                    }

                    on packet p from input {
                        let h = P(p)
                        let a = h.x.a
                        let b = h.x.b
                        let s = h.x.s
                %s        forward output
                    }
                }
                """.formatted(fields, body);
    }

    @ParameterizedTest
    @MethodSource("widths")
    void everyOperator(Width w) {
        IrAppliance ir = Specs.lowerOne(spec(w));
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        org.junit.jupiter.api.Assertions.assertEquals("", Specs.verify(compiled.generated().bytes()));
        Differential d = new Differential(ir, compiled);
        int total = 3 + 2 * w.bits() + 8;
        for (String[] r : results(w)) {
            total += r[1].equals("bool") ? 1 : Integer.parseInt(r[1].substring(1));
        }
        int bytes = (total + 7) / 8;
        Random random = new Random(w.bits() * 31L + (w.signed() ? 7 : 0));
        long[] edges = edges(w);
        for (int i = 0; i < PACKETS; i++) {
            byte[] packet = new byte[bytes];
            random.nextBytes(packet);
            long a = i < edges.length * 2 ? edges[i % edges.length] : pick(random, edges, w);
            long b = i < edges.length * 2 ? edges[(i / 2 + i) % edges.length] : pick(random, edges, w);
            long s = random.nextInt(4) == 0 ? random.nextInt(256) : new long[] {0, 1, w.bits() - 1, w.bits(),
                w.bits() + 1, 63, 64, 65, 255}[random.nextInt(9)];
            put(packet, 3, w.bits(), a);
            put(packet, 3 + w.bits(), w.bits(), b);
            put(packet, 3 + 2 * w.bits(), 8, s);
            d.send(0, packet);
            if (i % 10 == 0) {
                d.send(0, java.util.Arrays.copyOf(packet, random.nextInt(packet.length + 1)));
            }
        }
    }

    static long[] edges(Width w) {
        long max = w.signed() ? (w.bits() == 64 ? Long.MAX_VALUE : (1L << (w.bits() - 1)) - 1)
                : (w.bits() == 64 ? -1L : (1L << w.bits()) - 1);
        long min = w.signed() ? (w.bits() == 64 ? Long.MIN_VALUE : -(1L << (w.bits() - 1))) : 0;
        return new long[] {0, 1, 2, 3, max, max - 1, min, min + 1, -1, -2, w.bits(), w.bits() - 1, w.bits() + 1, 7,
            0x55555555_55555555L, max / 2};
    }

    static long pick(Random random, long[] edges, Width w) {
        return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextLong();
    }

    /** Writes the low {@code width} bits of {@code value} at bit {@code at}, big-endian. */
    static void put(byte[] packet, int at, int width, long value) {
        for (int i = 0; i < width; i++) {
            int position = at + i;
            int mask = 0x80 >>> (position % 8);
            boolean set = ((value >>> (width - 1 - i)) & 1) != 0;
            packet[position / 8] = (byte) (set ? packet[position / 8] | mask : packet[position / 8] & ~mask);
        }
    }
}
