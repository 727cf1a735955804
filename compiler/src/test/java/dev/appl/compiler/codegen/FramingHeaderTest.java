package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.EngineKernel;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPrinter;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.runtime.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Stream ports framed by a header (`framed Request size 12 + length max 1KiB`): the frame length
 * the compiled kernel computes is the interpreter's, on random byte prefixes, with the size
 * expression's arithmetic in the header fields' types.
 */
class FramingHeaderTest {
    private static final String SPEC = """
            header Request {
                magic: u16
                words: u8
                flags: u8
                length: u32
                handle: u32
            }
            appliance Frames {
                param extra: u16 = 4
                port requests: stream framed Request size 12 + length max 1KiB = "tcp:127.0.0.1:10809"
                port words: stream framed Request size (words as u16) * 4 + extra = "tcp:127.0.0.1:10810"
                port lines: stream framed u16 = "tcp:127.0.0.1:10811"
                on message m from requests {
                    reply
                }
            }
            """;

    @Test
    void theSizeFunctionIsInTheIr() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        assertEquals("Request size frame_requests max 1024", ir.ports.get(0).framing().text());
        assertEquals(12, ir.ports.get(0).framing().headerBytes());
        String printed = IrPrinter.print(ir);
        assertTrue(printed.contains("frame frame_requests() -> u32 {"), printed);
        assertTrue(printed.contains("frame frame_words() -> u16 {"), printed);
    }

    @Test
    void compiledFramingIsTheInterpreters() {
        IrAppliance lowered = Specs.lowerOne(SPEC);
        IrAppliance optimized = Specs.lowerOne(SPEC);
        Pipeline.run(optimized);
        for (IrAppliance ir : new IrAppliance[] {lowered, optimized}) {
            Kernel compiled = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
            Kernel interpreted = new EngineKernel(Engine.interpreter(ir, Map.of()), ir);
            Map<String, Integer> outcomes = new TreeMap<>();
            Random random = new Random(20261126);
            for (int run = 0; run < 20_000; run++) {
                byte[] bytes = new byte[random.nextInt(24)];
                random.nextBytes(bytes);
                if (bytes.length >= 10 && random.nextBoolean()) {
                    // Mostly sizes near the header's and the max, where the answers change.
                    int length = random.nextInt(4) == 0 ? -random.nextInt(16) : random.nextInt(1100);
                    MemorySegment.ofArray(bytes).set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
                            .withOrder(java.nio.ByteOrder.BIG_ENDIAN), 4, length);
                }
                int offset = bytes.length == 0 ? 0 : random.nextInt(Math.min(3, bytes.length));
                int available = bytes.length - offset;
                MemorySegment buffer = MemorySegment.ofArray(bytes);
                for (int port = 0; port < 3; port++) {
                    int expected = interpreted.frameLength(port, 0, buffer, offset, available);
                    assertEquals(expected, compiled.frameLength(port, 0, buffer, offset, available),
                            "port " + port + " on " + java.util.HexFormat.of().formatHex(bytes) + " from " + offset);
                    outcomes.merge(port + (expected >= 0 ? " length" : " " + expected), 1, Integer::sum);
                }
            }
            // Every answer was seen on both header ports, so that the comparison covered them.
            for (int port = 0; port < 2; port++) {
                for (String answer : new String[] {" length", " " + Kernel.NEED_MORE, " " + Kernel.MALFORMED}) {
                    assertTrue(outcomes.getOrDefault(port + answer, 0) > 20, port + answer + " in " + outcomes);
                }
            }
        }
    }

    @Test
    void theSizeIsComputedInTheFieldsTypes() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        Kernel compiled = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
        Kernel interpreted = new EngineKernel(Engine.interpreter(ir, Map.of()), ir);
        for (Kernel k : new Kernel[] {compiled, interpreted}) {
            assertEquals(0, k.framePrefix(0, 0), "a framing header is part of the message");
            assertEquals(12 + 100, k.frameLength(0, 0, request(0, 100), 0, 12));
            assertEquals(Kernel.NEED_MORE, k.frameLength(0, 0, request(0, 100), 0, 11));
            assertEquals(12, k.frameLength(0, 0, request(0, 0), 0, 12), "a frame of the header alone");
            assertEquals(1024, k.frameLength(0, 0, request(0, 1012), 0, 12), "as long as the max");
            assertEquals(Kernel.MALFORMED, k.frameLength(0, 0, request(0, 1013), 0, 12), "longer than the max");
            // 12 + 0xfffffff8 wraps in u32 to 4: shorter than the header.
            assertEquals(Kernel.MALFORMED, k.frameLength(0, 0, request(0, -8), 0, 12));
            // (words as u16) * 4 + extra, the param's default 4.
            assertEquals(200 * 4 + 4, k.frameLength(1, 0, request(200, 0), 0, 12));
            assertEquals(Kernel.MALFORMED, k.frameLength(1, 0, request(1, 0), 0, 12), "8 bytes: shorter than the header");
        }
    }

    private static MemorySegment request(int words, int length) {
        byte[] b = new byte[12];
        b[2] = (byte) words;
        b[4] = (byte) (length >>> 24);
        b[5] = (byte) (length >>> 16);
        b[6] = (byte) (length >>> 8);
        b[7] = (byte) length;
        return MemorySegment.ofArray(b);
    }
}
