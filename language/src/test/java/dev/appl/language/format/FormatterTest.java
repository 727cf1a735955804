package dev.appl.language.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.language.syntax.ApplLexer;
import dev.appl.language.syntax.ApplParser;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FormatterTest {

    // ---- Exact output -------------------------------------------------------------------------

    @Test
    void declarationsAndMembers() {
        String in = """
                import std.net.ipv4.{ Ipv4 ,IpProto, } ; import std.x as y
                const   MAX:u16=0x0800;enum Color:u8{Red=1,Green=2,Blue,}
                appliance   A{port outside:packet="pcap:o.pcap";counter dropped;map flows:K->V capacity 65536 expire 30s lru
                action allow(){ }  action deny(){dropped+=1;}
                table acl(h:H){key{h.ip.src:lpm;h.ip.dst:lpm,}actions{allow,deny,}default allow;size 4096;const entries{(10.0.0.0/8,_,22..22)=>deny,(_,fe80::/10,0x06&&&0xff)=>allow(1,2,)}}
                parser P(p:packet){extract eth:Ethernet;select eth.type{EtherType.Ipv4=>ip,_=>accept,}state ip{extract ip:Ipv4;accept}}
                store disk:blocks(size:64MiB,block:4KiB,);timer t every 1s;build param n:u8=3

                on timer t{}
                test "x"{send outside Ethernet{type:EtherType.Ipv4}/Ipv4{src:10.1.2.3};expect drop;expect forward inside==Ethernet{};expect reply}
                }
                header Ipv4{version:u4,ihl:u4;len:u16 le
                le:u8 options:bytes[(ihl-5)*4]}
                struct Pair{a:u8 b:[u8;6]}
                """;
        String expected = """
                import std.net.ipv4.{Ipv4, IpProto}
                import std.x as y

                const MAX: u16 = 0x0800

                enum Color: u8 {
                    Red = 1,
                    Green = 2,
                    Blue
                }

                appliance A {
                    port outside: packet = "pcap:o.pcap"
                    counter dropped
                    map flows: K -> V capacity 65536 expire 30s lru
                    action allow() {}
                    action deny() {
                        dropped += 1
                    }
                    table acl(h: H) {
                        key {
                            h.ip.src: lpm
                            h.ip.dst: lpm
                        }
                        actions { allow, deny }
                        default allow
                        size 4096
                        const entries {
                            (10.0.0.0/8, _, 22..22) => deny
                            (_, fe80::/10, 0x06 &&& 0xff) => allow(1, 2)
                        }
                    }
                    parser P(p: packet) {
                        extract eth: Ethernet
                        select eth.type {
                            EtherType.Ipv4 => ip,
                            _ => accept,
                        }
                        state ip {
                            extract ip: Ipv4
                            accept
                        }
                    }
                    store disk: blocks(size: 64MiB, block: 4KiB)
                    timer t every 1s
                    build param n: u8 = 3

                    on timer t {}
                    test "x" {
                        send outside Ethernet{type: EtherType.Ipv4} / Ipv4{src: 10.1.2.3}
                        expect drop
                        expect forward inside == Ethernet{}
                        expect reply
                    }
                }

                header Ipv4 {
                    version: u4
                    ihl: u4
                    len: u16 le
                    le: u8
                    options: bytes[(ihl - 5) * 4]
                }

                struct Pair {
                    a: u8
                    b: [u8; 6]
                }
                """;
        assertEquals(expected, format(in));
    }

    @Test
    void statementsAndExpressions() {
        String in = """
                fn f(a:u8,b:u16,)->u16{var s:u32=0;for i in 0 .. n max 30{s+=(d[2*i] as u32)<<8}
                if not a==b{return ~(s as u16)}else if a<b{return -a}else{return 0}
                match x{1,2=>reply,3..4=>{drop},_=>reply}
                let p=Ipv4 { src : 10.1.2.3 , protocol : IpProto.Tcp , } ; let q=[1,2,3,]; let e=E{}
                let v=m.get(k)else{return};push Vlan{id:1}after p.eth;pop p.vlan;x.y[i+1].z=f(a)[0].w
                return;g(1)
                }
                """;
        String expected = """
                fn f(a: u8, b: u16) -> u16 {
                    var s: u32 = 0
                    for i in 0..n max 30 {
                        s += (d[2 * i] as u32) << 8
                    }
                    if not a == b {
                        return ~(s as u16)
                    } else if a < b {
                        return -a
                    } else {
                        return 0
                    }
                    match x {
                        1, 2 => reply,
                        3..4 => {
                            drop
                        }
                        _ => reply,
                    }
                    let p = Ipv4{src: 10.1.2.3, protocol: IpProto.Tcp}
                    let q = [1, 2, 3]
                    let e = E{}
                    let v = m.get(k) else {
                        return
                    }
                    push Vlan{id: 1} after p.eth
                    pop p.vlan
                    x.y[i + 1].z = f(a)[0].w
                    return;
                    g(1)
                }
                """;
        assertEquals(expected, format(in));
    }

    @Test
    void commentsStayNearTheirCode() {
        String in = """
                // header comment


                import a.b // why b
                /// The doc.

                fn f() { // opening
                    let x = g(1, // first
                        2) // after
                    /* block
                       comment */
                    let y = 1 + /* inline */ 2

                    // before close
                }
                fn empty() { // nothing yet
                }
                // end
                """;
        String expected = """
                // header comment

                import a.b // why b

                /// The doc.
                fn f() { // opening
                    let x = g(
                        1, // first
                        2,
                    ) // after
                    /* block
                       comment */
                    let y = 1 + /* inline */ 2

                    // before close
                }

                fn empty() { // nothing yet
                }
                // end
                """;
        assertEquals(expected, format(in));
    }

    @Test
    void blankLinesAreAtMostOneAndNeverAtTheEdgesOfABlock() {
        String in = "appliance A {\n\n\n    counter a\n\n\n\n    counter b\n    counter c\n\n}\n\n\n";
        String expected = "appliance A {\n    counter a\n\n    counter b\n    counter c\n}\n";
        assertEquals(expected, format(in));
    }

    @Test
    void emptyFile() {
        assertEquals("", format(""));
        assertEquals("// only a comment\n", format("\n\n// only a comment   \n\n"));
    }

    // ---- Line wrapping -------------------------------------------------------------------------

    @Test
    void wrapsALongSendStackAfterEachSlash() {
        // The second send is exactly 100 columns wide and stays; the third is 101 and breaks.
        String in = """
                appliance A {
                    test "stacks" {
                        send outside Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Tcp, src: 198.51.100.7, dst: 192.0.2.10} / Tcp{src_port: 40000, dst_port: 22, syn: true}
                        send out Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Tcp, src: 10.0.0.1} / x"01"
                        send out Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Tcp, src: 10.0.0.10} / x"01"
                        let syn = Ipv4{protocol: IpProto.Tcp, src: 198.51.100.7, dst: 192.0.2.10} /
                                  Tcp{src_port: 51515, dst_port: 80, syn: true}
                    }
                }
                """;
        String expected = """
                appliance A {
                    test "stacks" {
                        send outside Ethernet{type: EtherType.Ipv4} /
                            Ipv4{protocol: IpProto.Tcp, src: 198.51.100.7, dst: 192.0.2.10} /
                            Tcp{src_port: 40000, dst_port: 22, syn: true}
                        send out Ethernet{type: EtherType.Ipv4} / Ipv4{protocol: IpProto.Tcp, src: 10.0.0.1} / x"01"
                        send out Ethernet{type: EtherType.Ipv4} /
                            Ipv4{protocol: IpProto.Tcp, src: 10.0.0.10} /
                            x"01"
                        let syn = Ipv4{protocol: IpProto.Tcp, src: 198.51.100.7, dst: 192.0.2.10} /
                            Tcp{src_port: 51515, dst_port: 80, syn: true}
                    }
                }
                """;
        assertWraps(in, expected);
    }

    @Test
    void wrapsALongConditionBeforeAndOr() {
        // `or` is the outer level; an `and` chain that then fits stays on its line. The same rule
        // breaks any other long chain of operators, before the operator.
        String in = """
                fn f() {
                    if h.tcp.valid and h.tcp.dst_port == 22 and h.ip.src != 10.0.0.1 or h.udp.valid and h.udp.dst_port == 53 { drop }
                    if h.ip.more_fragments or h.ip.frag_offset != 0 or h.ip.total_len < 20 or h.ip.version != 4 or h.ip.ihl < 5 { drop }
                    let sum = ((~old_checksum) as u32) + ((~high16(old_value)) as u32) + ((~low16(old_value)) as u32) + (high16(new_value) as u32)
                }
                """;
        String expected = """
                fn f() {
                    if h.tcp.valid and h.tcp.dst_port == 22 and h.ip.src != 10.0.0.1
                        or h.udp.valid and h.udp.dst_port == 53 {
                        drop
                    }
                    if h.ip.more_fragments
                        or h.ip.frag_offset != 0
                        or h.ip.total_len < 20
                        or h.ip.version != 4
                        or h.ip.ihl < 5 {
                        drop
                    }
                    let sum = ((~old_checksum) as u32)
                        + ((~high16(old_value)) as u32)
                        + ((~low16(old_value)) as u32)
                        + (high16(new_value) as u32)
                }
                """;
        assertWraps(in, expected);
    }

    @Test
    void wrapsALongStructOrArrayLiteralOnePerLine() {
        // A trailing comma in the source is written once when the literal breaks and dropped
        // when it fits on its line.
        String in = """
                fn f() {
                    let t = FiveTuple{src: h.ip.src, dst: h.ip.dst, protocol: h.ip.protocol, src_port: src_port, dst_port: dst_port,}
                    let u = FiveTuple{src: h.ip.src, dst: h.ip.dst,}
                    let q = [10.1.0.1, 10.1.0.2, 10.1.0.3, 10.1.0.4, 10.2.0.1, 10.2.0.2, 10.2.0.3, 10.2.0.4, 10.3.0.1, 10.3.0.2]
                }
                """;
        String expected = """
                fn f() {
                    let t = FiveTuple{
                        src: h.ip.src,
                        dst: h.ip.dst,
                        protocol: h.ip.protocol,
                        src_port: src_port,
                        dst_port: dst_port,
                    }
                    let u = FiveTuple{src: h.ip.src, dst: h.ip.dst}
                    let q = [
                        10.1.0.1,
                        10.1.0.2,
                        10.1.0.3,
                        10.1.0.4,
                        10.2.0.1,
                        10.2.0.2,
                        10.2.0.3,
                        10.2.0.4,
                        10.3.0.1,
                        10.3.0.2,
                    ]
                }
                """;
        assertWraps(in, expected);
    }

    @Test
    void wrapsALongCallOnePerLine() {
        // Argument, parameter and import lists break like literals. A sole argument that is a
        // struct literal (or array literal, or call) hugs the parentheses: `f(Flow{` ... `})`.
        String in = """
                import std.net.ipv4.{Ipv4, IpProto, header_checksum, Ipv4Option, Ipv4OptionType, Ipv4Flags, Dscp, Ecn}
                fn checksum_of_the_pseudo_header(source_address: ip4, destination_address: ip4, protocol: u8) -> u16 {
                    var c = incremental_update(update_ip4(h.udp.checksum, old_src, public_ip), h.udp.src_port, public_port)
                    outbound.put(Flow{protocol: back.protocol, inside_ip: dest.ip, remote_port: back.remote_port}, Binding{public_port: p})
                    expect_that(outbound.contains(Flow{protocol: IpProto.Tcp, inside_ip: 192.168.1.10, inside_port: 40000}))
                }
                """;
        String expected = """
                import std.net.ipv4.{
                    Ipv4,
                    IpProto,
                    header_checksum,
                    Ipv4Option,
                    Ipv4OptionType,
                    Ipv4Flags,
                    Dscp,
                    Ecn,
                }

                fn checksum_of_the_pseudo_header(
                    source_address: ip4,
                    destination_address: ip4,
                    protocol: u8,
                ) -> u16 {
                    var c = incremental_update(
                        update_ip4(h.udp.checksum, old_src, public_ip),
                        h.udp.src_port,
                        public_port,
                    )
                    outbound.put(
                        Flow{protocol: back.protocol, inside_ip: dest.ip, remote_port: back.remote_port},
                        Binding{public_port: p},
                    )
                    expect_that(outbound.contains(Flow{
                        protocol: IpProto.Tcp,
                        inside_ip: 192.168.1.10,
                        inside_port: 40000,
                    }))
                }
                """;
        assertWraps(in, expected);
    }

    @Test
    void breaksALiteralInsideABrokenStack() {
        // The stack breaks first; the Ipv4 literal still does not fit on its line, so it breaks
        // too, one level deeper than that line, and the stack goes on after its `}`.
        String in = """
                appliance A {
                    test "nested" {
                        send inside Ethernet{type: EtherType.Ipv4} / Ipv4{total_len: 40, protocol: IpProto.Tcp, checksum: 0x8ee3, src: 192.168.1.10, dst: 198.51.100.7} / Tcp{src_port: 40000, dst_port: 443}
                    }
                }
                """;
        String expected = """
                appliance A {
                    test "nested" {
                        send inside Ethernet{type: EtherType.Ipv4} /
                            Ipv4{
                                total_len: 40,
                                protocol: IpProto.Tcp,
                                checksum: 0x8ee3,
                                src: 192.168.1.10,
                                dst: 198.51.100.7,
                            } /
                            Tcp{src_port: 40000, dst_port: 443}
                    }
                }
                """;
        assertWraps(in, expected);
    }

    @Test
    void aLineCommentInsideALiteralBreaksIt() {
        // A `//` comment must end a line: the literal (or stack, or condition) around it breaks
        // even though it would fit, and the comment ends the line it was on. One just before a
        // `,` goes after it; one just after `and` goes before it.
        String in = """
                fn f() {
                    let p = Ipv4{total_len: 40, // with the tcp header
                        protocol: IpProto.Tcp, src: 10.0.0.1 /* inside */}
                    let q = Ipv4{
                        // the defaults for the rest
                        total_len: 40 // not 20
                        , src: 10.0.0.1}
                    let r = Ethernet{type: EtherType.Ipv4} / // the inner packet follows
                        inner
                    if a and // the first
                        b { drop }
                }
                """;
        String expected = """
                fn f() {
                    let p = Ipv4{
                        total_len: 40, // with the tcp header
                        protocol: IpProto.Tcp,
                        src: 10.0.0.1, /* inside */
                    }
                    let q = Ipv4{
                        // the defaults for the rest
                        total_len: 40, // not 20
                        src: 10.0.0.1,
                    }
                    let r = Ethernet{type: EtherType.Ipv4} / // the inner packet follows
                        inner
                    if a // the first
                        and b {
                        drop
                    }
                }
                """;
        assertWraps(in, expected);
    }

    @Test
    void breaksAfterTheEqualsOnlyWhenThatMakesItFit() {
        // `let request =` and `==` break because on the statement's line the Ethernet literal
        // would have to break as well; the call fits whole on a line of its own. Header field
        // defaults are kept.
        String in = """
                header Ipv4 { version: u4 = 4  ihl: u4 = 5 }
                appliance A {
                    test "values" {
                        let request = Ethernet{dst: ff:ff:ff:ff:ff:ff, src: 02:00:00:00:00:07, type: EtherType.Arp} / Arp{op: ArpOp.Request, sender_mac: 02:00:00:00:00:07, sender_ip: 192.0.2.1}
                        expect forward servers == Ethernet{dst: 02:00:00:00:00:fe, src: 02:00:00:00:00:01, type: EtherType.Ipv4} / inner
                        let checksum_of_everything = transport_checksum4(source_address, destination_address, 17)
                        let checksum_of_everything_here = transport_checksum4(source_address, destination_address, 17)
                    }
                }
                """;
        String expected = """
                header Ipv4 {
                    version: u4 = 4
                    ihl: u4 = 5
                }

                appliance A {
                    test "values" {
                        let request =
                            Ethernet{dst: ff:ff:ff:ff:ff:ff, src: 02:00:00:00:00:07, type: EtherType.Arp} /
                            Arp{op: ArpOp.Request, sender_mac: 02:00:00:00:00:07, sender_ip: 192.0.2.1}
                        expect forward servers ==
                            Ethernet{dst: 02:00:00:00:00:fe, src: 02:00:00:00:00:01, type: EtherType.Ipv4} / inner
                        let checksum_of_everything = transport_checksum4(source_address, destination_address, 17)
                        let checksum_of_everything_here =
                            transport_checksum4(source_address, destination_address, 17)
                    }
                }
                """;
        assertWraps(in, expected);
    }

    /** Formats {@code in} to {@code expected}, which formats to itself, keeping tokens and comments. */
    private static void assertWraps(String in, String expected) {
        assertEquals(expected, format(in));
        assertEquals(expected, format(expected), "not idempotent");
        assertEquals(codeTokens(in), codeTokens(expected));
        List<String> before = comments(in);
        List<String> after = comments(expected);
        before.sort(null);
        after.sort(null);
        assertEquals(before, after);
        assertTrue(expected.lines().allMatch(l -> l.length() <= 100), expected);
    }

    // ---- Properties, over every input ----------------------------------------------------------

    static Stream<String> inputs() {
        List<String> inputs = new ArrayList<>(List.of(FIREWALL, ODD_CORNERS, LONG_LINES));
        inputs.add(commentEverywhere(FIREWALL));
        inputs.add(commentEverywhere(ODD_CORNERS));
        inputs.add(commentEverywhere(LONG_LINES));
        return inputs.stream();
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void keepsCodeWithinTheWidth(String in) {
        // Only comments may reach past column 100: trailing ones, and inline ones in the inputs
        // with a comment between every two tokens.
        for (String line : format(in).lines().toList()) {
            int comment = line.indexOf("//");
            int block = line.indexOf("/*");
            String code = line.substring(0, comment >= 0 ? comment : line.length());
            if (block < 0 || line.length() <= 100) {
                assertTrue(code.stripTrailing().length() <= 100, line);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void isIdempotent(String in) {
        String once = format(in);
        assertEquals(once, format(once));
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void keepsEveryTokenExceptOptionalSeparators(String in) {
        assertEquals(codeTokens(in), codeTokens(format(in)));
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void keepsEveryComment(String in) {
        List<String> before = comments(in);
        List<String> after = comments(format(in));
        before.sort(null);
        after.sort(null);
        assertEquals(before, after);
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void writesNoTrailingWhiteSpaceAndEndsWithOneNewline(String in) {
        String out = format(in);
        assertTrue(out.endsWith("\n") && !out.endsWith("\n\n"), out);
        assertTrue(out.lines().noneMatch(l -> !l.equals(l.stripTrailing())), out);
        assertTrue(!out.contains("\n\n\n"), out);
    }

    /** The example spec, as a realistic input. */
    private static final String FIREWALL = """
            import std.net.ethernet.{Ethernet, EtherType}
            import std.net.ipv4.{Ipv4, IpProto}
            import std.net.l4.{Tcp, Udp}

            /// Stateless edge firewall.
            appliance Firewall {
                port outside: packet = "pcap:outside.pcap"
                port inside: packet
                param rules: path = "rules.txt"
                counter dropped
                map flows: FlowKey -> Binding capacity 65536 expire 30s lru
                timer sweep every 1s
                store disk: blocks(size: 64MiB, block: 4KiB, file: "disk.img")

                parser Headers(p: packet) {
                    extract eth: Ethernet
                    select eth.type { EtherType.Ipv4 => ip, _ => accept }
                    state ip {
                        extract ip: Ipv4
                        select ip.protocol { IpProto.Tcp => tcp, IpProto.Udp => udp, _ => accept }
                    }
                    state tcp { extract tcp: Tcp; accept }
                    state udp { extract udp: Udp; accept }
                }

                action allow() { }
                action deny() { dropped += 1 }

                table acl(h: Headers) {
                    key { h.ip.src: lpm; h.ip.dst: lpm; h.ip.protocol: exact; h.tcp.dst_port: range }
                    actions { allow, deny }
                    default allow
                    size 4096
                    const entries {
                        (10.0.0.0/8, _, IpProto.Tcp, 22..22) => deny
                        (_, fe80::/10, 0x06 &&& 0xff, _) => allow
                    }
                }

                on packet p from outside {
                    let h = Headers(p)
                    if not h.ip.valid { forward inside }
                    if h.tcp.valid and acl(h) == deny { drop }
                    let b = flows.get(k) else { drop }
                    for i in 0..4 { x[i] = i as u8 }
                    match h.eth.type {
                        EtherType.Ipv4, EtherType.Ipv6 => forward inside,
                        _ => { drop }
                    }
                    forward inside
                }

                on timer sweep { }

                test "ssh from the private range is dropped" {
                    send outside Ethernet{type: EtherType.Ipv4} / Ipv4{src: 10.1.2.3, protocol: IpProto.Tcp} / Tcp{dst_port: 22}
                    expect drop
                    expect dropped == 1
                    expect forward inside == Ethernet{}
                }
            }
            header Ipv4 {
                version: u4
                ihl: u4
                len: u16 le
                src: ip4
                options: bytes[(ihl - 5) * 4]
            }
            fn csum(data: bytes, n: u16) -> u16 {
                var sum: u32 = 0
                for i in 0..n max 30 { sum += (data[2 * i] as u32) << 8 }
                return ~(sum as u16)
            }
            """;

    /** Lines far longer than the width, as tests and handlers have them, written on one line. */
    private static final String LONG_LINES = """
            import std.net.ipv4.{Ipv4, IpProto, header_checksum, Ipv4Option, Ipv4OptionType, Ipv4Flags, Ipv4Dscp}
            appliance Nat {
                fn pick(source_address: ip4, destination_address: ip4, protocol: u8, port: u16, attempt: u16) -> u16 {
                    var c = incremental_update(update_ip4(h.udp.checksum, old_src, public_ip), h.udp.src_port, public_port)
                    let flow = Flow{protocol: h.ip.protocol, inside_ip: h.ip.src, inside_port: inside_port, remote_ip: h.ip.dst}
                    inbound.put(ReturnKey{protocol: flow.protocol, remote_ip: flow.remote_ip, remote_port: flow.remote_port}, Endpoint{ip: flow.inside_ip, port: flow.inside_port})
                    if h.ip.more_fragments or h.ip.frag_offset != 0 or h.ip.total_len < 20 and h.ip.version != 4 or not h.ip.valid { drop }
                    let sum = ((~old_checksum) as u32) + ((~high16(old_value)) as u32) + ((~low16(old_value)) as u32) + (high16(new_value) as u32) + (low16(new_value) as u32)
                    h.udp.checksum = incremental_update(update_ip4(h.udp.checksum, old_dst, dest.ip), h.udp.dst_port, dest.port)
                    match p.kind { Kind.A => reply Resp{ok: true, code: 200, reason: "a reason long enough to need a line of its own"}, _ => drop }
                    return [10.1.0.1, 10.1.0.2, 10.1.0.3, 10.1.0.4, 10.2.0.1, 10.2.0.2, 10.2.0.3, 10.2.0.4, 10.3.0.1, 10.3.0.2]
                }
                table services(h: Headers) { key { h.ip.dst: exact } actions { to_pool, miss } const entries { (192.0.2.10, IpProto.Tcp, 80, 0x06 &&& 0xff, 10.0.0.0/8, 22..22, fe80::/10, 1, 2, 3) => to_pool(0, 4, 1000000, 2000000, 3000000, 4000000, 5000000) } }
                test "an outbound connection leaves with the public address and a public port" {
                    send inside Ethernet{type: EtherType.Ipv4} / Ipv4{total_len: 40, protocol: IpProto.Tcp, checksum: 0x8ee3, src: 192.168.1.10, dst: 198.51.100.7} / Tcp{src_port: 40000, dst_port: 443, seq_num: 1000, syn: true, window: 65535, checksum: 0x2212}
                    expect forward outside == Ethernet{dst: 02:00:00:00:00:fe, src: 02:00:00:00:00:01, type: EtherType.Ipv4} / Ipv4{total_len: 40, protocol: IpProto.Tcp, checksum: 0x1494} / x"de ad be ef"
                    expect outbound.contains(Flow{protocol: IpProto.Tcp, inside_ip: 192.168.1.10, inside_port: 40000, remote_ip: 198.51.100.7, remote_port: 443})
                    let request = Ethernet{dst: ff:ff:ff:ff:ff:ff, src: 02:00:00:00:00:07, type: EtherType.Arp} / Arp{op: ArpOp.Request, sender_mac: 02:00:00:00:00:07, sender_ip: 203.0.113.254, target_ip: 203.0.113.1}
                    expect reply == Ethernet{type: EtherType.Ipv4} / Ipv4{total_len: 40, protocol: IpProto.Tcp, checksum: 0x8ee3, src: 192.168.1.10} / x"00"
                }
            }
            """;

    /** Every construct the others miss, written untidily. */
    private static final String ODD_CORNERS = """
            import a.b.{X as Y,}; import c
            const K: [u8; 4] = [1, 2, 3, 4,]; enum E { A, B = -1, }
            enum Empty {}
            struct S { a: u8, b: u16; }
            appliance A {
                port s: stream framed Req size 28 + length max 64KiB = "tcp:1"
                port t: stream framed u16; build param p: u8; param q: ip4 = 10.0.0.1
                map m: K -> V shared capacity 1 << 10 expire 2min
                store kv: log(path: "x")
                fn g(x: u8) { return; h(1); reply; x = 2; if x { } else { } }
                table t(h: H) { key { } actions { } entries { }
                    load "e.txt"; default deny(1, 2,); size 8 }
                on request r: Req from s { reply Resp{ok: true,}; pop r.x; push r.y before r.z }
                on packet p from t {
                    match p.kind {
                        Kind.A => reply, Kind.B, Kind.C => { reply p }
                        0..9 => x[0] -= 1
                        _ => return
                    }
                    for i in 0..(n - 1) max 8 { if i > 2 { break } else if i == 1 { continue } }
                    let z = -(a as i8) + ~b % c ^ d | e & f >> 1 != g or not h and i <= j
                    f(x,)
                }
                parser P(p: packet) { extract a: A goto s state s { reject } state t { } }
                test "t" { let x: u8 = 1; expect reply; expect reply == x; expect forward t
                    expect x == 2; send t x"45 00" }
            }
            header H { a: u16 le, data: bytes[len - 4] }
            fn empty() { }
            """;

    /**
     * The input with a comment between every two tokens, alternately a line comment and a block
     * comment: comments in every odd place the grammar allows.
     */
    private static String commentEverywhere(String spec) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (Token t : lex(spec).getTokens()) {
            if (t.getType() == Token.EOF) {
                break;
            }
            out.append(t.getText());
            if (t.getChannel() == Token.DEFAULT_CHANNEL) {
                n++;
                out.append(n % 2 == 0 ? " // c" + n + "\n" : " /* c" + n + " */ ");
            }
        }
        return out.toString();
    }

    // ---- Helpers -------------------------------------------------------------------------------

    private record Parsed(ApplParser.FileContext tree, CommonTokenStream tokens) {}

    private static CommonTokenStream lex(String text) {
        var tokens = new CommonTokenStream(new ApplLexer(CharStreams.fromString(text)));
        tokens.fill();
        return tokens;
    }

    private static Parsed parse(String text) {
        CommonTokenStream tokens = lex(text);
        ApplParser parser = new ApplParser(tokens);
        List<String> errors = new ArrayList<>();
        parser.removeErrorListeners();
        parser.addErrorListener(new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> r, Object symbol, int line, int column,
                    String msg, RecognitionException e) {
                errors.add(line + ":" + column + " " + msg);
            }
        });
        ApplParser.FileContext tree = parser.file();
        assertEquals(List.of(), errors, () -> "syntax errors in:\n" + text);
        return new Parsed(tree, tokens);
    }

    private static String format(String text) {
        Parsed p = parse(text);
        return Formatter.format(p.tree(), p.tokens());
    }

    /** The code tokens as "TYPE text", leaving out the separators the formatter may drop or add. */
    private static List<String> codeTokens(String text) {
        List<String> out = new ArrayList<>();
        collect(parse(text).tree(), out);
        return out;
    }

    private static void collect(ParseTree node, List<String> out) {
        if (node instanceof TerminalNode t) {
            Token tok = t.getSymbol();
            if (tok.getType() != Token.EOF && !optionalSeparator(t)) {
                out.add(ApplLexer.VOCABULARY.getSymbolicName(tok.getType()) + " " + tok.getText());
            }
            return;
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            collect(node.getChild(i), out);
        }
    }

    /**
     * A {@code ;} anywhere but in an array type {@code [T; n]}, or a {@code ,} that ends its rule
     * (after a field, key, entry, arm, case or list) or comes just before a closing bracket.
     */
    private static boolean optionalSeparator(TerminalNode t) {
        ParseTree parent = t.getParent();
        return switch (t.getSymbol().getType()) {
            case ApplLexer.SEMI -> !(parent instanceof ApplParser.ArrayTypeContext);
            case ApplLexer.COMMA -> {
                int i = indexIn(parent, t);
                if (i == parent.getChildCount() - 1) {
                    yield true;
                }
                ParseTree next = parent.getChild(i + 1);
                int type = next instanceof TerminalNode n ? n.getSymbol().getType() : -1;
                yield type == ApplLexer.RBRACE || type == ApplLexer.RPAREN
                        || type == ApplLexer.RBRACK;
            }
            default -> false;
        };
    }

    private static int indexIn(ParseTree parent, ParseTree child) {
        for (int i = 0; i < parent.getChildCount(); i++) {
            if (parent.getChild(i) == child) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    /** The comment texts, normalised as the formatter writes them. */
    private static List<String> comments(String text) {
        List<String> out = new ArrayList<>();
        for (Token t : lex(text).getTokens()) {
            if (t.getChannel() == ApplLexer.COMMENTS) {
                out.add(Printer.commentText(t));
            }
        }
        return out;
    }
}
