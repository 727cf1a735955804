package dev.appl.compiler.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of every command that works on one spec's appliance: which appliance, which stdlib. */
final class SpecOptions {
    @Option(names = "--appliance", paramLabel = "NAME", description = "Which appliance, when the spec has several.")
    String appliance;

    @Option(names = "--stdlib", paramLabel = "DIR", description = "Read std.* modules from DIR instead of the bundled stdlib.")
    Path stdlib;
}
