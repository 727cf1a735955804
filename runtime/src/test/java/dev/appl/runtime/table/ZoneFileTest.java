package dev.appl.runtime.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zone files read as RFC 1035 §5 says, the entries a zone gives tables, and the name hash. */
class ZoneFileTest {
    @TempDir
    Path dir;

    private List<ZoneFile.Record> read(String text) throws IOException {
        Path file = dir.resolve("z.zone");
        Files.writeString(file, text);
        return ZoneFile.read(file, null);
    }

    private static final String ZONE = """
            $ORIGIN example.test.
            $TTL 1h
            @ IN SOA ns1 hostmaster.example.test. ( 1 7200 3600
                    1209600 300 ) ; the minimum
              NS ns1
            ns1 60 IN A 192.0.2.53
            www IN 120 AAAA 2001:db8::80
            a.b IN TXT "one" "two; not a comment"
            """;

    @Test
    void readsTheMasterFormat() throws IOException {
        List<ZoneFile.Record> records = read(ZONE);
        assertEquals(5, records.size());
        ZoneFile.Record soa = records.getFirst();
        assertArrayEquals(ZoneFile.absoluteName("example.test."), soa.owner());
        assertEquals(3600, soa.ttl());
        assertEquals("036e7331076578616d706c65047465737400" + "0a686f73746d6173746572076578616d706c65047465737400"
                + "00000001" + "00001c20" + "00000e10" + "00127500" + "0000012c", HexFormat.of().formatHex(soa.rdata()));
        assertEquals(ZoneFile.NS, records.get(1).type());
        assertArrayEquals(soa.owner(), records.get(1).owner(), "a blank owner is the previous one");
        assertEquals(60, records.get(2).ttl());
        assertEquals("c0000235", HexFormat.of().formatHex(records.get(2).rdata()));
        assertEquals(120, records.get(3).ttl());
        assertEquals("03" + "6f6e65" + "12" + "74776f3b206e6f74206120636f6d6d656e74",
                HexFormat.of().formatHex(records.get(4).rdata()));
        assertArrayEquals(ZoneFile.absoluteName("a.b.example.test."), records.get(4).owner());
    }

    @Test
    void refusesWhatItCannotServeWithLineAndColumn() {
        RulesFileException e = assertThrows(RulesFileException.class, () -> read("""
                $ORIGIN example.test.
                $INCLUDE other.zone
                @ 60 IN SOA ns1 host 1 2 3 4 5
                www 60 IN SRV 0 0 80 www
                ftp 60 CH A 192.0.2.1
                x 60 IN A 300.0.0.1
                y 60 IN A (
                """));
        List<String> problems = e.problems().stream().map(p -> p.line() + ":" + p.column() + " " + p.message()).toList();
        assertEquals(List.of(
                "2:1 directive `$INCLUDE` is not supported ($ORIGIN and $TTL are)",
                "4:11 record type `SRV` is not served (A, AAAA, NS, CNAME, MX, TXT and SOA are)",
                "5:8 only class IN is served, not CH",
                "6:11 `300.0.0.1` is not an IPv4 address",
                "7:1 `(` is not closed before the end of the file"), problems);
        RulesFileException noTtl = assertThrows(RulesFileException.class, () -> read("""
                $ORIGIN example.test.
                www IN A 192.0.2.1
                """));
        assertEquals(List.of("2:1 a record without a TTL, and no $TTL or record before it"), noTtl.problems().stream()
                .map(p -> p.line() + ":" + p.column() + " " + p.message()).toList());
    }

    @Test
    void hashesNamesAsStdProtoDnsDoes() {
        // The vectors of compiler/src/test/resources/stdlib/dns-vectors.appl (Python's FNV-1a).
        byte[] www = ZoneFile.absoluteName("www.example.com.");
        assertEquals(0xb72addfb2d5ee6beL, DnsZone.hash(www, 0, www.length));
        byte[] upper = ZoneFile.absoluteName("WWW.example.com.");
        assertEquals(0xb72addfb2d5ee6beL, DnsZone.hash(upper, 0, upper.length));
        assertEquals(0x951df47018d51fc6L, DnsZone.hash(www, 4, 13));
        assertEquals(0xaf63bd4c8601b7dfL, DnsZone.hash(new byte[] {0}, 0, 1));
    }

    @Test
    void givesRrsetsThenNamesThenTheApex() throws IOException {
        List<ZoneFile.Record> records = read(ZONE);
        List<DnsZone.Entry> entries = DnsZone.entries(records, List.of("rrset", "nodata", "unknown"));
        assertEquals(List.of("rrset", "rrset", "rrset", "rrset", "rrset", "nodata", "nodata", "nodata", "nodata",
                "nodata"), entries.stream().map(DnsZone.Entry::action).toList());
        // a.b.example.test. makes b.example.test. a name too (an empty non-terminal).
        assertTrue(entries.stream().anyMatch(x -> x.action().equals("nodata")
                && java.util.Arrays.equals((byte[]) x.data().getFirst(), ZoneFile.absoluteName("b.example.test."))));
        DnsZone.Entry a = entries.get(2);
        assertEquals(ZoneFile.A, a.type());
        assertEquals(1L, a.data().get(1));
        assertEquals("c00c" + "0001" + "0001" + "0000003c" + "0004" + "c0000235", HexFormat.of().formatHex((byte[]) a.data().get(2)));
        List<DnsZone.Entry> apex = DnsZone.entries(records, List.of("apex", "outside"));
        assertEquals(1, apex.size());
        assertEquals(300L, apex.getFirst().data().get(1), "the lesser of the SOA's TTL and minimum");
        assertThrows(IllegalArgumentException.class, () -> DnsZone.entries(read("""
                $ORIGIN example.test.
                @ 60 IN SOA ns1 host 1 2 3 4 5
                x 60 IN CNAME www
                x 60 IN A 192.0.2.1
                """), List.of("rrset")), "a CNAME and other data");
    }
}
