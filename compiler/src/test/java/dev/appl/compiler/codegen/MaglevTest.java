package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The l4lb sample's Maglev hashing (Eisenbud et al., NSDI 2016): the lookup tables its
 * {@code maglev_table} computes when the appliance is built give every backend an equal share of
 * the slots and of seeded random flows, and taking a backend out of a pool moves little more than
 * its own flows. The tables are computed by the compiler as it computes the sample's, from consts
 * of a probe spec that imports the function; the flows go through the compiled sample.
 */
class MaglevTest {
    private static final int SLOTS = 251;
    private static final int FLOWS = 100_000;

    @TempDir
    Path dir;

    /** The consts of a probe spec next to a copy of the sample, as the compiler computes them. */
    private Map<String, List<?>> tables(String probe) throws IOException {
        Files.copy(Specs.sample("l4lb"), dir.resolve("l4lb.appl"));
        Path spec = dir.resolve("probe.appl");
        Files.writeString(spec, probe);
        Compilation compilation = new Compilation(Specs.root().resolve("stdlib"), Files::readAllBytes, false);
        Module module = compilation.add(spec);
        Compilation.Result result = compilation.check();
        assertTrue(!result.diagnostics().hasErrors(), () -> result.diagnostics().sorted().toString());
        Map<String, List<?>> out = new TreeMap<>();
        for (Decl d : module.decls()) {
            if (d instanceof Decl.Const c) {
                out.put(c.name().text(), (List<?>) Lowering.constValue(c, result.semantics()));
            }
        }
        return out;
    }

    @Test
    void backendsGetEqualSharesAndARemovalMovesAboutItsOwnFlows() throws IOException {
        String[] five = {"10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "0.0.0.0"};
        String[] four = {"10.1.0.1", "10.1.0.2", "10.1.0.4", "10.1.0.5", "0.0.0.0", "0.0.0.0"};
        Map<String, List<?>> t = tables("""
                import l4lb.{maglev_table, LOOKUP_SIZE}

                const FIVE: [u8; LOOKUP_SIZE] = maglev_table([%s], 0, 5)
                const FOUR: [u8; LOOKUP_SIZE] = maglev_table([%s], 0, 4)
                """.formatted(String.join(", ", five), String.join(", ", four)));
        List<?> before = t.get("FIVE");
        List<?> after = t.get("FOUR");
        assertEquals(SLOTS, before.size());

        // Slots: every backend has 251 / 5 of them, within one.
        int[] slots = new int[5];
        for (Object b : before) {
            slots[((Long) b).intValue()]++;
        }
        for (int s : slots) {
            assertTrue(s == SLOTS / 5 || s == SLOTS / 5 + 1, "slots per backend " + java.util.Arrays.toString(slots));
        }

        // Flows (uniform 32-bit hashes, as flow_hash's fmix32 makes them): each backend's share
        // within 1.5 points of a fifth; after the removal, those of the removed backend all move,
        // and of the others at most 4 in 100.
        Random random = new Random(20161);
        int[] flows = new int[5];
        int moved = 0;
        int movedOthers = 0;
        for (int i = 0; i < FLOWS; i++) {
            long hash = random.nextInt() & 0xffffffffL;
            int slot = (int) (hash % SLOTS);
            String was = five[((Long) before.get(slot)).intValue()];
            String is = four[((Long) after.get(slot)).intValue()];
            flows[((Long) before.get(slot)).intValue()]++;
            if (!was.equals(is)) {
                moved++;
                movedOthers += was.equals("10.1.0.3") ? 0 : 1;
            } else {
                assertTrue(!was.equals("10.1.0.3"), "a flow stayed on the removed backend");
            }
        }
        for (int f : flows) {
            assertTrue(Math.abs(f / (double) FLOWS - 0.2) < 0.015, "flows per backend " + java.util.Arrays.toString(flows));
        }
        double share = moved / (double) FLOWS;
        assertTrue(share > 0.2 - 0.015 && share < 0.2 + 0.04, "moved " + share);
        assertTrue(movedOthers / (double) FLOWS < 0.04, "others moved " + movedOthers / (double) FLOWS);
        System.out.printf("maglev: slots %s, flows %s, moved %.4f (others %.4f)%n", java.util.Arrays.toString(slots),
                java.util.Arrays.toString(flows), share, movedOthers / (double) FLOWS);
    }

    /** Seeded random connections to each VIP through the compiled sample: the pools share them out evenly. */
    @Test
    void theSampleSharesConnectionsEvenly() {
        IrAppliance ir = Specs.lower(Specs.sample("l4lb")).getFirst();
        dev.appl.compiler.passes.Pipeline.run(ir);
        Kernel kernel = CompiledAppliance.compile(ir).newKernel(Map.of()).kernel();
        int clients = ir.ports.stream().map(IrAppliance.Port::name).toList().indexOf("clients");
        Random random = new Random(2016);
        MemorySegment buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 2048 + Kernel.HEADROOM]);
        PacketView view = new PacketView();
        Map<String, Integer> web = new TreeMap<>();
        Map<String, Integer> dns = new TreeMap<>();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            boolean toWeb = i % 2 == 0;
            byte[] frame = frame(random.nextInt(), random.nextInt(1024, 65536), toWeb);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, buffer, Kernel.HEADROOM, frame.length);
            view.segment = buffer;
            view.offset = Kernel.HEADROOM;
            view.length = frame.length;
            int fate = kernel.handle(clients, view);
            assertTrue(fate >= 0, "not forwarded: " + fate);
            // The outer IPv4 header follows Ethernet; its destination is the backend.
            int dst = buffer.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                    view.offset + 14 + 16);
            String backend = (dst >>> 24) + "." + (dst >>> 16 & 0xff) + "." + (dst >>> 8 & 0xff) + "." + (dst & 0xff);
            (toWeb ? web : dns).merge(backend, 1, Integer::sum);
        }
        assertEquals(List.of("10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"), List.copyOf(web.keySet()));
        assertEquals(List.of("10.2.0.1", "10.2.0.2"), List.copyOf(dns.keySet()));
        web.values().forEach(c -> assertTrue(Math.abs(c / (n / 2.0) - 0.25) < 0.02, "web " + web));
        dns.values().forEach(c -> assertTrue(Math.abs(c / (n / 2.0) - 0.5) < 0.02, "dns " + dns));
        System.out.println("maglev in the sample: web " + web + ", dns " + dns);
    }

    /** A TCP SYN to the web VIP's port 80, or a UDP query to the DNS VIP's port 53, from a client. */
    private static byte[] frame(int client, int port, boolean toWeb) {
        ByteBuffer b = ByteBuffer.allocate(toWeb ? 54 : 42);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, (byte) 0xaa}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (toWeb ? 40 : 28)).putInt(0)
                .put((byte) 64).put((byte) (toWeb ? 6 : 17)).putShort((short) 0)
                .putInt(client).putInt(toWeb ? 0xc000020a : 0xc0000235);
        if (toWeb) {
            b.putShort((short) port).putShort((short) 80).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02)
                    .putShort((short) 65535).putInt(0);
        } else {
            b.putShort((short) port).putShort((short) 53).putShort((short) 8).putShort((short) 0);
        }
        return b.array();
    }
}
