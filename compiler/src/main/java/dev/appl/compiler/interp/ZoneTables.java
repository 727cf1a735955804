package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.types.Type;
import dev.appl.language.types.TypeChecker;
import dev.appl.runtime.table.DnsZone;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tables filled from a DNS zone file ({@code load dns_zone(P)}): checks that the table has the
 * shape the zone's entries need ({@link DnsZone}) and adds them to an engine, after the spec's own.
 */
public final class ZoneTables {
    private ZoneTables() {}

    /** The actions a zone fills, with the types of their data. */
    private static final Map<String, List<String>> ACTIONS = Map.of(
            "rrset", List.of("bytes", "u16", "bytes"),
            "nodata", List.of("bytes", "u16", "u32", "bytes"),
            "apex", List.of("bytes", "u32", "bytes"));

    /** Whether {@code table} loads a zone file rather than a rules file. */
    public static boolean loadsZone(Decl.Table table) {
        return table.load() instanceof Expr.Call c && c.callee() instanceof Expr.NameRef n
                && n.name().text().equals(TypeChecker.ZONE_LOADER);
    }

    /**
     * Reads the zone file and adds its entries to table {@code index} of the engine.
     *
     * @return how many entries were added
     * @throws IllegalArgumentException when the table's shape does not fit a zone, or the zone
     *                                  cannot be served (saying why)
     * @throws dev.appl.runtime.table.RulesFileException for problems of the file's text
     */
    public static int load(Engine engine, int index, IrAppliance.Table table, Path file) throws IOException {
        checkShape(table);
        List<String> actions = table.actions().stream().map(IrAppliance.TableAction::name).toList();
        boolean records = DnsZone.keyedByType(actions);
        List<DnsZone.Entry> entries = DnsZone.load(file, table.name(), actions, table.size() - table.entries().size());
        for (DnsZone.Entry e : entries) {
            List<IrPattern> patterns = new ArrayList<>();
            patterns.add(new IrPattern.Exact(e.name()));
            if (records) {
                patterns.add(e.type() < 0 ? new IrPattern.Any() : new IrPattern.Exact(e.type()));
            }
            engine.addEntry(index, new IrAppliance.Entry(patterns, actions.indexOf(e.action()), e.data()));
        }
        return entries.size();
    }

    /**
     * Checks that a table loading a zone has the keys and actions a zone's entries need (what an
     * image's launcher relies on, without the compiler).
     *
     * @throws IllegalArgumentException saying what the table lacks
     */
    public static void checkShape(IrAppliance.Table table) {
        List<String> actions = table.actions().stream().map(IrAppliance.TableAction::name).toList();
        boolean records = DnsZone.keyedByType(actions);
        boolean apex = actions.contains("apex");
        String what = "table `" + table.name() + "` loads a zone";
        if (records == apex) {
            throw new IllegalArgumentException(what + ": it needs actions `rrset` and `nodata` (keys: a name's u64"
                    + " hash and a u16 type) or an action `apex` (key: a name's u64 hash), not both or neither");
        }
        List<IrAppliance.Key> keys = table.keys();
        boolean shaped = keys.size() == (records ? 2 : 1) && keys.stream().allMatch(k -> k.matchKind().equals("exact"))
                && keys.get(0).type().equals(new Type.Int(64, false))
                && (!records || keys.get(1).type().equals(new Type.Int(16, false)));
        if (!shaped) {
            throw new IllegalArgumentException(what + ": its keys must be " + (records
                    ? "`exact` on a u64 (the name's hash, std.proto.dns.name_hash) and `exact` on a u16 (the type)"
                    : "`exact` on a u64 (the name's hash, std.proto.dns.name_hash)"));
        }
        for (IrAppliance.TableAction a : table.actions()) {
            List<String> want = ACTIONS.get(a.name());
            if (want != null && !a.data().stream().map(Type::display).toList().equals(want)) {
                throw new IllegalArgumentException(what + ": action `" + a.name() + "` must take the data ("
                        + String.join(", ", want) + "), not (" + String.join(", ",
                        a.data().stream().map(Type::display).toList()) + ")");
            }
        }
    }
}
