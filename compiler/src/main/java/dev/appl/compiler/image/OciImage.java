package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import dev.appl.runtime.launch.Descriptor;
import dev.appl.runtime.launch.ParamLiterals;
import dev.appl.runtime.launch.ParamType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an appliance's image as an OCI image archive, {@code DIR/NAME.tar}, built with jib-core
 * from scratch (no base image, no daemon), which {@code docker load} and {@code podman load} take.
 * Its layers, most shared first:
 * <ol>
 * <li>{@code libraries}: the shared libraries the runtime image's programs and libraries need,
 *     as {@code ldd} finds them on the build machine, at the paths the dynamic linker looks in, and
 *     {@code /etc/passwd} and {@code /etc/group} naming the one user, {@code appl} (uid and gid
 *     {@value #UID}); no shell and no other program;
 * <li>{@code jdk}: the runtime image of {@link JlinkImage} (the JDK modules and the JVM), at
 *     {@value #HOME};
 * <li>{@code appliance}: the appliance's jar and the files its path params name by default, when
 *     they are beside the spec, in the working folder {@code /srv/NAME}, which belongs to the
 *     user {@code appl}, so that the stores and the traces the appliance writes there can be made;
 * <li>{@code aot-cache}: the AOT cache, last because it is the one part that is not reproducible.
 * </ol>
 * The entry point runs the JVM on the jar as the user {@code appl}; the appliance's options
 * ({@code --port}, {@code --param}) are the container's arguments. The ports bound by default to
 * an address other than loopback are exposed (one bound to loopback is reached only from inside the
 * container, so publishing it would reach nothing); the labels {@code dev.appl.*} give the appliance, its spec, the spec's
 * SHA-256, the compiler's version, its ports and its params. Every file is stamped with {@link
 * JarImage#TIMESTAMP} and the image is created at that time, so without an AOT cache the archive
 * is the same bytes on every build.
 */
public final class OciImage {
    /** Where the runtime image is in the container. */
    public static final String HOME = "/opt/appl";
    /** The user and group the appliance runs as. */
    public static final int UID = 65532;
    /** The prefix of the image's labels. */
    public static final String LABEL = "dev.appl.";

    private static final Instant TIME = JarImage.TIMESTAMP.toInstant(ZoneOffset.UTC);
    private static final FilePermissions FILE = FilePermissions.fromOctalString("644");
    private static final FilePermissions PROGRAM = FilePermissions.fromOctalString("755");

    private OciImage() {}

    /** The working folder of an image's appliance. */
    public static String workDir(String name) {
        return "/srv/" + name;
    }

    /**
     * Writes {@code dir/NAME.tar}, replacing an earlier one.
     *
     * @param specFolder where the files that path params name by default are
     * @param training   how to train the AOT cache, or null for none
     * @return the archive
     */
    public static Path write(Path dir, String name, byte[] jar, Descriptor appliance, Path specFolder,
            JlinkImage.Training training, Progress progress) throws IOException {
        Files.createDirectories(dir);
        Path scratch = Files.createTempDirectory(dir, ".applc-");
        try {
            Path runtime = JlinkImage.write(scratch, name, jar, training, progress);
            Path archive = dir.resolve(name + ".tar");
            Path partial = scratch.resolve(name + ".tar");
            Path files = scratch.resolve("files");
            JibContainerBuilder image = Jib.fromScratch()
                    .setFormat(ImageFormat.OCI)
                    .setCreationTime(TIME)
                    .addFileEntriesLayer(libraries(runtime, files, progress))
                    .addFileEntriesLayer(jdk(runtime))
                    .addFileEntriesLayer(appliance(runtime, name, appliance, specFolder, files))
                    .setEntrypoint(JlinkImage.javaCommand(HOME, name, false))
                    .setUser(UID + ":" + UID)
                    .setWorkingDirectory(AbsoluteUnixPath.get(workDir(name)))
                    .setExposedPorts(new java.util.LinkedHashSet<>(exposedPorts(appliance)))
                    .setLabels(labels(appliance));
            Path cache = runtime.resolve(JlinkImage.APP_FOLDER + name + ".aot");
            if (Files.isRegularFile(cache)) {
                image.addFileEntriesLayer(FileEntriesLayer.builder().setName("aot-cache")
                        .addEntry(cache, AbsoluteUnixPath.get(HOME + "/" + JlinkImage.APP_FOLDER + name + ".aot"), FILE,
                                TIME)
                        .build());
                image.setEntrypoint(JlinkImage.javaCommand(HOME, name, true));
            }
            try (var step = progress.step("writing the OCI image " + archive.getFileName() + " (jib)")) {
                DoubleAdder done = new DoubleAdder();
                Containerizer to = Containerizer.to(TarImage.at(partial).named("appl/" + name + ":latest"))
                        .setApplicationLayersCache(scratch.resolve("jib-cache"))
                        .setBaseImageLayersCache(scratch.resolve("jib-base-cache"))
                        .setOfflineMode(true)
                        .setToolName("applc")
                        .setToolVersion(appliance.compilerVersion())
                        .addEventHandler(ProgressEvent.class, e -> {
                            done.add(e.getAllocation().getFractionOfRoot() * e.getUnits());
                            step.detail(Math.round(Math.min(1, done.sum()) * 100) + "%");
                        });
                image.containerize(to);
            } catch (InvalidImageReferenceException | RegistryException | ExecutionException
                    | com.google.cloud.tools.jib.api.CacheDirectoryCreationException e) {
                throw new IOException("jib could not write the image: " + (e.getCause() != null ? e.getCause() : e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            Path loadable = scratch.resolve(name + "-loadable.tar");
            withDockerManifest(partial, loadable, "appl/" + name + ":latest");
            Files.move(loadable, archive, StandardCopyOption.REPLACE_EXISTING);
            return archive;
        } finally {
            JlinkImage.deleteTree(scratch);
        }
    }

    /**
     * Copies jib's OCI layout archive and adds the {@code manifest.json} of {@code docker save}'s
     * format, naming the same config and layer blobs, as {@code docker save} itself writes since
     * Docker 25: Docker releases that read only their own format load it too, and everything that
     * reads OCI layouts ignores the extra file.
     */
    static void withDockerManifest(Path oci, Path out, String tag) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(oci))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.isFile()) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        byte[] index = entries.get("index.json");
        if (index == null) {
            throw new IOException("jib wrote no index.json");
        }
        List<String> manifests = digests(index);
        if (manifests.isEmpty() || !entries.containsKey("blobs/sha256/" + manifests.getFirst())) {
            throw new IOException("jib's index.json names no manifest in the archive");
        }
        List<String> names = new ArrayList<>();
        for (String blob : digests(entries.get("blobs/sha256/" + manifests.getFirst()))) {
            names.add("\"blobs/sha256/" + blob + "\"");
        }
        String manifest = "[{\"Config\":" + names.getFirst() + ",\"RepoTags\":[\"" + tag + "\"],\"Layers\":["
                + String.join(",", names.subList(1, names.size())) + "]}]";
        entries.put("manifest.json", manifest.getBytes(UTF_8));
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                entry.setMode(0100644);
                entry.setModTime(0);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
    }

    private static final Pattern DIGEST = Pattern.compile("\"digest\"\\s*:\\s*\"sha256:([0-9a-f]{64})\"");

    /**
     * The sha256 digests (hex) an OCI index or manifest names, in order: an index's manifests; a
     * manifest's config, then its layers.
     */
    static List<String> digests(byte[] json) {
        List<String> out = new ArrayList<>();
        Matcher m = DIGEST.matcher(new String(json, UTF_8));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    // ---- Layers --------------------------------------------------------------------------------------

    /**
     * The shared libraries every ELF file of the runtime image needs, found with {@code ldd} (which
     * follows them transitively), each copied from where it resolves to the path the dynamic
     * linker is told; with the user's {@code /etc/passwd} and {@code /etc/group}.
     */
    private static FileEntriesLayer libraries(Path runtime, Path files, Progress progress) throws IOException {
        SortedMap<String, Path> libraries = new TreeMap<>();
        try (var step = progress.step("finding the shared libraries the runtime needs (ldd)")) {
            libraries.putAll(sharedLibraries(runtime));
        }
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("libraries");
        for (Map.Entry<String, Path> lib : libraries.entrySet()) {
            layer.addEntry(lib.getValue(), AbsoluteUnixPath.get(lib.getKey()), PROGRAM, TIME);
        }
        Files.createDirectories(files);
        Path passwd = Files.writeString(files.resolve("passwd"),
                "appl:x:" + UID + ":" + UID + ":appliance:/nonexistent:/nonexistent\n", UTF_8);
        Path group = Files.writeString(files.resolve("group"), "appl:x:" + UID + ":\n", UTF_8);
        layer.addEntry(group, AbsoluteUnixPath.get("/etc/group"), FILE, TIME);
        layer.addEntry(passwd, AbsoluteUnixPath.get("/etc/passwd"), FILE, TIME);
        return layer.build();
    }

    /** {@code ldd FILE}'s lines: {@code libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)}, or the linker's own. */
    private static final Pattern LDD_LINE = Pattern.compile("^\\s*(?:(\\S+) => )?(/\\S+) \\(0x[0-9a-f]+\\)$");

    /**
     * The shared libraries the image's ELF files need, by the path the linker opens, each with the
     * file that path resolves to on this machine; libraries of the image itself are left out.
     */
    static SortedMap<String, Path> sharedLibraries(Path runtime) throws IOException {
        Path ldd = JlinkImage.onPath("ldd");
        if (ldd == null) {
            throw new IOException("an OCI image needs ldd (Debian package libc-bin) to find the shared libraries"
                    + " of the runtime");
        }
        List<Path> elves;
        try (Stream<Path> all = Files.walk(runtime)) {
            elves = all.filter(JlinkImage::isElf).sorted().toList();
        }
        Set<String> ownNames = new HashSet<>();
        for (Path elf : elves) {
            ownNames.add(elf.getFileName().toString());
        }
        Path real = runtime.toRealPath();
        SortedMap<String, Path> found = new TreeMap<>();
        for (Path elf : elves) {
            Process p = new ProcessBuilder(ldd.toString(), elf.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), UTF_8);
            int status = JlinkImage.waitFor(p);
            for (String line : output.lines().toList()) {
                // The JDK's libraries find libjvm.so because the java launcher loaded it first.
                String missing = line.strip().split(" ")[0];
                if (line.contains("not found") && !ownNames.contains(missing)) {
                    throw new IOException("ldd " + elf + ": " + line.strip() + "; install that library to build the"
                            + " image");
                }
                Matcher m = LDD_LINE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                Path file = Path.of(m.group(2)).toRealPath();
                if (!file.startsWith(real)) {
                    found.put(m.group(2), file);
                }
            }
            if (status != 0 && !output.contains("not a dynamic executable") && !output.contains("statically linked")) {
                throw new IOException("ldd " + elf + " failed: " + output.strip());
            }
        }
        return found;
    }

    /** The runtime image but the appliance's own folder. */
    private static FileEntriesLayer jdk(Path runtime) throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("jdk");
        List<Path> all;
        try (Stream<Path> walk = Files.walk(runtime)) {
            all = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
        for (Path f : all) {
            String rel = runtime.relativize(f).toString();
            if (rel.startsWith(JlinkImage.APP_FOLDER) || rel.startsWith("bin/") && !rel.equals("bin/java")) {
                continue;
            }
            layer.addEntry(f, AbsoluteUnixPath.get(HOME + "/" + rel), Files.isExecutable(f) ? PROGRAM : FILE, TIME);
        }
        return layer.build();
    }

    /**
     * The jar, the working folder (owned by the appliance's user, made from {@code files}'s empty
     * folder), and the files named by the defaults of path params that are beside the spec.
     */
    private static FileEntriesLayer appliance(Path runtime, String name, Descriptor appliance, Path specFolder,
            Path files) throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("appliance");
        Path empty = Files.createDirectories(files.resolve("empty"));
        layer.addEntry(empty, AbsoluteUnixPath.get(workDir(name)), PROGRAM, TIME, UID + ":" + UID);
        layer.addEntry(runtime.resolve(JlinkImage.APP_FOLDER + name + ".jar"),
                AbsoluteUnixPath.get(HOME + "/" + JlinkImage.APP_FOLDER + name + ".jar"), FILE, TIME);
        for (Map.Entry<String, Path> data : dataFiles(appliance, specFolder).entrySet()) {
            layer.addEntry(data.getValue(), AbsoluteUnixPath.get(workDir(name) + "/" + data.getKey()), FILE, TIME);
        }
        return layer.build();
    }

    /**
     * The files the defaults of path params name that exist beside the spec (a rules file, a zone),
     * by their path relative to the working folder; none that would land outside it.
     */
    public static SortedMap<String, Path> dataFiles(Descriptor appliance, Path specFolder) {
        SortedMap<String, Path> files = new TreeMap<>();
        for (Descriptor.Param p : appliance.params()) {
            if (p.type().kind() != ParamType.Kind.PATH || !(p.value() instanceof String text) || text.isEmpty()) {
                continue;
            }
            Path rel = Path.of(text).normalize();
            if (rel.isAbsolute() || rel.startsWith("..") || !Files.isRegularFile(specFolder.resolve(rel))) {
                continue;
            }
            files.put(rel.toString(), specFolder.resolve(rel));
        }
        return files;
    }

    // ---- Configuration -------------------------------------------------------------------------------

    /** {@code udp:HOST:PORT} and {@code tcp:HOST:PORT} bindings: the network ports the appliance listens on. */
    private static final Pattern NETWORK_BINDING = Pattern.compile("^(udp|tcp):(.*):(\\d{1,5})$");
    /** The hosts of loopback addresses. */
    private static final Pattern LOOPBACK_HOST = Pattern.compile("^(127\\.[0-9.]+|localhost|\\[::1\\])$");

    /** Whether a default binding is {@code udp:} or {@code tcp:} on a loopback address. */
    static boolean onLoopback(String binding) {
        Matcher m = binding == null ? null : NETWORK_BINDING.matcher(binding);
        return m != null && m.matches() && LOOPBACK_HOST.matcher(m.group(2)).matches();
    }

    /** The ports the image exposes: those its appliance listens on by default on an address other than loopback. */
    static List<Port> exposedPorts(Descriptor appliance) {
        return networkPorts(appliance, false);
    }

    /** The network ports the appliance listens on by default, those on loopback when {@code loopback}. */
    static List<Port> networkPorts(Descriptor appliance, boolean loopback) {
        SortedSet<String> seen = new TreeSet<>();
        List<Port> ports = new ArrayList<>();
        for (Descriptor.Port p : appliance.ports()) {
            Matcher m = p.binding() == null ? null : NETWORK_BINDING.matcher(p.binding());
            if (m != null && m.matches() && (loopback || !onLoopback(p.binding()))
                    && Integer.parseInt(m.group(3)) <= 65535 && seen.add(m.group(3) + m.group(1))) {
                int number = Integer.parseInt(m.group(3));
                ports.add(m.group(1).equals("udp") ? Port.udp(number) : Port.tcp(number));
            }
        }
        return ports;
    }

    /** What the image says of the appliance, in labels {@code dev.appl.*} and the OCI title. */
    static Map<String, String> labels(Descriptor appliance) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("org.opencontainers.image.title", appliance.appliance());
        labels.put(LABEL + "appliance", appliance.appliance());
        labels.put(LABEL + "compiler", appliance.compilerVersion());
        labels.put(LABEL + "spec", appliance.specFile());
        labels.put(LABEL + "spec.sha256", appliance.specSha256());
        List<String> ports = new ArrayList<>();
        for (Descriptor.Port p : appliance.ports()) {
            ports.add(p.name() + " " + p.kind() + (p.binding() == null ? "" : " = " + p.binding()));
        }
        labels.put(LABEL + "ports", String.join("; ", ports));
        List<String> params = new ArrayList<>();
        for (Descriptor.Param p : appliance.params()) {
            params.add(p.name() + " " + p.type().text() + (p.value() == null ? "" : " = "
                    + ParamLiterals.show(p.type(), p.value())) + (p.build() ? " (build)" : ""));
        }
        labels.put(LABEL + "params", String.join("; ", params));
        return labels;
    }
}
