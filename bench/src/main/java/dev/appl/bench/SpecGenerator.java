package dev.appl.bench;

/**
 * Writes large, realistic specs for front-end benchmarks: repeated blocks of headers, enums,
 * structs, pure functions with bounded loops, and appliances with parsers, tables, maps, handlers
 * and tests, each block with its own names so that nothing is a duplicate.
 */
public final class SpecGenerator {
    private SpecGenerator() {}

    /** A spec of at least {@code lines} lines. */
    public static String generate(int lines) {
        StringBuilder out = new StringBuilder();
        out.append("import std.net.ethernet.{Ethernet, EtherType}\n");
        out.append("import std.net.ipv4.{Ipv4, IpProto}\n");
        out.append("import std.net.tcp.{Tcp}\n");
        out.append("import std.net.udp.{Udp}\n\n");
        for (int i = 0; countLines(out) < lines; i++) {
            block(out, i);
        }
        return out.toString();
    }

    private static int countLines(StringBuilder s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static void block(StringBuilder o, int i) {
        o.append("""
                /// A tunnel header, variant %1$d.
                header Tag%1$d {
                    version: u4
                    kind: u4
                    flags: u8
                    length: u16
                    id: u32
                    options: bytes[length as u32 * 4]
                }

                enum Mode%1$d: u8 {
                    Off = 0,
                    On = 1,
                    Auto = 2,
                }

                struct Key%1$d {
                    src: ip4
                    dst: ip4
                    sport: u16
                    dport: u16
                }

                /// Folds a 32-bit sum into 16 bits, bounded.
                fn fold%1$d(sum: u32) -> u16 {
                    var s: u32 = sum
                    for i in 0..2 {
                        s = (s & 0xffff) + (s >> 16)
                    }
                    return s as u16
                }

                fn score%1$d(k: Key%1$d, seed: u32) -> u32 {
                    var h: u32 = seed ^ (k.src as u32)
                    h = h * 16777619 ^ (k.dst as u32)
                    h = h * 16777619 ^ (k.sport as u32)
                    return h * 16777619 ^ (k.dport as u32)
                }

                appliance Edge%1$d {
                    param limit: u32 = 1000
                    port outside: packet = "pcap:outside.pcap"
                    port inside: packet
                    counter passed
                    counter dropped
                    map flows: Key%1$d -> u32 capacity 65536 expire 30s lru

                    parser Headers(p: packet) {
                        extract eth: Ethernet
                        select eth.type {
                            EtherType.Ipv4 => ip,
                            _ => accept,
                        }
                        state ip {
                            extract ip: Ipv4
                            select ip.protocol {
                                IpProto.Tcp => tcp,
                                IpProto.Udp => udp,
                                _ => accept,
                            }
                        }
                        state tcp {
                            extract tcp: Tcp
                            accept
                        }
                        state udp {
                            extract udp: Udp
                            accept
                        }
                    }

                    action allow() {
                        passed += 1
                    }

                    action deny() {
                        dropped += 1
                        drop
                    }

                    table acl(h: Headers) {
                        key {
                            h.ip.src: lpm
                            h.ip.protocol: exact
                        }
                        actions { allow, deny }
                        default allow
                        size 1024
                        const entries {
                            (10.0.0.0/8, IpProto.Tcp) => deny
                            (192.168.0.0/16, _) => deny
                        }
                    }

                    on packet p from outside {
                        let h = Headers(p)
                        if not h.ip.valid {
                            forward inside
                        }
                        if acl(h) == deny {
                            return
                        }
                        if h.tcp.valid {
                            let k = Key%1$d{src: h.ip.src, dst: h.ip.dst, sport: h.tcp.src_port, dport: h.tcp.dst_port}
                            let seen = flows.get(k) else {
                                flows.put(k, score%1$d(k, 7))
                                forward inside
                            }
                            if seen > limit {
                                drop
                            }
                        }
                        h.ip.ttl -= 1
                        forward inside
                    }

                    test "private sources are dropped %1$d" {
                        send outside Ethernet{type: EtherType.Ipv4} / Ipv4{version: 4, ihl: 5, src: 10.1.2.3, protocol: IpProto.Tcp} / Tcp{dst_port: 22}
                        expect drop
                        expect dropped == 1
                    }
                }

                """.formatted(i));
    }
}
