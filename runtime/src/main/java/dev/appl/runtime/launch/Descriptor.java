package dev.appl.runtime.launch;

import dev.appl.runtime.table.MatchKind;
import dev.appl.runtime.table.TableSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What an image knows about the appliance it runs, besides the kernel class itself: written by
 * {@code applc build} into the jar as {@value #RESOURCE}, read by {@link Main} at start (and by
 * tools that inspect an image).
 *
 * <p>The format is a {@code java.util.Properties} file in UTF-8, written in a fixed order so that
 * the same spec gives the same bytes. Lists are a count and numbered entries from 0:
 * <pre>
 * format=1                               this format's version
 * appliance=Firewall                     the appliance's name
 * kernel=dev.appl.gen.Firewall           the generated class (implements Kernel, constructor (Object[]))
 * compiler=0.1.0                         the applc version that built it
 * spec.file=firewall.appl                the spec's file name
 * spec.resource=META-INF/appl/spec/firewall.appl   where the spec's text is in the jar
 * spec.sha256=3f0c...                    SHA-256 of the spec's bytes, in hex
 * ports=2                                ports, in declaration order (the kernel's port indexes)
 * port.0.name=outside
 * port.0.kind=packet                     packet, datagram or stream
 * port.0.binding=pcap:outside.pcap       the default binding; absent when the spec gives none
 * params=1                               params, in declaration order (the kernel constructor's array)
 * param.0.name=rules
 * param.0.type=path                      see ParamType: u16, bool, ip4, size, enum IpProto 8 Tcp=6,Udp=17 ...
 * param.0.build=false                    a build param is fixed in the kernel: it cannot be set at start
 * param.0.value=rules.txt                the default (or, for a build param, the value built in); absent
 *                                        when none. Text as is; an ip6 in decimal; anything else the long
 *                                        the kernel holds, in decimal (sizes in bytes, durations in ns,
 *                                        addresses as numbers, bool 0 or 1, enum cases by value)
 * counters=3, counter.0=allowed, ...     counter names (the kernel's counter indexes)
 * maps=0, map.0=...                      map names (the kernel's map indexes)
 * timers=1, timer.0.name=report, timer.0.period=10000000000   periods in nanoseconds
 * tables=1                               the tables with `load`, each with what RulesFile needs:
 * table.0.index=0                        the table's index in the kernel (Kernel.addEntry)
 * table.0.name=acl
 * table.0.load=rules                     the path param naming the file it loads
 * table.0.format=rules                   what that file is: rules (a rules file, `load P`) or dns_zone
 *                                        (a DNS zone file, `load dns_zone(P)`; DnsZone gives its entries)
 * table.0.size=4096                      TableSchema.size
 * table.0.spec-entries=2                 TableSchema.specEntries
 * table.0.keys=4
 * table.0.key.0.name=t.src               as the spec writes the key, for messages
 * table.0.key.0.match=lpm                exact, lpm, ternary or range
 * table.0.key.0.type=ip4                 a ParamType; a rules file can write integers, bool, ip4, mac, enums
 * table.0.actions=2
 * table.0.action.0.name=allow
 * table.0.action.0.data=1                the action's data (parameters the table does not bind)
 * table.0.action.0.datum.0.name=pool
 * table.0.action.0.datum.0.type=u8
 * </pre>
 */
public record Descriptor(String appliance, String kernelClass, String compilerVersion, String specFile,
        String specResource, String specSha256, List<Port> ports, List<Param> params, List<String> counters,
        List<String> maps, List<Timer> timers, List<LoadedTable> tables) {
    /** Where the descriptor is in an image. */
    public static final String RESOURCE = "META-INF/appl/appliance.properties";
    /** The folder of the spec's text in an image. */
    public static final String SPEC_FOLDER = "META-INF/appl/spec/";
    /** The version of the format this class reads and writes. */
    public static final int FORMAT = 1;

    /** A port; {@code binding} is the spec's default ({@code pcap:FILE[,out=FILE]}) or null. */
    public record Port(String name, String kind, String binding) {}

    /**
     * A param and its default: a {@code Long}, a {@code BigInteger} (ip6), a {@code String} (path,
     * string) or null when it has none. A build param's value is the one built into the kernel.
     */
    public record Param(String name, ParamType type, Object value, boolean build) {}

    public record Timer(String name, long periodNanos) {}

    /** A table whose entries are loaded at start from the file its {@code param} names, of the given format. */
    public record LoadedTable(int index, String param, Format format, TableSchema schema) {}

    /** What a loaded table's file is, named as the descriptor writes it. */
    public enum Format {
        /** A rules file ({@code load P}, docs/rules-files.md), read by {@code RulesFile}. */
        RULES("rules"),
        /** A DNS zone file ({@code load dns_zone(P)}), read by {@code ZoneFile}, its entries made by {@code DnsZone}. */
        DNS_ZONE("dns_zone");

        private final String text;

        Format(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public Descriptor {
        ports = List.copyOf(ports);
        params = List.copyOf(params);
        counters = List.copyOf(counters);
        maps = List.copyOf(maps);
        timers = List.copyOf(timers);
        tables = List.copyOf(tables);
    }

    // ---- Writing -----------------------------------------------------------------------------------

    /** The descriptor's text; the same descriptor always gives the same text. */
    public String format() {
        Writer w = new Writer();
        w.comment("The appliance in this image, written by applc build (format: dev.appl.runtime.launch.Descriptor).");
        w.put("format", FORMAT);
        w.put("appliance", appliance);
        w.put("kernel", kernelClass);
        w.put("compiler", compilerVersion);
        w.put("spec.file", specFile);
        w.put("spec.resource", specResource);
        w.put("spec.sha256", specSha256);
        w.put("ports", ports.size());
        for (int i = 0; i < ports.size(); i++) {
            Port p = ports.get(i);
            w.put("port." + i + ".name", p.name());
            w.put("port." + i + ".kind", p.kind());
            if (p.binding() != null) {
                w.put("port." + i + ".binding", p.binding());
            }
        }
        w.put("params", params.size());
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            w.put("param." + i + ".name", p.name());
            w.put("param." + i + ".type", p.type().text());
            w.put("param." + i + ".build", p.build());
            if (p.value() != null) {
                w.put("param." + i + ".value", p.value().toString());
            }
        }
        w.put("counters", counters.size());
        for (int i = 0; i < counters.size(); i++) {
            w.put("counter." + i, counters.get(i));
        }
        w.put("maps", maps.size());
        for (int i = 0; i < maps.size(); i++) {
            w.put("map." + i, maps.get(i));
        }
        w.put("timers", timers.size());
        for (int i = 0; i < timers.size(); i++) {
            w.put("timer." + i + ".name", timers.get(i).name());
            w.put("timer." + i + ".period", timers.get(i).periodNanos());
        }
        w.put("tables", tables.size());
        for (int i = 0; i < tables.size(); i++) {
            LoadedTable t = tables.get(i);
            TableSchema s = t.schema();
            String at = "table." + i + ".";
            w.put(at + "index", t.index());
            w.put(at + "name", s.name());
            w.put(at + "load", t.param());
            w.put(at + "format", t.format().text());
            w.put(at + "size", s.size());
            w.put(at + "spec-entries", s.specEntries());
            w.put(at + "keys", s.keys().size());
            for (int k = 0; k < s.keys().size(); k++) {
                TableSchema.Key key = s.keys().get(k);
                w.put(at + "key." + k + ".name", key.name());
                w.put(at + "key." + k + ".match", key.match().text());
                w.put(at + "key." + k + ".type", ParamType.of(key.type()).text());
            }
            w.put(at + "actions", s.actions().size());
            for (int a = 0; a < s.actions().size(); a++) {
                TableSchema.Action action = s.actions().get(a);
                w.put(at + "action." + a + ".name", action.name());
                w.put(at + "action." + a + ".data", action.data().size());
                for (int d = 0; d < action.data().size(); d++) {
                    TableSchema.Datum datum = action.data().get(d);
                    w.put(at + "action." + a + ".datum." + d + ".name", datum.name());
                    w.put(at + "action." + a + ".datum." + d + ".type", ParamType.of(datum.type()).text());
                }
            }
        }
        return w.text.toString();
    }

    /** Writes properties in order, escaped so that {@link Properties#load(java.io.Reader)} reads them back. */
    private static final class Writer {
        final StringBuilder text = new StringBuilder();

        void comment(String line) {
            text.append("# ").append(line).append('\n');
        }

        void put(String key, Object value) {
            text.append(key).append('=');
            String v = value.toString();
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                switch (c) {
                    case '\\' -> text.append("\\\\");
                    case '\n' -> text.append("\\n");
                    case '\r' -> text.append("\\r");
                    case '\t' -> text.append("\\t");
                    case '\f' -> text.append("\\f");
                    case ' ' -> text.append(i == 0 ? "\\ " : " ");
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            text.append(String.format("\\u%04x", (int) c));
                        } else {
                            text.append(c);
                        }
                    }
                }
            }
            text.append('\n');
        }
    }

    // ---- Reading -----------------------------------------------------------------------------------

    /** The descriptor of the image this class was loaded from. */
    public static Descriptor load() throws IOException {
        try (InputStream in = Descriptor.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("no " + RESOURCE + " in this image: it was not built by applc build");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** @throws IllegalArgumentException naming the first key that is missing or malformed */
    public static Descriptor parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the descriptor is not a properties file: " + e.getMessage());
        }
        Reader r = new Reader(p);
        int format = r.integer("format");
        if (format != FORMAT) {
            throw new IllegalArgumentException("descriptor format " + format + "; this runtime reads format " + FORMAT);
        }
        List<Port> ports = new ArrayList<>();
        for (int i = 0, n = r.integer("ports"); i < n; i++) {
            ports.add(new Port(r.string("port." + i + ".name"), r.string("port." + i + ".kind"),
                    p.getProperty("port." + i + ".binding")));
        }
        List<Param> params = new ArrayList<>();
        for (int i = 0, n = r.integer("params"); i < n; i++) {
            ParamType type = r.type("param." + i + ".type");
            String value = p.getProperty("param." + i + ".value");
            params.add(new Param(r.string("param." + i + ".name"), type, value == null ? null
                    : r.value("param." + i + ".value", type, value), r.bool("param." + i + ".build")));
        }
        List<String> counters = new ArrayList<>();
        for (int i = 0, n = r.integer("counters"); i < n; i++) {
            counters.add(r.string("counter." + i));
        }
        List<String> maps = new ArrayList<>();
        for (int i = 0, n = r.integer("maps"); i < n; i++) {
            maps.add(r.string("map." + i));
        }
        List<Timer> timers = new ArrayList<>();
        for (int i = 0, n = r.integer("timers"); i < n; i++) {
            timers.add(new Timer(r.string("timer." + i + ".name"), r.number("timer." + i + ".period")));
        }
        List<LoadedTable> tables = new ArrayList<>();
        for (int i = 0, n = r.integer("tables"); i < n; i++) {
            String at = "table." + i + ".";
            List<TableSchema.Key> keys = new ArrayList<>();
            for (int k = 0, nk = r.integer(at + "keys"); k < nk; k++) {
                String key = at + "key." + k + ".";
                keys.add(new TableSchema.Key(r.string(key + "name"), r.match(key + "match"),
                        r.type(key + "type").valueType()));
            }
            List<TableSchema.Action> actions = new ArrayList<>();
            for (int a = 0, na = r.integer(at + "actions"); a < na; a++) {
                String action = at + "action." + a + ".";
                List<TableSchema.Datum> data = new ArrayList<>();
                for (int d = 0, nd = r.integer(action + "data"); d < nd; d++) {
                    data.add(new TableSchema.Datum(r.string(action + "datum." + d + ".name"),
                            r.type(action + "datum." + d + ".type").valueType()));
                }
                actions.add(new TableSchema.Action(r.string(action + "name"), data));
            }
            TableSchema schema;
            try {
                schema = new TableSchema(r.string(at + "name"), keys, actions, r.number(at + "size"),
                        r.integer(at + "spec-entries"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("table " + i + ": " + e.getMessage());
            }
            tables.add(new LoadedTable(r.integer(at + "index"), r.string(at + "load"), r.format(at + "format"), schema));
        }
        return new Descriptor(r.string("appliance"), r.string("kernel"), r.string("compiler"), r.string("spec.file"),
                r.string("spec.resource"), r.string("spec.sha256"), ports, params, counters, maps, timers, tables);
    }

    private record Reader(Properties p) {
        String string(String key) {
            String v = p.getProperty(key);
            if (v == null) {
                throw new IllegalArgumentException("the descriptor has no `" + key + "`");
            }
            return v;
        }

        long number(String key) {
            String v = string(key);
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("`" + key + "` is `" + v + "`, not a number");
            }
        }

        int integer(String key) {
            long v = number(key);
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("`" + key + "` is " + v + ", not a count or an index");
            }
            return (int) v;
        }

        boolean bool(String key) {
            String v = string(key);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("`" + key + "` is `" + v + "`, not true or false");
            }
            return v.equals("true");
        }

        ParamType type(String key) {
            try {
                return ParamType.parse(string(key));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("`" + key + "`: " + e.getMessage());
            }
        }

        Format format(String key) {
            String v = string(key);
            for (Format f : Format.values()) {
                if (f.text().equals(v)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("`" + key + "` is `" + v + "`, not rules or dns_zone");
        }

        MatchKind match(String key) {
            try {
                return MatchKind.of(string(key));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("`" + key + "`: " + e.getMessage());
            }
        }

        Object value(String key, ParamType type, String text) {
            try {
                return switch (type.kind()) {
                    case PATH, STRING -> text;
                    case IP6 -> new BigInteger(text);
                    default -> Long.parseLong(text);
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("`" + key + "` is `" + text + "`, not a value of type " + type.name());
            }
        }
    }
}
