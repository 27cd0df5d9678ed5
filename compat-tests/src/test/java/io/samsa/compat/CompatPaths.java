package io.samsa.compat;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the compat-tests directory is: {@code -Dcompat.root}, else found from the working directory. */
public final class CompatPaths {
    private CompatPaths() {
    }

    public static Path root() {
        String prop = System.getProperty("compat.root");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath();
        }
        Path cwd = Path.of("").toAbsolutePath();
        return Files.isDirectory(cwd.resolve("compat-tests")) ? cwd.resolve("compat-tests") : cwd;
    }
}
