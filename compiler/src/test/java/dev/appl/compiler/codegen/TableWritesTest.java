package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Table writes from handlers on both engines: an inserted prefix stays a prefix, and remove and
 * clear reach the spec's own `entries {}` (not const), while `const entries {}` stay. The spec's
 * test blocks must pass on the interpreter and on the compiled kernel alike; then seeded packets
 * go through both.
 */
class TableWritesTest {
    private static final String SPEC = """
            import std.net.ethernet.{Ethernet, EtherType}
            import std.net.ipv4.{Ipv4, IpProto}
            import std.net.udp.{Udp}

            appliance Writes {
                port wire: packet
                port control: packet
                counter allowed
                counter denied
                counter pinned_hits

                parser Headers(p: packet) {
                    extract eth: Ethernet
                    extract ip: Ipv4
                    extract udp: Udp
                    accept
                }

                action allow() {
                    allowed += 1
                }

                action deny() {
                    denied += 1
                }

                action pin() {
                    pinned_hits += 1
                }

                action pass() {
                }

                table routes(dst: ip4) {
                    key {
                        dst: lpm
                    }
                    actions { allow, deny }
                    default deny
                    size 8
                    entries {
                        192.0.2.0/24 => allow
                        198.51.100.7 => allow
                    }
                }

                table pinned(dst: ip4) {
                    key {
                        dst: lpm
                    }
                    actions { pin, pass }
                    default pass
                    const entries {
                        203.0.113.0/24 => pin
                    }
                }

                on packet p from wire {
                    let h = Headers(p)
                    routes(h.ip.dst)
                    pinned(h.ip.dst)
                    forward wire
                }

                // The UDP port says what to write: 1 inserts 10.0.0.0/8, 2 removes it, 3 removes the
                // spec's 192.0.2.0/24, 4 removes the spec's 198.51.100.7 as a /32, 5 clears.
                on packet p from control {
                    let h = Headers(p)
                    if h.udp.dst_port == 1 {
                        routes.insert(10.0.0.0/8, allow())
                    } else if h.udp.dst_port == 2 {
                        routes.remove(10.0.0.0/8)
                    } else if h.udp.dst_port == 3 {
                        routes.remove(192.0.2.0/24)
                    } else if h.udp.dst_port == 4 {
                        routes.remove(198.51.100.7/32)
                    } else {
                        routes.clear()
                    }
                    drop
                }

                test "an inserted prefix matches every address under it" {
                    send control Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp} / Udp{dst_port: 1, length: 8}
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 10.9.8.7} / Udp{length: 8}
                    expect allowed == 1
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 11.0.0.1} / Udp{length: 8}
                    expect denied == 1
                }

                test "removing the prefix takes it away" {
                    send control Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp} / Udp{dst_port: 1, length: 8}
                    send control Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp} / Udp{dst_port: 2, length: 8}
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 10.9.8.7} / Udp{length: 8}
                    expect denied == 1
                }

                test "the spec's own entries can be removed" {
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 192.0.2.5} / Udp{length: 8}
                    expect allowed == 1
                    send control Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp} / Udp{dst_port: 3, length: 8}
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 192.0.2.5} / Udp{length: 8}
                    expect denied == 1
                    send control Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp} / Udp{dst_port: 4, length: 8}
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 198.51.100.7} / Udp{length: 8}
                    expect denied == 2
                }

                test "clear empties the table, const entries stay" {
                    send control Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp} / Udp{dst_port: 5, length: 8}
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 198.51.100.7} / Udp{length: 8}
                    expect allowed == 0
                    expect denied == 1
                    send wire Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Udp, dst: 203.0.113.9} / Udp{length: 8}
                    expect denied == 2
                    expect pinned_hits == 1
                }
            }
            """;

    @Test
    void writesBehaveTheSameOnBothEngines() {
        IrAppliance ir = Specs.lowerOne(SPEC);
        List<TestRunner.Result> interpreted = TestRunner.run(ir);
        CompiledAppliance compiled = CompiledAppliance.compile(ir);
        List<TestRunner.Result> kernel = TestRunner.run(ir, () -> compiled.newKernel(Map.of()));
        assertEquals(4, interpreted.size());
        assertEquals(List.of(), interpreted.stream().filter(r -> !r.passed()).toList(), "on the interpreter");
        assertEquals(List.of(), kernel.stream().filter(r -> !r.passed()).toList(), "on the compiled kernel");
    }
}
