package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Specs written for the backend (test resources codegen/*.appl), next to copies of the golden
 * function and struct libraries they call: compiled against interpreted on their tests and on
 * random traffic, with run-time table entries added to both.
 */
class FeaturesTest {
    @TempDir
    Path dir;

    private IrAppliance lower(String resource) throws IOException {
        Path golden = Specs.root().resolve("language/src/test/resources/golden/ok");
        Files.copy(golden.resolve("functions.appl"), dir.resolve("functions.appl"));
        Files.copy(golden.resolve("structs_arrays.appl"), dir.resolve("structs_arrays.appl"));
        Path spec = dir.resolve(resource);
        try (InputStream in = FeaturesTest.class.getResourceAsStream("/codegen/" + resource)) {
            Files.write(spec, in.readAllBytes());
        }
        return Specs.lower(spec).getFirst();
    }

    @Test
    void kitchen() throws IOException {
        IrAppliance ir = lower("kitchen.appl");
        Codegen.Generated g = Codegen.generate(ir, true);
        assertEquals("", Specs.verify(g.bytes()));
        CompiledAppliance compiled = CompiledAppliance.load(ir, g);
        List<TestRunner.Result> results = compiledTests(ir);
        assertEquals(TestRunner.run(ir).stream().map(TestRunner.Result::failure).toList(),
                results.stream().map(TestRunner.Result::failure).toList());
        int cases = DifferentialSamplesTest.run(ir, compiled, 42);
        // Again with run-time entries in the acl: after the spec's entries, in order.
        Differential d = new Differential(ir, compiled);
        int acl = 0;
        d.addEntry(acl, new IrAppliance.Entry(List.of(new IrPattern.Masked(0xc0000200L, 0xffffff00L), new IrPattern.Any(),
                new IrPattern.Any(), new IrPattern.Range(0, 1023), new IrPattern.Exact(6)), 1, List.of()));
        d.addEntry(acl, new IrAppliance.Entry(List.of(new IrPattern.Any(), new IrPattern.Exact(0xc000020aL),
                new IrPattern.Masked(1, 1), new IrPattern.Any(), new IrPattern.Any()), 2, List.of(9L, 0x0a000001L)));
        d.addEntry(acl, new IrAppliance.Entry(List.of(new IrPattern.Any(), new IrPattern.Any(), new IrPattern.Any(),
                new IrPattern.Any(), new IrPattern.Any()), 0, List.of()));
        Frames frames = new Frames(7);
        for (int i = 0; i < 1500; i++) {
            d.advance(frames.random().nextInt(300_000_000));
            d.send(frames.random().nextInt(ir.ports.size()), frames.frame());
        }
        // And the kernel compiled after the passes, against the interpreter on the IR as lowered.
        IrAppliance optimized = Specs.lower(dir.resolve("kitchen.appl")).getFirst();
        dev.appl.compiler.passes.Pipeline.run(optimized);
        Codegen.Generated afterPasses = Codegen.generate(optimized, true);
        assertEquals("", Specs.verify(afterPasses.bytes()));
        cases += DifferentialSamplesTest.run(ir, CompiledAppliance.load(optimized, afterPasses), 43);
        System.out.println("differential kitchen: " + (cases + d.packets) + " packets");
    }

    /** A failing test fails the same way on both engines, with the same message. */
    @Test
    void failuresReadTheSame() {
        IrAppliance ir = Specs.lowerOne("""
                import std.net.ethernet.{Ethernet, EtherType}
                import std.net.ipv4.{Ipv4, IpProto}

                appliance Fails {
                    port input: packet
                    port output: packet
                    counter seen
                    map last: u8 -> u32 capacity 4

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
                        seen += 1
                        if h.ip.valid {
                            last.put(h.ip.ttl, h.ip.src as u32)
                            h.ip.ttl = 1
                            forward output
                        }
                        drop
                    }

                    test "a wrong packet" {
                        send input Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, src: 10.0.0.1}
                        expect forward output == Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp}
                    }

                    test "a wrong count" {
                        send input Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, src: 10.0.0.1}
                        expect seen == 2
                    }

                    test "a wrong fate" {
                        send input Ethernet{type: EtherType.Arp}
                        expect forward output
                    }

                    test "a wrong drop" {
                        send input Ethernet{type: EtherType.Ipv4} / Ipv4{ttl: 9}
                        expect drop
                    }

                    test "a map that holds" {
                        send input Ethernet{type: EtherType.Ipv4} / Ipv4{ttl: 9, src: 10.0.0.1}
                        expect last.contains(9) and last.size() == 1
                        expect last.contains(8)
                    }

                    test "nothing sent" {
                        expect drop
                    }
                }
                """);
        List<String> interpreted = TestRunner.run(ir).stream().map(TestRunner.Result::failure).toList();
        List<String> compiled = compiledTests(ir).stream().map(TestRunner.Result::failure).toList();
        assertEquals(interpreted, compiled);
        assertEquals(6, compiled.stream().filter(java.util.Objects::nonNull).count(), compiled.toString());
    }

    /** Params of every kind, at their defaults and set at start, read by a handler. */
    @Test
    void params() {
        IrAppliance ir = Specs.lowerOne("""
                appliance Params {
                    param rules: path = "rules.txt"
                    param greeting: string = "hello"
                    param own_ip: ip4 = 10.0.0.1
                    param own_ip6: ip6 = 2001:db8::1
                    param own_mac: mac = 02:00:00:00:00:01
                    param site: prefix4 = 10.0.0.0/8
                    param site6: prefix6 = 2001:db8::/32
                    param max_frame: size = 9000B
                    param idle: duration = 30s
                    param verbose: bool = false
                    param weight: u8 = 3
                    param offset: i32 = -7
                    param no_default: u16
                    build param mode: u8 = 1
                    build param fast: bool = true

                    port input: packet
                    port output: packet

                    counter c1
                    counter c2
                    counter c3
                    counter c4

                    on packet p from input {
                        if verbose {
                            c1 += 1
                        }
                        c2 += (weight as u64) + ((offset as i64) as u64) + (max_frame as u64) + (idle as u64)
                        c3 += ((own_ip as u32) as u64) ^ (own_mac as u48 as u64)
                        if fast and mode == 1 and own_ip6 != 2001:db8::2 {
                            c4 += 1
                        }
                        if p.len > 3 {
                            c4 += no_default as u64
                        }
                        forward output
                    }
                }
                """);
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        assertEquals("", Specs.verify(compiled.generated().bytes()));
        java.util.Map<String, Object> given = java.util.Map.of("weight", 200L, "offset", -100000L, "verbose", 1L,
                "own_ip6", new java.math.BigInteger("20010db8000000000000000000000002", 16), "no_default", 5L,
                "max_frame", 64L, "own_mac", 0xffffffffffffL);
        for (java.util.Map<String, Object> params : List.of(java.util.Map.<String, Object>of(), given)) {
            Differential d = new Differential(ir, compiled, params);
            for (int n = 0; n < (params.isEmpty() ? 4 : 8); n++) {
                d.send(0, new byte[n]);
            }
        }
    }

    private static List<TestRunner.Result> compiledTests(dev.appl.compiler.ir.IrAppliance ir) {
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        return TestRunner.run(ir, () -> compiled.newKernel(java.util.Map.of()));
    }
}
