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
                    // first
                    let x = g(1, 2) // after
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

    // ---- Properties, over every input ----------------------------------------------------------

    static Stream<String> inputs() {
        List<String> inputs = new ArrayList<>(List.of(FIREWALL, ODD_CORNERS));
        inputs.add(commentEverywhere(FIREWALL));
        inputs.add(commentEverywhere(ODD_CORNERS));
        return inputs.stream();
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
