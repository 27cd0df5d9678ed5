package io.samsa.wire.codegen;

import java.nio.file.Files;
import java.nio.file.Path;

/** Placeholder entry point; replaced by the real generator. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Files.createDirectories(Path.of(args[2]));
    }
}
