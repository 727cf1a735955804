package dev.appl.compiler.cli;

import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.DiagnosticRenderer;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.format.Formatter;
import dev.appl.language.syntax.ParseResult;
import dev.appl.language.syntax.Parsing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code applc fmt}: rewrites specs in the canonical layout, or with --check lists those that differ. */
@Command(
        name = "fmt",
        mixinStandardHelpOptions = true,
        description = "Formats .appl specs in place. A file with syntax errors is left as it is and its errors"
                + " are reported. Exit status: 0 done (with --check: all formatted), 1 a file has syntax"
                + " errors (with --check: or is not formatted), 2 usage or I/O error.")
final class FmtCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Spec files, or folders to search for *.appl files.")
    List<Path> paths;

    @Option(names = "--check", description = "Change nothing; list the files that are not formatted.")
    boolean check;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        boolean failed = false;
        try {
            for (Path file : SpecFiles.expand(paths)) {
                String text = readUtf8(file);
                if (text == null) {
                    err.println("applc: " + file + " is not valid UTF-8; run `applc check` on it");
                    failed = true;
                    continue;
                }
                Diagnostics diagnostics = new Diagnostics();
                ParseResult parse = Parsing.parse(new Source(file.toString(), text), diagnostics);
                if (parse.hasSyntaxErrors() || parse.tree() == null) {
                    for (Diagnostic d : diagnostics.sorted()) {
                        err.print(DiagnosticRenderer.render(d));
                    }
                    failed = true;
                    continue;
                }
                String formatted = Formatter.format(parse.tree(), parse.tokens());
                if (formatted.equals(text)) {
                    continue;
                }
                if (check) {
                    out.println(file);
                    failed = true;
                } else {
                    Files.writeString(file, formatted, StandardCharsets.UTF_8);
                    err.println("formatted " + file);
                }
            }
        } catch (IOException e) {
            err.println("applc: cannot read or write " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
        out.flush();
        err.flush();
        return failed ? Applc.EXIT_ERRORS : 0;
    }

    private static String readUtf8(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
