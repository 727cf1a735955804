package dev.appl.lsp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The standard library as files an editor can open. {@code applc check} reads {@code std.*}
 * modules from the compiler's resources; the editor needs real files to jump into, so the server
 * copies the packaged stdlib into a folder of its own, once per start, and reads it from there.
 * A spec that lies inside a {@code stdlib} folder (the repository's own) is checked against that
 * folder instead, as {@code applc check} does.
 */
final class StdlibFolder {
    private StdlibFolder() {}

    /** The {@code stdlib} folder holding {@code file}, or null. */
    static Path enclosing(Path file) {
        for (Path dir = file.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (dir.getFileName() != null && dir.getFileName().toString().equals("stdlib")
                    && Files.isDirectory(dir.resolve("std"))) {
                return dir;
            }
        }
        return null;
    }

    /** Copies the packaged stdlib into a new temporary folder, which is removed when the JVM exits. */
    static Path extract() throws IOException {
        Path target = Files.createTempDirectory("appl-stdlib-");
        URL marker = StdlibFolder.class.getClassLoader().getResource("stdlib/std");
        if (marker == null) {
            throw new IOException("the stdlib is not packaged with this build");
        }
        URI uri;
        try {
            uri = marker.toURI();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (uri.getScheme().equals("jar")) {
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                copy(jar.getPath("/stdlib"), target);
            }
        } else {
            copy(Path.of(uri).getParent(), target);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(target)));
        return target;
    }

    /** The dotted names of the stdlib modules below a stdlib folder, sorted. */
    static List<String> modules(Path stdlib) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(stdlib.resolve("std"))) {
            walk.filter(p -> p.toString().endsWith(".appl")).forEach(p -> {
                String relative = stdlib.relativize(p).toString().replace(p.getFileSystem().getSeparator(), ".");
                names.add(relative.substring(0, relative.length() - ".appl".length()));
            });
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
        names.sort(null);
        return names;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    try (InputStream in = Files.newInputStream(p)) {
                        Files.copy(in, dest);
                    }
                    dest.toFile().setReadOnly();
                }
            }
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a temporary folder left behind is harmless.
        }
    }
}
