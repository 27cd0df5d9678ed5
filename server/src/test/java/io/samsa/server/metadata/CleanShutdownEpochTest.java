package io.samsa.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker epoch of a clean shutdown (KIP-966): read once, only with clean logs, -1 otherwise. */
class CleanShutdownEpochTest {
    @TempDir
    Path dir;

    @Test
    void aSavedEpochIsReadOnceAfterACleanShutdown() {
        assertEquals(-1, CleanShutdownEpoch.take(dir, true));
        CleanShutdownEpoch.save(dir, 42);
        assertEquals(42, CleanShutdownEpoch.take(dir, true));
        // Taken: a crash of this run must not find it again.
        assertFalse(Files.exists(dir.resolve(CleanShutdownEpoch.FILE)));
        assertEquals(-1, CleanShutdownEpoch.take(dir, true));
    }

    @Test
    void logsThatDidNotCloseCleanlyOrAnUnreadableFileMeanAnUncleanShutdown() throws Exception {
        CleanShutdownEpoch.save(dir, 42);
        assertEquals(-1, CleanShutdownEpoch.take(dir, false));
        assertFalse(Files.exists(dir.resolve(CleanShutdownEpoch.FILE)));
        Files.writeString(dir.resolve(CleanShutdownEpoch.FILE), "not a number");
        assertEquals(-1, CleanShutdownEpoch.take(dir, true));
    }
}
