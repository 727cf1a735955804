package dev.appl.compiler.cli;

import dev.appl.language.Compilation;
import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.diag.JsonDiagnostics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code applc check}: parses and checks specs, and reports every problem found. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Checks .appl specs: syntax, names, widths and units, header validity, bounded work,"
                + " exhaustiveness and effects. Exit status: 0 no errors (warnings allowed), 1 errors found,"
                + " 2 usage or I/O error.")
final class CheckCommand implements Callable<Integer> {
    enum Format { human, json }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Spec files, or folders to search for *.appl files.")
    List<Path> paths;

    @Option(names = "--format", defaultValue = "human",
            description = "human (default): messages with source excerpts on stderr; json: one JSON object per"
                    + " diagnostic and line on stdout.")
    Format format;

    @Option(names = "--stdlib", paramLabel = "DIR", description = "Read std.* modules from DIR instead of the bundled stdlib.")
    Path stdlib;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        List<Path> files;
        try {
            files = SpecFiles.expand(paths);
        } catch (IOException e) {
            err.println("applc: cannot read " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
        Compilation compilation = new Compilation(SpecFiles.stdlibFor(stdlib, paths), Files::readAllBytes, false);
        for (Path file : files) {
            try {
                compilation.add(file);
            } catch (IOException e) {
                err.println("applc: cannot read " + file + ": " + e.getMessage());
                err.flush();
                return Applc.EXIT_USAGE;
            }
        }
        Compilation.Result result = compilation.check();
        List<Diagnostic> diagnostics = result.diagnostics().sorted();
        for (Diagnostic d : diagnostics) {
            if (format == Format.json) {
                out.println(JsonDiagnostics.render(d));
            } else {
                err.print(DiagnosticRenderer.render(d));
            }
        }
        int errors = (int) diagnostics.stream().filter(Diagnostic::isError).count();
        int warnings = diagnostics.size() - errors;
        if (format == Format.human) {
            err.println("applc: checked " + plural(files.size(), "file") + ": "
                    + (errors == 0 ? "no errors" : plural(errors, "error"))
                    + (warnings == 0 ? "" : ", " + plural(warnings, "warning")));
        }
        out.flush();
        err.flush();
        return errors == 0 ? 0 : Applc.EXIT_ERRORS;
    }

    static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
