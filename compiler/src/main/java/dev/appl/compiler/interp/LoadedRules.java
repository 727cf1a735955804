package dev.appl.compiler.interp;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPattern;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr.AddressKind;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.types.ConstEval;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import dev.appl.language.types.TypeChecker;
import dev.appl.runtime.table.KeyMatch;
import dev.appl.runtime.table.MatchKind;
import dev.appl.runtime.table.RulesEntry;
import dev.appl.runtime.table.RulesFile;
import dev.appl.runtime.table.TableSchema;
import dev.appl.runtime.table.ValueType;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Connects rules files ({@link RulesFile}, in the runtime) to the IR and the interpreter: builds a
 * table's {@link TableSchema} from its lowered form, and turns loaded entries into IR entries that
 * {@link Engine#addEntry} puts after the spec's own.
 */
public final class LoadedRules {
    private LoadedRules() {}

    /**
     * The schema a rules file for {@code table} is checked against.
     *
     * @param decl      the table's declaration, for the names in messages (how the spec writes each key,
     *                  the names of the actions' data); null to number them instead
     * @param semantics the checked program's semantics, to evaluate the values of enum cases
     */
    public static TableSchema schema(IrAppliance.Table table, Decl.Table decl, Semantics semantics) {
        ConstEval consts = new ConstEval(semantics);
        List<TableSchema.Key> keys = new ArrayList<>();
        for (int i = 0; i < table.keys().size(); i++) {
            IrAppliance.Key k = table.keys().get(i);
            String name = decl != null && i < decl.keys().size() ? decl.keys().get(i).expr().span().text()
                    : "key " + (i + 1);
            keys.add(new TableSchema.Key(name, MatchKind.of(k.matchKind()), valueType(k.type(), consts)));
        }
        List<TableSchema.Action> actions = new ArrayList<>();
        for (int i = 0; i < table.actions().size(); i++) {
            IrAppliance.TableAction a = table.actions().get(i);
            List<String> names = dataNames(decl, a.name(), semantics);
            List<TableSchema.Datum> data = new ArrayList<>();
            for (int j = 0; j < a.data().size(); j++) {
                String name = names != null && j < names.size() ? names.get(j) : "value " + (j + 1);
                data.add(new TableSchema.Datum(name, valueType(a.data().get(j), consts)));
            }
            actions.add(new TableSchema.Action(a.name(), data));
        }
        return new TableSchema(table.name(), keys, actions, table.size(), table.entries().size());
    }

    /** The schema of the table at {@code index}, named from its declaration in {@code appliance}. */
    public static TableSchema schema(IrAppliance ir, int index, Decl.Appliance appliance, Semantics semantics) {
        IrAppliance.Table table = ir.tables.get(index);
        Decl.Table decl = null;
        if (appliance != null) {
            for (Decl m : appliance.members()) {
                if (m instanceof Decl.Table t && t.name().text().equals(table.name())) {
                    decl = t;
                }
            }
        }
        return schema(table, decl, semantics);
    }

    /**
     * Reads a rules file for the table at {@code index} and adds its entries to the interpreter,
     * after the spec's own entries and in the file's order.
     *
     * @return how many entries the file had
     * @throws dev.appl.runtime.table.RulesFileException when the file is not valid for the table
     *                                                   (nothing is added then)
     * @throws IOException                               when it cannot be read
     */
    public static int load(Engine engine, int index, TableSchema schema, Path file) throws IOException {
        List<RulesEntry> loaded = RulesFile.read(file, schema);
        for (IrAppliance.Entry e : entries(schema, loaded)) {
            engine.addEntry(index, e);
        }
        return loaded.size();
    }

    /**
     * Loaded entries as IR entries, in order. A wildcard becomes {@link IrPattern.Any}, a full mask
     * {@link IrPattern.Exact}. The interpreter holds signed keys sign-extended and compares ranges
     * unsigned, so a range of a signed key that crosses zero becomes two entries, one per sign,
     * which match exactly what the one range matches.
     */
    public static List<IrAppliance.Entry> entries(TableSchema schema, List<RulesEntry> loaded) {
        List<IrAppliance.Entry> out = new ArrayList<>();
        for (RulesEntry e : loaded) {
            List<List<IrPattern>> choices = new ArrayList<>();
            for (int i = 0; i < e.keys().size(); i++) {
                choices.add(patterns(e.keys().get(i), schema.keys().get(i).type()));
            }
            List<Object> data = List.copyOf(e.data());
            for (List<IrPattern> patterns : product(choices)) {
                out.add(new IrAppliance.Entry(patterns, e.action(), data));
            }
        }
        return out;
    }

    private static List<IrPattern> patterns(KeyMatch m, ValueType type) {
        boolean signed = type.kind() == ValueType.Kind.SIGNED;
        long width = type.widthMask();
        return switch (m) {
            case KeyMatch.Masked(long value, long mask) when mask == 0 -> List.of(new IrPattern.Any());
            case KeyMatch.Masked(long value, long mask) when mask == width -> List.of(new IrPattern.Exact(value));
            case KeyMatch.Masked(long value, long mask) -> List.of(new IrPattern.Masked(value, mask));
            case KeyMatch.Range(long low, long high) when signed -> {
                long min = -1L << (type.bits() - 1);
                if (low == min && high == ~min) {
                    yield List.of(new IrPattern.Any());
                }
                if (low < 0 && high >= 0) {
                    yield List.of(new IrPattern.Range(low, -1), new IrPattern.Range(0, high));
                }
                yield List.of(new IrPattern.Range(low, high));
            }
            case KeyMatch.Range(long low, long high) when low == 0 && high == width -> List.of(new IrPattern.Any());
            case KeyMatch.Range(long low, long high) -> List.of(new IrPattern.Range(low, high));
        };
    }

    private static List<List<IrPattern>> product(List<List<IrPattern>> choices) {
        List<List<IrPattern>> out = List.of(List.of());
        for (List<IrPattern> choice : choices) {
            List<List<IrPattern>> next = new ArrayList<>();
            for (List<IrPattern> prefix : out) {
                for (IrPattern p : choice) {
                    List<IrPattern> longer = new ArrayList<>(prefix);
                    longer.add(p);
                    next.add(List.copyOf(longer));
                }
            }
            out = next;
        }
        return out;
    }

    /** How a rules file writes a value of type {@code t}. */
    public static ValueType valueType(Type t, ConstEval consts) {
        return switch (t) {
            case Type.Bool b -> ValueType.bool();
            case Type.Int(int width, boolean signed) when width >= 1 && width <= 64 ->
                    signed ? ValueType.signed(width) : ValueType.unsigned(width);
            case Type.Address(AddressKind kind) when kind == AddressKind.IP4 -> ValueType.ip4();
            case Type.Address(AddressKind kind) when kind == AddressKind.MAC -> ValueType.mac();
            case Type.Enum e -> {
                Map<String, Long> cases = new LinkedHashMap<>();
                List<Decl.EnumCase> all = e.decl().cases();
                for (int i = 0; i < all.size(); i++) {
                    Decl.EnumCase c = all.get(i);
                    cases.put(c.name().text(), caseValue(c, i, consts));
                }
                yield ValueType.enumeration(e.decl().name().text(), e.wire() == null ? 0 : e.wire().width(), cases);
            }
            default -> ValueType.unsupported(t.display());
        };
    }

    /** As Lowering numbers enum cases: the wire value, or for an enum without a wire type, the case's index. */
    private static long caseValue(Decl.EnumCase c, int index, ConstEval consts) {
        if (c.value() == null) {
            return index;
        }
        BigInteger v = consts.value(c.value());
        if (v == null) {
            throw new IllegalStateException("enum case " + c.name().text() + " has no constant value in a checked spec");
        }
        return v.longValue();
    }

    /** The names of the data an entry gives {@code action} of {@code decl}; null when unknown. */
    private static List<String> dataNames(Decl.Table decl, String action, Semantics semantics) {
        if (decl == null) {
            return null;
        }
        for (var name : decl.actions()) {
            if (name.text().equals(action) && semantics.referenceOf(name) instanceof Symbol.DeclSymbol(Decl.Action a,
                    var m)) {
                return TypeChecker.actionData(decl, a).stream().map(p -> p.name().text()).toList();
            }
        }
        return null;
    }
}
