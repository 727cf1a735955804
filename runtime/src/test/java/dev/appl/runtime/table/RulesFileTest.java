package dev.appl.runtime.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rules file format: every pattern kind and value, comments, and every problem with its position. */
class RulesFileTest {
    private static final ValueType IP_PROTO = ValueType.enumeration("IpProto", 8,
            ordered("Icmp", 1L, "Tcp", 6L, "Udp", 17L));
    private static final ValueType COLOR = ValueType.enumeration("Color", 0, ordered("Red", 0L, "Green", 1L));

    /** Like the firewall's acl: size 10, two entries in the spec, so room for 8. */
    private static final TableSchema ACL = new TableSchema("acl",
            List.of(new TableSchema.Key("t.src", MatchKind.LPM, ValueType.ip4()),
                    new TableSchema.Key("t.dst", MatchKind.LPM, ValueType.ip4()),
                    new TableSchema.Key("t.protocol", MatchKind.EXACT, IP_PROTO),
                    new TableSchema.Key("t.dst_port", MatchKind.RANGE, ValueType.unsigned(16))),
            List.of(new TableSchema.Action("allow", List.of()),
                    new TableSchema.Action("deny", List.of()),
                    new TableSchema.Action("set_pool", List.of(new TableSchema.Datum("pool", ValueType.unsigned(8)),
                            new TableSchema.Datum("next", ValueType.ip4())))),
            10, 2);

    /** One key of each remaining kind and type, and actions with every kind of datum. */
    private static final TableSchema MISC = new TableSchema("misc",
            List.of(new TableSchema.Key("h.flags", MatchKind.TERNARY, ValueType.unsigned(8)),
                    new TableSchema.Key("h.dst", MatchKind.EXACT, ValueType.mac()),
                    new TableSchema.Key("h.tagged", MatchKind.EXACT, ValueType.bool()),
                    new TableSchema.Key("h.temp", MatchKind.RANGE, ValueType.signed(8)),
                    new TableSchema.Key("h.addr", MatchKind.TERNARY, ValueType.ip4())),
            List.of(new TableSchema.Action("mark", List.of(new TableSchema.Datum("color", COLOR))),
                    new TableSchema.Action("tag", List.of(new TableSchema.Datum("offset", ValueType.signed(16)),
                            new TableSchema.Datum("on", ValueType.bool()),
                            new TableSchema.Datum("to", ValueType.mac()),
                            new TableSchema.Datum("big", ValueType.unsigned(64)))),
                    new TableSchema.Action("v6", List.of(new TableSchema.Datum("to", ValueType.unsupported("ip6"))))),
            100, 0);

    /** A table with a single key: entries may leave out the parentheses. */
    private static final TableSchema EGRESS = new TableSchema("egress",
            List.of(new TableSchema.Key("src", MatchKind.LPM, ValueType.ip4())),
            List.of(new TableSchema.Action("allow", List.of()), new TableSchema.Action("deny", List.of())),
            4, 1);

    private static Map<String, Long> ordered(Object... pairs) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Long) pairs[i + 1]);
        }
        return m;
    }

    private static List<RulesEntry> parse(TableSchema schema, String text) throws RulesFileException {
        return RulesFile.parse("rules.txt", text, schema);
    }

    private static RulesEntry one(TableSchema schema, String line) throws RulesFileException {
        List<RulesEntry> entries = parse(schema, line + "\n");
        assertEquals(1, entries.size());
        return entries.getFirst();
    }

    /** The single problem of a file that fails to load. */
    private static RulesFileException.Problem problem(TableSchema schema, String text) {
        RulesFileException e = assertThrows(RulesFileException.class, () -> parse(schema, text));
        assertEquals(1, e.problems().size(), e.getMessage());
        RulesFileException.Problem p = e.problems().getFirst();
        assertEquals("rules.txt", p.file());
        assertTrue(e.getMessage().startsWith("rules.txt:" + p.line() + ":" + p.column() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        return p;
    }

    private static void assertProblem(TableSchema schema, String text, int line, int column, String... fragments) {
        RulesFileException.Problem p = problem(schema, text);
        assertEquals(line, p.line(), p.toString());
        assertEquals(column, p.column(), p.toString());
        for (String f : fragments) {
            assertTrue(p.message().contains(f), "expected `" + f + "` in: " + p);
        }
    }

    private static KeyMatch masked(long value, long mask) {
        return new KeyMatch.Masked(value, mask);
    }

    private static KeyMatch range(long low, long high) {
        return new KeyMatch.Range(low, high);
    }

    // ---- Entries --------------------------------------------------------------------------------

    @Test
    void theFirewallExamples() throws RulesFileException {
        RulesEntry deny = one(ACL, "(10.0.0.0/8, _, IpProto.Tcp, 22..22) => deny");
        assertEquals(List.of(masked(0x0a000000L, 0xff000000L), masked(0, 0), masked(6, 0xff), range(22, 22)),
                deny.keys());
        assertEquals(1, deny.action());
        assertEquals(List.of(), deny.data());
        assertEquals(1, deny.line());

        RulesEntry pool = one(ACL, "(192.0.2.0/24, _, 6, 1024..65535) => set_pool(3, 10.1.0.9)");
        assertEquals(List.of(masked(0xc0000200L, 0xffffff00L), masked(0, 0), masked(6, 0xff), range(1024, 65535)),
                pool.keys());
        assertEquals(2, pool.action());
        assertEquals(List.of(3L, 0x0a010009L), pool.data());
    }

    @Test
    void lpmTakesAPrefixAnAddressOrAWildcard() throws RulesFileException {
        RulesEntry e = one(ACL, "(198.51.100.7, 0.0.0.0/0, _, _) => allow");
        assertEquals(masked(0xc6336407L, 0xffffffffL), e.keys().get(0), "an address is a /32");
        assertEquals(masked(0, 0), e.keys().get(1), "a /0 matches everything");
        assertEquals(masked(0, 0), e.keys().get(2), "`_` on an exact key");
        assertEquals(range(0, 65535), e.keys().get(3), "`_` on a range key is the whole range");
        assertEquals(masked(0xc0000201L, 0xffffffffL), one(ACL, "(192.0.2.1/32, _, _, _) => allow").keys().get(0));
    }

    @Test
    void rangeTakesARangeOrAValue() throws RulesFileException {
        assertEquals(range(80, 80), one(ACL, "(_, _, _, 80) => allow").keys().get(3));
        assertEquals(range(0, 0xffff), one(ACL, "(_, _, _, 0..0xffff) => allow").keys().get(3));
        RulesEntry signed = one(MISC, "(_, _, _, -5..5, _) => mark(Color.Red)");
        assertEquals(range(-5, 5), signed.keys().get(3), "signed ends are sign-extended");
        assertTrue(signed.keys().get(3).matches(-1, true));
        assertEquals(range(-128, 127), one(MISC, "(_, _, _, _, _) => mark(Color.Red)").keys().get(3));
    }

    @Test
    void ternaryTakesValueAndMaskAValueOrAWildcard() throws RulesFileException {
        RulesEntry e = one(MISC, "(0x10 &&& 0xf0, _, _, _, 10.0.0.0 &&& 255.0.0.255) => mark(Color.Red)");
        assertEquals(masked(0x10, 0xf0), e.keys().get(0));
        assertEquals(masked(0x0a000000L, 0xff0000ffL), e.keys().get(4));
        assertEquals(masked(0x12, 0xff), one(MISC, "(0x12, _, _, _, _) => mark(Color.Red)").keys().get(0));
        assertEquals(masked(0, 0), one(MISC, "(_, _, _, _, _) => mark(Color.Red)").keys().get(0));
        assertEquals(masked(0, 0), one(MISC, "(0 &&& 0, _, _, _, _) => mark(Color.Red)").keys().get(0));
    }

    @Test
    void exactTakesEveryKindOfValue() throws RulesFileException {
        RulesEntry e = one(MISC, "(_, 02:00:00:00:00:0a, true, -128, _) => mark(Color.Red)");
        assertEquals(masked(0x02000000000aL, 0xffffffffffffL), e.keys().get(1));
        assertEquals(masked(1, 1), e.keys().get(2));
        assertEquals(range(-128, -128), e.keys().get(3));
        assertEquals(masked(0, 1), one(MISC, "(_, FF:ff:ff:ff:ff:FF, false, _, _) => mark(Color.Red)").keys().get(2));
        assertEquals(masked(0xffffffffffffL, 0xffffffffffffL),
                one(MISC, "(_, FF:ff:ff:ff:ff:FF, false, _, _) => mark(Color.Red)").keys().get(1));
    }

    @Test
    void integersInDecimalHexAndBinaryWithSeparators() throws RulesFileException {
        assertEquals(range(1_000, 0b1111_1111_1111), one(ACL, "(_, _, _, 1_000..0b1111_1111_1111) => allow")
                .keys().get(3));
        assertEquals(range(0x50, 0x1F90), one(ACL, "(_, _, _, 0x50..0x1F_90) => allow").keys().get(3));
        assertEquals(List.of(-300L, 1L, 0x020000000001L, -1L),
                one(MISC, "(_, _, _, _, _) => tag(-300, true, 02:00:00:00:00:01, 0xffff_ffff_ffff_ffff)").data());
    }

    @Test
    void enumsByCaseOrByNumber() throws RulesFileException {
        assertEquals(masked(17, 0xff), one(ACL, "(_, _, IpProto.Udp, _) => allow").keys().get(2));
        assertEquals(masked(47, 0xff), one(ACL, "(_, _, 47, _) => allow").keys().get(2), "an open enum: GRE");
        assertEquals(List.of(1L), one(MISC, "(_, _, _, _, _) => mark(Color.Green)").data(), "no wire type: the index");
    }

    @Test
    void aSingleKeyTableMayLeaveOutTheParentheses() throws RulesFileException {
        List<RulesEntry> entries = parse(EGRESS, "198.51.100.0/24 => allow\n(203.0.113.0/24) => deny\n");
        assertEquals(2, entries.size());
        assertEquals(List.of(masked(0xc6336400L, 0xffffff00L)), entries.get(0).keys());
        assertEquals(0, entries.get(0).action());
        assertEquals(1, entries.get(1).action());
    }

    @Test
    void commentsBlankLinesAndSeparators() throws RulesFileException {
        String text = "\ufeff# rules for the acl\r\n"
                + "\r\n"
                + "   // indented comment\n"
                + "(10.0.0.0/8, _, IpProto.Tcp, 22) => deny   # no ssh from 10/8\n"
                + "\t(_, _, _, _,) => allow() // trailing comma and empty data\n"
                + "(_, 192.0.2.0/24, IpProto.Icmp, _) => set_pool(1, 10.1.0.1,);\n"
                + "(_, _, _, _) => deny,\n"
                + "#(_, _, _, _) => deny\n"
                + "   \n"
                + "(_, _, _, _) => deny";
        List<RulesEntry> entries = parse(ACL, text);
        assertEquals(List.of(4, 5, 6, 7, 10), entries.stream().map(RulesEntry::line).toList());
        assertEquals(List.of(1, 0, 2, 1, 1), entries.stream().map(RulesEntry::action).toList());
        assertEquals(List.of(1L, 0x0a010001L), entries.get(2).data());
    }

    @Test
    void anEmptyFileLoadsNothing() throws RulesFileException {
        assertEquals(List.of(), parse(ACL, ""));
        assertEquals(List.of(), parse(ACL, "# nothing yet\n\n"));
    }

    @Test
    void entriesKeepTheirOrder() throws RulesFileException {
        List<RulesEntry> entries = parse(ACL, "(_, _, _, 1) => allow\n(_, _, _, 2) => deny\n(_, _, _, 3) => allow\n");
        assertEquals(List.of(range(1, 1), range(2, 2), range(3, 3)),
                entries.stream().map(e -> e.keys().get(3)).toList());
    }

    @Test
    void readsAFileAndNamesItInMessages(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rules.txt");
        Files.writeString(file, "(10.0.0.0/8, _, _, _) => deny\n", StandardCharsets.UTF_8);
        assertEquals(1, RulesFile.read(file, ACL).size());
        Files.writeString(file, "\n(10.0.0.0/8, _, _, _) => drop\n", StandardCharsets.UTF_8);
        RulesFileException e = assertThrows(RulesFileException.class, () -> RulesFile.read(file, ACL));
        assertTrue(e.getMessage().startsWith(file + ":2:26: `drop` is not an action of table `acl`"), e.getMessage());
    }

    // ---- Problems -------------------------------------------------------------------------------

    @Test
    void unknownAction() {
        assertProblem(ACL, "(_, _, _, _) => drop\n", 1, 17, "`drop` is not an action of table `acl`",
                "`allow`, `deny`, `set_pool`");
    }

    @Test
    void aMisspelledActionGetsASuggestion() {
        assertProblem(ACL, "(_, _, _, _) => alow\n", 1, 17, "`alow` is not an action of table `acl` (did you mean `allow`?)");
        assertProblem(ACL, "(_, _, _, _) => Deny\n", 1, 17, "(did you mean `deny`?)");
    }

    @Test
    void wrongArgumentCount() {
        assertProblem(ACL, "(_, _, _, _) => set_pool(3)\n", 1, 17,
                "action `set_pool` takes 2 values (pool: u8, next: ip4), but this entry gives 1");
        assertProblem(ACL, "(_, _, _, _) => set_pool\n", 1, 17, "this entry gives none: write set_pool(pool, next)");
        assertProblem(ACL, "(_, _, _, _) => deny(1)\n", 1, 17, "action `deny` takes no data, but this entry gives 1");
    }

    @Test
    void wrongPatternCount() {
        assertProblem(ACL, "(10.0.0.0/8, _, _) => deny\n", 1, 1,
                "table `acl` has 4 keys (t.src, t.dst, t.protocol, t.dst_port) but this entry gives 3 patterns");
        assertProblem(ACL, "10.0.0.0/8 => deny\n", 1, 1, "gives 1 pattern", "write (p1, p2, ...) => action");
    }

    @Test
    void badPrefixLength() {
        assertProblem(ACL, "(10.0.0.0/33, _, _, _) => deny\n", 1, 11, "at most 32 bits long, not 33");
        assertProblem(ACL, "(10.0.0.0/, _, _, _) => deny\n", 1, 11, "needs a prefix length");
    }

    @Test
    void hostBitsAfterThePrefix() {
        assertProblem(ACL, "(_, 10.1.2.3/8, _, _) => deny\n", 1, 5,
                "`10.1.2.3/8` has bits set after its first 8: the prefix is 10.0.0.0/8");
    }

    @Test
    void bitsOutsideATernaryMask() {
        assertProblem(MISC, "(0x1f &&& 0xf0, _, _, _, _) => mark(Color.Red)\n", 1, 2,
                "has bits set outside its mask", "write 0x10 &&& 0xf0");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "(_, _, _, 65536) => allow                | 11 | `65536` does not fit in key `t.dst_port` (u16), which takes a number from 0 to 65535",
        "(_, _, 256, _) => allow                  | 8  | `256` does not fit in key `t.protocol` (IpProto)",
        "(_, _, -1, _) => allow                   | 8  | `-1` does not fit in key `t.protocol`",
        "(_, _, _, _) => set_pool(256, 10.0.0.1)  | 26 | `256` does not fit in `pool` of action `set_pool` (u8)",
        "(_, _, _, _) => set_pool(-1, 10.0.0.1)   | 26 | `-1` does not fit in `pool`",
        "(_, _, _, 99999999999999999999) => allow | 11 | is larger than 64 bits",
        "(_, _, _, 0x1_0000_0000_0000_0000) => allow | 11 | is larger than 64 bits",
        "(256.0.0.1, _, _, _) => allow            | 2  | octet 256 is larger than 255",
    })
    void valueTooWide(String line, int column, String message) {
        assertProblem(ACL, line + "\n", 1, column, message);
    }

    @Test
    void valuesTooWideForSignedAndMaskedKeys() {
        assertProblem(MISC, "(_, _, _, 128, _) => mark(Color.Red)\n", 1, 11, "`128` does not fit in key `h.temp` (i8)",
                "from -128 to 127");
        assertProblem(MISC, "(0x10 &&& 0x1f0, _, _, _, _) => mark(Color.Red)\n", 1, 11,
                "the mask `0x1f0` does not fit in key `h.flags` (u8): a mask has at most 8 bits");
        assertProblem(MISC, "(_, _, _, _, _) => tag(32768, true, 02:00:00:00:00:01, 0)\n", 1, 24,
                "`32768` does not fit in `offset` of action `tag` (i16)");
    }

    @Test
    void unknownEnumCase() {
        assertProblem(ACL, "(_, _, IpProto.Sctp, _) => allow\n", 1, 16, "IpProto has no case `Sctp`",
                "its cases are Icmp, Tcp, Udp");
        assertProblem(ACL, "(_, _, IpProto.TCP, _) => allow\n", 1, 16, "IpProto has no case `TCP` (did you mean IpProto.Tcp?)");
        assertProblem(ACL, "(_, _, IpProto.Tcpp, _) => allow\n", 1, 16, "IpProto has no case `Tcpp` (did you mean IpProto.Tcp?)");
        assertProblem(ACL, "(_, _, EtherType.Ipv4, _) => allow\n", 1, 8, "`EtherType.Ipv4` is not a case of IpProto");
        assertProblem(ACL, "(_, _, Tcp, _) => allow\n", 1, 8, "`Tcp` is not a value", "write the enum's name too: IpProto.Tcp");
        assertProblem(MISC, "(_, _, _, _, _) => mark(1)\n", 1, 25, "`color` of action `mark` (Color) takes a case of Color"
                + " like Color.Red, not `1`");
        assertProblem(ACL, "(_, _, std.IpProto.Tcp, _) => allow\n", 1, 19, "Enum.Case");
    }

    @Test
    void valuesOfTheWrongType() {
        assertProblem(ACL, "(22, _, _, _) => allow\n", 1, 2,
                "key `t.src` (ip4) takes an IPv4 address like 192.0.2.1, not `22`");
        assertProblem(MISC, "(_, _, 1, _, _) => mark(Color.Red)\n", 1, 8, "key `h.tagged` (bool) takes true or false, not `1`");
        assertProblem(MISC, "(_, 10.0.0.1, _, _, _) => mark(Color.Red)\n", 1, 5, "a MAC address like 02:00:00:00:00:01");
        assertProblem(ACL, "(_, _, _, _) => set_pool(1, _)\n", 1, 29, "`_` matches anything in a pattern, but `next`");
        assertProblem(ACL, "(_, _, _, _) => set_pool(1, 10.0.0.0/8)\n", 1, 29, "is a prefix");
        assertProblem(MISC, "(_, _, _, _, _) => v6(1)\n", 1, 23, "rules files cannot write yet");
    }

    @Test
    void patternsOfTheWrongKind() {
        assertProblem(ACL, "(10.0.0.1..10.0.0.9, _, _, _) => allow\n", 1, 2,
                "`10.0.0.1..10.0.0.9` is a range, but key `t.src` (ip4) is matched by lpm");
        assertProblem(ACL, "(_, _, _, 10.0.0.0/8) => allow\n", 1, 11, "is a prefix, but key `t.dst_port` (u16) is matched by range",
                "`low..high`, a value or `_`");
        assertProblem(ACL, "(_, _, 6 &&& 0xff, _) => allow\n", 1, 8, "is a ternary pattern, but key `t.protocol`");
        assertProblem(ACL, "(_, _, _, 20..10) => allow\n", 1, 11, "the range `20..10` is empty");
        assertProblem(MISC, "(_, _, _, 5..-5, _) => mark(Color.Red)\n", 1, 11, "the range `5..-5` is empty");
        assertProblem(ACL, "(_, _, _, _..10) => allow\n", 1, 11, "a range's ends are values");
        assertProblem(MISC, "(_ &&& 0xf0, _, _, _, _) => mark(Color.Red)\n", 1, 2, "`_` cannot be part of `value &&& mask`");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "(_, _, _, _) => allow @              | 23 | unexpected character `@`",
        "hello world                          | 7  | expected `=>` and an action after the pattern, found `world`",
        "(_, _, _, _)                         | 13 | expected `=>` and an action after the patterns, found the end of the line",
        "(_, _, _, _ => allow                 | 13 | expected `,` and another pattern, or `)`",
        "(_, _, _, _) => 42                   | 17 | expected the name of an action after `=>`, found `42`",
        "(_, _, _, _) => allow deny           | 23 | unexpected `deny` after the entry: write one entry per line",
        "(_, _, _, _) => set_pool(1 10.0.0.1) | 28 | expected `,` and another value, or `)`",
        "(_, _, _, 12ab) => allow             | 11 | `12ab` is not a number",
        "(_, _, _, 0x) => allow               | 11 | `0x` is not a number",
        "(_, _, _, 64KiB) => allow            | 11 | sizes and durations cannot be written",
        "(_, _, _, -) => allow                | 12 | expected a number after `-`",
        "(_, fe80::1, _, _) => allow          | 9  | IPv6 addresses cannot be written in rules files yet",
        "(_, _, IpProto., _) => allow         | 16 | expected the name of a case after `IpProto.`",
        "=> allow                             | 1  | expected a pattern or a value, found `=>`",
        "(_, _, _, _) => allow \"quoted\"     | 23 | unexpected character `\"`",
        "(_, _, _, _) =>                      | 16 | expected the name of an action after `=>`, found the end of the line",
        "(_, _, é, _) => allow                | 8  | unexpected character `é`",
    })
    void garbage(String line, int column, String message) {
        assertProblem(ACL, "# a comment first\n" + line + "\n", 2, column, message);
    }

    @Test
    void notUtf8() {
        byte[] bytes = "(_, _, _, _) => allow\n(_, _, _, _) => d\u00e9ny\n".getBytes(StandardCharsets.ISO_8859_1);
        RulesFileException e = assertThrows(RulesFileException.class, () -> RulesFile.parse("rules.txt", bytes, ACL));
        assertEquals(List.of(new RulesFileException.Problem("rules.txt", 2, 18,
                "not UTF-8 text: byte 0xe9 cannot start or continue a character here")), e.problems());
    }

    @Test
    void tooManyEntries() {
        StringBuilder text = new StringBuilder("# nine rules, room for eight\n");
        for (int i = 1; i <= 9; i++) {
            text.append("(_, _, _, ").append(i).append(") => allow\n");
        }
        RulesFileException.Problem p = problem(ACL, text.toString());
        assertEquals(10, p.line(), "at the ninth entry");
        assertEquals(1, p.column());
        assertTrue(p.message().startsWith("too many entries: table `acl` has size 10 and the spec gives 2 entries, so a"
                + " rules file may add at most 8; this file has 9"), p.message());
    }

    @Test
    void noRoomAtAll() {
        TableSchema full = new TableSchema("egress", EGRESS.keys(), EGRESS.actions(), 3, 3);
        assertProblem(full, "10.0.0.0/8 => deny\n", 1, 1, "table `egress` has no room for loaded entries: its size is 3"
                + " and the spec's 3 entries fill it");
    }

    @Test
    void eightEntriesFit() throws RulesFileException {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 8; i++) {
            text.append("(_, _, _, ").append(i).append(") => allow\n");
        }
        assertEquals(8, parse(ACL, text.toString()).size());
    }

    @Test
    void everyProblemIsReportedOnePerLine() {
        String text = "(_, _, _, _) => drop\n"
                + "(_, _, _, _) => allow\n"
                + "(_, _, _, 70000) => allow\n"
                + "(_, 10.0.0.1/8, _, _) => deny\n";
        RulesFileException e = assertThrows(RulesFileException.class, () -> parse(ACL, text));
        assertEquals(List.of(1, 3, 4), e.problems().stream().map(RulesFileException.Problem::line).toList());
        assertEquals(3, e.getMessage().lines().count(), e.getMessage());
        assertEquals(0, e.more());
    }

    @Test
    void problemsBeyondTheLimitAreCounted() {
        String text = "(_, _, _, _) => drop\n".repeat(RulesFile.MAX_PROBLEMS + 5);
        TableSchema roomy = new TableSchema("acl", ACL.keys(), ACL.actions(), 1000, 0);
        RulesFileException e = assertThrows(RulesFileException.class, () -> parse(roomy, text));
        assertEquals(RulesFile.MAX_PROBLEMS, e.problems().size());
        assertEquals(5, e.more());
        assertTrue(e.getMessage().endsWith("\n... and 5 more problems"), e.getMessage());
    }

    @Test
    void matchingFollowsTheMasksAndRanges() throws RulesFileException {
        RulesEntry e = one(ACL, "(10.0.0.0/8, _, IpProto.Tcp, 1024..2047) => deny");
        assertTrue(e.keys().get(0).matches(0x0a010203L, false));
        assertFalse(e.keys().get(0).matches(0x0b010203L, false));
        assertTrue(e.keys().get(1).matches(12345, false));
        assertTrue(e.keys().get(3).matches(1024, false));
        assertTrue(e.keys().get(3).matches(2047, false));
        assertFalse(e.keys().get(3).matches(2048, false));
    }
}
