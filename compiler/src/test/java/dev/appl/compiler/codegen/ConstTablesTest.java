package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.compiler.ir.IrPrinter;
import dev.appl.compiler.passes.CompileConstTables;
import dev.appl.compiler.passes.Pipeline;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Const tables compiled into code (the CompileConstTables pass) against the reference interpreter
 * on the IR as lowered, where the table is looked up entry by entry: seeded random tables of one
 * prefix or range key, overlapping and nested, on packets whose keys are drawn at and next to the
 * entries' bounds. Each entry adds its own number to a counter, so after every packet the counter
 * says which entry both engines chose.
 */
class ConstTablesTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void searchesAgreeWithFirstMatch(long seed) {
        Random r = new Random(seed);
        boolean prefixes = seed % 2 == 1;
        int n = 4 + r.nextInt(seed < 5 ? 12 : 120);
        List<long[]> bounds = new ArrayList<>();
        StringBuilder entries = new StringBuilder();
        for (int e = 0; e < n; e++) {
            if (prefixes) {
                int length = new int[] {0, 8, 16, 20, 24, 25, 32}[r.nextInt(7)];
                long mask = length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
                long base = (r.nextInt(4) == 0 ? r.nextInt() & 0xFFFFFFFFL : 0xC0000200L | r.nextInt(256)
                        | (long) r.nextInt(4) << 16) & mask;
                bounds.add(new long[] {base, base | (~mask & 0xFFFFFFFFL)});
                entries.append(String.format("            %d.%d.%d.%d/%d => pick(%d)%n", base >>> 24, base >>> 16 & 255,
                        base >>> 8 & 255, base & 255, length, e + 1));
            } else {
                int low = r.nextInt(4) == 0 ? r.nextInt(65536) : r.nextInt(2000);
                int high = r.nextInt(8) == 0 ? r.nextInt(65536) : Math.min(65535, low + r.nextInt(300));
                bounds.add(new long[] {low, high}); // sometimes empty: low > high matches nothing
                entries.append(String.format("            %d..%d => pick(%d)%n", low, high, e + 1));
            }
        }
        String spec = """
                import std.net.ethernet.{Ethernet}
                import std.net.ipv4.{Ipv4}
                import std.net.udp.{Udp}

                appliance Pick {
                    port wire: packet
                    counter picked

                    parser Headers(p: packet) {
                        extract eth: Ethernet
                        extract ip: Ipv4
                        extract udp: Udp
                        accept
                    }

                    action pick(n: u64) {
                        picked += n
                    }

                    action none() {
                        picked += 1000000
                    }

                    table choose(k: %s) {
                        key {
                            k: %s
                        }
                        actions { pick, none }
                        default none
                        const entries {
                %s        }
                    }

                    on packet p from wire {
                        let h = Headers(p)
                        choose(%s)
                        forward wire
                    }
                }
                """.formatted(prefixes ? "ip4" : "u16", prefixes ? "lpm" : "range", entries,
                prefixes ? "h.ip.dst" : "h.udp.dst_port");
        IrAppliance reference = Specs.lowerOne(spec);
        IrAppliance optimized = Specs.lowerOne(spec);
        Pipeline.run(optimized);
        String code = IrPrinter.print(optimized);
        assertFalse(code.contains("apply choose"), "the table became code");
        Differential both = new Differential(reference, CompiledAppliance.compile(optimized));
        for (int i = 0; i < 3000; i++) {
            long[] b = bounds.get(r.nextInt(n));
            long key = (r.nextBoolean() ? b[0] : b[1]) + r.nextInt(3) - 1;
            if (r.nextInt(10) == 0) {
                key = r.nextLong();
            }
            both.send(0, packet(prefixes ? key & 0xFFFFFFFFL : 0x0A000001L, prefixes ? 53 : (int) key & 0xFFFF));
        }
    }

    /** A key of the random tables: the expression it reads and how its patterns are drawn. */
    private record KeyKind(String type, String kind, int bits, boolean signed) {}

    /**
     * Seeded random tables of several keys (prefixes, ternary masks, exact values, ranges, signed
     * ranges, wildcards; overlapping, shadowed and empty entries) against the interpreter, which
     * tries the entries in order, on packets whose keys sit at, next to and between the entries'
     * bounds, 0 and the largest value. Every third seed also loads entries at run time, which
     * come after the const ones (such a table keeps a few const entries in order, not as a tree);
     * seeds 13 to 16 have hundreds of entries, whose trees go to functions of their own (or give
     * way to the entries in order).
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void treesAgreeWithFirstMatch(long seed) {
        Random r = new Random(seed);
        List<KeyKind> kinds = List.of(
                new KeyKind("ip4", r.nextBoolean() ? "lpm" : "ternary", 32, false),
                new KeyKind("ip4", r.nextInt(3) == 0 ? "ternary" : "lpm", 32, false),
                new KeyKind("u8", new String[] {"exact", "range", "ternary"}[r.nextInt(3)], 8, false),
                new KeyKind("u16", new String[] {"range", "exact", "ternary"}[r.nextInt(3)], 16, false),
                new KeyKind("i16", r.nextBoolean() ? "range" : "exact", 16, true));
        boolean loads = seed % 3 == 0;
        int n = seed > 12 ? 200 + r.nextInt(400) : 3 + r.nextInt(seed < 7 ? 12 : 60);
        List<List<Long>> bounds = new ArrayList<>();
        for (int k = 0; k < kinds.size(); k++) {
            bounds.add(new ArrayList<>(List.of(0L, max(kinds.get(k)), kinds.get(k).signed() ? -32768L : 0L)));
        }
        StringBuilder entries = new StringBuilder();
        for (int e = 0; e < n; e++) {
            List<String> patterns = new ArrayList<>();
            for (int k = 0; k < kinds.size(); k++) {
                patterns.add(pattern(kinds.get(k), r, bounds.get(k)));
            }
            entries.append("            (").append(String.join(", ", patterns)).append(") => pick(").append(e + 1).append(")\n");
        }
        String keys = "";
        for (int k = 0; k < kinds.size(); k++) {
            keys += "            k" + k + ": " + kinds.get(k).kind() + "\n";
        }
        String spec = """
                import std.net.ethernet.{Ethernet}
                import std.net.ipv4.{Ipv4}
                import std.net.udp.{Udp}

                appliance Pick {
                    param rules: path = "rules.txt"
                    port wire: packet
                    counter picked

                    parser Headers(p: packet) {
                        extract eth: Ethernet
                        extract ip: Ipv4
                        extract udp: Udp
                        accept
                    }

                    action pick(n: u64) {
                        picked += n
                    }

                    action none() {
                        picked += 1000000
                    }

                    table choose(k0: ip4, k1: ip4, k2: u8, k3: u16, k4: i16) {
                        key {
                %s        }
                        actions { pick, none }
                        default none
                        size 64
                        const entries {
                %s        }
                        %s
                    }

                    on packet p from wire {
                        let h = Headers(p)
                        choose(h.ip.src, h.ip.dst, h.ip.ttl, h.udp.dst_port, h.udp.src_port as i16)
                        forward wire
                    }
                }
                """.formatted(keys, entries, loads ? "load rules" : "");
        IrAppliance reference = Specs.lowerOne(spec);
        IrAppliance optimized = Specs.lowerOne(spec);
        Pipeline.run(optimized);
        String code = IrPrinter.print(optimized);
        // A table that also loads entries and has few const ones is left to its apply, which tries
        // the const ones in order, then the loaded ones.
        boolean inOrder = loads && n <= CompileConstTables.IN_ORDER_MAX;
        assertEquals(inOrder, code.contains("apply choose("), "the const entries became code");
        assertEquals(loads && !inOrder, code.contains("apply runtime choose("), "the run-time entries are looked up after them");
        if (n > 12 && !inOrder) {
            assertTrue(code.contains("< ") || code.contains("switch %choose_key") || code.contains("// table choose"),
                    "a tree of cuts, or a note saying why not:\n" + code);
        }
        CompiledAppliance compiled = CompiledAppliance.compile(optimized);
        byte[] bytes = compiled.generated().bytes();
        assertEquals("", Specs.verify(bytes));
        IrAppliance again = Specs.lowerOne(spec);
        Pipeline.run(again);
        assertArrayEquals(bytes, Codegen.generate(again, true).bytes(), "builds are byte-identical");
        methodSizes(bytes).forEach((name, size) -> assertTrue(size < 8000,
                name + " has " + size + " bytes of code: more than HotSpot compiles"));
        Differential both = new Differential(reference, compiled, java.util.Map.of());
        if (loads) {
            for (int e = 0; e < 6; e++) {
                List<IrPattern> patterns = new ArrayList<>();
                for (int k = 0; k < kinds.size(); k++) {
                    patterns.add(r.nextInt(3) == 0 ? new IrPattern.Any() : new IrPattern.Exact(pick(bounds.get(k), r)));
                }
                patterns.set(0, new IrPattern.Any());
                both.addEntry(0, new IrAppliance.Entry(patterns, 0, List.of(1000L * (e + 1))));
            }
        }
        for (int i = 0; i < 3000; i++) {
            long[] v = new long[kinds.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = r.nextInt(20) == 0 ? r.nextLong() : pick(bounds.get(k), r) + r.nextInt(3) - 1;
            }
            both.send(0, packet(v[0], v[1], (int) v[2], (int) v[3], (int) v[4]));
        }
    }

    private static long max(KeyKind k) {
        return k.signed() ? (1L << (k.bits() - 1)) - 1 : (1L << k.bits()) - 1;
    }

    private static long pick(List<Long> values, Random r) {
        return values.get(r.nextInt(values.size()));
    }

    /** A random pattern of {@code k}'s kind, its bounds added to {@code bounds}. */
    private static String pattern(KeyKind k, Random r, List<Long> bounds) {
        if (r.nextInt(10) < 3) {
            return "_";
        }
        long max = max(k);
        // Values from a small pool, so that entries overlap, nest and repeat.
        long v = switch (r.nextInt(4)) {
            case 0 -> r.nextLong() & max;
            case 1 -> bounds.get(r.nextInt(bounds.size())) & max;
            default -> k.bits() == 32 ? 0xC0000200L | r.nextInt(4) << 6 | r.nextInt(3) << 16 : r.nextInt(40) + 20;
        };
        String ip = k.type().equals("ip4") ? dotted(v) : null;
        switch (k.kind()) {
            case "lpm" -> {
                int length = new int[] {0, 8, 16, 20, 24, 26, 30, 32}[r.nextInt(8)];
                long mask = length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
                long base = v & mask;
                bounds.add(base);
                bounds.add(base | ~mask & 0xFFFFFFFFL);
                return "%d.%d.%d.%d/%d".formatted(base >>> 24, base >>> 16 & 255, base >>> 8 & 255, base & 255, length);
            }
            case "ternary" -> {
                if (r.nextBoolean()) {
                    bounds.add(v);
                    return ip != null ? ip : Long.toString(v);
                }
                long mask = r.nextBoolean() ? max & ~((1L << r.nextInt(k.bits())) - 1) : r.nextLong() & max;
                bounds.add(v & mask);
                bounds.add(v & mask | ~mask & max);
                return ip != null ? ip + " &&& " + dotted(mask) : v + " &&& 0x" + Long.toHexString(mask);
            }
            case "exact" -> {
                long value = k.signed() ? (short) v : v;
                bounds.add(value);
                return ip != null ? ip : Long.toString(value);
            }
            default -> {
                long low = k.signed() ? (short) v : v;
                long min = k.signed() ? -max - 1 : 0;
                long high = r.nextInt(8) == 0 ? Math.max(min, low - r.nextInt(5)) // sometimes empty: matches nothing
                        : Math.min(max, low + r.nextInt(r.nextBoolean() ? 3 : 3000));
                bounds.add(low);
                bounds.add(high);
                return low == high && r.nextBoolean() ? Long.toString(low) : low + ".." + high;
            }
        }
    }

    private static String dotted(long v) {
        return "%d.%d.%d.%d".formatted(v >>> 24 & 255, v >>> 16 & 255, v >>> 8 & 255, v & 255);
    }

    /** Each method's bytes of code in a class file. */
    private static java.util.Map<String, Integer> methodSizes(byte[] bytes) {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        org.objectweb.asm.ClassReader c = new org.objectweb.asm.ClassReader(bytes);
        char[] buf = new char[c.getMaxStringLength()];
        int at = c.header + 6;
        at += 2 + 2 * c.readUnsignedShort(at); // interfaces
        for (int kind = 0; kind < 2; kind++) { // fields, then methods
            int count = c.readUnsignedShort(at);
            at += 2;
            for (int i = 0; i < count; i++) {
                String name = c.readUTF8(at + 2, buf);
                int attributes = c.readUnsignedShort(at + 6);
                at += 8;
                for (int a = 0; a < attributes; a++) {
                    if (kind == 1 && c.readUTF8(at, buf).equals("Code")) {
                        out.put(name + out.size(), c.readInt(at + 10));
                    }
                    at += 6 + c.readInt(at + 2);
                }
            }
        }
        return out;
    }

    /** Ethernet, IPv4 ({@code src} to {@code dst}, with {@code ttl}) and UDP ({@code srcPort} to {@code dstPort}). */
    private static byte[] packet(long src, long dst, int ttl, int dstPort, int srcPort) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 28).putInt(0).put((byte) ttl).put((byte) 17).putShort((short) 0);
        b.putInt((int) src).putInt((int) dst);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) 8).putShort((short) 0);
        return b.array();
    }

    /** Ethernet, IPv4 (to {@code dst}) and UDP (to {@code port}). */
    private static byte[] packet(long dst, int port) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 28).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
        b.putInt(0xC6336407).putInt((int) dst);
        b.putShort((short) 40000).putShort((short) port).putShort((short) 8).putShort((short) 0);
        return b.array();
    }
}
