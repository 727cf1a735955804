package dev.appl.compiler.cli;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.ir.IrPrinter;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.compiler.passes.Pass;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.types.Semantics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code applc explain}: what an appliance looks like from outside, and what the compiler makes of it. */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Prints an appliance's interface: ports with their kinds and default bindings, params"
                + " with types and defaults, tables, state. --passes lists the compiler's passes;"
                + " --dump-after prints the IR after lowering or after a pass; --bytecode the generated class.")
final class ExplainCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Optional only for {@code --passes}, which lists the pipeline whatever the spec. */
    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "The spec file of the appliance.")
    Path specFile;

    @Option(names = "--passes", description = "List the passes in the order they run, and stop.")
    boolean passes;

    @Option(names = "--dump-after", paramLabel = "PASS",
            description = "Print the IR after PASS (a pass name, `lower` for before any pass, or `all` after each).")
    String dumpAfter;

    @Option(names = "--bytecode", description = "Print the class the compiler generates, after every pass.")
    boolean bytecode;

    @Option(names = "--skip", paramLabel = "PASS", split = ",", description = "Leave out these passes.")
    Set<String> skip = new HashSet<>();

    @Mixin
    SpecOptions options = new SpecOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (passes) {
            for (Pass p : Pipeline.PASSES) {
                out.printf("%-20s %s%n", p.name(), p.description());
            }
            out.flush();
            return 0;
        }
        List<String> known = Pipeline.PASSES.stream().map(Pass::name).toList();
        for (String name : skip) {
            if (!known.contains(name)) {
                return usage(err, "unknown pass `" + name + "`; `applc explain --passes` lists them");
            }
        }
        if (dumpAfter != null && !dumpAfter.equals("lower") && !dumpAfter.equals("all") && !known.contains(dumpAfter)) {
            return usage(err, "unknown pass `" + dumpAfter + "`; `applc explain --passes` lists them");
        }
        if (specFile == null) {
            return usage(err, "missing the SPEC to explain (only --passes needs none)");
        }
        CheckedSpec checked;
        try {
            checked = CheckedSpec.load(specFile, options.stdlib, err);
        } catch (IOException e) {
            return usage(err, e.getMessage());
        }
        if (checked == null) {
            return Applc.EXIT_ERRORS;
        }
        Compilation.Result result = checked.result();
        List<Decl.Appliance> appliances = checked.appliances(options.appliance);
        if (appliances.isEmpty()) {
            return usage(err, specFile + (options.appliance == null ? " declares no appliance"
                    : " has no appliance `" + options.appliance + "`"));
        }
        for (Decl.Appliance a : appliances) {
            if (bytecode) {
                try {
                    IrAppliance ir = Lowering.lower(a, result.semantics());
                    Pipeline.run(ir, skip, (pass, after) -> {});
                    new org.objectweb.asm.ClassReader(dev.appl.compiler.codegen.Codegen.generate(ir).bytes())
                            .accept(new org.objectweb.asm.util.TraceClassVisitor(out), 0);
                } catch (Unsupported e) {
                    return usage(err, (e.span() == null ? specFile.toString() : e.span().toString()) + ": "
                            + e.getMessage());
                }
                continue;
            }
            if (dumpAfter == null) {
                explain(a, result.semantics(), out);
                continue;
            }
            IrAppliance ir;
            try {
                ir = Lowering.lower(a, result.semantics());
            } catch (Unsupported e) {
                return usage(err, e.span() + ": " + e.getMessage());
            }
            if (dumpAfter.equals("lower") || dumpAfter.equals("all")) {
                out.println("// after lowering");
                out.print(IrPrinter.print(ir));
            }
            Pipeline.run(ir, skip, (pass, after) -> {
                if (dumpAfter.equals("all") || dumpAfter.equals(pass.name())) {
                    out.println("// after " + pass.name());
                    out.print(IrPrinter.print(after));
                }
            });
        }
        out.flush();
        return 0;
    }

    private static int usage(PrintWriter err, String message) {
        err.println("applc: " + message);
        err.flush();
        return Applc.EXIT_USAGE;
    }

    /** The interface: what an operator needs to wire and configure the appliance. */
    private static void explain(Decl.Appliance a, Semantics sem, PrintWriter out) {
        out.println("appliance " + a.name().text() + (a.doc().isEmpty() ? "" : ": " + a.doc().lines().findFirst().orElse("")));
        for (Decl m : a.members()) {
            switch (m) {
                case Decl.Port p -> out.println("  port " + p.name().text() + ": " + p.kind().text()
                        + (p.framing() == null ? "" : " framed " + p.framing().span().text().substring(7))
                        + (p.max() == null ? "" : " max " + p.max().span().text())
                        + (p.connections() == null ? "" : " connections " + p.connections().span().text())
                        + (p.binding() == null ? "  (no default binding)" : "  = " + p.binding().span().text()));
                case Decl.ParamDecl p -> out.println("  " + (p.buildTime() ? "build param " : "param ")
                        + p.name().text() + ": " + sem.typeOf(p).display()
                        + (p.defaultValue() == null ? "  (required)" : " = " + p.defaultValue().span().text()));
                case Decl.Counter c -> out.println("  counter " + c.name().text());
                case Decl.MapDecl map -> out.println("  map " + map.name().text() + ": " + sem.typeOf(map.key()).display()
                        + " -> " + sem.typeOf(map.value()).display() + " capacity " + map.capacity().span().text()
                        + (map.expire() == null ? "" : " expire " + map.expire().span().text())
                        + (map.lru() ? " lru" : "") + (map.shared() ? " shared" : ""));
                case Decl.Timer t -> out.println("  timer " + t.name().text() + " every " + t.every().span().text());
                case Decl.Store s -> out.println("  store " + s.name().text() + ": " + s.span().text()
                        .substring(s.span().text().indexOf(':') + 1).trim());
                case Decl.Table t -> out.println("  table " + t.name().text() + " keys (" + String.join(", ",
                        t.keys().stream().map(k -> k.matchKind().text() + " " + sem.typeOf(k.expr()).display()).toList())
                        + ") actions (" + String.join(", ", t.actions().stream().map(n -> n.text()).toList()) + ")"
                        + (t.constEntries() ? ", " + t.entries().size() + " const entries" : "")
                        + (t.load() == null ? "" : ", loads " + t.load().span().text()));
                case Decl.Handler h -> out.println("  on " + h.event().text() + " " + h.source().text());
                case Decl.Test t -> out.println("  test " + t.title().span().text());
                default -> {}
            }
        }
    }
}
