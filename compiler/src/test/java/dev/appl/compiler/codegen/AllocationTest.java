package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sample's compiled kernel allocates nothing per packet once warmed up: the bytes the thread
 * allocates (as the JVM counts them, {@code com.sun.management.ThreadMXBean}) over many packets of
 * the sample's traces, each copied into one reused buffer as an image does. This counts bytes, not
 * time, so it does not depend on the machine's speed.
 *
 * <p>The only tolerance is for allocations that do not recur: the JVM may allocate once while the
 * measured loop runs (a deoptimized method's new profile, a class initialized late). An object
 * allocated for every packet, or for one packet of the trace in every round, exceeds it many times.
 */
class AllocationTest {
    private static final int WARM_UP = 300_000;
    private static final int MEASURED = 300_000;
    /** Under 1/16 of a byte per packet: less than one object (16 bytes or more) per 256 packets. */
    private static final long TOLERANCE = MEASURED / 256 * 16;

    @ParameterizedTest
    @ValueSource(strings = {"firewall", "l4lb", "nat"})
    void steadyStateAllocatesNothing(String sample) throws IOException {
        Path spec = Specs.sample(sample);
        IrAppliance ir = Specs.lower(spec).getFirst();
        dev.appl.compiler.passes.Pipeline.run(ir);
        Kernel kernel = CompiledAppliance.compile(ir).newKernel(Map.of()).kernel();
        List<int[]> packets = new ArrayList<>();
        List<MemorySegment> frames = new ArrayList<>();
        for (int port = 0; port < ir.ports.size(); port++) {
            String binding = ir.ports.get(port).binding();
            if (binding == null || !binding.startsWith("pcap:")) {
                continue;
            }
            Path file = spec.getParent().resolve(binding.substring(5).split(",")[0]);
            if (!Files.exists(file)) {
                continue;
            }
            try (PcapFile trace = PcapFile.open(file)) {
                for (int i = 0; i < trace.count(); i++) {
                    MemorySegment frame = MemorySegment.ofArray(trace.packet(i).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    packets.add(new int[] {port, frames.size()});
                    frames.add(frame);
                }
            }
        }
        assertTrue(packets.size() > 0, sample + " has no trace");
        Driver driver = new Driver(kernel, packets, frames);
        driver.run(WARM_UP);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // What reading the counter costs, measured the same way around nothing.
        long start = threads.getCurrentThreadAllocatedBytes();
        long overhead = threads.getCurrentThreadAllocatedBytes() - start;
        long before = threads.getCurrentThreadAllocatedBytes();
        int fates = driver.run(MEASURED);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before - overhead;
        System.out.printf("allocation %s: %d bytes over %d packets (%d frames, fates %d)%n", sample, allocated,
                MEASURED, frames.size(), fates);
        assertTrue(allocated <= TOLERANCE, sample + " allocated " + allocated + " bytes over " + MEASURED
                + " packets (" + (double) allocated / MEASURED + " per packet)");
    }

    /** Sends the frames in turn, each copied into one buffer with headroom on either side. */
    private static final class Driver {
        private final Kernel kernel;
        private final int[][] packets;
        private final MemorySegment[] frames;
        private final MemorySegment buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 65536 + Kernel.HEADROOM]);
        private final PacketView view = new PacketView();
        private int next;

        Driver(Kernel kernel, List<int[]> packets, List<MemorySegment> frames) {
            this.kernel = kernel;
            this.packets = packets.toArray(new int[0][]);
            this.frames = frames.toArray(new MemorySegment[0]);
        }

        /** Sends {@code count} packets; returns the sum of their fates, so that nothing is optimized away. */
        int run(int count) {
            int sum = 0;
            for (int n = 0; n < count; n++) {
                int[] p = packets[next];
                next = next + 1 == packets.length ? 0 : next + 1;
                MemorySegment frame = frames[p[1]];
                MemorySegment.copy(frame, 0, buffer, Kernel.HEADROOM, frame.byteSize());
                view.segment = buffer;
                view.offset = Kernel.HEADROOM;
                view.length = (int) frame.byteSize();
                sum += kernel.handle(p[0], view);
            }
            return sum;
        }
    }
}
