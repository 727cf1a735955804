package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPrinter;
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
        assertTrue(code.contains("%choose_key0 < "), "the code is a search over the bounds");
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
