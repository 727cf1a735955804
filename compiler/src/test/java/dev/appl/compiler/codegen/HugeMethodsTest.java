package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.MethodModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No method of a kernel exceeds HotSpot's compile limit (8,000 bytes of bytecode: a larger method
 * runs in the bytecode interpreter however hot): statements of a larger handler are moved out into
 * methods of their own ({@link Outliner}), and the kernel means the same.
 */
class HugeMethodsTest {
    /** {@code -XX:HugeMethodLimit}'s default. */
    private static final int HUGE_METHOD_LIMIT = 8_000;

    /** Each method's bytes of bytecode, by name. */
    static Map<String, Integer> codeSizes(byte[] bytes) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (MethodModel m : ClassFile.of().parse(bytes).methods()) {
            m.findAttribute(Attributes.code()).ifPresent(c -> sizes.put(m.methodName().stringValue(), c.codeLength()));
        }
        return sizes;
    }

    /** The samples as images build them: after the passes, which expand functions into handlers. */
    @ParameterizedTest
    @ValueSource(strings = {"kv", "dns", "firewall", "l4lb", "nat", "nbd"})
    void samplesKeepEveryMethodUnderTheLimit(String sample) {
        IrAppliance ir = Specs.lower(Specs.sample(sample)).getFirst();
        dev.appl.compiler.passes.Pipeline.run(ir);
        byte[] bytes = Codegen.generate(ir).bytes();
        assertEquals("", Specs.verify(bytes));
        codeSizes(bytes).forEach((name, size) -> assertTrue(size <= HUGE_METHOD_LIMIT,
                sample + ": " + name + " is " + size + " bytes of bytecode"));
        assertArrayEquals(bytes, Codegen.generate(ir).bytes());
    }

    /**
     * A handler of a few dozen large arms in a loop, which share locals (a struct among them),
     * break, continue, forward and take the malformed path from inside them: split into several
     * methods, it still does what the interpreter does, on its tests and on random traffic.
     */
    @Test
    void aHandlerSplitInManyPiecesMeansTheSame() {
        IrAppliance ir = Specs.lowerOne(bigHandler(28));
        Codegen.Generated g = Codegen.generate(ir, true);
        assertEquals("", Specs.verify(g.bytes()));
        Map<String, Integer> sizes = codeSizes(g.bytes());
        long pieces = sizes.keySet().stream().filter(n -> n.startsWith("h$0$")).count();
        assertTrue(pieces >= 3, "pieces: " + sizes);
        sizes.forEach((name, size) -> assertTrue(size <= Outliner.TARGET, name + " is " + size + " bytes: " + sizes));
        assertArrayEquals(g.bytes(), Codegen.generate(Specs.lowerOne(bigHandler(28)), true).bytes());

        CompiledAppliance compiled = CompiledAppliance.load(ir, g);
        List<TestRunner.Result> interpreted = TestRunner.run(ir);
        List<TestRunner.Result> results = TestRunner.run(ir, () -> compiled.newKernel(Map.of()));
        assertEquals(interpreted.stream().map(TestRunner.Result::failure).toList(),
                results.stream().map(TestRunner.Result::failure).toList());
        results.forEach(r -> assertTrue(r.passed(), r.test() + ": " + r.failure()));
        int cases = DifferentialSamplesTest.run(ir, compiled, 0x0b1e);
        assertTrue(cases > 1000, "packets: " + cases);
    }

    /** A spec whose handler has {@code arms} arms of about 600 bytes of bytecode each. */
    static String bigHandler(int arms) {
        StringBuilder s = new StringBuilder("""
                import std.net.ethernet.{Ethernet, EtherType}
                import std.net.ipv4.{Ipv4, IpProto}

                struct Tally {
                    hits: u32,
                    last: u64,
                }

                appliance Big {
                    port input: packet
                    port output: packet
                    counter broke
                    counter continued

                    parser P(p: packet) {
                        extract eth: Ethernet
                        select eth.type {
                            EtherType.Ipv4 => ip,
                            _ => accept,
                        }
                        state ip {
                            extract ip: Ipv4
                            accept
                        }
                    }

                    on packet p from input {
                        let h = P(p)
                        if not h.ip.valid {
                            drop
                        }
                        var acc: u32 = h.ip.src as u32
                        var tally = Tally{hits: 0, last: 0}
                        for i in 0..6 {
                            let sel = (h.ip.ttl as u32 + i * 7) %% %d
                """.formatted(arms));
        for (int k = 0; k < arms; k++) {
            s.append("""
                            if sel == %1$d {
                                var t: u32 = acc + %1$d
                                t = t * 3 + (h.ip.dst as u32 ^ %1$d)
                                t = (t << 3) ^ (t >> 5) + h.ip.identification as u32
                                t = t * 2654435761 + %1$d
                                t = (t << 7) ^ (t >> 11) + h.ip.total_len as u32
                                t = t * 40503 + acc
                                var u: u64 = t as u64 * %1$d + tally.last
                                u = (u << 13) ^ (u >> 7) + h.ip.ttl as u64
                                tally.last = u
                                tally.hits = tally.hits + 1
                                acc = t ^ (u as u32)
                                if t %% 5 == 0 {
                                    broke += 1
                                    break
                                }
                                if t %% 7 == 1 {
                                    continued += 1
                                    continue
                                }
                                if t %% 11 == 2 {
                                    h.ip.ttl = %1$d
                                    forward output
                                }
                                if t %% 13 == 3 and p.len > 1000000 {
                                    drop
                                }
                            }
                    """.formatted(k));
        }
        s.append("""
                        }
                        h.ip.identification = (acc & 0xffff) as u16
                        h.ip.total_len = (tally.hits + (tally.last & 0xff) as u32) as u16
                        forward output
                    }

                    test "an IPv4 packet goes out with its fields mixed" {
                        send input Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, ttl: 9, src: 10.0.0.1}
                        expect forward output
                        expect broke + continued >= 0
                    }

                    test "anything else is dropped" {
                        send input Ethernet{type: EtherType.Arp}
                        expect drop
                    }
                }
                """);
        return s.toString();
    }
}
