package dev.appl.runtime.table;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries a DNS zone gives a table with {@code load dns_zone(P)}, by the names of the table's
 * actions (docs/rules-files.md, "Zone files"):
 *
 * <ul>
 *   <li>{@code rrset(owner: bytes, count: u16, records: bytes)}, keys {@code (name hash, type)}:
 *       per owner and type, the records in wire form, each owner compressed to the question's name
 *       ({@code c0 0c}); a CNAME also answers every other type (a second entry, type {@code _}).
 *   <li>{@code nodata(owner: bytes, apex_length: u16, ttl: u32, soa: bytes)}, keys {@code (name
 *       hash, _)}, after the rrsets: every name of the zone (empty non-terminals too), with its
 *       zone's SOA data and negative TTL (RFC 2308 §5: the lesser of the SOA's TTL and minimum).
 *   <li>{@code apex(owner: bytes, ttl: u32, soa: bytes)}, key {@code name hash}: the zone's apex.
 * </ul>
 *
 * Names are keyed by {@link #hash}: FNV-1a (64 bits) of the name's uncompressed wire form with ASCII
 * letters lower-cased, which is what {@code std.proto.dns.name_hash} computes; entries carry the
 * owner so that the spec can compare it with the question's name, and a zone whose names collide
 * is refused.
 */
public final class DnsZone {
    private DnsZone() {}

    /** An entry: the name's hash, the type (-1 for any), the action's name and its data (Long or byte[]). */
    public record Entry(long name, int type, String action, List<Object> data) {}

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /** FNV-1a over {@code length} bytes of a wire-form name, ASCII letters lower-cased. */
    public static long hash(byte[] name, int start, int length) {
        long h = FNV_OFFSET;
        for (int i = start; i < start + length; i++) {
            int b = name[i] & 0xff;
            if (b >= 'A' && b <= 'Z') {
                b |= 0x20;
            }
            h = (h ^ b) * FNV_PRIME;
        }
        return h;
    }

    private static String key(byte[] name) {
        byte[] lower = name.clone();
        for (int i = 0; i < lower.length; i++) {
            if (lower[i] >= 'A' && lower[i] <= 'Z') {
                lower[i] |= 0x20;
            }
        }
        return Arrays.toString(lower);
    }

    /**
     * The entries the zone file {@code file} gives table {@code table}, which has the given action
     * names and room for {@code room} more entries.
     *
     * @throws IllegalArgumentException when the zone cannot be served, or gives more entries than
     *                                  the table has room for (saying why)
     * @throws RulesFileException       for problems of the file's text
     */
    public static List<Entry> load(Path file, String table, List<String> actions, long room) throws IOException {
        List<Entry> entries = entries(ZoneFile.read(file, null), actions);
        if (entries.size() > room) {
            throw new IllegalArgumentException("table `" + table + "` loads a zone: the zone gives "
                    + entries.size() + " entries; the table holds " + room);
        }
        return entries;
    }

    /**
     * Whether a table with these actions holds a zone's records ({@code rrset}, {@code nodata}),
     * keyed by name and type, rather than its apex ({@code apex}), keyed by name alone.
     */
    public static boolean keyedByType(List<String> actions) {
        return actions.contains("rrset") || actions.contains("nodata");
    }

    /**
     * The entries for a table with the given action names, from the records of one zone (its apex
     * is the owner of its SOA).
     *
     * @throws IllegalArgumentException when the zone cannot be served (saying why)
     */
    public static List<Entry> entries(List<ZoneFile.Record> records, List<String> actions) {
        List<ZoneFile.Record> soas = records.stream().filter(r -> r.type() == ZoneFile.SOA).toList();
        if (soas.size() != 1) {
            throw new IllegalArgumentException("a zone has one SOA record; this one has " + soas.size());
        }
        ZoneFile.Record soa = soas.getFirst();
        byte[] apex = soa.owner();
        long negativeTtl = Math.min(soa.ttl(), minimum(soa.rdata()));
        // Names in order of first appearance, their types in order, and the records of each.
        Map<String, byte[]> names = new LinkedHashMap<>();
        Map<String, Map<Integer, List<ZoneFile.Record>>> sets = new LinkedHashMap<>();
        for (ZoneFile.Record r : records) {
            if (!within(r.owner(), apex)) {
                throw new IllegalArgumentException("line " + r.line() + ": the record's owner is outside the zone of"
                        + " the SOA");
            }
            String k = key(r.owner());
            names.putIfAbsent(k, r.owner());
            sets.computeIfAbsent(k, x -> new LinkedHashMap<>()).computeIfAbsent(r.type(), x -> new ArrayList<>()).add(r);
            // The names between an owner and the apex exist too (empty non-terminals, RFC 8020).
            for (int at = r.owner()[0] + 1; at < r.owner().length && r.owner().length - at >= apex.length;
                    at += r.owner()[at] + 1) {
                byte[] parent = Arrays.copyOfRange(r.owner(), at, r.owner().length);
                names.putIfAbsent(key(parent), parent);
            }
        }
        Map<Long, String> seen = new HashMap<>();
        for (var e : names.entrySet()) {
            String other = seen.putIfAbsent(hash(e.getValue(), 0, e.getValue().length), e.getKey());
            if (other != null) {
                throw new IllegalArgumentException("two names of the zone have the same hash; rename one");
            }
            Map<Integer, List<ZoneFile.Record>> types = sets.getOrDefault(e.getKey(), Map.of());
            if (types.containsKey(ZoneFile.CNAME) && types.size() > 1) {
                throw new IllegalArgumentException("line " + types.get(ZoneFile.CNAME).getFirst().line()
                        + ": a name with a CNAME has no other records (RFC 1034 §3.6.2)");
            }
        }
        List<Entry> out = new ArrayList<>();
        if (actions.contains("rrset")) {
            for (var e : sets.entrySet()) {
                byte[] owner = names.get(e.getKey());
                long h = hash(owner, 0, owner.length);
                for (var set : e.getValue().entrySet()) {
                    List<Object> data = List.of(owner, (long) set.getValue().size(), wire(set.getValue()));
                    out.add(new Entry(h, set.getKey(), "rrset", data));
                    if (set.getKey() == ZoneFile.CNAME) {
                        out.add(new Entry(h, -1, "rrset", data));
                    }
                }
            }
        }
        if (actions.contains("nodata")) {
            for (byte[] owner : names.values()) {
                out.add(new Entry(hash(owner, 0, owner.length), -1, "nodata",
                        List.of(owner, (long) apex.length, negativeTtl, soa.rdata())));
            }
        }
        if (actions.contains("apex")) {
            out.add(new Entry(hash(apex, 0, apex.length), -1, "apex", List.of(apex, negativeTtl, soa.rdata())));
        }
        return out;
    }

    /** Whether {@code name} is {@code apex} or below it. */
    private static boolean within(byte[] name, byte[] apex) {
        for (int at = 0; at < name.length; at += (name[at] & 0xff) + 1) {
            if (name.length - at == apex.length) {
                return key(Arrays.copyOfRange(name, at, name.length)).equals(key(apex));
            }
            if (name[at] == 0) {
                break;
            }
        }
        return false;
    }

    /** The records of one set in wire form, each owner a pointer to the question's name. */
    private static byte[] wire(List<ZoneFile.Record> set) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ZoneFile.Record r : set) {
            out.writeBytes(new byte[] {(byte) 0xc0, 12, (byte) (r.type() >> 8), (byte) r.type(), 0, 1,
                    (byte) (r.ttl() >> 24), (byte) (r.ttl() >> 16), (byte) (r.ttl() >> 8), (byte) r.ttl(),
                    (byte) (r.rdata().length >> 8), (byte) r.rdata().length});
            out.writeBytes(r.rdata());
        }
        return out.toByteArray();
    }

    private static long minimum(byte[] soa) {
        int n = soa.length;
        return (soa[n - 4] & 0xffL) << 24 | (soa[n - 3] & 0xffL) << 16 | (soa[n - 2] & 0xffL) << 8 | soa[n - 1] & 0xffL;
    }
}
