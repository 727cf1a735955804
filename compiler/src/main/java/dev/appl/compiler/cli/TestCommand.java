package dev.appl.compiler.cli;

import dev.appl.compiler.codegen.CompiledAppliance;
import dev.appl.compiler.codegen.TooLargeForJvm;
import dev.appl.compiler.interp.TestRunner;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code applc test}: runs the {@code test} blocks of specs. */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        description = "Checks specs, then runs each appliance's test blocks, every test against a fresh"
                + " appliance, and ends with `N passed, N failed`. Every test runs on both engines: the"
                + " reference interpreter (over the IR as lowered) and the compiled kernel (after every pass)."
                + " An appliance whose tests cannot run (one too large for the JVM, say) counts as one failure;"
                + " the other appliances' tests still run."
                + " Exit status: 0 all passed, 1 a test failed or a spec has errors, 2 usage or I/O error.")
final class TestCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Spec files, or folders to search for *.appl files.")
    List<Path> paths;

    @Option(names = "--stdlib", paramLabel = "DIR", description = "Read std.* modules from DIR instead of the bundled stdlib.")
    Path stdlib;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> files;
        Compilation compilation = new Compilation(SpecFiles.stdlibFor(stdlib, paths), Files::readAllBytes, false);
        List<Module> roots = new ArrayList<>();
        try {
            files = SpecFiles.expand(paths);
            for (Path file : files) {
                roots.add(compilation.add(file));
            }
        } catch (IOException e) {
            err.println("applc: cannot read " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
        Compilation.Result result = compilation.check();
        if (result.diagnostics().hasErrors()) {
            for (Diagnostic d : result.diagnostics().sorted()) {
                err.print(DiagnosticRenderer.render(d));
            }
            err.println("applc: the specs have errors; no test was run");
            err.flush();
            return Applc.EXIT_ERRORS;
        }
        int passed = 0;
        int failed = 0;
        for (Module module : roots) {
            for (Decl decl : module.decls()) {
                if (!(decl instanceof Decl.Appliance appliance)) {
                    continue;
                }
                List<String> required = appliance.members().stream()
                        .filter(m -> m instanceof Decl.ParamDecl p && p.defaultValue() == null)
                        .map(m -> "`" + m.name().text() + "`").toList();
                if (!required.isEmpty() && appliance.members().stream().anyMatch(Decl.Test.class::isInstance)) {
                    err.println("applc: the tests of `" + appliance.name().text() + "` were not run: params "
                            + String.join(", ", required) + " have no default, and tests cannot set params yet");
                    failed++;
                    continue;
                }
                List<TestRunner.Result> reference;
                List<TestRunner.Result> compiled;
                try {
                    // Each test runs on the interpreter over the IR as lowered, and on the compiled
                    // kernel of the IR after every pass: both must pass.
                    IrAppliance ir = Lowering.lower(appliance, result.semantics());
                    IrAppliance optimized = Lowering.lower(appliance, result.semantics());
                    Pipeline.run(optimized);
                    CompiledAppliance kernel = CompiledAppliance.compile(optimized);
                    reference = TestRunner.run(ir);
                    compiled = TestRunner.run(optimized, () -> kernel.newKernel(Map.of()));
                } catch (Unsupported e) {
                    err.println((e.span() == null ? "" : e.span() + ": ") + e.getMessage() + "; the tests of `"
                            + appliance.name().text() + "` were not run");
                    failed++;
                    continue;
                } catch (TooLargeForJvm e) {
                    // An error in this appliance only: the other appliances' tests still run.
                    err.print(DiagnosticRenderer.render(e.diagnostic()));
                    err.println("applc: the tests of `" + appliance.name().text() + "` were not run");
                    failed++;
                    continue;
                }
                for (int i = 0; i < reference.size(); i++) {
                    TestRunner.Result r = reference.get(i).passed() && !compiled.get(i).passed()
                            ? new TestRunner.Result(compiled.get(i).appliance(), compiled.get(i).test(),
                                    "on the compiled kernel: " + compiled.get(i).failure())
                            : reference.get(i);
                    if (r.passed()) {
                        passed++;
                        out.println("ok     " + r.appliance() + ": " + r.test());
                    } else {
                        failed++;
                        out.println("FAILED " + r.appliance() + ": " + r.test() + "\n       "
                                + r.failure().replace("\n", "\n       "));
                    }
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        err.flush();
        return failed == 0 ? 0 : Applc.EXIT_ERRORS;
    }
}
