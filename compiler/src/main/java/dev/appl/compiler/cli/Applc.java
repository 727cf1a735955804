package dev.appl.compiler.cli;

import dev.appl.compiler.codegen.TooLargeForJvm;
import dev.appl.language.diag.DiagnosticRenderer;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code applc} command line: checks, formats and compiles {@code .appl} specs. */
@Command(
        name = "applc",
        mixinStandardHelpOptions = true,
        versionProvider = Applc.ManifestVersion.class,
        description = "Checks and compiles .appl appliance specs.",
        subcommands = {CheckCommand.class, FmtCommand.class, TestCommand.class, RunCommand.class,
            ExplainCommand.class, BuildCommand.class, InspectCommand.class, BenchCommand.class})
public final class Applc implements Runnable {
    /** Exit code when the specs have errors. */
    static final int EXIT_ERRORS = 1;
    /** Exit code for a usage or I/O error (picocli uses 2 for usage errors too). */
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Room for specs whose expressions nest thousands deep; the front end recurses over them. */
    private static final long STACK_BYTES = 512L << 20;

    public static void main(String[] args) throws InterruptedException {
        int[] status = {EXIT_USAGE};
        Thread main = Thread.ofPlatform().name("applc").stackSize(STACK_BYTES)
                .unstarted(() -> status[0] = commandLine().execute(args));
        main.start();
        main.join();
        System.exit(status[0]);
    }

    /** Exit code for a bug in applc itself, so that scripts can tell it from errors in a spec. */
    static final int EXIT_INTERNAL = 3;

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Applc());
        // Subcommands of modules that build on the compiler (applc lsp), when they are on the class path.
        java.util.ServiceLoader.load(ApplcSubcommand.class).stream()
                .map(java.util.ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparing(c -> c.getClass().getName()))
                .forEach(cl::addSubcommand);
        // A bug of ours reaching the top prints one line asking for a report, not a stack trace;
        // -Dappl.debug=true prints the trace for whoever debugs it.
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof TooLargeForJvm spec) {
                // Found only once the code is generated, but an error in the spec like any other.
                line.getErr().print(DiagnosticRenderer.render(spec.diagnostic()));
                line.getErr().flush();
                return EXIT_ERRORS;
            }
            line.getErr().println("applc: internal error: " + e + "; please report it with the spec that caused it"
                    + " (-Dappl.debug=true prints the stack trace)");
            if (Boolean.getBoolean("appl.debug")) {
                e.printStackTrace(line.getErr());
            }
            line.getErr().flush();
            return EXIT_INTERNAL;
        });
        return cl;
    }

    /** With no subcommand: show the usage on stderr and fail, as for a usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** The version comes from the jar manifest (Implementation-Version), set by the build. */
    static final class ManifestVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Applc.class.getPackage().getImplementationVersion();
            return new String[] {"applc " + (version != null ? version : "(development build)")};
        }
    }
}
