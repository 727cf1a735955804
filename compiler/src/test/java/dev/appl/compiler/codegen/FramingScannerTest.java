package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.EngineKernel;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPrinter;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.runtime.kernel.Kernel;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Stream ports framed by a function (`framed by frame_length max 1KiB`), here std.proto.resp's
 * RESP request scanner: the compiled kernel's frame lengths are the interpreter's on random
 * requests, cut short and corrupted, and the answers are RESP's.
 */
class FramingScannerTest {
    private static final String SPEC = """
            import std.proto.resp.{frame_length}

            appliance Kv {
                port clients: stream framed by frame_length max 1KiB = "tcp:127.0.0.1:6380"
                port wide: stream framed by frame_length = "tcp:127.0.0.1:6381"
                on message m from clients {
                    reply
                }
            }
            """;

    @Test
    void theScannerIsInTheIr() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        assertEquals("by frame_clients max 1024", ir.ports.get(0).framing().text());
        assertEquals("by frame_wide max 65536", ir.ports.get(1).framing().text());
        String printed = IrPrinter.print(ir);
        assertTrue(printed.contains("frame frame_clients() -> u32 {"), printed);
        assertTrue(printed.contains("frame_length("), printed);
    }

    @Test
    void respRequestsAreMeasured() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        for (Kernel k : kernels(ir)) {
            assertEquals(0, k.framePrefix(0, 0), "the message is the whole request");
            byte[] get = ascii("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
            assertEquals(get.length, length(k, get, get.length));
            for (int cut = 1; cut < get.length; cut++) {
                assertEquals(Kernel.NEED_MORE, length(k, get, cut), "the first " + cut + " bytes");
            }
            byte[] two = ascii("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n");
            assertEquals(14, length(k, two, two.length), "pipelined: the first request alone");
            assertEquals(6, length(k, ascii("PING\r\nPING\r\n"), 12), "an inline command, through its newline");
            assertEquals(5, length(k, ascii("PING\nx"), 6));
            assertEquals(4, length(k, ascii("*0\r\n"), 4), "an empty array is a request with no command");
            assertEquals(Kernel.MALFORMED, length(k, ascii("*-1\r\n"), 5));
            assertEquals(Kernel.MALFORMED, length(k, ascii("*1\r\n:4\r\n"), 8), "only bulk strings");
            assertEquals(Kernel.MALFORMED, length(k, ascii("*1\r\n$4\r\nPINGxx"), 14), "no \\r\\n after the bytes");
            assertEquals(Kernel.MALFORMED, length(k, ascii("*1\r\n$\r\n"), 7), "a length without digits");
            assertEquals(Kernel.MALFORMED, length(k, ascii("*1\r\n$4\rx"), 8));
            assertEquals(Kernel.MALFORMED, length(k, ascii("*1025\r\n"), 7), "more elements than MAX_ARGS");
            // The function does not know the port's max: the driver closes a connection whose
            // buffer fills up before the frame ends.
            assertEquals(Kernel.NEED_MORE, length(k, ascii("*1\r\n$2000\r\n"), 11));
            assertEquals(Kernel.MALFORMED, length(k, ascii("*1\r\n$99999999999999999\r\n"), 24));
            byte[] longest = request(1024 - 20);
            assertEquals(1024, longest.length);
            assertEquals(1024, length(k, longest, longest.length), "as long as the max");
            byte[] over = request(1024 - 19);
            assertEquals(Kernel.MALFORMED, length(k, over, over.length), "a byte longer than the max");
            assertEquals(over.length, k.frameLength(1, 0, MemorySegment.ofArray(over), 0, over.length), "within 64 KiB");
        }
    }

    @Test
    void compiledFramingIsTheInterpreters() {
        IrAppliance lowered = Specs.lowerOne(SPEC);
        IrAppliance optimized = Specs.lowerOne(SPEC);
        Pipeline.run(optimized);
        for (IrAppliance ir : new IrAppliance[] {lowered, optimized}) {
            Kernel[] both = kernels(ir);
            Map<String, Integer> outcomes = new TreeMap<>();
            Random random = new Random(20261126);
            for (int run = 0; run < 5_000; run++) {
                byte[] bytes = randomRequests(random);
                int damaged = random.nextInt(4);
                for (int d = 0; d < damaged && bytes.length > 0; d++) {
                    bytes[random.nextInt(bytes.length)] = (byte) "*$\r\n0123456789-x ".charAt(random.nextInt(17));
                }
                int available = random.nextInt(bytes.length + 1);
                int offset = random.nextInt(3);
                byte[] shifted = new byte[offset + bytes.length];
                System.arraycopy(bytes, 0, shifted, offset, bytes.length);
                MemorySegment buffer = MemorySegment.ofArray(shifted);
                for (int port = 0; port < 2; port++) {
                    int expected = both[1].frameLength(port, 0, buffer, offset, available);
                    assertEquals(expected, both[0].frameLength(port, 0, buffer, offset, available),
                            "port " + port + " on " + new String(bytes, 0, available, StandardCharsets.ISO_8859_1));
                    outcomes.merge(port + (expected >= 0 ? " length" : " " + expected), 1, Integer::sum);
                }
            }
            for (int port = 0; port < 2; port++) {
                for (String answer : new String[] {" length", " " + Kernel.NEED_MORE, " " + Kernel.MALFORMED}) {
                    assertTrue(outcomes.getOrDefault(port + answer, 0) > 100, port + answer + " in " + outcomes);
                }
            }
        }
    }

    /** The compiled kernel and the interpreter of the same IR. */
    private static Kernel[] kernels(IrAppliance ir) {
        return new Kernel[] {
            ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel(),
            new EngineKernel(Engine.interpreter(ir, Map.of()), ir),
        };
    }

    private static int length(Kernel k, byte[] bytes, int available) {
        return k.frameLength(0, 0, MemorySegment.ofArray(bytes), 0, available);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A SET whose value makes the request exactly {@code 20 + valueLength} bytes (for 4-digit lengths). */
    private static byte[] request(int valueLength) {
        return ascii("*2\r\n$1\r\nk\r\n$" + valueLength + "\r\n" + "v".repeat(valueLength) + "\r\n");
    }

    /** One to three requests, arrays of bulk strings or inline commands, some with long values. */
    private static byte[] randomRequests(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int requests = 1 + random.nextInt(3);
        for (int r = 0; r < requests; r++) {
            if (random.nextInt(5) == 0) {
                out.writeBytes(ascii("SET k" + random.nextInt(100) + " v" + (random.nextBoolean() ? "\r\n" : "\n")));
                continue;
            }
            int args = random.nextInt(5);
            out.writeBytes(ascii("*" + args + "\r\n"));
            for (int a = 0; a < args; a++) {
                int length = random.nextInt(8) == 0 ? 900 + random.nextInt(300) : random.nextInt(12);
                out.writeBytes(ascii("$" + length + "\r\n"));
                for (int i = 0; i < length; i++) {
                    out.write('a' + random.nextInt(26));
                }
                out.writeBytes(ascii("\r\n"));
            }
        }
        return out.toByteArray();
    }
}
