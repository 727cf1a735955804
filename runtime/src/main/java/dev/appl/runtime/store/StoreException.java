package dev.appl.runtime.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A store file that cannot be used as it is: foreign (not an appl store of the expected kind),
 * of another version, corrupt, or made with other settings. The message names the file and says
 * what is wrong with it; the file is left untouched.
 */
public final class StoreException extends IOException {
    private final Path file;

    public StoreException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
