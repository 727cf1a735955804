package dev.appl.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appl.runtime.table.MatchKind;
import dev.appl.runtime.table.TableSchema;
import dev.appl.runtime.table.ValueType;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The descriptor an image carries: written and read back unchanged, in one fixed text. */
class DescriptorTest {
    private static Map<String, Long> cases() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("Icmp", 1L);
        m.put("Tcp", 6L);
        m.put("Udp", 17L);
        return m;
    }

    static Descriptor sample() {
        ParamType proto = ParamType.enumeration("IpProto", 8, cases());
        TableSchema acl = new TableSchema("acl",
                List.of(new TableSchema.Key("t.src", MatchKind.LPM, ValueType.ip4()),
                        new TableSchema.Key("t.protocol", MatchKind.EXACT, proto.valueType()),
                        new TableSchema.Key("t.port", MatchKind.RANGE, ValueType.unsigned(16)),
                        new TableSchema.Key("t.temp", MatchKind.TERNARY, ValueType.signed(8)),
                        new TableSchema.Key("t.mac", MatchKind.EXACT, ValueType.mac()),
                        new TableSchema.Key("t.on", MatchKind.EXACT, ValueType.bool())),
                List.of(new TableSchema.Action("allow", List.of()),
                        new TableSchema.Action("to_pool", List.of(new TableSchema.Datum("pool", ValueType.unsigned(8)),
                                new TableSchema.Datum("via", ValueType.unsupported("ip6")),
                                new TableSchema.Datum("tuple", ValueType.unsupported("[u8; 4]"))))),
                4096, 12);
        TableSchema records = new TableSchema("records",
                List.of(new TableSchema.Key("name_hash(q)", MatchKind.EXACT, ValueType.unsigned(64)),
                        new TableSchema.Key("q.type", MatchKind.EXACT, ValueType.unsigned(16))),
                List.of(new TableSchema.Action("rrset", List.of(new TableSchema.Datum("owner", ValueType.unsupported("bytes")),
                        new TableSchema.Datum("count", ValueType.unsigned(16)),
                        new TableSchema.Datum("records", ValueType.unsupported("bytes"))))),
                1024, 0);
        return new Descriptor("Firewall", "dev.appl.gen.Firewall", "0.1.0", "fire wall.appl",
                "META-INF/appl/spec/fire wall.appl", "00ff",
                List.of(new Descriptor.Port("outside", "packet", "pcap:outside.pcap"),
                        new Descriptor.Port("control", "stream", null)),
                List.of(new Descriptor.Param("rules", ParamType.of(ParamType.Kind.PATH), "rules.txt", false),
                        new Descriptor.Param("odd", ParamType.of(ParamType.Kind.STRING),
                                "  lead \\ back\nnew # = : ! tab\t é ✓", false),
                        new Descriptor.Param("empty", ParamType.of(ParamType.Kind.STRING), "", false),
                        new Descriptor.Param("none", ParamType.unsigned(64), null, false),
                        new Descriptor.Param("big", ParamType.unsigned(64), -1L, false),
                        new Descriptor.Param("neg", ParamType.signed(16), -3L, false),
                        new Descriptor.Param("gue", ParamType.of(ParamType.Kind.BOOL), 1L, true),
                        new Descriptor.Param("v6", ParamType.of(ParamType.Kind.IP6),
                                new BigInteger("20010db8000000000000000000000001", 16), false),
                        new Descriptor.Param("proto", proto, 6L, false),
                        new Descriptor.Param("color", ParamType.enumeration("Color", 0, Map.of()), null, false),
                        new Descriptor.Param("net", ParamType.of(ParamType.Kind.PREFIX4), null, false),
                        new Descriptor.Param("idle", ParamType.of(ParamType.Kind.DURATION), 10_000_000L, false)),
                List.of("allowed", "dropped"), List.of("outbound"),
                List.of(new Descriptor.Timer("report", 10_000_000_000L)),
                List.of(new Descriptor.LoadedTable(3, "rules", Descriptor.Format.RULES, acl),
                        new Descriptor.LoadedTable(4, "zone", Descriptor.Format.DNS_ZONE, records)));
    }

    @Test
    void readsBackWhatItWrites() {
        Descriptor d = sample();
        String text = d.format();
        Descriptor back = Descriptor.parse(text);
        assertEquals(d, back);
        assertEquals(text, back.format());
    }

    @Test
    void writesOneKeyPerLineInAFixedOrder() {
        String text = sample().format();
        assertTrue(text.startsWith("# "), text);
        assertTrue(text.contains("\nformat=1\nappliance=Firewall\nkernel=dev.appl.gen.Firewall\n"), text);
        assertTrue(text.contains("\nport.0.binding=pcap:outside.pcap\n"), text);
        assertTrue(text.contains("\nparam.1.value=\\  lead \\\\ back\\nnew # = : ! tab\\t é ✓\n"), text);
        assertTrue(text.contains("\nparam.8.type=enum IpProto 8 Icmp=1,Tcp=6,Udp=17\n"), text);
        assertTrue(text.contains("\ntable.0.action.1.datum.2.type=other [u8; 4]\n"), text);
        assertTrue(text.contains("\ntable.0.load=rules\ntable.0.format=rules\n"), text);
        assertTrue(text.contains("\ntable.1.load=zone\ntable.1.format=dns_zone\n"), text);
        assertEquals(text.lines().count(), text.chars().filter(c -> c == '\n').count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"u1", "u64", "i2", "i64", "bool", "ip4", "ip6", "mac", "prefix4", "prefix6", "size",
        "duration", "path", "string", "enum Color 0 Red=0,Green=1", "enum Empty 0 ", "other FiveTuple"})
    void typesReadBackAsWritten(String text) {
        assertEquals(text, ParamType.parse(text).text());
    }

    @Test
    void namesWhatIsMissingOrWrong() {
        String text = sample().format();
        assertEquals("the descriptor has no `kernel`", assertThrows(IllegalArgumentException.class,
                () -> Descriptor.parse(text.replace("\nkernel=", "\nkernal="))).getMessage());
        assertEquals("descriptor format 2; this runtime reads format 1", assertThrows(IllegalArgumentException.class,
                () -> Descriptor.parse(text.replace("\nformat=1\n", "\nformat=2\n"))).getMessage());
        assertEquals("`param.4.value` is `x`, not a value of type u64", assertThrows(IllegalArgumentException.class,
                () -> Descriptor.parse(text.replace("\nparam.4.value=-1\n", "\nparam.4.value=x\n"))).getMessage());
        assertEquals("`param.0.type`: not a type: `u65`", assertThrows(IllegalArgumentException.class,
                () -> Descriptor.parse(text.replace("\nparam.0.type=path\n", "\nparam.0.type=u65\n"))).getMessage());
        assertEquals("`table.1.format` is `zone`, not rules or dns_zone", assertThrows(IllegalArgumentException.class,
                () -> Descriptor.parse(text.replace("\ntable.1.format=dns_zone\n", "\ntable.1.format=zone\n")))
                .getMessage());
    }
}
