package dev.appl.compiler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code applc} command line: checks, formats and compiles {@code .appl} specs. */
@Command(
        name = "applc",
        mixinStandardHelpOptions = true,
        versionProvider = Applc.ManifestVersion.class,
        description = "Checks and compiles .appl appliance specs.",
        subcommands = {CheckCommand.class, FmtCommand.class})
public final class Applc implements Runnable {
    /** Exit code when the specs have errors. */
    static final int EXIT_ERRORS = 1;
    /** Exit code for a usage or I/O error (picocli uses 2 for usage errors too). */
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Applc());
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
