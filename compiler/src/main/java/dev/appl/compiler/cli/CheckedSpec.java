package dev.appl.compiler.cli;

import dev.appl.language.Compilation;
import dev.appl.language.ast.Decl;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One spec file, read and checked, for the commands that work on its appliances. */
record CheckedSpec(Path file, Module module, Compilation.Result result) {
    /**
     * Reads and checks a spec; prints its diagnostics and returns null when it has errors.
     *
     * @throws IOException if the file cannot be read (the message names it)
     */
    static CheckedSpec load(Path file, Path stdlib, PrintWriter err) throws IOException {
        Compilation compilation = new Compilation(SpecFiles.stdlibFor(stdlib, List.of(file)), Files::readAllBytes, false);
        Module module;
        try {
            module = compilation.add(file);
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Compilation.Result result = compilation.check();
        // Warnings too: whoever runs or builds a spec should see them as `applc check` would show them.
        result.diagnostics().sorted().forEach(d -> err.print(DiagnosticRenderer.render(d)));
        err.flush();
        if (result.diagnostics().hasErrors()) {
            return null;
        }
        return new CheckedSpec(file, module, result);
    }

    /** The appliances of the spec, or only the one named. */
    List<Decl.Appliance> appliances(String name) {
        return module.decls().stream().filter(Decl.Appliance.class::isInstance).map(Decl.Appliance.class::cast)
                .filter(a -> name == null || a.name().text().equals(name)).toList();
    }

    /**
     * The one appliance a command works on: the one named, or the spec's only one.
     *
     * @throws IllegalArgumentException saying why there is no single appliance
     */
    Decl.Appliance single(String name) {
        List<Decl.Appliance> found = appliances(name);
        if (name != null && found.isEmpty()) {
            throw new IllegalArgumentException(file + " has no appliance `" + name + "`");
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException(file + (found.isEmpty() ? " declares no appliance"
                    : " declares several appliances; choose one with --appliance"));
        }
        return found.getFirst();
    }
}
