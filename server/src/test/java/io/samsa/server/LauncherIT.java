package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher, {@code scripts/samsa start}, as a user runs it: a listener whose security protocol is not served
 * stops start-up with a message naming it. Runs the jar this build packaged ({@code SAMSA_SKIP_BUILD=1}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherIT {
    private static final Path ROOT = repositoryRoot();
    private static final Path SCRIPT = ROOT.resolve("scripts/samsa");

    @Test
    void aListenerWhoseProtocolIsNotServedStopsStartUpWithItsName(@TempDir Path dir) throws Exception {
        int port = freePort();
        Process p = launcher(dir, List.of("start", "--data-dir", dir.resolve("data").toString(),
                "--override", "listeners=SASL_SSL://127.0.0.1:" + port));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit");
        String out = Files.readString(dir.resolve("launcher.out"));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("samsa: Listener SASL_SSL (listeners=SASL_SSL://127.0.0.1:" + port
                + ") uses security protocol SASL_SSL (from its name), which Samsa does not serve yet"), out);
        assertFalse(out.contains("Samsa started"), out);
    }

    private static Process launcher(Path dir, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("launcher.out").toFile());
        pb.environment().put("SAMSA_SKIP_BUILD", "1");
        return pb.start();
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("scripts/samsa"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("scripts/samsa not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
