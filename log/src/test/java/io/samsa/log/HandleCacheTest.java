package io.samsa.log;

import io.samsa.common.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cold segments' handles are bounded; a slice keeps its channel open through eviction and deletion. */
class HandleCacheTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void coldHandlesAreBoundedAndSlicesSurviveEvictionAndDeletion() throws Exception {
        ManualClock clock = new ManualClock(T0);
        TestLogs.ManualScheduler scheduler = new TestLogs.ManualScheduler();
        // The flusher runs only when driven: its threads would otherwise open rolled segments' handles
        // concurrently with the bound checked below.
        TestLogs.ManualExecutor flusher = new TestLogs.ManualExecutor(clock);
        try (LogManager m = LogManager.builder(dir).clock(clock).scheduler(scheduler).maxOpenColdSegments(2)
                .flusherExecutors(flusher, flusher).forcer(TestLogs.NO_FSYNC).build()) {
            Log log = m.getOrCreate("c", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "300",
                    LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.RETENTION_BYTES, "0")));
            for (int i = 0; i < 30; i++) {
                TestLogs.append(log, TestLogs.batch(T0, 2), 0);
            }
            assertTrue(log.segmentCount() > 6);
            // Read from every segment: only two cold segments stay open.
            Map<Long, String> all = TestLogs.readAll(log, 0);
            assertEquals(60, all.size());
            assertTrue(m.handleCache().size() <= 2);
            assertTrue(m.handleCache().openedCount() >= log.segmentCount() - 1);
            // Hold a slice of the first segment, then evict it and delete it by retention.
            ReadResult held = log.read(0, 1 << 20, Long.MAX_VALUE, true);
            ByteBuffer before = TestLogs.bytes(held.records());
            for (long off = 10; off < 50; off += 2) {
                log.read(off, 1, Long.MAX_VALUE, true).release();
            }
            log.deleteOldSegments(log.logEndOffset());
            scheduler.runAll();
            assertTrue(log.logStartOffset() > 0);
            assertTrue(held.records().channel().isOpen());
            assertEquals(before, TestLogs.bytes(held.records()));
            held.release();
            assertFalse(held.records().channel().isOpen());
        }
    }
}
