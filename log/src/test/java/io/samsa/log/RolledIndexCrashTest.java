package io.samsa.log;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A segment's indexes are finished when it rolls (its final time-index entry, both files trimmed) while the recovery
 * point may already sit at its end, which is the new segment's base. Recovery trusts the indexes of every segment
 * below the one holding the checkpointed recovery point, so the rolled segment's finished indexes must be on disk
 * before that checkpoint can name the new segment. Found by the crash simulation ({@code LogCrashSimulationTest}): a crash right after such
 * a roll (or after a clean close that did not force them) left a trimmed time index of zeros, which passed the
 * sanity check, so the segment's max timestamp became 0: ListOffsets by time skipped it and time retention took it
 * for expired. Each seed is one crash image of that window.
 */
class RolledIndexCrashTest {
    private static final long T0 = SimNode.T0;
    private static final int SEEDS = 200;
    /** Three batches of two records fill a segment; the fourth rolls. */
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.SEGMENT_BYTES, "300", LogConfig.INDEX_INTERVAL_BYTES, "4096",
            LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.RETENTION_MS, "600000"));

    @Test
    void aCrashRightAfterARollKeepsTheRolledSegmentsTimestamps() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            crashAfterRoll(seed, false);
        }
    }

    @Test
    void aCrashRightAfterACleanCloseKeepsTheRolledSegmentsTimestamps() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            crashAfterRoll(seed, true);
        }
    }

    private static void crashAfterRoll(long seed, boolean closeFirst) throws Exception {
        SimNode node = new SimNode(seed);
        LogManager m = node.open(CONFIG);
        Log log = m.getOrCreate("t", 0, CONFIG);
        for (int i = 0; i < 3; i++) {
            TestLogs.append(log, TestLogs.batch(T0 + 100 * i, 2), 0);
        }
        node.scheduler.runFor(1_000);
        assertEquals(6, log.recoveryPoint(), "the recovery point is at the end of the full segment");
        TestLogs.append(log, TestLogs.batch(T0 + 300, 2), 0);
        assertEquals(2, log.segmentCount(), "the fourth batch rolled");
        if (closeFirst) {
            m.close();
        }
        node.crashAndRestart();
        try (LogManager again = node.open(CONFIG)) {
            Log r = again.get("t", 0);
            long ackedEnd = 6;
            for (int i = 0; i < 3; i++) {
                TimestampOffset found = r.offsetForTimestamp(T0 + 100 * i + 1);
                assertEquals(2L * i + 1, found.offset(), "seed " + seed + ": ListOffsets of batch " + i);
            }
            assertEquals(T0 + 101, r.offsetForTimestamp(T0 + 101).timestamp());
            node.scheduler.runFor(1_000);
            assertEquals(0, r.deleteOldSegments(r.logEndOffset()), "seed " + seed + ": nothing is 10 minutes old");
            assertEquals(true, r.logEndOffset() >= ackedEnd, "seed " + seed);
        }
    }
}
