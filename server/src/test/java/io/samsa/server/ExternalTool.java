package io.samsa.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs a client or tool outside the JVM (kcat, Python clients, Kafka's scripts) for the *ToolsIT tests. */
public final class ExternalTool {
    private ExternalTool() {
    }

    /** What a run printed (stdout and stderr together) and its exit code. */
    public record Run(int exit, String out) {
    }

    /** Runs {@code cmd} with {@code stdin} (null: none); fails the test when it takes longer than {@code timeoutS}. */
    public static Run run(List<String> cmd, String stdin, long timeoutS) throws Exception {
        Path out = Files.createTempFile("external-tool", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutS + " s: "
                        + Files.readString(out));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Skips the test, saying why, unless {@code ok}. */
    public static void assume(boolean ok, String reason) {
        if (!ok) {
            System.out.println("Skipping: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
    }
}
