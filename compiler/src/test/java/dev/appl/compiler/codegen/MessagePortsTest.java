package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.appl.compiler.interp.Engine;
import dev.appl.compiler.interp.EngineKernel;
import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.runtime.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Datagram and stream handlers, their replies and the stream ports' framing, on both engines. */
class MessagePortsTest {
    private static final String SPEC = """
            header Head {
                id: u16
                flags: u16
            }
            header Request {
                magic: u32
                length: u32
            }
            appliance Echo {
                port answers: datagram = "udp:127.0.0.1:5353"
                port lines: stream framed u16 max 512B = "tcp:127.0.0.1:5353"
                port blocks: stream framed Request size 8 + length = "tcp:127.0.0.1:10809"
                port wide: stream framed u32 = "tcp:127.0.0.1:10810"
                counter seen
                parser Message(m: datagram) {
                    extract head: Head
                    accept
                }
                on datagram d from answers {
                    let m = Message(d)
                    m.head.flags = m.head.flags | 0x8000
                    seen += 1
                    reply
                }
                on message m from lines {
                    if m.len == 0 {
                        drop
                    }
                    reply x"6f6b" // ok
                }
                port edits: stream framed u16 max 16B = "tcp:127.0.0.1:5354"
                action stamp(buffer: datagram) {
                    if buffer.append(x"5a") {
                        seen += 100
                    }
                }
                on message m from edits {
                    let msg = Message(m)
                    if msg.head.id == 1 {
                        m.truncate(4)
                        if not m.append(x"aabb") {
                            drop
                        }
                        if not m.append(Head{id: 7, flags: msg.head.flags}) {
                            drop
                        }
                        stamp(m)
                        reply
                    }
                    if msg.head.id == 2 {
                        m.truncate(3) // cuts into the parsed header: malformed
                        reply
                    }
                    m.truncate(100) // longer than the message: nothing happens
                    msg.head.flags = m.len as u16
                    if m.append(x"0102030405060708090a0b0c") {
                        reply
                    }
                    seen += 1 // the 16 bytes of the port's max were too few
                    reply
                }
                test "truncate and append build a reply in place" {
                    send edits Head{id: 1, flags: 0x0100} / x"ffffffff"
                    expect reply == Head{id: 1, flags: 0x0100} / x"aabb" / Head{id: 7, flags: 0x0100} / x"5a"
                    expect seen == 100
                    send edits Head{id: 2} / x"ff"
                    expect drop
                    send edits Head{id: 3} / x"ff"
                    expect reply == Head{id: 3, flags: 5} / x"ff"
                    expect seen == 101
                    send edits Head{id: 3}
                    expect reply == Head{id: 3, flags: 4} / x"0102030405060708090a0b0c"
                    expect seen == 101
                }
                test "a datagram is answered in place" {
                    send answers Head{id: 7, flags: 0x0100} / x"abcd"
                    expect reply == Head{id: 7, flags: 0x8100} / x"abcd"
                    expect seen == 1
                }
                test "a message is answered with a value" {
                    send lines x"01020304"
                    expect reply == x"6f6b"
                    send lines x""
                    expect drop
                }
                test "a short datagram is malformed" {
                    send answers x"0102"
                    expect drop
                    expect seen == 0
                }
            }
            """;

    @Test
    void testsPassOnBothEngines() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        assertEquals(java.util.Collections.nCopies(4, null), TestRunner.run(ir).stream().map(TestRunner.Result::failure).toList());
        Codegen.Generated g = Codegen.generate(ir, true);
        assertEquals("", Specs.verify(g.bytes()));
        CompiledAppliance compiled = CompiledAppliance.load(ir, g);
        assertEquals(java.util.Collections.nCopies(4, null), TestRunner.run(ir, () -> compiled.newKernel(Map.of())).stream()
                .map(TestRunner.Result::failure).toList());
    }

    @Test
    void streamPortsFrameByTheirLengthPrefix() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        assertEquals("u16 max 512", ir.ports.get(1).framing().text());
        assertEquals("Request size frame_blocks max 65536", ir.ports.get(2).framing().text());
        assertEquals("u32 max 65536", ir.ports.get(3).framing().text());
        Kernel compiled = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
        Kernel interpreted = new EngineKernel(Engine.interpreter(ir, Map.of()), ir);
        for (Kernel k : List.of(compiled, interpreted)) {
            MemorySegment bytes = MemorySegment.ofArray(new byte[] {9, 0, 3, 'a', 'b', 'c', 2, 1, 0, 0});
            assertEquals(0, k.framePrefix(0, 0));
            assertEquals(2, k.framePrefix(1, 0));
            assertEquals(0, k.framePrefix(2, 0));
            assertEquals(4, k.framePrefix(3, 0));
            assertEquals(2, k.framePrefix(4, 0));
            assertEquals(5, k.frameLength(1, 0, bytes, 1, 9), "two bytes of length and three of message");
            assertEquals(Kernel.NEED_MORE, k.frameLength(1, 0, bytes, 1, 1));
            assertEquals(Kernel.MALFORMED, k.frameLength(1, 0, bytes, 6, 4), "513 bytes, over the max of 512");
            assertEquals(Kernel.MALFORMED, k.frameLength(3, 0, bytes, 6, 4), "over the 64 KiB a stream takes without max");
            assertEquals(4 + 3, k.frameLength(3, 0, MemorySegment.ofArray(new byte[] {0, 0, 0, 3}), 0, 4));
            assertEquals(Kernel.MALFORMED, k.frameLength(2, 0, bytes, 0, 10), "a framing header whose size is over the 64 KiB default max");
            assertEquals(Kernel.MALFORMED, k.frameLength(0, 0, bytes, 0, 10), "not a stream port");
        }
    }

    @Test
    void theLongestFrameIsTheSpecsMaxPlusTheLengthPrefix() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        Kernel compiled = ((CompiledKernel) CompiledAppliance.compile(ir).newKernel(Map.of())).kernel();
        Kernel interpreted = new EngineKernel(Engine.interpreter(ir, Map.of()), ir);
        for (Kernel k : List.of(compiled, interpreted)) {
            assertEquals(0, k.frameMax(0), "not a stream port");
            assertEquals(2 + 512, k.frameMax(1));
            assertEquals(65536, k.frameMax(2), "a framing header's frame is its message");
            assertEquals(4 + 65536, k.frameMax(3), "64 KiB when the spec gives no max");
            assertEquals(2 + 16, k.frameMax(4));
        }
    }
}
