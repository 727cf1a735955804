package dev.appl.runtime.launch;

import dev.appl.runtime.io.PcapFile;
import dev.appl.runtime.io.PcapWriter;
import dev.appl.runtime.io.UdpFrames;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs an appliance over pcap traces: what `java -jar` on an image and `applc run` both do. Every
 * trace's packets go to the kernel in capture-time order, timers fire as that time passes, packets
 * leaving a port go to its out= trace, and a summary is printed. Each packet is copied once into
 * one buffer with {@link Kernel#HEADROOM} on both sides and handled in place.
 *
 * <p>A datagram port reads the UDP datagrams of its trace's frames ({@link UdpFrames}): the handler
 * gets the datagram alone, with room after it to grow to {@link #DATAGRAM_MAX} bytes, and a reply
 * is written to the out= trace inside a frame going back to the sender. Frames that carry no
 * whole UDP datagram are skipped and counted.
 */
public final class Replay {
    private Replay() {}

    /** A packet port's binding: a trace to read (or none) and a trace to write (or none). */
    public record Binding(Path in, Path out) implements PortBinding {
        @Override
        public String toString() {
            return "pcap:" + (in == null ? "" : in) + (out == null ? "" : ",out=" + out);
        }
    }

    /** The largest datagram a reply may grow to: what a UDP length leaves over IPv6. */
    public static final int DATAGRAM_MAX = 65_535 - 8 - 40;

    /**
     * What the replay needs to know of the appliance besides its kernel; {@code kinds} are the
     * ports' kinds ({@code packet}, {@code datagram}, {@code stream}), in the order of {@code ports}.
     */
    public record Appliance(String title, List<String> ports, List<String> kinds, List<String> timers,
            long[] timerPeriods, List<String> counters) {
        /** An appliance whose ports are all packet ports. */
        public Appliance(String title, List<String> ports, List<String> timers, long[] timerPeriods,
                List<String> counters) {
            this(title, ports, ports.stream().map(p -> "packet").toList(), timers, timerPeriods, counters);
        }
    }

    /** A trace that cannot be read or written, or a binding that makes no sense: the user's to fix. */
    public static final class BadInput extends Exception {
        public BadInput(String message) {
            super(message);
        }
    }

    /** The kernel failed: a bug in the compiler or runtime, with where it happened. */
    public static final class KernelFailure extends Exception {
        public KernelFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * {@code pcap:IN[,out=OUT]} as a binding, its paths relative to {@code base}.
     *
     * @throws BadInput naming the port when the text is not such a binding
     */
    public static Binding binding(String port, String text, Path base) throws BadInput {
        if (!text.startsWith("pcap:")) {
            throw new BadInput("port `" + port + "`: `" + text + "` is not a trace binding (pcap:FILE[,out=FILE])");
        }
        Path in = null;
        Path outFile = null;
        try {
            for (String part : text.substring(5).split(",")) {
                if (part.startsWith("out=")) {
                    outFile = base.resolve(part.substring(4));
                } else if (!part.isEmpty()) {
                    in = base.resolve(part);
                }
            }
        } catch (InvalidPathException e) {
            throw new BadInput("port `" + port + "`: `" + e.getInput() + "` is not a valid file name (" + e.getReason()
                    + ")");
        }
        return new Binding(in, outFile);
    }

    /** Feeds every trace's packets to the kernel in capture-time order, firing timers as time passes. */
    public static void run(Kernel kernel, Appliance appliance, Map<Integer, Binding> bindings, PrintWriter out)
            throws IOException, BadInput, KernelFailure {
        List<String> ports = appliance.ports();
        int n = ports.size();
        PcapFile[] traces = new PcapFile[n];
        PcapWriter[] writers = new PcapWriter[n];
        int[] order = new int[bindings.size()];
        int bound = 0;
        long[] in = new long[n];
        long[] sent = new long[n];
        long dropped = 0;
        long malformed = 0;
        long noRoom = 0;
        long[] notUdp = new long[n];
        long tooLong = 0;
        boolean datagrams = appliance.kinds().contains("datagram");
        int port = -1;
        int index = -1;
        int firing = -1;
        try (Arena arena = Arena.ofConfined()) {
            for (var e : bindings.entrySet()) {
                int p = e.getKey();
                Binding b = e.getValue();
                if (b.in() != null) {
                    if (!Files.exists(b.in())) {
                        throw new BadInput("port `" + ports.get(p) + "`: no trace at " + b.in());
                    }
                    traces[p] = PcapFile.open(b.in());
                    if (traces[p].linkType() != PcapFile.ETHERNET) {
                        throw new BadInput(b.in() + " is not an Ethernet capture (its link type is "
                                + traces[p].linkType() + "); packet ports read Ethernet frames");
                    }
                    order[bound++] = p;
                }
                if (b.out() != null) {
                    writers[p] = writer(ports.get(p), b.out());
                }
            }
            int largest = 0;
            for (PcapFile t : traces) {
                for (int i = 0; t != null && i < t.count(); i++) {
                    largest = Math.max(largest, t.packetLength(i));
                }
            }
            // One buffer for every packet, with room for pushes before and after it (and for a
            // datagram's reply to grow to the most a datagram holds).
            MemorySegment buffer = arena.allocate(Kernel.HEADROOM + (long) largest
                    + (datagrams ? DATAGRAM_MAX : Kernel.HEADROOM), 8);
            // A datagram's frame headers, kept while its handler runs, and the frame of its reply.
            MemorySegment queryFrame = datagrams ? arena.allocate(largest, 8) : null;
            MemorySegment replyFrame = datagrams ? arena.allocate(UdpFrames.MAX_HEADERS + DATAGRAM_MAX, 8) : null;
            int datagramAt = 0;
            PacketView view = new PacketView();
            // A kernel that never changes its packets reads each where it lies in its trace: no copy.
            boolean inPlace = !kernel.writesPackets();
            MemorySegment[] mappings = new MemorySegment[n];
            for (int p = 0; p < n; p++) {
                mappings[p] = traces[p] == null ? null : traces[p].mapping().asReadOnly();
            }
            long[] period = appliance.timerPeriods();
            int[] next = new int[n];
            long[] timerDue = new long[period.length];
            boolean started = false;
            while (true) {
                port = -1;
                index = -1;
                long when = Long.MAX_VALUE;
                for (int k = 0; k < bound; k++) {
                    int p = order[k];
                    int i = next[p];
                    if (i < traces[p].count() && traces[p].timestampNanos(i) < when) {
                        when = traces[p].timestampNanos(i);
                        port = p;
                    }
                }
                if (port < 0) {
                    break;
                }
                if (!started) {
                    for (int t = 0; t < timerDue.length; t++) {
                        timerDue[t] = when + period[t];
                    }
                    started = true;
                }
                for (int t = 0; t < timerDue.length; t++) {
                    while (timerDue[t] <= when) {
                        firing = t;
                        kernel.setTime(timerDue[t]);
                        kernel.tick(t);
                        timerDue[t] += period[t];
                        firing = -1;
                    }
                }
                kernel.setTime(when);
                PcapFile trace = traces[port];
                index = next[port]++;
                int length = trace.packetLength(index);
                boolean datagram = appliance.kinds().get(port).equals("datagram");
                if (inPlace && !datagram) {
                    view.set(mappings[port], trace.packetOffset(index), length);
                } else {
                    MemorySegment.copy(trace.mapping(), trace.packetOffset(index), buffer, Kernel.HEADROOM, length);
                    view.set(buffer, Kernel.HEADROOM, length);
                }
                if (datagram) {
                    long where = UdpFrames.datagram(buffer, Kernel.HEADROOM, length);
                    if (where < 0) {
                        notUdp[port]++;
                        continue;
                    }
                    datagramAt = (int) (where >>> 32);
                    MemorySegment.copy(buffer, Kernel.HEADROOM, queryFrame, 0, datagramAt);
                    view.set(buffer, Kernel.HEADROOM + datagramAt, (int) where);
                }
                in[port]++;
                int fate = kernel.handle(port, view);
                if (datagram && fate == Kernel.REPLY) {
                    if (view.length > DATAGRAM_MAX) {
                        dropped++;
                        tooLong++;
                        continue;
                    }
                    sent[port]++;
                    PcapWriter w = writers[port];
                    if (w != null) {
                        MemorySegment.copy(view.segment, view.offset, replyFrame, UdpFrames.MAX_HEADERS, view.length);
                        long start = UdpFrames.replyHeaders(queryFrame, 0, datagramAt, replyFrame,
                                UdpFrames.MAX_HEADERS, view.length);
                        w.write(when, replyFrame, start, (int) (UdpFrames.MAX_HEADERS - start) + view.length);
                    }
                } else if (fate >= 0 || fate == Kernel.REPLY) {
                    int to = fate == Kernel.REPLY ? port : fate;
                    if (to >= n) {
                        throw new IllegalStateException("the kernel forwarded a packet to port " + to + ", which the "
                                + "appliance does not have");
                    }
                    sent[to]++;
                    PcapWriter w = writers[to];
                    if (w != null) {
                        w.write(when, view.segment, view.offset, view.length);
                    }
                } else if (fate == Kernel.DROP) {
                    dropped++;
                } else if (fate == Kernel.MALFORMED) {
                    malformed++;
                } else if (fate == Kernel.NO_ROOM) {
                    dropped++;
                    noRoom++;
                } else {
                    throw new IllegalStateException("the kernel answered " + Kernel.describe(fate));
                }
            }
        } catch (RuntimeException e) {
            String where = firing >= 0 ? "the kernel failed in timer `" + appliance.timers().get(firing) + "`"
                    : port >= 0 && index >= 0 ? "the kernel failed on packet " + (index + 1) + " of " + traces[port].path()
                    : "the replay failed";
            throw new KernelFailure(where + ": " + e, e);
        } finally {
            for (PcapFile t : traces) {
                if (t != null) {
                    t.close();
                }
            }
            for (PcapWriter w : writers) {
                if (w != null) {
                    w.close();
                }
            }
        }
        out.println(appliance.title());
        for (int i = 0; i < n; i++) {
            Binding b = bindings.get(i);
            String source = b == null ? "" : (b.in() == null ? "" : "  from " + b.in())
                    + (b.out() == null ? "" : "  to " + b.out());
            out.printf("  port %-12s in %8d  out %8d%s%n", ports.get(i), in[i], sent[i], source);
        }
        out.printf("  dropped %d, malformed %d%n", dropped, malformed);
        List<String> counters = appliance.counters();
        for (int i = 0; i < counters.size(); i++) {
            out.printf("  counter %-12s %d%n", counters.get(i), kernel.counter(i));
        }
        if (noRoom > 0) {
            out.println("  note: " + noRoom + (noRoom == 1 ? " packet was" : " packets were") + " dropped because a push"
                    + " or reply needed more than " + Kernel.HEADROOM + " bytes of room around it");
        }
        if (tooLong > 0) {
            out.println("  note: " + tooLong + (tooLong == 1 ? " reply was" : " replies were") + " dropped for being"
                    + " longer than a datagram can be (" + DATAGRAM_MAX + " bytes)");
        }
        for (int i = 0; i < n; i++) {
            if (notUdp[i] > 0) {
                out.println("  note: " + notUdp[i] + (notUdp[i] == 1 ? " frame" : " frames") + " of " + traces[i].path()
                        + (notUdp[i] == 1 ? " carries" : " carry") + " no UDP datagram for port `" + ports.get(i)
                        + "` and " + (notUdp[i] == 1 ? "was" : "were") + " skipped");
            }
        }
        for (PcapFile t : traces) {
            if (t != null && t.truncated()) {
                out.println("  note: " + t.path() + " ends in the middle of a packet; that packet was skipped");
            }
        }
        out.flush();
    }

    private static PcapWriter writer(String port, Path file) throws BadInput, IOException {
        try {
            return new PcapWriter(file);
        } catch (NoSuchFileException e) {
            throw new BadInput("port `" + port + "`: cannot write " + file + ": its folder does not exist");
        } catch (AccessDeniedException e) {
            throw new BadInput("port `" + port + "`: cannot write " + file + ": permission denied");
        } catch (FileSystemException e) {
            throw new BadInput("port `" + port + "`: cannot write " + file + ": "
                    + (e.getReason() != null ? e.getReason() : e.getMessage()));
        }
    }
}
