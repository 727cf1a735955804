package dev.appl.compiler.cli;

import dev.appl.compiler.codegen.Codegen;
import dev.appl.compiler.image.ImageDescriptor;
import dev.appl.compiler.image.JarImage;
import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.ir.IrAppliance;
import dev.appl.compiler.lower.Lowering;
import dev.appl.compiler.lower.Unsupported;
import dev.appl.compiler.passes.Pipeline;
import dev.appl.language.ast.Decl;
import dev.appl.language.types.Semantics;
import dev.appl.runtime.launch.Descriptor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code applc build}: compiles an appliance into a runnable jar. */
@Command(
        name = "build",
        mixinStandardHelpOptions = true,
        description = "Compiles an appliance into a runnable jar, DIR/NAME.jar (NAME: the appliance's name in kebab"
                + " case): its compiled kernel, the runtime and the spec, nothing of the compiler. `java -jar"
                + " DIR/NAME.jar` runs it over pcap traces with the options of applc run (--port, --param); its"
                + " default bindings and rules files are then relative to the working folder. Build params are"
                + " fixed here (--param), and the passes specialize the kernel to them.")
final class BuildCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The spec file of the appliance.")
    Path specFile;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true,
            description = "The folder to write the jar into (made if missing).")
    Path output;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "Sets a build param, written as in a spec; other params are set when the jar runs.")
    List<String> params = new ArrayList<>();

    @Mixin
    SpecOptions options = new SpecOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return build(out, err);
        } catch (UsageError | IOException e) {
            err.println("applc: " + e.getMessage());
            err.flush();
            return Applc.EXIT_USAGE;
        }
    }


    private int build(PrintWriter out, PrintWriter err) throws UsageError, IOException {
        CheckedSpec checked = CheckedSpec.load(specFile, options.stdlib, err);
        if (checked == null) {
            return Applc.EXIT_ERRORS;
        }
        Semantics semantics = checked.result().semantics();
        Decl.Appliance appliance;
        try {
            appliance = checked.single(options.appliance);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        IrAppliance ir;
        try {
            ir = Lowering.lower(appliance, semantics);
        } catch (Unsupported e) {
            throw unsupported(e);
        }
        Map<String, Object> buildValues;
        try {
            buildValues = ParamValues.parseBuild(ir, params);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        // Rules files are checked against the tables as the spec declares them, before the passes.
        List<Descriptor.LoadedTable> loaded = new ArrayList<>();
        for (int i = 0; i < ir.tables.size(); i++) {
            IrAppliance.Table t = ir.tables.get(i);
            if (t.loadParam() != null) {
                loaded.add(new Descriptor.LoadedTable(i, t.loadParam(), LoadedRules.schema(ir, i, appliance, semantics)));
            }
        }
        for (int i = 0; i < ir.params.size(); i++) {
            IrAppliance.Param p = ir.params.get(i);
            if (buildValues.containsKey(p.name())) {
                ir.params.set(i, new IrAppliance.Param(p.name(), p.type(), buildValues.get(p.name()), true));
            }
        }
        Codegen.Generated kernel;
        try {
            Pipeline.run(ir);
            kernel = Codegen.generate(ir);
        } catch (Unsupported e) {
            throw unsupported(e);
        }
        byte[] specBytes;
        try {
            specBytes = Files.readAllBytes(specFile);
        } catch (IOException e) {
            throw new IOException("cannot read " + specFile + ": " + e.getMessage(), e);
        }
        String version = Applc.class.getPackage().getImplementationVersion();
        version = version != null ? version : "(development build)";
        Descriptor descriptor = ImageDescriptor.of(ir, kernel.className(), loaded, semantics,
                specFile.getFileName().toString(), specBytes, version);
        Path jar;
        try {
            jar = JarImage.write(output, kernel, descriptor, specBytes, version);
        } catch (IOException e) {
            throw new IOException("cannot write the image into " + output + ": " + e.getMessage(), e);
        }
        out.println(jar + " (" + Files.size(jar) + " bytes)");
        out.flush();
        return 0;
    }

    /** A construct the compiler cannot compile yet, at its place in the spec (or the spec's, when it has none). */
    private UsageError unsupported(Unsupported e) {
        return new UsageError((e.span() != null ? e.span().toString() : specFile.toString()) + ": " + e.getMessage());
    }
}
