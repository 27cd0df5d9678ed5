package io.samsa.log;

import io.samsa.testkit.SimDisk;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Retention keeps the newest producer snapshot below the first segment; when the newer ones are lost (a crash tears
 * a snapshot a roll wrote without forcing it), recovery fell back to it and replayed from there across the removed
 * segments, missing what they held: here the commit marker that ended a transaction, so the first unstable offset
 * stayed at that transaction's start for good (READ_COMMITTED consumers stuck). Recovery now starts empty at the
 * first segment in that case, as Kafka does. Found by the crash simulation ({@code LogCrashSimulationTest}).
 */
class ProducerSnapshotGapTest {
    private static final long T0 = SimNode.T0;
    private static final long PID = 7;
    /** Four one-record batches fill a segment. */
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "300",
            LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.FILE_DELETE_DELAY_MS, "0"));

    /** Deletes the snapshots other than {@code keep} and the clean-shutdown marker: a crash lost them. */
    private static void loseSnapshotsBut(SimDisk disk, Path dir, long keep) throws Exception {
        for (Path p : disk.list(dir)) {
            if (p.toString().endsWith(".snapshot") && !p.equals(dir.resolve(String.format("%020d.snapshot", keep)))) {
                disk.deleteIfExists(p);
            }
        }
        disk.deleteIfExists(SimNode.DATA.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
    }

    @Test
    void aSnapshotOlderThanTheFirstSegmentIsNotReplayedAcrossTheGap() throws Exception {
        SimNode node = new SimNode(1);
        SimDisk disk = node.disk;
        Path dir;
        try (LogManager m = node.open(CONFIG)) {
            Log log = m.getOrCreate("t", 0, CONFIG);
            dir = log.dir();
            // A transaction opens at 0 and stays open over two rolls (snapshots 4 and 8 have it open), then commits.
            TestLogs.append(log, TestLogs.batch(T0, 1, "t", PID, (short) 0, 0, true, Compression.NONE), 0);
            while (log.logEndOffset() < 8) {
                TestLogs.append(log, TestLogs.batch(T0, 1), 0);
            }
            assertEquals(0, log.firstUnstableOffset());
            log.appendTransactionMarker(PID, (short) 0, true, 0, 0);
            while (log.segmentCount() < 5) {
                TestLogs.append(log, TestLogs.batch(T0, 1), 0);
            }
            assertEquals(-1, log.firstUnstableOffset());
            assertEquals(List.of(0L, 4L, 8L, 12L, 16L), log.segmentBaseOffsets());
            node.scheduler.runFor(1_000);
        }
        // A crash loses the newer snapshots: recovery replays from the one at 8, across segment 8 (fine), and then
        // retention removes everything below 12, keeping that snapshot as the newest below the first segment.
        loseSnapshotsBut(disk, dir, 8);
        try (LogManager m = node.open(CONFIG)) {
            Log log = m.get("t", 0);
            assertEquals(-1, log.firstUnstableOffset());
            log.increaseLogStartOffset(12);
            log.deleteOldSegments(log.recoveryPoint());
            node.scheduler.runFor(1_000);
            assertEquals(List.of(12L, 16L), log.segmentBaseOffsets());
        }
        loseSnapshotsBut(disk, dir, 8);

        try (LogManager m = node.open(CONFIG)) {
            Log log = m.get("t", 0);
            assertFalse(m.startedClean());
            assertEquals(12, log.logStartOffset());
            assertEquals(-1, log.firstUnstableOffset(), "the transaction that opened at 0 was committed at 8");
            // The producer is forgotten (its batches are gone): a new transaction of its next epoch is accepted.
            TestLogs.append(log, TestLogs.batch(T0, 1, "u", PID, (short) 1, 0, true, Compression.NONE), 0);
            assertEquals(log.logEndOffset() - 1, log.firstUnstableOffset());
        }
    }
}
