package io.samsa.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 a JVM appending with flush.messages=1; every acknowledged batch must be there after recovery. This checks
 * that an acknowledgement follows the write and that recovery of an unclean shutdown keeps it; it cannot tell whether
 * fsync happened, since the page cache outlives the process. The fsync claim is {@link PowerLossDurabilityTest}'s (a
 * simulated disk that drops what was not forced), and {@link LogCrashSimulationTest}'s at every kind of crash point.
 */
class KillDurabilityTest {
    private static final int ACKS_BEFORE_KILL = 300;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedBatchSurvivesKill9() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", DurabilityChild.class.getName(), dir.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process child = pb.start();
        Map<Long, String> acked = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (acked.size() < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 3 && parts[0].equals("ACK")) {
                    acked.put(Long.parseLong(parts[1]), parts[2]);
                }
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(ACKS_BEFORE_KILL, acked.size(), "the child stopped early (exit " + child.exitValue() + ")");
        try (LogManager m = LogManager.builder(dir).scheduler(new TestLogs.ManualScheduler()).build()) {
            assertFalse(m.startedClean());
            Log log = m.get("d", 0);
            assertTrue(log.logEndOffset() >= ACKS_BEFORE_KILL);
            Map<Long, String> found = TestLogs.readAll(log, 0);
            for (Map.Entry<Long, String> e : acked.entrySet()) {
                assertEquals(e.getValue(), found.get(e.getKey()), "acknowledged offset " + e.getKey());
            }
        }
    }
}
