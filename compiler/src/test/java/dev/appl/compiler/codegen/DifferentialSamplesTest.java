package dev.appl.compiler.codegen;

import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The samples on the interpreter and on their compiled kernels, packet for packet: the test
 * blocks' packets; every truncation and corrupted copies of them; and a few thousand seeded random
 * frames, random bytes and mirrored replies sent in one stateful run with the clock moving (so that
 * maps fill, refresh and expire and timers fire).
 */
class DifferentialSamplesTest {
    static final int RANDOM_STEPS = 3000;

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void samples(String sample) {
        IrAppliance ir = Specs.lower(Specs.sample(sample)).getFirst();
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        int cases = run(ir, compiled, 0x5eed0000L + sample.hashCode());
        System.out.println("differential " + sample + ": " + cases + " packets");
    }

    /**
     * The same with the kernel compiled from the IR after the optimization passes, against the
     * interpreter on the IR as lowered: the passes and the backend together must keep the meaning.
     */
    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void samplesAfterThePasses(String sample) {
        IrAppliance ir = Specs.lower(Specs.sample(sample)).getFirst();
        IrAppliance optimized = Specs.lower(Specs.sample(sample)).getFirst();
        dev.appl.compiler.passes.Pipeline.run(optimized);
        Codegen.Generated g = Codegen.generate(optimized, true);
        org.junit.jupiter.api.Assertions.assertEquals("", Specs.verify(g.bytes()));
        int cases = run(ir, CompiledAppliance.load(optimized, g), 0x0b7e0000L + sample.hashCode());
        System.out.println("differential " + sample + " after the passes: " + cases + " packets");
    }

    /**
     * The kernel after the passes reads the firewall's fields with no range check of their own
     * (MarkLoadsInPacket): every truncation of a TCP packet short of its 54 bytes must still take
     * the malformed path, on both engines, and the whole packet must not.
     */
    @org.junit.jupiter.api.Test
    void truncatedPacketsStayMalformedWithoutTheReadsRangeChecks() {
        IrAppliance ir = Specs.lower(Specs.sample("firewall")).getFirst();
        IrAppliance optimized = Specs.lower(Specs.sample("firewall")).getFirst();
        dev.appl.compiler.passes.Pipeline.run(optimized);
        Differential d = new Differential(ir, CompiledAppliance.load(optimized, Codegen.generate(optimized, true)));
        byte[] tcp = java.util.HexFormat.of().parseHex("020000000001" + "020000000002" + "0800"
                + "45000028000000004006" + "0000" + "c6336407" + "c000020a"
                + "9c4001bb" + "00000000" + "00000000" + "5002ffff" + "00000000");
        for (int n = 0; n < tcp.length; n++) {
            org.junit.jupiter.api.Assertions.assertEquals(Interpreter.Fate.MALFORMED,
                    d.send(0, java.util.Arrays.copyOf(tcp, n)).fate(), "the first " + n + " bytes");
        }
        org.junit.jupiter.api.Assertions.assertEquals(Interpreter.Fate.FORWARD, d.send(0, tcp).fate());
    }

    /** Runs all three kinds of traffic; returns how many packets were compared. */
    static int run(IrAppliance ir, CompiledAppliance compiled, long seed) {
        int cases = 0;
        Frames frames = new Frames(seed);
        int ports = ir.ports.size();
        if (ports == 0) {
            return cases;
        }
        // The test blocks, each on fresh appliances.
        List<byte[]> sent = new ArrayList<>();
        for (IrTest t : ir.tests) {
            Differential d = new Differential(ir, compiled);
            d.runTest(t, sent);
            cases += d.packets;
        }
        // Every truncation and some corruptions of the test packets.
        Differential broken = new Differential(ir, compiled);
        for (byte[] p : sent) {
            for (int port = 0; port < ports; port++) {
                for (int n = 0; n <= p.length; n++) {
                    broken.send(port, java.util.Arrays.copyOf(p, n));
                }
                for (int i = 0; i < 20; i++) {
                    broken.send(port, frames.corrupt(p));
                }
            }
        }
        cases += broken.packets;
        // One long stateful run of random traffic.
        Differential d = new Differential(ir, compiled);
        List<byte[]> out = new ArrayList<>();
        var random = frames.random();
        for (int i = 0; i < RANDOM_STEPS; i++) {
            double k = random.nextDouble();
            long delta = k < 0.02 ? 60_000_000_000L * (1 + random.nextInt(10)) : k < 0.1 ? 1_000_000_000L
                    : random.nextInt(5_000_000);
            d.advance(delta);
            int port = random.nextInt(ports);
            double what = random.nextDouble();
            byte[] packet;
            if (what < 0.6 || out.isEmpty() && sent.isEmpty()) {
                packet = frames.frame();
            } else if (what < 0.8 && !out.isEmpty()) {
                packet = Frames.mirror(out.get(random.nextInt(out.size())));
            } else if (what < 0.9 && !sent.isEmpty()) {
                byte[] base = sent.get(random.nextInt(sent.size()));
                packet = random.nextBoolean() ? frames.corrupt(base) : base;
            } else {
                packet = frames.randomBytes(80);
            }
            Interpreter.Outcome o = d.send(port, packet);
            if (o.fate() == Interpreter.Fate.FORWARD || o.fate() == Interpreter.Fate.REPLY) {
                out.add(o.packet());
                if (out.size() > 256) {
                    out.remove(random.nextInt(out.size()));
                }
            }
        }
        cases += d.packets;
        StringBuilder summary = new StringBuilder(ir.name() + " after the random run:");
        for (int i = 0; i < ir.counters.size(); i++) {
            summary.append(' ').append(ir.counters.get(i)).append('=').append(d.reference.counter(i));
        }
        for (int i = 0; i < ir.maps.size(); i++) {
            summary.append(' ').append(ir.maps.get(i).name()).append(".size=").append(d.reference.mapSize(i));
        }
        System.out.println(summary + " fates=" + d.fates);
        return cases;
    }
}
