package dev.appl.compiler.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.appl.compiler.image.ImageReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code applc inspect}: what an image holds and where its bytes go. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Prints what an image built by applc build holds: the appliance, its spec's file name and"
                + " SHA-256, the compiler's version, and the image's size part by part (JDK modules, native code,"
                + " shared libraries, runtime classes, generated code, spec, AOT cache, and the archives' own"
                + " structure), then the spec's text. IMAGE is a jar, a runtime image folder or an OCI archive.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "DIR/NAME.jar, DIR/NAME/ or DIR/NAME.tar.")
    Path image;

    @Option(names = "--spec", description = "Print only the spec's text, as it was built.")
    boolean specOnly;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageReport report;
        try {
            report = ImageReport.of(image);
        } catch (IOException e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
        String text = new String(report.spec(), UTF_8);
        if (specOnly) {
            out.print(text);
        } else {
            out.print(report.format());
            out.println("spec " + report.appliance().specFile() + ":");
            out.print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
        }
        out.flush();
        return 0;
    }
}
