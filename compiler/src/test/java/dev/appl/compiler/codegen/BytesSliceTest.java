package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.compiler.interp.Interpreter;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.passes.Pipeline;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * `b.slice(offset, length)` on a buffer and on bytes (a view; out of range takes the malformed
 * path), strings where bytes are expected, and `now()`: the compiled kernel answers as the
 * interpreter does, on random messages whose first bytes choose the ranges.
 */
class BytesSliceTest {
    private static final String SPEC = """
            fn tail(b: bytes, from: u32) -> bytes {
                return b.slice(from, b.len - from)
            }

            appliance Slices {
                port clients: datagram = "udp:127.0.0.1:7000"
                counter seen
                on datagram d from clients {
                    seen += 1
                    if d.len < 4 {
                        drop
                    }
                    let whole = d.slice(0, d.len)
                    let part = d.slice(whole[0] as u32, whole[1] as u32)
                    let inner = part.slice(whole[2] as u32, whole[3] as u32)
                    let clock = now()
                    d.truncate(0)
                    d.append("got ")
                    d.append(inner)
                    d.append(tail(whole, 2))
                    if clock == 0 {
                        d.append("!")
                    }
                    reply
                }
            }
            """;

    @Test
    void slicesAreTheInterpreters() {
        for (boolean optimized : new boolean[] {false, true}) {
            IrAppliance ir = Specs.lowerOne(SPEC);
            IrAppliance compiled = Specs.lowerOne(SPEC);
            if (optimized) {
                Pipeline.run(compiled);
            }
            Differential d = new Differential(ir, CompiledAppliance.compile(compiled));
            Random random = new Random(20261126);
            Map<Interpreter.Fate, Integer> fates = new TreeMap<>();
            for (int i = 0; i < 5000; i++) {
                byte[] message = new byte[random.nextInt(24)];
                random.nextBytes(message);
                for (int j = 0; j < Math.min(4, message.length); j++) {
                    message[j] = (byte) random.nextInt(12);
                }
                fates.merge(d.send(0, message).fate(), 1, Integer::sum);
            }
            assertTrue(fates.getOrDefault(Interpreter.Fate.REPLY, 0) > 300, fates.toString());
            assertTrue(fates.getOrDefault(Interpreter.Fate.MALFORMED, 0) > 500, fates.toString());
        }
    }

    @Test
    void aSliceIsTheBytesAsked() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        Differential d = new Differential(ir, CompiledAppliance.compile(ir));
        // part = bytes 1..6 of the message, inner = bytes 2..4 of part; the clock is 0 in tests.
        byte[] message = {1, 6, 2, 3, 'a', 'b', 'c', 'd', 'e'};
        Interpreter.Outcome out = d.send(0, message);
        assertEquals(Interpreter.Fate.REPLY, out.fate());
        byte[] expected = concat("got ".getBytes(StandardCharsets.US_ASCII), new byte[] {3, 'a', 'b'},
                new byte[] {2, 3, 'a', 'b', 'c', 'd', 'e'}, "!".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected, out.packet());
        assertEquals(Interpreter.Fate.MALFORMED, d.send(0, new byte[] {1, 9, 0, 0, 'a'}).fate(), "past the message");
        assertEquals(Interpreter.Fate.MALFORMED, d.send(0, new byte[] {0, 4, 3, 2, 'a'}).fate(), "past the slice");
    }

    /**
     * A handler that rewrites its buffer copies a bytes local only when the local is read after
     * the rewrite: a view passed to a function (whose parameter is a local once the function is
     * expanded) and used up before the rewrite stays a view.
     */
    @Test
    void onlyViewsReadAfterTheBufferChangesAreCopied() {
        String spec = """
                fn first(b: bytes) -> u8 {
                    return b[0]
                }

                appliance Views {
                    port clients: datagram = "udp:127.0.0.1:7000"
                    on datagram d from clients {
                        let head = first(d.slice(0, d.len))
                        let kept = d.slice(1, 2)
                        d.truncate(0)
                        if head == 1 {
                            d.append(kept)
                        }
                        reply
                    }
                }
                """;
        IrAppliance ir = Specs.lowerOne(spec);
        Pipeline.run(ir);
        byte[] bytes = Codegen.generate(ir).bytes();
        int[] copies = {0};
        new org.objectweb.asm.ClassReader(bytes).accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
            @Override
            public org.objectweb.asm.MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new org.objectweb.asm.MethodVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (owner.equals(Codegen.AGGREGATES) && method.equals("copy")) {
                            copies[0]++;
                        }
                    }
                };
            }
        }, 0);
        assertEquals(1, copies[0], "`kept` is copied, `first`'s parameter is not");
        Differential d = new Differential(Specs.lowerOne(spec), CompiledAppliance.compile(ir));
        assertArrayEquals(new byte[] {7, 8}, d.send(0, new byte[] {1, 7, 8, 9}).packet());
        assertArrayEquals(new byte[0], d.send(0, new byte[] {2, 7, 8, 9}).packet());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
