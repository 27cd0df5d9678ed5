package io.samsa.log;

import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recovery-point, log-start and leader-epoch checkpoints are separate files, replaced one after another by the
 * flusher, so a crash can fall between any two. Recovery re-learns leader epochs only from the batches it rescans
 * (from the segment holding the recovery point), so an epoch starting below the checkpointed recovery point must be
 * in the epoch file already; and the epoch file's first entry, moved up with the log start, must not pass the
 * checkpointed log start. Found by the crash simulation ({@code LogCrashSimulationTest}): the recovery point was
 * written first, so a crash before the epoch file lost a leader epoch. This test crashes at every disk operation of
 * the flusher's pass that writes the checkpoints, for several crash images each, and checks the epoch of every batch.
 */
class CheckpointOrderCrashTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final int IMAGES = 12;
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "300",
            LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    /** One run up to the flusher's pass; {@code crashAt} (or -1) arms a crash for that pass. */
    private static final class Run {
        final SimScheduler s;
        final SimDisk disk;
        final Log log;
        final long passStart;

        Run(long seed, Consumer<Log> before) throws Exception {
            s = new SimScheduler(Simulation.random(seed), T0);
            disk = new SimDisk(s.random(), s.clock());
            SimExecutor e = s.executor("node");
            disk.onCrash(e::kill);
            LogManager m = LogManager.builder(DATA).disk(disk).clock(s.clock()).scheduler(e).flusherExecutors(e, e)
                    .checkpointIntervalMs(0).configs(t -> CONFIG).build();
            log = m.getOrCreate("t", 0, CONFIG);
            before.accept(log);
            passStart = disk.operations();
        }

        /**
         * Runs the flusher's pass that the rolls asked for (forces, then the checkpoints); returns how many disk
         * operations it made.
         */
        long pass() {
            s.runFor(10);
            return disk.operations() - passStart;
        }
    }

    /** Epoch 5 for offsets 0-9, epoch 7 from 10, with rolls (which ask the flusher for a pass). */
    private static void twoEpochs(Log log) {
        for (int i = 0; i < 10; i++) {
            TestLogs.append(log, TestLogs.batch(T0, 1), 5);
        }
        for (int i = 0; i < 10; i++) {
            TestLogs.append(log, TestLogs.batch(T0, 1), 7);
        }
        assertTrue(log.segmentCount() >= 3, "segments " + log.segmentBaseOffsets());
    }

    private static void checkEpochs(Log r, long seed, long crashAt) {
        for (long o = r.logStartOffset(); o < r.logEndOffset(); o++) {
            assertEquals(o < 10 ? 5 : 7, r.epochForOffset(o), "seed " + seed + ", crash at operation " + crashAt
                    + ": the epoch of offset " + o + " (log start " + r.logStartOffset() + ")");
        }
    }

    private static void everyCrashPoint(Consumer<Log> before) throws Exception {
        long ops = new Run(0, before).pass();
        assertTrue(ops > 10, "the pass writes checkpoints: " + ops + " operations");
        for (long seed = 0; seed < IMAGES; seed++) {
            for (long at = 1; at <= ops; at++) {
                Run run = new Run(seed, before);
                run.disk.crashAtOperation(run.passStart + at);
                try {
                    run.pass();
                } catch (SimulatedCrash expected) {
                    // The crash unwinds whatever the test itself was running.
                }
                assertTrue(run.disk.isCrashed());
                run.disk.restart();
                SimExecutor e = run.s.executor("again");
                try (LogManager again = LogManager.builder(DATA).disk(run.disk).clock(run.s.clock()).scheduler(e)
                        .flusherExecutors(e, e).configs(t -> CONFIG).build()) {
                    Log r = again.get("t", 0);
                    if (r != null) {
                        checkEpochs(r, seed, at);
                    }
                }
            }
        }
    }

    @Test
    void aNewLeaderEpochReachesItsFileBeforeTheRecoveryPointPassesIt() throws Exception {
        everyCrashPoint(CheckpointOrderCrashTest::twoEpochs);
    }

    @Test
    void theEpochFileNeverStartsAboveTheCheckpointedLogStart() throws Exception {
        everyCrashPoint(log -> {
            twoEpochs(log);
            log.increaseLogStartOffset(12);
        });
    }
}
