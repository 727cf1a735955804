package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code handleAll} (the handlers' batch methods, {@link BatchLoop}) against {@code handle} one
 * packet at a time, on two kernels of the same appliance fed the same seeded traffic in batches
 * of random sizes: every packet's fate and bytes, and in the end every counter and map, must be
 * the same.
 */
class BatchLoopTest {
    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void batchesDoWhatSinglePacketsDo(String sample) throws ReflectiveOperationException {
        IrAppliance ir = Specs.lower(Specs.sample(sample)).getFirst();
        Pipeline.run(ir);
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        assertEquals("", Specs.verify(compiled.generated().bytes()));
        Kernel single = compiled.newKernel(Map.of()).kernel();
        Kernel batched = compiled.newKernel(Map.of()).kernel();
        for (int p = 0; p < ir.ports.size(); p++) {
            int handler = handlerOf(ir, p);
            if (handler >= 0) {
                // Not a test of the default loop: each handled port's handler has its batch method.
                assertTrue(hasBatchMethod(batched, handler), sample + ": no batch method for handler " + handler);
            }
        }
        int packets = compare(ir, single, batched, 0xba7c0000L + sample.hashCode(), 4000);
        System.out.println("batch loop " + sample + ": " + packets + " packets");
    }

    /** A handler split into pieces (Outliner): its batch method calls them as the handler does. */
    @Test
    void aHandlerInPiecesBatchesAsItHandles() throws ReflectiveOperationException {
        IrAppliance ir = Specs.lowerOne(HugeMethodsTest.bigHandler(28));
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        assertEquals("", Specs.verify(compiled.generated().bytes()));
        Kernel single = compiled.newKernel(Map.of()).kernel();
        Kernel batched = compiled.newKernel(Map.of()).kernel();
        assertTrue(Arrays.stream(batched.getClass().getDeclaredMethods()).anyMatch(m -> m.getName().startsWith("h$0$")),
                "the handler is not split");
        assertTrue(hasBatchMethod(batched, 0));
        compare(ir, single, batched, 0xb16L, 3000);
    }

    /** A datagram handler that shortens and replies: the replies are the same, packet for packet. */
    @Test
    void datagramRepliesBatchAsTheyAreHandled() throws ReflectiveOperationException {
        IrAppliance ir = Specs.lowerOne("""
                appliance Echo {
                    port clients: datagram = "udp:127.0.0.1:7000"
                    counter shortened

                    on datagram d from clients {
                        if d.len > 40 {
                            shortened += 1
                            d.truncate(40)
                        }
                        reply
                    }
                }
                """);
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        assertEquals("", Specs.verify(compiled.generated().bytes()));
        Kernel single = compiled.newKernel(Map.of()).kernel();
        Kernel batched = compiled.newKernel(Map.of()).kernel();
        assertTrue(hasBatchMethod(batched, 0));
        compare(ir, single, batched, 0xd47aL, 2000);
        assertTrue(batched.counter(0) > 0, "no datagram was shortened");
    }

    /** A port without a handler goes through handleAll's own loop over handle: every packet dropped. */
    @Test
    void portsWithoutABatchMethodAreHandledOneByOne() throws ReflectiveOperationException {
        IrAppliance ir = Specs.lowerOne("""
                appliance Half {
                    port input: packet
                    port output: packet
                    counter seen

                    on packet p from input {
                        seen += 1
                        forward output
                    }
                }
                """);
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        assertEquals("", Specs.verify(compiled.generated().bytes()));
        Kernel kernel = compiled.newKernel(Map.of()).kernel();
        assertTrue(hasBatchMethod(kernel, 0));
        PacketView[] views = views(List.of(new byte[60], new byte[61], new byte[62]));
        int[] fates = new int[3];
        kernel.handleAll(1, views, 3, fates);
        assertArrayEquals(new int[] {Kernel.DROP, Kernel.DROP, Kernel.DROP}, fates);
        kernel.handleAll(0, views, 2, fates);
        assertArrayEquals(new int[] {1, 1, Kernel.DROP}, fates);
        assertEquals(2, kernel.counter(0));
    }

    /** Sends seeded random frames to both kernels; returns how many. */
    private static int compare(IrAppliance ir, Kernel single, Kernel batched, long seed, int count) {
        Frames frames = new Frames(seed);
        Random random = new Random(seed);
        int sent = 0;
        long now = 0;
        while (sent < count) {
            int port = random.nextInt(ir.ports.size());
            int n = 1 + random.nextInt(random.nextBoolean() ? 8 : 64);
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] frame = frames.frame();
                batch.add(random.nextInt(10) == 0 ? frames.truncate(frame) : frame);
            }
            now += random.nextInt(2_000_000_000);
            single.setTime(now);
            batched.setTime(now);
            PacketView[] one = views(batch);
            PacketView[] all = views(batch);
            int[] fates = new int[n];
            batched.handleAll(port, all, n, fates);
            for (int i = 0; i < n; i++) {
                int fate = single.handle(port, one[i]);
                String where = "packet " + (sent + i) + " to port " + port + ": " + java.util.HexFormat.of().formatHex(batch.get(i));
                assertEquals(fate, fates[i], where);
                assertArrayEquals(one[i].toArray(), all[i].toArray(), where);
            }
            sent += n;
        }
        for (int c = 0; c < ir.counters.size(); c++) {
            assertEquals(single.counter(c), batched.counter(c), "counter " + ir.counters.get(c));
        }
        for (int m = 0; m < ir.maps.size(); m++) {
            assertEquals(single.mapSize(m), batched.mapSize(m), "map " + ir.maps.get(m).name());
        }
        return sent;
    }

    /** Each packet in a buffer of its own, with headroom, as a driver hands them. */
    private static PacketView[] views(List<byte[]> packets) {
        PacketView[] views = new PacketView[packets.size()];
        for (int i = 0; i < views.length; i++) {
            byte[] p = packets.get(i);
            MemorySegment buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + p.length + Kernel.HEADROOM]);
            MemorySegment.copy(MemorySegment.ofArray(p), 0, buffer, Kernel.HEADROOM, p.length);
            views[i] = new PacketView(buffer, Kernel.HEADROOM, p.length);
        }
        return views;
    }

    private static int handlerOf(IrAppliance ir, int port) {
        for (int i = 0; i < ir.handlers.size(); i++) {
            if (!ir.handlers.get(i).event().equals("timer") && ir.handlers.get(i).source() == port) {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasBatchMethod(Kernel kernel, int handler) {
        return Arrays.stream(kernel.getClass().getDeclaredMethods()).anyMatch(m -> m.getName().equals("a$" + handler));
    }
}
