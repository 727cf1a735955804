package dev.appl.lsp;

import java.net.URI;
import java.nio.file.Path;

/** An open editor buffer: what the client calls it, where it would be on disk, and its text. */
record Document(String uri, Path path, int version, String text) {
    /**
     * The file a URI names. Buffers that are not files yet (VS Code's {@code untitled:}) get a path
     * of their own under the working folder, so that they are still checked; their imports of local
     * modules resolve against that folder.
     */
    static Path pathOf(String uri) {
        try {
            URI parsed = URI.create(uri);
            if ("file".equals(parsed.getScheme())) {
                return Path.of(parsed).toAbsolutePath().normalize();
            }
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            // Not a file URI: fall through to a made-up path.
        }
        String name = uri.replaceAll("[^A-Za-z0-9_.-]", "_");
        return Path.of("").toAbsolutePath().resolve(name.endsWith(".appl") ? name : name + ".appl");
    }
}
