package dev.appl.compiler.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;

/** Specs for the codegen tests: found in the repository or written inline, checked and lowered. */
final class Specs {
    private Specs() {}

    /** The repository's root: the folder above the working folder that has samples/ and stdlib/. */
    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("samples")) && Files.isDirectory(d.resolve("stdlib"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    static Path sample(String name) {
        return root().resolve("samples").resolve(name).resolve(name + ".appl");
    }

    /** A spec's appliances, lowered, with their declarations and the checked program's semantics. */
    record Lowered(List<IrAppliance> appliances, List<Decl.Appliance> decls, dev.appl.language.types.Semantics semantics) {}

    static Lowered lowerWithSemantics(Path file) {
        Compilation compilation = new Compilation(root().resolve("stdlib"), Files::readAllBytes, false);
        Module module;
        try {
            module = compilation.add(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Compilation.Result result = compilation.check();
        List<IrAppliance> irs = lower(compilation, module);
        List<Decl.Appliance> decls = module.decls().stream().filter(Decl.Appliance.class::isInstance)
                .map(Decl.Appliance.class::cast).toList();
        return new Lowered(irs, decls, result.semantics());
    }

    /** Every appliance of a spec file, lowered. */
    static List<IrAppliance> lower(Path file) {
        Compilation compilation = new Compilation(root().resolve("stdlib"), Files::readAllBytes, false);
        Module module;
        try {
            module = compilation.add(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lower(compilation, module);
    }

    /** The appliances of a spec given as text (imports resolve in the repository's stdlib). */
    static List<IrAppliance> lowerText(String text) {
        Compilation compilation = new Compilation(root().resolve("stdlib"), Files::readAllBytes, false);
        Module module = compilation.add(root().resolve("compiler/target/inline.appl"), text);
        return lower(compilation, module);
    }

    static IrAppliance lowerOne(String text) {
        List<IrAppliance> all = lowerText(text);
        assertEquals(1, all.size(), "appliances in the spec");
        return all.getFirst();
    }

    private static List<IrAppliance> lower(Compilation compilation, Module module) {
        Compilation.Result result = compilation.check();
        if (result.diagnostics().hasErrors()) {
            StringBuilder out = new StringBuilder();
            for (Diagnostic d : result.diagnostics().sorted()) {
                out.append(DiagnosticRenderer.render(d));
            }
            fail("the spec has errors:\n" + out);
        }
        List<IrAppliance> out = new ArrayList<>();
        for (Decl d : module.decls()) {
            if (d instanceof Decl.Appliance a) {
                out.add(Lowering.lower(a, result.semantics()));
            }
        }
        return out;
    }

    /** ASM's verifier's complaints about a class, or the empty string. */
    static String verify(byte[] bytes) {
        StringWriter out = new StringWriter();
        CheckClassAdapter.verify(new ClassReader(bytes), Specs.class.getClassLoader(), false, new PrintWriter(out));
        return out.toString();
    }
}
