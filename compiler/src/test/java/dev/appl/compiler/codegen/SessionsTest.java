package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.EngineKernel;
import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPrinter;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.kernel.PacketView;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Sessions on a stream port (language.md §10.11): a greeting on connect, a fixed-size phase, a
 * header-and-size phase and a length-prefixed one, per-connection variables, {@code enter} and
 * {@code close}. The compiled kernel must agree with the interpreter on the test blocks, on each
 * phase's framing, and on whole conversations cut from a byte stream as the tcp driver cuts them,
 * malformed frames included; and handle messages without allocating.
 */
class SessionsTest {
    static final String SPEC = """
            header Greeting {
                magic: u32 = 0x4150504c
                version: u16
            }
            header Hello {
                magic: u32
                flags: u16
            }
            header Request {
                op: u8
                length: u32
            }
            header Answer {
                op: u8
                served: u32
            }
            enum Mode: u8 {
                Requests = 1,
                Lines = 2
            }
            parser Hi(m: datagram) {
                extract hello: Hello
                accept
            }
            parser Req(m: datagram) {
                extract req: Request
                accept
            }
            appliance Toy {
                port clients: stream max 1KiB connections 16 = "tcp:127.0.0.1:7000"
                counter requests
                counter goodbyes
                session on clients {
                    var flags: u16 = 0
                    var served: u32 = 0
                    var mode: Mode = Mode.Requests
                    phase hello framed Hello
                    phase requests framed Request size 5 + length
                    phase lines framed u16
                }
                on connect c from clients {
                    c.append(Greeting{version: 1})
                    reply
                }
                on message m from clients in hello {
                    let h = Hi(m)
                    if h.hello.magic != 0x4150504c {
                        close
                        drop
                    }
                    flags = h.hello.flags
                    if flags == 2 {
                        mode = Mode.Lines
                        enter lines
                    } else {
                        enter requests
                    }
                    drop
                }
                on message m from clients in requests {
                    let r = Req(m)
                    served += 1
                    requests += 1
                    if r.req.op == 3 {
                        goodbyes += 1
                        close
                        reply Answer{op: 3, served: served}
                    }
                    if r.req.op == 2 {
                        reply Answer{op: 2, served: served}
                    }
                    reply
                }
                on message m from clients in lines {
                    served += 1
                    if m.len == 0 {
                        mode = Mode.Requests
                        enter requests
                        drop
                    }
                    reply
                }
                test "greeting, hello, requests, goodbye" {
                    connect clients
                    expect reply == Greeting{version: 1}
                    send clients Hello{magic: 0x4150504c, flags: 7}
                    expect drop
                    send clients Request{op: 1, length: 2} / x"abcd"
                    expect reply == Request{op: 1, length: 2} / x"abcd"
                    send clients Request{op: 2, length: 0}
                    expect reply == Answer{op: 2, served: 2}
                    send clients Request{op: 3, length: 0}
                    expect reply == Answer{op: 3, served: 3}
                    expect close
                    expect goodbyes == 1
                }
                test "each connection has its own variables and phase" {
                    connect clients
                    send clients Hello{magic: 0x4150504c, flags: 7}
                    send clients Request{op: 2, length: 0}
                    expect reply == Answer{op: 2, served: 1}
                    connect clients
                    send clients Request{op: 2, length: 0}
                    expect drop
                    send clients Hello{magic: 0x4150504c, flags: 7}
                    send clients Request{op: 2, length: 0}
                    expect reply == Answer{op: 2, served: 1}
                    expect requests == 2
                }
                test "a bad hello closes the connection" {
                    connect clients
                    send clients Hello{magic: 1, flags: 0}
                    expect drop
                    expect close
                }
                test "a connection opens at the first send, and a phase leads to another" {
                    send clients Hello{magic: 0x4150504c, flags: 2}
                    send clients x"6869"
                    expect reply == x"6869"
                    send clients x""
                    expect drop
                    send clients Request{op: 2, length: 0}
                    expect reply == Answer{op: 2, served: 3}
                }
            }
            """;

    private static final int PORT = 0;
    private static final int HELLO = 0;
    private static final int REQUESTS = 1;
    private static final int LINES = 2;

    @Test
    void testsPassOnBothEnginesBeforeAndAfterThePasses() {
        IrAppliance lowered = Specs.lowerOne(SPEC);
        IrAppliance optimized = Specs.lowerOne(SPEC);
        Pipeline.run(optimized);
        for (IrAppliance ir : new IrAppliance[] {lowered, optimized}) {
            assertEquals(Collections.nCopies(4, null), TestRunner.run(ir).stream().map(TestRunner.Result::failure).toList());
            Codegen.Generated g = Codegen.generate(ir, true);
            assertEquals("", Specs.verify(g.bytes()));
            assertArrayEquals(g.bytes(), Codegen.generate(ir, true).bytes(), "builds are byte-identical");
            CompiledAppliance compiled = CompiledAppliance.load(ir, g);
            assertEquals(Collections.nCopies(4, null), TestRunner.run(ir, () -> compiled.newKernel(Map.of())).stream()
                    .map(TestRunner.Result::failure).toList());
        }
    }

    @Test
    void theIrNamesThePhasesAndTheSession() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        String printed = IrPrinter.print(ir);
        assertTrue(printed.contains("port 0 clients: stream connections 16 stateful = \"tcp:127.0.0.1:7000\""), printed);
        assertTrue(printed.contains("phase 0 hello framed Hello size frame_clients_hello max 1024"), printed);
        assertTrue(printed.contains("phase 2 lines framed u16 max 1024"), printed);
        assertTrue(printed.contains("var s4 mode: Mode = 1"), printed);
        assertTrue(printed.contains("on message clients in requests"), printed);
        assertTrue(printed.contains("connection phase = 1"), printed);
        assertTrue(printed.contains("connection close = 1"), printed);
        Kernel kernel = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
        assertEquals(16, kernel.connections(PORT));
        assertEquals(Kernel.SESSION + 3, kernel.connectionSlots(PORT));
        assertEquals(1024 + 2, kernel.frameMax(PORT), "the max and the longest prefix of the phases");
        long[] state = new long[10];
        kernel.openConnection(PORT, state, 3);
        assertEquals("[0, 0, 0, -1, 0, 0, 0, 1, 0, 0]", java.util.Arrays.toString(state));
    }

    @Test
    void eachPhaseFramesAsTheInterpreterDoes() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        Kernel compiled = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
        Kernel interpreted = new EngineKernel(Engine.interpreter(ir, Map.of()), ir);
        for (Kernel k : new Kernel[] {compiled, interpreted}) {
            assertEquals(6, k.frameLength(PORT, HELLO, segment(new byte[6]), 0, 6), "a fixed-size frame");
            assertEquals(Kernel.NEED_MORE, k.frameLength(PORT, HELLO, segment(new byte[6]), 0, 5));
            assertEquals(5 + 2, k.frameLength(PORT, REQUESTS, segment(request(1, 2)), 0, 5));
            assertEquals(Kernel.MALFORMED, k.frameLength(PORT, REQUESTS, segment(request(1, 1020)), 0, 5),
                    "longer than the max");
            assertEquals(2 + 3, k.frameLength(PORT, LINES, segment(new byte[] {0, 3}), 0, 2));
            assertEquals(Kernel.MALFORMED, k.frameLength(PORT, 3, segment(new byte[8]), 0, 8), "no such phase");
            assertEquals(0, k.framePrefix(PORT, REQUESTS));
            assertEquals(2, k.framePrefix(PORT, LINES));
        }
        Random random = new Random(20261126);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int run = 0; run < 20_000; run++) {
            byte[] bytes = new byte[random.nextInt(12)];
            random.nextBytes(bytes);
            int phase = random.nextInt(4);
            int expected = interpreted.frameLength(PORT, phase, segment(bytes), 0, bytes.length);
            assertEquals(expected, compiled.frameLength(PORT, phase, segment(bytes), 0, bytes.length),
                    "phase " + phase + " on " + java.util.HexFormat.of().formatHex(bytes));
            outcomes.merge(phase + (expected >= 0 ? " length" : " " + expected), 1, Integer::sum);
        }
        assertTrue(outcomes.containsKey("1 -3") && outcomes.containsKey("0 length") && outcomes.containsKey("2 -5"),
                outcomes.toString());
    }

    /**
     * Conversations as the tcp driver sees them: bytes cut into frames by the framing of the
     * connection's phase, each handled on both engines (which must agree on the outcome and on the
     * connection's state), until the connection closes, a frame is malformed, or the bytes run out.
     */
    @Test
    void conversationsCutFromAStreamAgree() {
        IrAppliance lowered = Specs.lowerOne(SPEC);
        IrAppliance optimized = Specs.lowerOne(SPEC);
        Pipeline.run(optimized);
        Random random = new Random(5);
        Map<String, Integer> endings = new TreeMap<>();
        for (IrAppliance ir : new IrAppliance[] {lowered, optimized}) {
            CompiledAppliance compiled = CompiledAppliance.compile(ir);
            Kernel reference = new EngineKernel(Engine.interpreter(ir, Map.of()), ir);
            for (int conversation = 0; conversation < 400; conversation++) {
                Differential d = new Differential(ir, compiled);
                Interpreter.Outcome greeting = d.connect(PORT);
                assertEquals(Interpreter.Fate.REPLY, greeting.fate());
                byte[] stream = conversation(random);
                int at = 0;
                String ending = "bytes ran out";
                while (true) {
                    int phase = (int) d.connection(PORT)[Kernel.PHASE];
                    int length = reference.frameLength(PORT, phase, segment(stream), at, stream.length - at);
                    assertEquals(length, d.compiled.frameLength(PORT, phase, segment(stream), at, stream.length - at));
                    if (length == Kernel.NEED_MORE || (length > 0 && length > stream.length - at)) {
                        break;
                    }
                    if (length < 0) {
                        ending = "malformed";
                        break;
                    }
                    int prefix = reference.framePrefix(PORT, phase);
                    d.send(PORT, java.util.Arrays.copyOfRange(stream, at + prefix, at + length));
                    at += length;
                    if (d.connection(PORT)[Kernel.CLOSE] != 0) {
                        ending = "closed";
                        break;
                    }
                }
                endings.merge(ending, 1, Integer::sum);
            }
        }
        assertTrue(endings.getOrDefault("closed", 0) > 50 && endings.getOrDefault("malformed", 0) > 50
                && endings.getOrDefault("bytes ran out", 0) > 50, endings.toString());
    }

    /** A hello, then frames of the phases it leads to, with now and then a broken byte or length. */
    private static byte[] conversation(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lines = random.nextBoolean();
        int magic = random.nextInt(10) == 0 ? random.nextInt() : 0x4150504c;
        out.writeBytes(new byte[] {(byte) (magic >>> 24), (byte) (magic >>> 16), (byte) (magic >>> 8), (byte) magic,
                0, (byte) (lines ? 2 : random.nextInt(8))});
        int frames = random.nextInt(12);
        for (int i = 0; i < frames; i++) {
            if (lines) {
                int n = random.nextInt(5) == 0 ? 0 : random.nextInt(20);
                out.writeBytes(new byte[] {(byte) (n >>> 8), (byte) n});
                out.writeBytes(new byte[n]);
                lines = n != 0;
                continue;
            }
            int op = 1 + random.nextInt(random.nextInt(6) == 0 ? 3 : 2);
            int length = random.nextInt(25) == 0 ? 1000 + random.nextInt(100) : random.nextInt(10);
            out.writeBytes(request(op, length));
            byte[] data = new byte[random.nextInt(20) == 0 ? length / 2 : length];
            random.nextBytes(data);
            out.writeBytes(data);
        }
        byte[] bytes = out.toByteArray();
        if (bytes.length > 0 && random.nextInt(8) == 0) {
            bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return bytes;
    }

    private static byte[] request(int op, int length) {
        return new byte[] {(byte) op, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }

    private static MemorySegment segment(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }

    /**
     * {@code expect phase == NAME} checks the connection's phase only where the test sees no value
     * named {@code phase} (language.md §11): after {@code let phase = ...} the same words compare
     * the local, on both engines, before and after the passes. Whether the right side names a
     * value does not matter, only the left one.
     */
    @Test
    void aLocalNamedPhaseHidesThePhaseCheck() {
        String spec = """
                header Hello {
                    magic: u32
                }
                appliance Toy {
                    port clients: stream max 1KiB = "tcp:127.0.0.1:7000"
                    session on clients {
                        phase hello framed Hello
                        phase requests framed Hello
                    }
                    on message m from clients in hello {
                        enter requests
                        drop
                    }
                    on message m from clients in requests {
                        reply
                    }
                    test "the phase check, then a local named phase" {
                        let requests = 9
                        send clients Hello{magic: 1}
                        expect phase == requests
                        let phase = 3
                        let three = 3
                        expect phase == three
                    }
                    test "the local is compared, so another value fails" {
                        let phase = 2
                        let three = 3
                        expect phase == three
                    }
                }
                """;
        passesThenFails(spec, "step 3: expected `phase == three`, but the left side is 2 and the right side is 3");
    }

    /**
     * Runs the two tests of {@code spec} on both engines, on the IR as lowered and after the
     * passes: the first must pass, the second fail with {@code failure}.
     */
    private static void passesThenFails(String spec, String failure) {
        IrAppliance lowered = Specs.lowerOne(spec);
        IrAppliance optimized = Specs.lowerOne(spec);
        Pipeline.run(optimized);
        for (IrAppliance ir : new IrAppliance[] {lowered, optimized}) {
            CompiledAppliance compiled = CompiledAppliance.compile(ir);
            for (var results : java.util.List.of(TestRunner.run(ir), TestRunner.run(ir, () -> compiled.newKernel(Map.of())))) {
                assertEquals(null, results.get(0).failure());
                assertEquals(failure, results.get(1).failure());
            }
        }
    }

    /**
     * {@code expect close} checks that the connection closed only where the test sees no value
     * named {@code close} (language.md §11): after {@code let close = ...} the same word reads the
     * local as {@code expect BOOL-EXPR}, on both engines, before and after the passes.
     */
    @Test
    void aLocalNamedCloseHidesTheCloseCheck() {
        String spec = """
                header Hello {
                    magic: u32
                }
                appliance Toy {
                    port clients: stream max 1KiB = "tcp:127.0.0.1:7000"
                    session on clients {
                        phase hello framed Hello
                    }
                    on message m from clients in hello {
                        if m.len == 4 {
                            drop
                        }
                        close
                        drop
                    }
                    test "the close check, then a local named close" {
                        send clients x"0000000100"
                        expect close
                        send clients Hello{magic: 1}
                        let close = true
                        expect close
                    }
                    test "the local is read, so false fails though the connection closed" {
                        send clients x"0000000100"
                        let close = false
                        expect close
                    }
                }
                """;
        passesThenFails(spec, "step 3: expected `close`, but it is false");
    }

    /** The requests phase in a loop, on one connection's state in a driver-owned array: nothing allocated. */
    @Test
    void handlingAMessageAllocatesNothing() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        Pipeline.run(ir);
        Kernel kernel = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
        long[] connections = new long[4 * kernel.connectionSlots(PORT)];
        int base = 2 * kernel.connectionSlots(PORT);
        kernel.openConnection(PORT, connections, base);
        connections[base + Kernel.PHASE] = REQUESTS;
        MemorySegment buffer = MemorySegment.ofArray(new byte[Kernel.HEADROOM + 1024 + Kernel.HEADROOM]);
        PacketView view = new PacketView();
        MemorySegment[] messages = {segment(request(1, 0)), segment(request(2, 0))};
        Runnable run = () -> {
            for (int i = 0; i < 200_000; i++) {
                MemorySegment m = messages[i & 1];
                MemorySegment.copy(m, 0, buffer, Kernel.HEADROOM, m.byteSize());
                view.set(buffer, Kernel.HEADROOM, (int) m.byteSize());
                view.connection = connections;
                view.connectionBase = base;
                if (kernel.handle(PORT, view) != Kernel.REPLY) {
                    throw new AssertionError("not a reply");
                }
            }
        };
        run.run();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        run.run();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 200_000 / 16, allocated + " bytes allocated over 200000 messages");
        assertEquals(400_000, connections[base + Kernel.SESSION + 1], "served, counted in the driver's array");
    }
}
