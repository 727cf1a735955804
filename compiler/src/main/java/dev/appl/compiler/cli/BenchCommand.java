package dev.appl.compiler.cli;

import dev.appl.compiler.codegen.CompiledKernel;
import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code applc bench}: replays a trace held in memory through an appliance in a loop and reports
 * packets per second. The compiled kernel gets each packet where it lies in the trace, a view and
 * no copy, as long as it writes none (the trace is handed over read-only); a kernel that writes its
 * packets gets each one copied into one reused buffer with headroom, as an image does. The loop
 * itself allocates nothing per packet.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Replays a pcap trace in memory through an appliance in a loop, for --seconds after a"
                + " warm-up of the same length, and reports packets per second and nanoseconds per packet"
                + " on the chosen engine. A quick figure; bench/ holds the JMH benchmarks.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The spec file of the appliance.")
    Path specFile;

    @Option(names = "--trace", required = true, paramLabel = "PCAP", description = "The packets to replay.")
    Path trace;

    @Option(names = "--port", paramLabel = "NAME",
            description = "The port the packets arrive on (default: the first packet port with a handler).")
    String portName;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "N", description = "How long to measure (default 5).")
    double seconds;

    @Option(names = "--engine", defaultValue = "compiled",
            description = "compiled (default) or interp: the reference interpreter, to compare with.")
    RunCommand.EngineKind engine;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Sets a param, written as in a spec.")
    List<String> params = new ArrayList<>();

    @Mixin
    SpecOptions options = new SpecOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RunCommand run = new RunCommand();
        run.specFile = specFile;
        run.params = params;
        run.engine = engine;
        run.options = options;
        try (PcapFile pcap = PcapFile.open(trace)) {
            RunCommand.Prepared prepared = run.prepare(err);
            if (prepared == null) {
                return Applc.EXIT_ERRORS;
            }
            try (RunCommand.Closing stores = prepared.engine()::closeStores) {
                return bench(prepared, pcap, out);
            }
        } catch (UsageError e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        } catch (IOException e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
    }

    /** Runs the loop for the warm-up and then for the measured time, and prints the rate. */
    private int bench(RunCommand.Prepared prepared, PcapFile pcap, PrintWriter out) throws UsageError {
        int port = port(prepared.ir());
        if (pcap.count() == 0) {
            throw new UsageError(trace + " holds no packets");
        }
        long nanos = (long) (seconds * 1e9);
        Loop loop = prepared.engine() instanceof CompiledKernel k ? new KernelLoop(k.kernel(), pcap, port)
                : new EngineLoop(prepared.engine(), pcap, port);
        loop.runFor(nanos); // warm-up: the JIT compiles the kernel and the loop
        long start = System.nanoTime();
        long packets = loop.runFor(nanos);
        long elapsed = System.nanoTime() - start;
        double pps = packets * 1e9 / elapsed;
        String how = loop instanceof KernelLoop k ? k.copying ? "compiled kernel, each packet copied"
                : "compiled kernel, in place" : "reference interpreter";
        out.printf("%s on %s (%s): %d packets of %d in %.1f s: %.3f Mpps, %.1f ns/packet%n",
                prepared.ir().name(), trace.getFileName(), how, packets, pcap.count(), elapsed / 1e9,
                pps / 1e6, 1e9 / pps);
        out.flush();
        return 0;
    }

    private int port(IrAppliance ir) throws UsageError {
        for (int i = 0; i < ir.ports.size(); i++) {
            IrAppliance.Port p = ir.ports.get(i);
            int index = i;
            boolean handled = ir.handlers.stream().anyMatch(h -> !h.event().equals("timer") && h.source() == index);
            if (portName != null ? p.name().equals(portName) : handled && p.kind().equals("packet")) {
                return i;
            }
        }
        throw new UsageError(portName != null ? "appliance `" + ir.name() + "` has no port `" + portName + "`"
                : "appliance `" + ir.name() + "` has no packet port with a handler");
    }

    /** Replays the trace in a loop; returns how many packets it handled in about {@code nanos}. */
    private interface Loop {
        long runFor(long nanos);
    }

    /**
     * The compiled kernel on views into the trace, read-only: no copy per packet, which is what a
     * kernel that only reads its packets needs. A kernel that writes them ({@link
     * Kernel#writesPackets}) gets each packet copied into one buffer with headroom instead.
     */
    private static final class KernelLoop implements Loop {
        private final Kernel kernel;
        private final PcapFile pcap;
        private final int port;
        private final MemorySegment trace;
        private final MemorySegment buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 65536 + Kernel.HEADROOM]);
        private final PacketView view = new PacketView();
        final boolean copying;

        KernelLoop(Kernel kernel, PcapFile pcap, int port) {
            this.kernel = kernel;
            this.pcap = pcap;
            this.port = port;
            this.trace = pcap.mapping().asReadOnly();
            this.copying = kernel.writesPackets();
        }

        public long runFor(long nanos) {
            long deadline = System.nanoTime() + nanos;
            long handled = 0;
            long sink = 0;
            while (System.nanoTime() < deadline) {
                sink += copying ? copied() : inPlace();
                handled += pcap.count();
            }
            return sink == Long.MIN_VALUE ? 0 : handled; // keeps the fates from being optimized away
        }

        /** One pass over the trace, each packet handled where it is. */
        private long inPlace() {
            long sink = 0;
            for (int i = 0; i < pcap.count(); i++) {
                view.segment = trace;
                view.offset = pcap.packetOffset(i);
                view.length = pcap.packetLength(i);
                sink += kernel.handle(port, view);
            }
            return sink;
        }

        /** One pass over the trace, each packet copied into the buffer first. */
        private long copied() {
            int room = Kernel.HEADROOM;
            long sink = 0;
            for (int i = 0; i < pcap.count(); i++) {
                int length = pcap.packetLength(i);
                MemorySegment.copy(trace, pcap.packetOffset(i), buffer, room, length);
                view.segment = buffer;
                view.offset = room;
                view.length = length;
                sink += kernel.handle(port, view);
            }
            return sink;
        }
    }

    /** Any engine through its byte-array interface (the interpreter). */
    private record EngineLoop(Engine engine, PcapFile pcap, int port) implements Loop {
        public long runFor(long nanos) {
            List<byte[]> packets = new ArrayList<>();
            for (int i = 0; i < pcap.count(); i++) {
                packets.add(pcap.packet(i).toArray(ValueLayout.JAVA_BYTE));
            }
            long deadline = System.nanoTime() + nanos;
            long handled = 0;
            while (System.nanoTime() < deadline) {
                for (byte[] p : packets) {
                    engine.handle(port, p);
                }
                handled += packets.size();
            }
            return handled;
        }
    }
}
