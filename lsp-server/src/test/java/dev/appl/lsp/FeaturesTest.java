package dev.appl.lsp;

import static dev.appl.lsp.LanguageServerTest.GATE;
import static dev.appl.lsp.Session.at;
import static dev.appl.lsp.Session.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.lsp4j.CodeActionContext;
import org.eclipse.lsp4j.CodeActionParams;
import org.eclipse.lsp4j.CompletionParams;
import org.eclipse.lsp4j.DocumentFormattingParams;
import org.eclipse.lsp4j.DocumentRangeFormattingParams;
import org.eclipse.lsp4j.FoldingRangeRequestParams;
import org.eclipse.lsp4j.FormattingOptions;
import org.eclipse.lsp4j.HoverParams;
import org.eclipse.lsp4j.InlayHintParams;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.RenameParams;
import org.eclipse.lsp4j.SemanticTokensParams;
import org.eclipse.lsp4j.SignatureHelpParams;
import org.eclipse.lsp4j.WorkspaceSymbolParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The editing features: hover details, completion by context, rename, formatting, tokens, hints, fixes. */
class FeaturesTest {
    @TempDir
    Path dir;
    Session session;

    @BeforeEach
    void start() throws Exception {
        session = new Session(dir);
    }

    @AfterEach
    void stop() throws Exception {
        session.close();
    }

    private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private String hover(String uri, Position p) throws Exception {
        var h = get(session.server.getTextDocumentService().hover(new HoverParams(doc(uri), p)));
        return h == null ? null : h.getContents().getRight().getValue();
    }

    private List<String> complete(String uri, Position p) throws Exception {
        return Render.labels(get(session.server.getTextDocumentService().completion(new CompletionParams(doc(uri), p)))
                .getLeft());
    }

    // ---- Diagnostics --------------------------------------------------------------------------------

    @Test
    void diagnosticsCarryCodesAndNotesAsRelatedInformation() throws Exception {
        String text = """
                struct A {
                    x: u8
                }

                struct A {
                    y: u8
                }
                """;
        String uri = session.open("dup.appl", text);
        assertEquals(List.of("5:8-5:9 error APPL0011 `A` is declared twice [dup.appl 1:8-1:9 first declared here]"), Render.diagnostics(session.client.awaitDiagnostics(uri, 1).getDiagnostics()));
    }

    @Test
    void anEditIsCheckedAndSoAreTheOpenFilesThatImportIt() throws Exception {
        String lib = """
                const LIMIT: u8 = 10
                """;
        String main = """
                import lib.{LIMIT}

                fn twice() -> u8 {
                    return LIMIT * 2
                }
                """;
        String libUri = session.open("lib.appl", lib);
        String mainUri = session.open("main.appl", main);
        assertEquals(List.of(), session.client.awaitDiagnostics(mainUri, 1).getDiagnostics());
        int published = session.client.count(mainUri);
        session.replace(libUri, 2, "const LIMIT: u16 = 10\n");
        assertEquals(List.of(), session.client.awaitDiagnostics(libUri, 2).getDiagnostics());
        assertEquals(List.of("4:12-4:21 error APPL0021 `u8` and `u16` have different widths; convert one with `as`"),
                Render.diagnostics(session.client.awaitPublish(mainUri, published).getDiagnostics()));
    }

    // ---- Hover --------------------------------------------------------------------------------------

    @Test
    void hoverOverFieldsTablesLocalsAndExpressions() throws Exception {
        String uri = session.open("gate.appl", GATE);
        assertEquals("""
                ```appl
                prio: u3
                ```
                *field* of `Tag`: byte 0, bits 0–2

                Priority.""", hover(uri, at(GATE, "prio")));
        assertEquals("""
                ```appl
                ttl: u8
                ```
                *field* of `Ipv4`: byte 8, bits 64–71

                Time to live (a hop count in practice). Defaults to 64, the recommended default TTL of
                the IANA "ip-parameters" registry (formerly "Assigned Numbers", RFC 1700; see RFC 1122
                §3.2.1.7), which most hosts use.""", hover(uri, at(GATE, "h.ip.ttl", 0, 5)));
        assertEquals("""
                ```appl
                table acl(src: ip4)
                ```
                *table in `gate`*

                keys:
                - `src`: lpm

                actions: `allow`, `deny`

                default: `deny`

                size: 16""", hover(uri, at(GATE, "table acl", 0, 6)));
        assertEquals("```appl\nttl: u16\n```\n*binding*", hover(uri, at(GATE, "let ttl", 0, 4)));
        assertEquals("```appl\nu16\n```", hover(uri, at(GATE, "x + 1", 0, 2)));
        assertEquals("```appl\nEtherType.Ipv4 = 0x0800\n```\n*enum case*\n\nIPv4 (RFC 894).",
                hover(uri, at(GATE, "Ipv4 => ipv4")));
        assertEquals("```appl\nfn inc(x: u16) -> u16\n```\n*function in `gate`*\n\nAdds one.",
                hover(uri, at(GATE, "inc(h", 0, 1)));
    }

    // ---- Completion ---------------------------------------------------------------------------------

    @Test
    void completionByContext() throws Exception {
        String text = GATE.replace("    counter seen\n", "    counter seen\n    \n")
                .replace("        let h = Headers(p)\n", "        let h = Headers(p)\n        \n")
                .replace("            src: lpm\n", "            src: \n");
        String uri = session.open("gate.appl", text);
        // Top level, an appliance's members, a statement, a table key's match kind.
        assertEquals(CompletionFeature.TOP_LEVEL, complete(uri, new Position(2, 0)));
        assertEquals(CompletionFeature.MEMBERS, complete(uri, at(text, "    \n", 0, 4)));
        // Statement keywords, then the locals declared before the caret, the appliance's members, the module's names.
        assertEquals(List.of("let", "var", "if", "else", "match", "for", "break", "continue", "return", "forward",
                "reply", "drop", "push", "pop", "enter", "close", "true", "false", "not", "and", "or", "as", "p", "h",
                "outside", "inside",
                "seen", "Headers", "allow", "deny", "acl", "Tag", "Color", "inc", "Gate", "Ethernet", "EtherType", "Ipv4",
                "IpProto"), complete(uri, at(text, "        \n", 0, 8)));
        assertEquals(CompletionFeature.MATCH_KINDS, complete(uri, at(text, "src: \n", 0, 5)));
    }

    @Test
    void completionOfImportsEnumCasesAndTypes() throws Exception {
        String text = """
                import std.net.
                import std.net.ipv4.{Ip}

                enum Color { Red, Green }

                fn f(c: Color) -> bool {
                    let x: u
                    return c == Color.
                }
                """;
        String uri = session.open("c.appl", text);
        assertEquals(List.of("arp", "checksum", "ethernet", "gre", "gue", "icmp", "icmpv6", "ipv4", "ipv6", "tcp", "udp",
                "vlan", "vxlan"), complete(uri, at(text, "std.net.\n", 0, 8)));
        // The client filters by what is typed.
        assertEquals(List.of("IpProto", "Ipv4", "flag_bit", "header_checksum", "header_len"),
                complete(uri, at(text, "{Ip}", 0, 3)));
        assertEquals(List.of("Red", "Green"), complete(uri, at(text, "Color.\n", 0, 6)));
        assertEquals(List.of("bool", "u8", "u16", "u32", "u64"), complete(uri, at(text, "x: u", 0, 4)).subList(0, 5));
    }

    // ---- Rename -------------------------------------------------------------------------------------

    @Test
    void renameChangesEveryUseAndRefusesBadNames() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var edit = get(session.server.getTextDocumentService().rename(
                new RenameParams(doc(uri), at(GATE, "allow() {", 0, 1), "permit")));
        List<String> edits = new ArrayList<>();
        edit.getChanges().forEach((u, es) -> es.forEach(e -> edits.add(Render.file(u) + " " + Render.edit(e))));
        assertEquals(List.of("gate.appl 36:12-36:17 permit", "gate.appl 46:19-46:24 permit",
                "gate.appl 58:13-58:18 permit"), edits);
        var refusals = new java.util.LinkedHashMap<String, String>();
        refusals.put("match", "cannot rename: `match` is a reserved keyword");
        refusals.put("2x", "cannot rename: `2x` is not a name: a letter or `_` followed by letters, digits and `_`");
        refusals.put("a-b", "cannot rename: `a-b` is not a name: a letter or `_` followed by letters, digits and `_`");
        refusals.put("deny", "cannot rename: `deny` is already declared here");
        refusals.put("_", "cannot rename: `_` is the wildcard, not a name");
        for (var r : refusals.entrySet()) {
            var e = assertThrows(ExecutionException.class, () -> get(session.server.getTextDocumentService().rename(
                    new RenameParams(doc(uri), at(GATE, "allow() {", 0, 1), r.getKey()))));
            assertEquals(r.getValue(), e.getCause().getMessage());
        }
        var std = assertThrows(ExecutionException.class, () -> get(session.server.getTextDocumentService().rename(
                new RenameParams(doc(uri), at(GATE, "Ipv4 => ipv4"), "V4"))));
        assertEquals("cannot rename: `Ipv4` is declared outside the workspace", std.getCause().getMessage());
    }

    // ---- Symbols, formatting, tokens, folding ------------------------------------------------------

    @Test
    void workspaceSymbolsSearchEveryFile() throws Exception {
        session.open("gate.appl", GATE);
        session.write("other.appl", "struct Acorn {\n    a: u8\n}\n");
        var found = get(session.server.getWorkspaceService().symbol(new WorkspaceSymbolParams("ac"))).getRight();
        // Subsequences of the query match, in the workspace and the stdlib it imports.
        assertEquals(List.of("acl Array Gate gate.appl 42:11-42:14",
                "BROADCAST Constant std.net.ethernet ethernet.appl 59:7-59:16",
                "header_checksum Function std.net.ipv4 ipv4.appl 112:4-112:19",
                "transport_checksum4 Function std.net.checksum checksum.appl 115:4-115:23",
                "Acorn Struct other other.appl 1:8-1:13"), found.stream()
                .map(s -> s.getName() + " " + s.getKind() + " " + s.getContainerName() + " "
                        + Render.location(s.getLocation().getLeft()))
                .toList());
    }

    @Test
    void formattingUsesTheFormatterOfApplcFmt() throws Exception {
        String text = "fn  f(x:u8)->u8{return x}\n";
        String uri = session.open("f.appl", text);
        var edits = get(session.server.getTextDocumentService().formatting(
                new DocumentFormattingParams(doc(uri), new FormattingOptions(4, true))));
        assertEquals(List.of("1:1-2:1 fn f(x: u8) -> u8 {\\n    return x\\n}\\n"), edits.stream().map(Render::edit).toList());
        String broken = "fn f(x: u8 {\n";
        String brokenUri = session.open("broken.appl", broken);
        assertEquals(List.of(), get(session.server.getTextDocumentService().formatting(
                new DocumentFormattingParams(doc(brokenUri), new FormattingOptions(4, true)))));
    }

    @Test
    void rangeFormattingChangesOnlyTheLinesOfTheRange() throws Exception {
        String text = "fn f(x:u8)->u8 {\n    return x\n}\n\nfn g(y:u8)->u8 {\n      return y\n}\n";
        String uri = session.open("r.appl", text);
        var edits = get(session.server.getTextDocumentService().rangeFormatting(new DocumentRangeFormattingParams(
                doc(uri), new FormattingOptions(4, true), new Range(new Position(4, 0), new Position(6, 1)))));
        assertEquals(List.of("5:1-7:1 fn g(y: u8) -> u8 {\\n    return y\\n"), edits.stream().map(Render::edit).toList());
    }

    @Test
    void semanticTokensNameWhatEachNameIs() throws Exception {
        String text = """
                /// Doc.
                header H {
                    size: u8
                }

                fn f(h: H) -> u8 {
                    return h.size + 1
                }
                """;
        String uri = session.open("t.appl", text);
        List<Integer> data = get(session.server.getTextDocumentService().semanticTokensFull(
                new SemanticTokensParams(doc(uri)))).getData();
        // `size` is a keyword where it starts a table's size, and a field here.
        assertEquals(List.of("1:1 /// Doc. comment", "2:1 header keyword", "2:8 H struct [declaration]",
                "3:5 size property [declaration]", "3:11 u8 type [defaultLibrary]", "6:1 fn keyword",
                "6:4 f function [declaration]", "6:6 h variable [declaration, readonly]", "6:9 H struct",
                "6:15 u8 type [defaultLibrary]", "7:5 return keyword", "7:12 h variable [readonly]",
                "7:14 size property", "7:21 1 number"), decode(text, data));
    }

    @Test
    void sessionsHaveNoFalseErrorsAndTheirNamesAreKnown() throws Exception {
        String text = """
                header Hello {
                    flags: u16
                }
                appliance Toy {
                    port clients: stream max 1MiB connections 8 = "tcp:127.0.0.1:7000"
                    session on clients {
                        var served: u32 = 0
                        phase hello framed Hello
                        phase lines framed u16
                    }
                    on connect c from clients {
                        reply
                    }
                    on message m from clients in hello {
                        served += 1
                        enter lines
                        drop
                    }
                    on message m from clients in lines {
                        close
                        reply
                    }
                    test "t" {
                        connect clients
                        expect close
                    }
                }
                """;
        String uri = session.open("toy.appl", text);
        assertEquals(List.of(), session.client.awaitDiagnostics(uri, 1).getDiagnostics());
        List<String> tokens = decode(text, get(session.server.getTextDocumentService().semanticTokensFull(
                new SemanticTokensParams(doc(uri)))).getData());
        // The new words are keywords where they start a clause, and `connect` after `on` is the event's name.
        for (String t : List.of("5:35 connections keyword", "6:5 session keyword", "6:16 clients interface",
                "7:13 served variable [declaration]", "8:9 phase keyword", "8:15 hello enumMember [declaration]",
                "14:34 hello enumMember", "15:9 served variable", "16:9 enter keyword", "16:15 lines enumMember",
                "20:9 close keyword", "24:9 connect keyword", "25:16 close keyword")) {
            assertTrue(tokens.contains(t), t + " in " + tokens);
        }
        assertTrue(tokens.stream().noneMatch(t -> t.startsWith("11:8 ")), "`on connect`: " + tokens);
        assertEquals("```appl\nvar served: u32 = 0\n```\n*session variable in `toy`*",
                hover(uri, at(text, "served += 1", 0, 1)));
        assertEquals("```appl\nphase lines framed u16\n```\n*phase in `toy`*", hover(uri, at(text, "enter lines", 0, 7)));
    }

    /** Semantic tokens as {@code line:col text type [modifiers]}. */
    static List<String> decode(String text, List<Integer> data) {
        List<String> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int line = 0;
        int col = 0;
        for (int i = 0; i < data.size(); i += 5) {
            line += data.get(i);
            col = data.get(i) == 0 ? col + data.get(i + 1) : data.get(i + 1);
            String word = lines[line].substring(col, col + data.get(i + 2));
            List<String> mods = new ArrayList<>();
            for (int m = 0; m < SemanticTokensFeature.MODIFIERS.size(); m++) {
                if ((data.get(i + 4) & (1 << m)) != 0) {
                    mods.add(SemanticTokensFeature.MODIFIERS.get(m));
                }
            }
            out.add((line + 1) + ":" + (col + 1) + " " + word + " " + SemanticTokensFeature.TYPES.get(data.get(i + 3))
                    + (mods.isEmpty() ? "" : " " + mods));
        }
        return out;
    }

    @Test
    void aKeywordReadAsANameIsNoKeywordToken() throws Exception {
        String text = """
                appliance A {
                    port inside: packet
                    map flows: u32 -> u32 capacity 16
                    counter n

                    on packet p from inside {
                        n = flows.size()
                        drop
                    }
                }
                """;
        String uri = session.open("k.appl", text);
        List<String> tokens = decode(text, get(session.server.getTextDocumentService().semanticTokensFull(
                new SemanticTokensParams(doc(uri)))).getData());
        // `size` of `flows.size()` is a method name; `capacity` starts a clause and stays a keyword.
        assertEquals(List.of("3:5 map keyword", "3:9 flows variable [declaration]", "3:16 u32 type [defaultLibrary]",
                "3:23 u32 type [defaultLibrary]", "3:27 capacity keyword", "3:36 16 number"),
                tokens.stream().filter(t -> t.startsWith("3:")).toList());
        assertEquals(List.of("7:9 n variable", "7:13 flows variable"), tokens.stream().filter(t -> t.startsWith("7:")).toList());
    }

    @Test
    void foldingRangesForBlocksCommentsAndImports() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var ranges = get(session.server.getTextDocumentService().foldingRange(new FoldingRangeRequestParams(doc(uri))));
        assertEquals(List.of("1-2 imports", "5-9", "15-16", "19-61", "24-33", "26-28", "30-32", "36-37", "42-48",
                "43-44", "51-60", "53-54", "57-59"), ranges.stream()
                .map(r -> (r.getStartLine() + 1) + "-" + (r.getEndLine() + 1) + (r.getKind() == null ? "" : " " + r.getKind()))
                .toList());
    }

    // ---- Signature help, inlay hints ---------------------------------------------------------------

    @Test
    void signatureHelpInsideACall() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var help = get(session.server.getTextDocumentService().signatureHelp(
                new SignatureHelpParams(doc(uri), at(GATE, "inc(h", 0, 4))));
        assertEquals("inc(x: u16) -> u16 active 0", help.getSignatures().getFirst().getLabel() + " active " + help.getActiveParameter());
        String text = GATE.replace("action deny() {}", "action deny(why: u8, code: u16) {}")
                .replace("        let h = Headers(p)\n", "        let h = Headers(p)\n        deny(1, \n");
        String other = session.open("other.appl", text);
        var second = get(session.server.getTextDocumentService().signatureHelp(
                new SignatureHelpParams(doc(other), at(text, "deny(1, ", 0, 8))));
        assertEquals("deny(why: u8, code: u16) active 1",
                second.getSignatures().getFirst().getLabel() + " active " + second.getActiveParameter());
    }

    @Test
    void inlayHintsShowOffsetsAndInferredTypes() throws Exception {
        String uri = session.open("gate.appl", GATE);
        var hints = get(session.server.getTextDocumentService().inlayHint(
                new InlayHintParams(doc(uri), new Range(new Position(0, 0), new Position(80, 0)))));
        assertEquals(List.of("7:13 byte 0, bits 0–2", "8:15 byte 0, bit 3", "9:12 byte 0, bits 4–15", "52:14 : Headers",
                "56:16 : u16"), hints.stream()
                .map(h -> (h.getPosition().getLine() + 1) + ":" + (h.getPosition().getCharacter() + 1) + " "
                        + h.getLabel().getLeft())
                .toList());
    }

    // ---- Code actions -------------------------------------------------------------------------------

    private List<String> fixes(String uri, String text, String at) throws Exception {
        var diagnostics = session.client.awaitDiagnostics(uri, null).getDiagnostics();
        Position p = Session.at(text, at);
        var actions = get(session.server.getTextDocumentService().codeAction(new CodeActionParams(doc(uri),
                new Range(p, p), new CodeActionContext(diagnostics))));
        List<String> out = new ArrayList<>();
        for (var a : actions) {
            var action = a.getRight();
            action.getEdit().getChanges().forEach((u, es) -> es.forEach(
                    e -> out.add(action.getTitle() + ": " + Render.edit(e))));
        }
        return out;
    }

    @Test
    void codeActionsAddMissingArmsCastsAndImports() throws Exception {
        String text = """
                enum Color { Red, Green, Blue }

                fn f(c: Color, a: u8, b: u16) -> u16 {
                    match c {
                        Color.Red => {}
                    }
                    let t = Tcp{src_port: 1}
                    return a + b
                }
                """;
        String uri = session.open("fix.appl", text);
        assertEquals(List.of(
                "4:5-4:12 error APPL0070 match on `c` does not cover `Color.Green`, `Color.Blue`; add the missing cases or `_`",
                "7:13-7:16 error APPL0015 cannot find type `Tcp`",
                "8:12-8:17 error APPL0021 `u8` and `u16` have different widths; convert one with `as`"),
                Render.diagnostics(session.client.awaitDiagnostics(uri, 1).getDiagnostics()));
        assertEquals(List.of(
                "Add the missing cases: 6:1-6:1         Color.Green => {}\\n        Color.Blue => {}\\n",
                "Add a `_` arm: 6:1-6:1         _ => {}\\n"), fixes(uri, text, "match c"));
        assertEquals(List.of("Import `Tcp` from `std.net.tcp`: 1:1-1:1 import std.net.tcp.{Tcp}\\n\\n"),
                fixes(uri, text, "Tcp{"));
        assertEquals(List.of("Convert `b` to `u8` with `as`: 8:16-8:17 b as u8",
                "Convert `a` to `u16` with `as`: 8:12-8:13 a as u16"), fixes(uri, text, "a + b"));
    }

    @Test
    void aServerNeverFailsOnGarbage() throws Exception {
        String uri = session.open("junk.appl", "appliance { on ( [ \u0000 \"");
        assertTrue(session.client.awaitDiagnostics(uri, 1).getDiagnostics().size() > 0);
        assertEquals(null, hover(uri, new Position(0, 3)));
    }
}
