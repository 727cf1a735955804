package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.appl.runtime.launch.Descriptor;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Writes an appliance's image as a Java runtime image, {@code DIR/NAME/}: jlink's output for only
 * the JDK modules the appliance's jar needs (jdeps computes them), without debug attributes,
 * header files or man pages, native symbol tables stripped when {@code objcopy} is there; the jar
 * as {@value #APP_FOLDER}NAME.jar; a launcher {@code bin/NAME} that takes the jar's options
 * ({@code --port}, {@code --param}, {@code --help}); and, when the appliance can be trained, an AOT
 * cache ({@value #APP_FOLDER}NAME.aot, JDK 25's {@code -XX:AOTCache}) made by running it once at
 * build time, which the launcher passes to the JVM so that it starts with its classes already
 * loaded and linked.
 *
 * <p>jlink and jdeps are those of the JDK that runs applc ({@code java.home}, not the PATH), so the
 * image has that JDK's JVM. Every file and folder of the image is stamped with {@link
 * JarImage#TIMESTAMP}, and the files applc writes have fixed permissions: the same spec built
 * with the same toolchain gives the same files, bytes and modes, except the AOT cache, which the
 * JVM does not write reproducibly (its layout depends on the training run's timing);
 * {@code --no-aot-cache} leaves it out.
 */
public final class JlinkImage {
    /** The folder, in the image, of the appliance's own files. */
    public static final String APP_FOLDER = "lib/appl/";
    /** How long the training run may take before the build gives up on it. */
    private static final long TRAINING_SECONDS = 300;

    private JlinkImage() {}

    /**
     * How to run the appliance at build time to train its AOT cache: the launcher's arguments, the
     * folder to run it in (where its default traces and rules files are), and the ports to serve
     * live, on loopback, with {@link TrainingTraffic} (none for a replay).
     */
    public record Training(Path workDir, List<String> args, List<Descriptor.Port> live) {
        /**
         * The training run of an appliance whose spec is in {@code specFolder}: it replays the
         * traces of its ports' default bindings that are there, writing nothing (no {@code out=}),
         * with the spec's folder as working folder so that default rules files are found. With no
         * trace there, it replays {@code testTraces}, the packets the spec's tests send ({@link
         * TestTraces}). With neither, an appliance whose ports are all datagram and stream ports
         * serves them live for a few seconds ({@link TrainingTraffic}), so that the cache holds
         * its drivers' start; any other trains on the launcher's start alone ({@code --help}):
         * packet ports on interfaces need privileges and interfaces a build does not have.
         */
        public static Training of(Descriptor appliance, Path specFolder, Map<String, Path> testTraces) {
            List<String> traces = new ArrayList<>();
            List<String> tests = new ArrayList<>();
            for (Descriptor.Port p : appliance.ports()) {
                if (!p.kind().equals("packet")) {
                    continue;
                }
                String in = "";
                if (p.binding() != null && p.binding().startsWith("pcap:")) {
                    for (String part : p.binding().substring(5).split(",")) {
                        if (!part.isEmpty() && !part.startsWith("out=") && Files.isRegularFile(specFolder.resolve(part))) {
                            in = specFolder.resolve(part).toAbsolutePath().toString();
                        }
                    }
                }
                Path test = testTraces.get(p.name());
                traces.addAll(List.of("--port", p.name() + "=pcap:" + in));
                tests.addAll(List.of("--port", p.name() + "=pcap:" + (test == null ? "" : test.toAbsolutePath())));
            }
            boolean hasTraces = traces.stream().anyMatch(a -> a.contains("=pcap:") && !a.endsWith("=pcap:"));
            Path workDir = specFolder.toAbsolutePath();
            if (hasTraces || !testTraces.isEmpty()) {
                return new Training(workDir, hasTraces ? traces : tests, List.of());
            }
            List<Descriptor.Port> ports = appliance.ports();
            if (!ports.isEmpty() && ports.stream().noneMatch(p -> p.kind().equals("packet"))) {
                return new Training(workDir, List.of(), ports);
            }
            return new Training(workDir, List.of("--help"), List.of());
        }
    }

    /**
     * Writes {@code dir/NAME/}, replacing an earlier image of the same name.
     *
     * @param name     the image's name: the jar's file name without {@code .jar}
     * @param jar      the appliance's jar ({@link JarImage#bytes})
     * @param training how to train the AOT cache, or null for an image without one
     * @return the image's folder
     * @throws IOException with a one-line message when a tool is missing or a step fails
     */
    public static Path write(Path dir, String name, byte[] jar, Training training, Progress progress)
            throws IOException {
        Path jlink = tool("jlink");
        Path jdeps = tool("jdeps");
        Files.createDirectories(dir);
        Path image = dir.resolve(name);
        Path partial = dir.resolve(name + ".partial");
        // Refused before the slow steps rather than after them.
        checkReplaceable(image);
        deleteImage(partial);
        Path jarFile = partial.resolve(APP_FOLDER + name + ".jar");
        Path scratch = Files.createTempDirectory(dir, ".applc-");
        try {
            Path scratchJar = scratch.resolve(name + ".jar");
            Files.write(scratchJar, jar);
            String modules;
            try (var step = progress.step("finding the JDK modules " + name + " needs (jdeps)")) {
                modules = run(jdeps, "--print-module-deps", "--ignore-missing-deps", "--multi-release",
                        Integer.toString(Runtime.version().feature()), scratchJar.toString()).strip();
            }
            if (!modules.matches("[\\w.]+(,[\\w.]+)*")) {
                throw new IOException("jdeps named no modules for " + name + ".jar: " + modules);
            }
            try (var step = progress.step("linking a runtime of " + modules + " (jlink)")) {
                run(jlink, "--add-modules", modules, "--strip-debug", "--no-header-files", "--no-man-pages",
                        "--compress=zip-6", "--output", partial.toString());
            }
            stripNativeSymbols(partial, progress);
            Files.createDirectories(jarFile.getParent());
            Files.write(jarFile, jar);
            boolean cached = false;
            if (training != null) {
                try (var step = progress.step("training the AOT cache on a run of " + name)) {
                    train(partial, name, training);
                }
                cached = true;
            }
            Path launcher = partial.resolve("bin").resolve(name);
            Files.writeString(launcher, launcher(name, cached), UTF_8);
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(jarFile, PosixFilePermissions.fromString("rw-r--r--"));
            stamp(partial);
        } catch (IOException | RuntimeException e) {
            deleteImage(partial);
            throw e;
        } finally {
            deleteTree(scratch);
        }
        deleteImage(image);
        Files.move(partial, image);
        return image;
    }

    /** The bytes of an image's files. */
    public static long size(Path image) throws IOException {
        try (Stream<Path> all = Files.walk(image)) {
            long total = 0;
            for (Path f : all.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }

    /** The launcher: runs the jar on the image's own JVM, with the AOT cache when there is one. */
    static String launcher(String name, boolean aotCache) {
        StringBuilder exec = new StringBuilder("exec");
        for (String word : javaCommand("$home", name, aotCache)) {
            exec.append(" \"").append(word).append('"');
        }
        return "#!/bin/sh\n"
                + "# Runs the appliance " + name + " on this runtime image; the options are those of\n"
                + "# `java -jar " + name + ".jar`: --port NAME=BINDING, --param NAME=VALUE, --help, --version.\n"
                + "home=$(cd \"$(dirname \"$0\")/..\" && pwd -P) || exit 2\n"
                + exec + " \"$@\"\n";
    }

    /** How the launcher and an OCI image's entry point start the appliance of an image at {@code home}. */
    public static List<String> javaCommand(String home, String name, boolean aotCache) {
        List<String> command = new ArrayList<>(List.of(home + "/bin/java", "-XX:-UsePerfData"));
        if (aotCache) {
            command.add("-XX:AOTCache=" + home + "/" + APP_FOLDER + name + ".aot");
        }
        command.addAll(List.of("-jar", home + "/" + APP_FOLDER + name + ".jar"));
        return command;
    }

    /**
     * Runs the appliance once with {@code -XX:AOTCacheOutput}: the JVM records what it loads and
     * links, then writes the cache. A live run is stopped with SIGTERM once its traffic is sent;
     * the JVM writes the cache as it exits.
     */
    private static void train(Path image, String name, Training training) throws IOException {
        Path cache = image.resolve(APP_FOLDER + name + ".aot");
        List<String> command = new ArrayList<>(List.of(image.resolve("bin/java").toString(), "-XX:-UsePerfData",
                "-XX:AOTCacheOutput=" + cache, "-jar", image.resolve(APP_FOLDER + name + ".jar").toString()));
        command.addAll(training.args());
        List<String> kinds = training.live().stream().map(Descriptor.Port::kind).toList();
        int[] numbers = new int[kinds.size()];
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = TrainingTraffic.freePort(kinds.get(i));
            command.addAll(List.of("--port", training.live().get(i).name() + "="
                    + TrainingTraffic.binding(kinds.get(i), numbers[i])));
        }
        Path log = Files.createTempFile(image.getParent(), ".applc-training-", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(training.workDir().toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done;
            try {
                if (numbers.length > 0) {
                    try {
                        TrainingTraffic.send(p, kinds, numbers);
                    } catch (IOException e) {
                        p.destroyForcibly();
                        throw new IOException("the training run of " + name + " could not be sent traffic: "
                                + e.getMessage() + "; build with --no-aot-cache to skip it");
                    }
                    p.destroy();
                }
                done = p.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("the training run of " + name + " was interrupted");
            }
            if (!done) {
                p.destroyForcibly();
                throw new IOException("the training run of " + name + " took more than " + TRAINING_SECONDS
                        + " s; build with --no-aot-cache to skip it");
            }
            // A JVM stopped by SIGTERM exits with 143 (128 + 15).
            boolean stopped = numbers.length > 0 && p.exitValue() == 143;
            if (p.exitValue() != 0 && !stopped || !Files.isRegularFile(cache)) {
                List<String> lines = Files.readAllLines(log, UTF_8);
                throw new IOException("the training run of " + name + " failed (status " + p.exitValue() + "): "
                        + (lines.isEmpty() ? "it printed nothing" : lines.getLast())
                        + "; build with --no-aot-cache to skip it");
            }
            Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rw-r--r--"));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * Strips the symbol tables of the image's native libraries and commands ({@code objcopy
     * --strip-unneeded}; what the dynamic linker needs stays): a fifth of the image, needed only to
     * name functions in a crash log. Skipped when objcopy is not installed.
     */
    private static void stripNativeSymbols(Path image, Progress progress) throws IOException {
        Path objcopy = onPath("objcopy");
        if (objcopy == null) {
            return;
        }
        try (var step = progress.step("stripping native symbols (objcopy)"); Stream<Path> files = Files.walk(image)) {
            for (Path f : files.filter(JlinkImage::isElf).sorted().toList()) {
                Process p = new ProcessBuilder(objcopy.toString(), "--strip-unneeded", f.toString())
                        .redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
                if (waitFor(p) != 0) {
                    throw new IOException("objcopy --strip-unneeded " + f + " failed: " + firstLine(output));
                }
            }
        }
    }

    static boolean isElf(Path f) {
        if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (var in = Files.newInputStream(f)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    /** An executable on the PATH, or null. */
    static Path onPath(String command) {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "" : path).split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return Path.of(d, command);
            }
        }
        return null;
    }

    static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /**
     * A tool of the JDK that runs applc, run as its own process: jlink run inside another JVM
     * writes a different {@code lib/modules} (it specializes classes to the JVM it runs in), and
     * the image must not depend on what applc happened to load.
     */
    private static Path tool(String name) throws IOException {
        return tool(Path.of(System.getProperty("java.home")), name);
    }

    /** The tool {@code name} of the Java runtime at {@code javaHome}. */
    static Path tool(Path javaHome, String name) throws IOException {
        Path tool = javaHome.resolve("bin").resolve(name);
        if (!Files.isExecutable(tool)) {
            throw new IOException("this image needs " + name + ", which the Java runtime running applc (" + javaHome
                    + ") does not have: run applc on a full JDK " + Runtime.version().feature() + " (JAVA_HOME)");
        }
        return tool;
    }

    /** Runs a JDK tool; its output, or an exception with its first line of complaint. */
    private static String run(Path tool, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (waitFor(p) != 0) {
            throw new IOException(tool.getFileName() + " failed: " + firstLine(output));
        }
        return output;
    }

    private static String firstLine(String text) {
        String s = text.strip();
        int nl = s.indexOf('\n');
        return s.isEmpty() ? "(no message)" : nl < 0 ? s : s.substring(0, nl).strip();
    }

    /** Stamps every file and folder with the image timestamp, folders after what they hold. */
    private static void stamp(Path image) throws IOException {
        FileTime time = FileTime.from(JarImage.TIMESTAMP.toInstant(java.time.ZoneOffset.UTC));
        Files.walkFileTree(image, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.setLastModifiedTime(file, time);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.setLastModifiedTime(d, time);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Deletes an earlier image at {@code image}; refuses a folder that is not one (a runtime image
     * has a {@code release} file and this image's {@value #APP_FOLDER}), so that a mistaken name
     * never deletes someone's files.
     */
    static void deleteImage(Path image) throws IOException {
        if (!Files.exists(image, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        checkReplaceable(image);
        deleteTree(image);
    }

    private static void checkReplaceable(Path image) throws IOException {
        if (!Files.exists(image, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean ours = Files.isDirectory(image, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && (image.getFileName().toString().endsWith(".partial")
                        || Files.isRegularFile(image.resolve("release")) && Files.isDirectory(image.resolve(APP_FOLDER)));
        if (!ours) {
            throw new IOException(image + " exists and is not an image applc built; move it away or choose"
                    + " another folder");
        }
    }

    /** Deletes a folder and what it holds. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
