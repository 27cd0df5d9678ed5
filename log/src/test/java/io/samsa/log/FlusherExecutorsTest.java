package io.samsa.log;

import io.samsa.common.ManualClock;
import io.samsa.log.recovery.CheckpointFile;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flusher on injected executors ({@link LogManager.Builder#flusherExecutors}): nothing is forced or
 * checkpointed except when the test runs the executor's tasks on its own thread, which is what lets a simulation
 * interleave appends, group commits and checkpoint writes in a seeded order.
 */
class FlusherExecutorsTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    final ManualClock clock = new ManualClock(T0);
    final TestLogs.ManualExecutor flusher = new TestLogs.ManualExecutor(clock);
    final TestLogs.CountingForcer forcer = new TestLogs.CountingForcer();

    private LogManager manager() throws Exception {
        return LogManager.builder(dir).clock(clock).forcer(forcer).scheduler(new TestLogs.ManualScheduler())
                .flusherExecutors(flusher, flusher).flusherPollMs(100).checkpointIntervalMs(500).build();
    }

    @Test
    void appendsWaitingForAForceShareItWhenTheExecutorRuns() throws Exception {
        try (LogManager m = manager()) {
            Log log = m.getOrCreate("g", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                    LogConfig.SEGMENT_INDEX_BYTES, "4096")));
            CompletableFuture<?>[] acks = new CompletableFuture<?>[3];
            for (int i = 0; i < acks.length; i++) {
                acks[i] = TestLogs.append(log, TestLogs.batch(T0, 2), 0).durable();
            }
            assertFalse(acks[2].isDone());
            assertEquals(0, forcer.logForces.get(), "nothing runs behind the test's back");
            assertEquals(0, log.recoveryPoint());

            assertTrue(flusher.runReady() > 0);
            for (CompletableFuture<?> a : acks) {
                assertTrue(a.isDone() && !a.isCompletedExceptionally());
            }
            assertEquals(1, forcer.logForces.get(), "one group commit for the three appends");
            assertEquals(6, log.recoveryPoint());
        }
    }

    @Test
    void flushMsAndCheckpointsFollowTheTimerOnTheInjectedClock() throws Exception {
        try (LogManager m = manager()) {
            Log log = m.getOrCreate("t", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MS, "1000",
                    LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.SEGMENT_BYTES, "150")));
            TestLogs.append(log, TestLogs.batch(T0, 4), 0);
            flusher.runReady();
            assertEquals(0, forcer.logForces.get());
            clock.advance(999);
            flusher.runReady();
            assertEquals(0, forcer.logForces.get(), "flush.ms has not passed");
            // The periodic pass that ran at 999 ms comes back 100 ms later (flusherPollMs) and finds it due.
            clock.advance(99);
            flusher.runReady();
            assertEquals(0, forcer.logForces.get());
            clock.advance(1);
            flusher.runReady();
            assertEquals(1, forcer.logForces.get());
            assertEquals(4, log.recoveryPoint());
            // That pass came after the checkpoint interval, so it wrote the recovery point, capped at the active
            // segment's base: recovery rescans the active segment, whose indexes are not forced.
            Path checkpoint = log.dir().resolve(Log.RECOVERY_POINT_CHECKPOINT);
            assertEquals(0, CheckpointFile.readSingle(checkpoint, -1));
            // A roll asks for a flush: the first segment is forced with its finished indexes, then the new data.
            TestLogs.append(log, TestLogs.batch(T0, 2), 0);
            assertEquals(2, log.segmentCount());
            flusher.runReady();
            assertEquals(6, log.recoveryPoint());
            assertEquals(4, CheckpointFile.readSingle(checkpoint, -1));
            // A barrier completes once the executor has run it.
            CompletableFuture<Void> barrier = m.flusherBarrier();
            assertFalse(barrier.isDone());
            flusher.runReady();
            assertTrue(barrier.isDone());
        }
    }

    @Test
    void flushForcesTheLogToItsEndOnRequest() throws Exception {
        try (LogManager m = manager()) {
            Log log = m.getOrCreate("f", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_INDEX_BYTES, "4096")));
            TestLogs.append(log, TestLogs.batch(T0, 3), 0);
            flusher.runReady();
            assertEquals(0, log.recoveryPoint(), "the default mode forces nothing by itself");
            CompletableFuture<Void> forced = log.flush();
            assertFalse(forced.isDone());
            flusher.runReady();
            assertTrue(forced.isDone() && !forced.isCompletedExceptionally());
            assertEquals(3, log.recoveryPoint());
            assertEquals(1, forcer.logForces.get());
        }
    }

    @Test
    void thePeriodicPassVisitsLogsInNameOrder() throws Exception {
        // A simulation replays a seed only if the flusher's choices do not depend on identity hash codes: the
        // order in which the periodic pass queues lanes is the order of the forces and checkpoint writes.
        List<Runnable> lanes = new ArrayList<>();
        TestLogs.ManualExecutor timer = new TestLogs.ManualExecutor(clock);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            names.add("topic" + (char) ('a' + i) + "-0");
        }
        Collections.shuffle(names, new Random(7));
        try (LogManager m = LogManager.builder(dir).clock(clock).forcer(TestLogs.NO_FSYNC)
                .scheduler(new TestLogs.ManualScheduler()).flusherExecutors(lanes::add, timer).flusherPollMs(100)
                .checkpointIntervalMs(0).build()) {
            for (String n : names) {
                m.getOrCreate(n.substring(0, n.length() - 2), 0, LogConfig.DEFAULTS);
            }
            lanes.clear();
            clock.advance(100);
            timer.runReady();
            assertEquals(names.size(), lanes.size(), "every log's checkpoints were due");
            List<String> written = new ArrayList<>();
            for (Runnable lane : lanes) {
                lane.run();
                for (String n : names) {
                    Path checkpoint = dir.resolve(n).resolve(Log.LOG_START_OFFSET_CHECKPOINT);
                    if (!written.contains(n) && Files.exists(checkpoint)) {
                        written.add(n);
                    }
                }
            }
            List<String> sorted = new ArrayList<>(names);
            Collections.sort(sorted);
            assertEquals(sorted, written);
        }
    }

    @Test
    void aLaneQueuedForALogDeletedMeanwhileNeitherForcesNorTakesItOffline() throws Exception {
        // Found by replication's simulation: an orphan log deleted at start-up, whose rebuilt indexes had asked
        // for a force, was reported offline at ERROR ("Flush failed") once its directory was gone.
        try (LogManager m = manager()) {
            Log log = m.getOrCreate("d", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                    LogConfig.SEGMENT_INDEX_BYTES, "4096")));
            CompletableFuture<Void> ack = TestLogs.append(log, TestLogs.batch(T0, 1), 0).durable();
            m.delete("d", 0);
            flusher.runReady();
            assertEquals(0, forcer.logForces.get(), "nothing is forced in a deleted directory");
            ExecutionException e = assertThrows(ExecutionException.class, ack::get);
            SamsaException cause = assertInstanceOf(SamsaException.class, e.getCause());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, cause.errorCode(), cause.getMessage());
        }
    }

    @Test
    void closeFailsTheAppendsItCannotWaitForAndLeftOverLanesDoNothing() throws Exception {
        LogManager m = manager();
        Log log = m.getOrCreate("c", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        CompletableFuture<Void> ack = TestLogs.append(log, TestLogs.batch(T0, 1), 0).durable();
        m.close();
        ExecutionException e = assertThrows(ExecutionException.class, ack::get);
        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
        int forcedByClose = forcer.logForces.get();
        assertTrue(forcedByClose >= 1, "a clean close forces the data itself");
        flusher.runReady();
        assertEquals(forcedByClose, forcer.logForces.get());
        assertEquals(1, log.recoveryPoint());
    }
}
