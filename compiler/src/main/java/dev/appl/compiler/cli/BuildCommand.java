package dev.appl.compiler.cli;

import dev.appl.compiler.codegen.Codegen;
import dev.appl.compiler.image.ImageDescriptor;
import dev.appl.compiler.image.JarImage;
import dev.appl.compiler.image.JlinkImage;
import dev.appl.compiler.image.Kubernetes;
import dev.appl.compiler.image.OciImage;
import dev.appl.compiler.image.Progress;
import dev.appl.compiler.image.TestTraces;
import dev.appl.compiler.interp.LoadedRules;
import dev.appl.compiler.interp.ZoneTables;
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

/** {@code applc build}: compiles an appliance into a deployable image. */
@Command(
        name = "build",
        mixinStandardHelpOptions = true,
        description = {"Compiles an appliance into an image that holds its compiled kernel, the runtime classes it"
                + " reaches and its spec, nothing of the compiler. NAME is the appliance's name in kebab case.",
            "  jar    DIR/NAME.jar; `java -jar DIR/NAME.jar` runs it with the options of applc run (--port,"
                + " --param); default bindings and rules files are relative to the working folder.",
            "  jlink  DIR/NAME/, a Java runtime image of only the JDK modules it needs, with the launcher"
                + " DIR/NAME/bin/NAME (same options) and an AOT cache trained on a run of its default traces.",
            "  oci    DIR/NAME.tar, an OCI image archive (docker load, podman load): that runtime, the shared"
                + " libraries it needs and the appliance, no shell, run as a non-root user.",
            "Build params are fixed here (--param), and the passes specialize the kernel to them."})
final class BuildCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The spec file of the appliance.")
    Path specFile;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true,
            description = "The folder to write the image into (made if missing).")
    Path output;

    @Option(names = "--image", paramLabel = "KIND", defaultValue = "jar",
            description = "What to build: jar (the default), jlink or oci.")
    String image;

    @Option(names = "--k8s", description = "With --image oci: also write DIR/NAME.k8s.yaml, a Kubernetes Deployment"
            + " and Service that run the image.")
    boolean k8s;

    @Option(names = "--no-aot-cache", description = "With --image jlink or oci: no training run and no AOT cache"
            + " (the image is then reproducible to the byte; the cache is not).")
    boolean noAotCache;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "Sets a build param, written as in a spec; other params are set when the image runs.")
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
        if (!List.of("jar", "jlink", "oci").contains(image)) {
            throw new UsageError("--image takes jar, jlink or oci, not `" + image + "`");
        }
        if (k8s && !image.equals("oci")) {
            throw new UsageError("--k8s goes with --image oci: a Kubernetes Deployment runs an OCI image");
        }
        if (noAotCache && image.equals("jar")) {
            throw new UsageError("--no-aot-cache goes with --image jlink or oci: a jar has no AOT cache");
        }
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
                Descriptor.Format format = Descriptor.Format.RULES;
                for (Decl m : appliance.members()) {
                    if (m instanceof Decl.Table decl && decl.name().text().equals(t.name()) && ZoneTables.loadsZone(decl)) {
                        format = Descriptor.Format.DNS_ZONE;
                        try {
                            ZoneTables.checkShape(t); // the launcher relies on it
                        } catch (IllegalArgumentException e) {
                            throw new UsageError(e.getMessage());
                        }
                    }
                }
                loaded.add(new Descriptor.LoadedTable(i, t.loadParam(), format,
                        LoadedRules.schema(ir, i, appliance, semantics)));
            }
        }
        byte[] specBytes;
        try {
            specBytes = Files.readAllBytes(specFile);
        } catch (IOException e) {
            throw new IOException("cannot read " + specFile + ": " + e.getMessage(), e);
        }
        Progress progress = Progress.onTerminal(err);
        Path testTraces = null;
        try {
            // The packets the tests send train the AOT cache: the tests run on the appliance as
            // lowered, before the passes change it, as applc test runs them.
            boolean trained = !image.equals("jar") && !noAotCache;
            Map<String, Path> sent = Map.of();
            if (trained) {
                Files.createDirectories(output);
                testTraces = Files.createTempDirectory(output, ".applc-tests-");
                sent = TestTraces.write(ir, buildValues, testTraces);
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
            String version = Applc.class.getPackage().getImplementationVersion();
            version = version != null ? version : "(development build)";
            Descriptor descriptor = ImageDescriptor.of(ir, kernel.className(), loaded, semantics,
                    specFile.getFileName().toString(), specBytes, version);
            byte[] jar = JarImage.bytes(kernel, descriptor, specBytes, version);
            String name = JarImage.baseName(descriptor.appliance());
            JlinkImage.Training training = trained
                    ? JlinkImage.Training.of(descriptor, specFile.toAbsolutePath().getParent(), sent) : null;
            switch (image) {
                case "jar" -> {
                    Path written = JarImage.write(output, descriptor.appliance(), jar);
                    out.println(written + " (" + Files.size(written) + " bytes)");
                }
                case "jlink" -> {
                    Path written = JlinkImage.write(output, name, jar, training, progress);
                    out.println(written + "/ (" + JlinkImage.size(written) + " bytes)");
                }
                default -> {
                    Path written = OciImage.write(output, name, jar, descriptor,
                            specFile.toAbsolutePath().getParent(), training, progress);
                    out.println(written + " (" + Files.size(written) + " bytes)");
                    if (k8s) {
                        Path yaml = Kubernetes.write(output, name, descriptor, specFile.toAbsolutePath().getParent());
                        out.println(yaml + " (" + Files.size(yaml) + " bytes)");
                    }
                }
            }
        } catch (IOException e) {
            throw new IOException("cannot build the " + image + " image in " + output + ": " + e.getMessage(), e);
        } finally {
            if (testTraces != null) {
                JlinkImage.deleteTree(testTraces);
            }
        }
        out.flush();
        return 0;
    }

    /** A construct the compiler cannot compile yet, at its place in the spec (or the spec's, when it has none). */
    private UsageError unsupported(Unsupported e) {
        return new UsageError((e.span() != null ? e.span().toString() : specFile.toString()) + ": " + e.getMessage());
    }
}
