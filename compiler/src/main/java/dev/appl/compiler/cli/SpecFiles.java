package dev.appl.compiler.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Expands the paths a user names into the spec files they mean: files as given, folders searched for *.appl. */
final class SpecFiles {
    private SpecFiles() {}

    /** @throws IOException naming the first path that does not exist or cannot be listed */
    static List<Path> expand(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".appl"))
                            .sorted()
                            .forEach(files::add);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            } else if (Files.exists(p)) {
                files.add(p);
            } else {
                throw new java.nio.file.NoSuchFileException(p.toString());
            }
        }
        return files;
    }

    /**
     * The stdlib folder to read {@code std.*} from: the one given, or the {@code stdlib} folder that
     * holds one of the named paths (so that editing the stdlib is checked against itself), or null
     * for the stdlib packaged with the compiler.
     */
    static Path stdlibFor(Path given, List<Path> paths) {
        if (given != null) {
            return given;
        }
        for (Path p : paths) {
            for (Path dir = p.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
                if (dir.getFileName() != null && dir.getFileName().toString().equals("stdlib")
                        && Files.isDirectory(dir.resolve("std"))) {
                    return dir;
                }
            }
        }
        return null;
    }
}
