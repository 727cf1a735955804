package dev.appl.compiler.cli;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Expr;
import dev.appl.language.diag.Diagnostic;
import dev.appl.language.resolve.Module;
import dev.appl.language.types.ConstEval;
import dev.appl.language.types.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@code --param NAME=VALUE} into values of the params' types. A value is written as in a
 * spec ({@code 10ms}, {@code 64KiB}, {@code 10.0.0.1}, {@code 0x10}, {@code true}); paths and
 * strings are taken as they are. Parsing goes through the front end, so the rules are the spec's.
 */
final class ParamValues {
    private ParamValues() {}

    /**
     * The values of params set when the appliance starts ({@code applc run}).
     *
     * @throws IllegalArgumentException with a message naming the param and the problem
     */
    static Map<String, Object> parse(IrAppliance ir, List<String> assignments) {
        return parse(ir, assignments, false);
    }

    /**
     * The values of build params, fixed when the appliance is built ({@code applc build}).
     *
     * @throws IllegalArgumentException with a message naming the param and the problem
     */
    static Map<String, Object> parseBuild(IrAppliance ir, List<String> assignments) {
        return parse(ir, assignments, true);
    }

    private static Map<String, Object> parse(IrAppliance ir, List<String> assignments, boolean build) {
        Map<String, Object> values = new HashMap<>();
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--param takes NAME=VALUE, not `" + assignment + "`");
            }
            String name = assignment.substring(0, eq);
            String text = assignment.substring(eq + 1);
            IrAppliance.Param param = ir.params.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("appliance `" + ir.name() + "` has no param `"
                            + name + "`; it has " + (ir.params.isEmpty() ? "none" : String.join(", ",
                            ir.params.stream().map(p -> "`" + p.name() + "`").toList()))));
            if (param.buildTime() && !build) {
                throw new IllegalArgumentException("`" + name + "` is a build param: it is fixed when the appliance"
                        + " is built");
            }
            if (!param.buildTime() && build) {
                throw new IllegalArgumentException("`" + name + "` is not a build param: it is set when the appliance"
                        + " starts (--param " + name + "=VALUE when it runs)");
            }
            values.put(name, value(param, text));
        }
        return values;
    }

    private static Object value(IrAppliance.Param param, String text) {
        if (param.type() instanceof Type.Text) {
            return text;
        }
        if (param.type() instanceof Type.Prefix) {
            throw new IllegalArgumentException("--param " + param.name() + ": a prefix param cannot be set from the"
                    + " command line yet; change its default in the spec");
        }
        if (param.type() instanceof Type.Enum e) {
            // `IpProto.Udp` or `Udp`: a case of the param's enum, whose value is its wire value or its index.
            String name = text.startsWith(e.decl().name().text() + ".")
                    ? text.substring(e.decl().name().text().length() + 1) : text;
            for (int i = 0; i < e.decl().cases().size(); i++) {
                var c = e.decl().cases().get(i);
                if (c.name().text().equals(name)) {
                    if (c.value() == null) {
                        return (long) i;
                    }
                    if (c.value() instanceof Expr.IntLit lit) {
                        return lit.value().longValue();
                    }
                    throw new IllegalArgumentException("--param " + param.name() + "=" + text + ": the value of `"
                            + c.name().text() + "` is an expression; set this param in the spec");
                }
            }
            throw new IllegalArgumentException("--param " + param.name() + "=" + text + ": `" + e.display()
                    + "` has no case `" + name + "`; it has " + String.join(", ", e.decl().cases().stream()
                    .map(c -> "`" + c.name().text() + "`").toList()));
        }
        String typeName = param.type().display();
        Compilation c = new Compilation(null, Files::readAllBytes, false);
        Module m = c.add(Path.of("--param"), "const VALUE: " + typeName + " = " + text + "\n");
        Compilation.Result r = c.check();
        if (r.diagnostics().hasErrors()) {
            Diagnostic d = r.diagnostics().sorted().getFirst();
            throw new IllegalArgumentException("--param " + param.name() + "=" + text + ": " + d.message());
        }
        Expr e = ((Decl.Const) m.decls().getFirst()).value();
        if (e instanceof Expr.AddressLit a && a.kind() == Expr.AddressKind.IP6) {
            return a.value();
        }
        return new ConstEval(r.semantics()).value(e).longValue();
    }
}
