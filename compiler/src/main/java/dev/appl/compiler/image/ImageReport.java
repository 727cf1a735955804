package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.appl.runtime.launch.Descriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * What an image holds, read back from the image alone: the appliance's descriptor and spec, and
 * where every byte of it goes. Reads the three kinds {@code applc build} writes: a jar, a runtime
 * image (a folder) and an OCI image archive.
 *
 * <p>The parts are the same for every kind: the JDK's modules ({@code lib/modules}), the JVM and
 * the JDK's native code, the JDK's other files (configuration, legal notices, time zones), the
 * shared libraries of the system (OCI only), the runtime's classes, the generated code, the spec
 * and descriptor, the AOT cache, the launcher, data files, and the structure of the containers
 * (zip headers and directory, tar headers, OCI manifests). A part's bytes are the bytes it takes
 * in the file reported on: compressed in a jar, uncompressed in a runtime image; an OCI archive's
 * layers are compressed as a whole, so each layer is one part of the archive, and what is inside
 * it is reported as uncompressed bytes under it.
 */
public record ImageReport(String kind, Descriptor appliance, byte[] spec, long total, List<Part> parts) {
    /** A part of the image and its bytes; {@code inside} breaks down a compressed part (uncompressed bytes). */
    public record Part(String name, long bytes, List<Part> inside) {
        Part(String name, long bytes) {
            this(name, bytes, List.of());
        }
    }

    public static final String MODULES = "JDK modules";
    public static final String NATIVE = "JVM and JDK native code";
    public static final String JDK_FILES = "JDK other files";
    public static final String LIBRARIES = "shared libraries and users";
    public static final String RUNTIME = "runtime classes";
    public static final String GENERATED = "generated code";
    public static final String SPEC = "spec and descriptor";
    public static final String AOT = "AOT cache";
    public static final String LAUNCHER = "launcher";
    public static final String DATA = "data files";
    public static final String JAR_STRUCTURE = "jar headers and directory";

    /**
     * Reads an image.
     *
     * @throws IOException with a one-line message when it is not an image applc built
     */
    public static ImageReport of(Path image) throws IOException {
        if (Files.isDirectory(image)) {
            return runtimeImage(image);
        }
        if (!Files.isRegularFile(image)) {
            throw new IOException("no image at " + image);
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(image)) {
            head = in.readNBytes(512);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K') {
            return jar(image);
        }
        if (head.length == 512 && new String(head, 257, 5, UTF_8).equals("ustar")) {
            return ociArchive(image);
        }
        throw new IOException(image + " is not an image applc built: neither a jar, a runtime image nor an OCI archive");
    }

    // ---- Jars --------------------------------------------------------------------------------------

    private static ImageReport jar(Path file) throws IOException {
        Jar jar = readJar(file);
        return new ImageReport("jar", jar.appliance, jar.spec, Files.size(file), jar.parts(Files.size(file)));
    }

    /** A jar's descriptor, spec and the compressed bytes of its entries by part. */
    private record Jar(Descriptor appliance, byte[] spec, Map<String, Long> bytes) {
        /** The parts, with what the entries do not take as the jar's structure. */
        List<Part> parts(long size) {
            List<Part> parts = new ArrayList<>();
            long entries = 0;
            for (Map.Entry<String, Long> e : bytes.entrySet()) {
                parts.add(new Part(e.getKey(), e.getValue()));
                entries += e.getValue();
            }
            parts.add(new Part(JAR_STRUCTURE, size - entries));
            return parts;
        }
    }

    private static Jar readJar(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry d = zip.getEntry(Descriptor.RESOURCE);
            if (d == null) {
                throw new IOException(file + " is not an image applc built: it has no " + Descriptor.RESOURCE);
            }
            Descriptor appliance;
            try {
                appliance = Descriptor.parse(new String(zip.getInputStream(d).readAllBytes(), UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": its descriptor cannot be read: " + e.getMessage());
            }
            ZipEntry s = zip.getEntry(appliance.specResource());
            if (s == null) {
                throw new IOException(file + " has no " + appliance.specResource() + ", where its descriptor puts the spec");
            }
            byte[] spec = zip.getInputStream(s).readAllBytes();
            Map<String, Long> bytes = new LinkedHashMap<>();
            bytes.put(GENERATED, 0L);
            bytes.put(RUNTIME, 0L);
            bytes.put(SPEC, 0L);
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry e = all.nextElement();
                if (e.isDirectory() || e.getName().equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                String part = e.getName().startsWith(JarImage.RUNTIME_PACKAGE) ? RUNTIME
                        : e.getName().startsWith("META-INF/appl/") ? SPEC : GENERATED;
                bytes.merge(part, e.getCompressedSize(), Long::sum);
            }
            return new Jar(appliance, spec, bytes);
        } catch (ZipException e) {
            throw new IOException(file + " is not a readable jar: " + e.getMessage());
        }
    }

    // ---- Runtime images ----------------------------------------------------------------------------

    private static ImageReport runtimeImage(Path image) throws IOException {
        Path appFolder = image.resolve(JlinkImage.APP_FOLDER);
        if (!Files.isRegularFile(image.resolve("release")) || !Files.isDirectory(appFolder)) {
            throw new IOException(image + " is not an image applc built: a runtime image has a release file and "
                    + JlinkImage.APP_FOLDER);
        }
        Path jarFile;
        try (Stream<Path> jars = Files.list(appFolder)) {
            List<Path> found = jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            if (found.size() != 1) {
                throw new IOException(image + ": " + JlinkImage.APP_FOLDER + " holds " + found.size()
                        + " jars, not the appliance's one");
            }
            jarFile = found.getFirst();
        }
        String name = jarFile.getFileName().toString().replaceFirst("\\.jar$", "");
        Jar jar = readJar(jarFile);
        Map<String, Long> bytes = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> all = Files.walk(image)) {
            files = all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
        long total = 0;
        for (Path f : files) {
            String rel = image.relativize(f).toString();
            long size = Files.size(f);
            total += size;
            if (f.equals(jarFile)) {
                continue;
            }
            bytes.merge(runtimeImagePart(rel, name, f), size, Long::sum);
        }
        List<Part> parts = new ArrayList<>();
        for (String part : List.of(MODULES, NATIVE, JDK_FILES)) {
            parts.add(new Part(part + (part.equals(MODULES) ? " (" + modules(image) + ")" : ""),
                    bytes.getOrDefault(part, 0L)));
        }
        parts.addAll(jar.parts(Files.size(jarFile)));
        for (String part : List.of(AOT, LAUNCHER)) {
            if (bytes.containsKey(part)) {
                parts.add(new Part(part, bytes.get(part)));
            }
        }
        return new ImageReport("runtime image", jar.appliance, jar.spec, total, parts);
    }

    /** The part a file of a runtime image belongs to, by its path in the image. */
    private static String runtimeImagePart(String rel, String name, Path file) {
        if (rel.equals("lib/modules")) {
            return MODULES;
        }
        if (rel.equals(JlinkImage.APP_FOLDER + name + ".aot")) {
            return AOT;
        }
        if (rel.equals("bin/" + name)) {
            return LAUNCHER;
        }
        return JlinkImage.isElf(file) ? NATIVE : JDK_FILES;
    }

    /** The modules a runtime image's {@code release} file lists. */
    private static String modules(Path image) throws IOException {
        Matcher m = Pattern.compile("(?m)^MODULES=\"([^\"]*)\"").matcher(Files.readString(image.resolve("release"), UTF_8));
        return m.find() ? m.group(1).replace(' ', ',') : "?";
    }

    // ---- OCI archives ------------------------------------------------------------------------------

    private static final Pattern COMMENT = Pattern.compile("\"comment\"\\s*:\\s*\"([^\"]*)\"");

    private static ImageReport ociArchive(Path archive) throws IOException {
        // Blobs by digest; the archive is read once, layers kept compressed (they are what it holds).
        Map<String, byte[]> blobs = new HashMap<>();
        byte[] index = null;
        long entryBytes = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                byte[] data = tar.readAllBytes();
                entryBytes += data.length;
                if (e.getName().equals("index.json")) {
                    index = data;
                } else if (e.getName().startsWith("blobs/sha256/")) {
                    blobs.put(e.getName().substring("blobs/sha256/".length()), data);
                }
            }
        } catch (IOException e) {
            throw new IOException(archive + " is not a readable tar archive: " + e.getMessage());
        }
        if (index == null) {
            throw new IOException(archive + " is not an OCI image archive: it has no index.json");
        }
        List<String> manifests = OciImage.digests(index);
        if (manifests.isEmpty()) {
            throw new IOException(archive + ": index.json names no manifest");
        }
        List<String> digests = OciImage.digests(blob(blobs, manifests.getFirst(), archive));
        if (digests.size() < 2) {
            throw new IOException(archive + ": its manifest names no layers");
        }
        byte[] config = blob(blobs, digests.getFirst(), archive);
        List<String> layerNames = new ArrayList<>();
        Matcher c = COMMENT.matcher(new String(config, UTF_8));
        while (c.find()) {
            layerNames.add(c.group(1));
        }
        Jar jar = null;
        List<Part> parts = new ArrayList<>();
        long layerBytes = 0;
        for (int i = 1; i < digests.size(); i++) {
            byte[] layer = blob(blobs, digests.get(i), archive);
            layerBytes += layer.length;
            String layerName = i - 1 < layerNames.size() ? layerNames.get(i - 1) : "layer " + i;
            LayerContents contents = layerContents(layer, archive);
            if (contents.jar != null) {
                jar = contents.jar;
            }
            parts.add(new Part("layer `" + layerName + "` (gzip)", layer.length, contents.parts));
        }
        if (jar == null) {
            throw new IOException(archive + " is not an image applc built: no layer holds an appliance jar under "
                    + OciImage.HOME + "/" + JlinkImage.APP_FOLDER);
        }
        long total = Files.size(archive);
        parts.add(new Part("OCI index, manifest and config", entryBytes - layerBytes));
        parts.add(new Part("tar headers and padding", total - entryBytes));
        return new ImageReport("OCI image archive", jar.appliance, jar.spec, total, parts);
    }

    private record LayerContents(List<Part> parts, Jar jar) {}

    /** What a layer holds, by part (uncompressed), and the appliance's jar if it is in this layer. */
    private static LayerContents layerContents(byte[] layer, Path archive) throws IOException {
        Map<String, Long> bytes = new LinkedHashMap<>();
        Jar jar = null;
        String app = OciImage.HOME.substring(1) + "/" + JlinkImage.APP_FOLDER;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName().startsWith("/") ? e.getName().substring(1) : e.getName();
                if (name.startsWith(app) && name.endsWith(".jar")) {
                    Path tmp = Files.createTempFile("applc-inspect-", ".jar");
                    try {
                        Files.write(tmp, tar.readAllBytes());
                        jar = readJar(tmp);
                        for (Part p : jar.parts(Files.size(tmp))) {
                            bytes.merge(p.name(), p.bytes(), Long::sum);
                        }
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                    continue;
                }
                String part;
                if (name.startsWith(OciImage.HOME.substring(1) + "/")) {
                    String rel = name.substring(OciImage.HOME.length());
                    part = rel.equals("lib/modules") ? MODULES : rel.endsWith(".aot") ? AOT
                            : isElf(tar) ? NATIVE : JDK_FILES;
                } else {
                    part = name.startsWith("srv/") ? DATA : LIBRARIES;
                }
                bytes.merge(part, e.getSize(), Long::sum);
            }
        } catch (IOException e) {
            throw new IOException(archive + ": a layer cannot be read: " + e.getMessage());
        }
        List<Part> parts = new ArrayList<>();
        bytes.forEach((name, size) -> parts.add(new Part(name, size)));
        return new LayerContents(parts, jar);
    }

    /** Whether the current entry of {@code tar} starts as an ELF file does (reads it). */
    private static boolean isElf(TarArchiveInputStream tar) throws IOException {
        byte[] magic = tar.readNBytes(4);
        return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
    }

    private static byte[] blob(Map<String, byte[]> blobs, String digest, Path archive) throws IOException {
        byte[] blob = blobs.get(digest);
        if (blob == null) {
            throw new IOException(archive + " lacks the blob sha256:" + digest);
        }
        return blob;
    }

    // ---- Printing ----------------------------------------------------------------------------------

    /** The report as {@code applc inspect} prints it (without the spec's text). */
    public String format() {
        StringBuilder s = new StringBuilder();
        s.append(appliance.appliance()).append(", ").append(kind).append('\n');
        s.append("  spec      ").append(appliance.specFile()).append(" (").append(spec.length).append(" bytes)\n");
        s.append("  sha256    ").append(appliance.specSha256())
                .append(ImageDescriptor.sha256(spec).equals(appliance.specSha256()) ? "" : "  (not the spec's: the image was altered)")
                .append('\n');
        s.append("  compiler  applc ").append(appliance.compilerVersion()).append('\n');
        s.append("size: ").append(String.format(Locale.ROOT, "%,d", total)).append(" bytes\n");
        for (Part p : parts) {
            s.append(row("  ", p.name(), p.bytes(), total));
            for (Part in : p.inside()) {
                s.append(row("      ", in.name(), in.bytes(), -1));
            }
        }
        return s.toString();
    }

    private static String row(String indent, String name, long bytes, long total) {
        String share = total > 0 ? String.format(Locale.ROOT, "  %5.1f%%", 100.0 * bytes / total) : "";
        return String.format(Locale.ROOT, "%s%-" + (44 - indent.length()) + "s %,14d%s%n", indent, name, bytes, share);
    }
}
