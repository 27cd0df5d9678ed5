package io.samsa.log;

import io.samsa.common.ManualClock;
import io.samsa.log.recovery.CheckpointFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time-based flushing ({@code flush.ms}) on the injected clock, and the recovery point: it advances with the
 * flusher's fsyncs and is checkpointed as segments roll, so an unclean restart rescans only from the segment
 * holding it. The flusher thread is synchronised through {@link LogManager#flusherBarrier()}, never by sleeping.
 */
class FlushTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;
    ManualClock clock = new ManualClock(T0);
    TestLogs.CountingForcer forcer = new TestLogs.CountingForcer();
    LogManager manager;

    @BeforeEach
    void setUp() throws Exception {
        manager = LogManager.builder(tmp.resolve("live")).clock(clock).forcer(forcer)
                .scheduler(new TestLogs.ManualScheduler()).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private void awaitFlusher() throws Exception {
        manager.flusherBarrier().get(10, TimeUnit.SECONDS);
    }

    @Test
    void flushMsForcesTheLogOnceTheClockSaysSoAndNotBefore() throws Exception {
        Log log = manager.getOrCreate("t", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MS, "1000",
                LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        for (int i = 0; i < 5; i++) {
            assertTrue(TestLogs.append(log, TestLogs.batch(T0, 2), 0).durable().isDone(), "flush.ms never blocks");
        }
        awaitFlusher();
        assertEquals(0, forcer.logForces.get());
        assertEquals(0, log.recoveryPoint());

        clock.advance(999);
        awaitFlusher();
        assertEquals(0, forcer.logForces.get(), "999 ms after the last flush is not yet due");
        assertEquals(0, log.recoveryPoint());

        clock.advance(1);
        awaitFlusher();
        assertEquals(1, forcer.logForces.get());
        assertEquals(10, log.recoveryPoint());

        // New data waits flush.ms from the previous flush.
        TestLogs.append(log, TestLogs.batch(T0, 3), 0);
        clock.advance(999);
        awaitFlusher();
        assertEquals(10, log.recoveryPoint());
        clock.advance(1);
        awaitFlusher();
        assertEquals(13, log.recoveryPoint());
        assertEquals(2, forcer.logForces.get());

        // Nothing new: no fsync however much time passes.
        clock.advance(5000);
        awaitFlusher();
        assertEquals(2, forcer.logForces.get());
    }

    @Test
    void theRecoveryPointIsCheckpointedAsFsyncsPassSegmentsSoRecoveryRescansOnlyTheTail() throws Exception {
        Log log = manager.getOrCreate("t", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MS, "100",
                LogConfig.SEGMENT_BYTES, "1000", LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        for (int i = 0; i < 60; i++) {
            TestLogs.append(log, TestLogs.batch(T0 + i, 2), 0);
        }
        clock.advance(100);
        awaitFlusher();
        awaitFlusher();
        List<Long> bases = log.segmentBaseOffsets();
        long lastBase = bases.get(bases.size() - 1);
        assertTrue(bases.size() >= 4, "segments " + bases);
        assertEquals(120, log.recoveryPoint());
        long checkpointed = CheckpointFile.readSingle(log.dir().resolve(Log.RECOVERY_POINT_CHECKPOINT), -1);
        assertTrue(checkpointed >= lastBase, "checkpointed recovery point " + checkpointed + " is in the last segment "
                + lastBase);

        // A crash image with a damaged byte (in a record's value, under the CRC) in the first and in the last
        // segment: recovery trusts the fsynced segments below the recovery point's one and scans the rest.
        Path image = tmp.resolve("image");
        TestLogs.copyTree(log.dir(), image.resolve("t-0"));
        flipByte(image.resolve("t-0").resolve(String.format("%020d.log", bases.get(0))), 70);
        flipByte(image.resolve("t-0").resolve(String.format("%020d.log", lastBase)), 70);
        try (LogManager again = LogManager.builder(image).clock(clock).forcer(TestLogs.NO_FSYNC)
                .scheduler(new TestLogs.ManualScheduler()).build()) {
            Log r = again.get("t", 0);
            assertEquals(bases, r.segmentBaseOffsets(), "the first segment was not rescanned, so it was not cut");
            assertEquals(lastBase, r.logEndOffset(), "the last segment was rescanned and cut at its damaged batch");
        }
    }

    private static void flipByte(Path file, long at) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int old = f.read();
            f.seek(at);
            f.write(old ^ 0x10);
        }
    }
}
