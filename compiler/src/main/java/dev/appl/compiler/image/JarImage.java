package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.appl.compiler.codegen.Codegen;
import dev.appl.runtime.kernel.Kernel;
import dev.appl.runtime.launch.Descriptor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.time.LocalDateTime;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Writes an appliance's image as a runnable jar: {@code java -jar NAME.jar} starts
 * {@value #MAIN_CLASS}, which runs the appliance's kernel over pcap traces. The jar holds the
 * generated kernel class, the {@link Descriptor} ({@value Descriptor#RESOURCE}), the spec's text
 * ({@code META-INF/appl/spec/FILE}) and the classes of the runtime module that the kernel and the
 * launcher reach ({@link RuntimeReach}); nothing of the compiler, the front end, ANTLR or picocli.
 *
 * <p>The jar is reproducible: the manifest first, then every entry (with its folders) in name
 * order, each stamped 2026-01-01T00:00:00 (the project's {@code project.build.outputTimestamp}),
 * no extra fields or comments. The same spec built with the same compiler and runtime gives the
 * same bytes.
 */
public final class JarImage {
    /** The launcher every image starts. */
    public static final String MAIN_CLASS = "dev.appl.runtime.launch.Main";
    /** The package of the runtime's classes, as jar entry names start. */
    static final String RUNTIME_PACKAGE = "dev/appl/runtime/";
    /** When every entry was last modified, as far as the jar says. */
    static final LocalDateTime TIMESTAMP = LocalDateTime.of(2026, 1, 1, 0, 0, 0);

    private JarImage() {}

    /** The file name an appliance's image gets: its name in kebab case ({@code LoadBalancer} is {@code load-balancer}). */
    public static String fileName(String appliance) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < appliance.length(); i++) {
            char c = appliance.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                char before = appliance.charAt(i - 1);
                boolean nextLower = i + 1 < appliance.length() && Character.isLowerCase(appliance.charAt(i + 1));
                if (Character.isLowerCase(before) || Character.isDigit(before)
                        || (Character.isUpperCase(before) && nextLower)) {
                    s.append('-');
                }
            }
            s.append(c == '_' ? '-' : Character.toLowerCase(c));
        }
        return s + ".jar";
    }

    /** The name of an appliance's images: {@link #fileName} without {@code .jar}. */
    public static String baseName(String appliance) {
        String file = fileName(appliance);
        return file.substring(0, file.length() - ".jar".length());
    }

    /**
     * Writes {@code dir/NAME.jar} ({@link #fileName}); creates {@code dir} if need be.
     *
     * @param jar the jar's bytes ({@link #bytes})
     * @return the jar written
     */
    public static Path write(Path dir, String appliance, byte[] jar) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(fileName(appliance));
        // Written beside and moved in place, so that a jar that is running is never seen half written.
        Path partial = dir.resolve(file.getFileName() + ".partial");
        Files.write(partial, jar);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /**
     * The jar's bytes.
     *
     * @param spec    the spec's bytes, stored at {@link Descriptor#specResource()}
     * @param version the compiler's version, for the manifest's {@code Created-By}
     */
    public static byte[] bytes(Codegen.Generated kernel, Descriptor descriptor, byte[] spec, String version)
            throws IOException {
        SortedMap<String, byte[]> entries = new TreeMap<>(RuntimeReach.of(List.of(kernel.bytes()),
                MAIN_CLASS.replace('.', '/') + ".class", runtimeFiles(),
                descriptor.ports().stream().map(Descriptor.Port::kind).collect(Collectors.toSet())));
        entries.put(kernel.className().replace('.', '/') + ".class", kernel.bytes());
        entries.put(Descriptor.RESOURCE, descriptor.format().getBytes(UTF_8));
        entries.put(descriptor.specResource(), spec);
        return jar(manifest(version), entries);
    }

    static String manifest(String version) {
        return "Manifest-Version: 1.0\r\n"
                + "Main-Class: " + MAIN_CLASS + "\r\n"
                // The live drivers call libc through java.lang.foreign (restricted methods).
                + "Enable-Native-Access: ALL-UNNAMED\r\n"
                + "Created-By: applc " + version + "\r\n"
                + "\r\n";
    }

    /** A jar of {@code entries} with their folders, the manifest first. */
    static byte[] jar(String manifest, SortedMap<String, byte[]> entries) throws IOException {
        TreeSet<String> folders = new TreeSet<>();
        for (String name : entries.keySet()) {
            for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
                folders.add(name.substring(0, slash + 1));
            }
        }
        folders.remove("META-INF/");
        SortedMap<String, byte[]> all = new TreeMap<>(entries);
        for (String f : folders) {
            all.put(f, null);
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(buffer, UTF_8)) {
            put(zip, "META-INF/", null);
            put(zip, "META-INF/MANIFEST.MF", manifest.getBytes(UTF_8));
            for (Map.Entry<String, byte[]> e : all.entrySet()) {
                put(zip, e.getKey(), e.getValue());
            }
        }
        return buffer.toByteArray();
    }

    /** One entry; a folder when {@code bytes} is null. */
    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(TIMESTAMP);
        if (bytes == null) {
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(0);
            entry.setCompressedSize(0);
            entry.setCrc(new CRC32().getValue());
            zip.putNextEntry(entry);
        } else {
            entry.setMethod(ZipEntry.DEFLATED);
            zip.putNextEntry(entry);
            zip.write(bytes);
        }
        zip.closeEntry();
    }

    /**
     * Every file of the runtime module under {@value #RUNTIME_PACKAGE}, by entry name, read from
     * where the compiler itself loads the runtime: its jar, or its classes folder in a development
     * build.
     */
    static SortedMap<String, byte[]> runtimeFiles() throws IOException {
        CodeSource source = Kernel.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new IOException("cannot find the runtime's classes: " + Kernel.class.getName() + " has no code source");
        }
        Path location;
        try {
            location = Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("cannot find the runtime's classes at " + source.getLocation() + ": " + e.getMessage());
        }
        SortedMap<String, byte[]> classes = new TreeMap<>();
        if (Files.isDirectory(location)) {
            Path root = location.resolve(RUNTIME_PACKAGE);
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String name = location.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
                    classes.put(name, Files.readAllBytes(f));
                }
            }
        } else {
            try (ZipFile jar = new ZipFile(location.toFile())) {
                Enumeration<? extends ZipEntry> all = jar.entries();
                while (all.hasMoreElements()) {
                    ZipEntry e = all.nextElement();
                    if (!e.isDirectory() && e.getName().startsWith(RUNTIME_PACKAGE)) {
                        try (var in = jar.getInputStream(e)) {
                            classes.put(e.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        }
        if (classes.isEmpty()) {
            throw new IOException("no runtime classes in " + location);
        }
        return classes;
    }
}
