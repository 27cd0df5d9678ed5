package io.samsa.log;

import io.samsa.testkit.SimulatedCrash;
import org.junit.jupiter.api.Test;

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
    private static final long T0 = SimNode.T0;
    private static final int IMAGES = 12;
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "300",
            LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    /** One run up to the flusher's pass, which a test may arm a crash for. */
    private static final class Run {
        final SimNode node;
        final Log log;
        final long passStart;

        Run(long seed, Consumer<Log> before) throws Exception {
            node = new SimNode(seed);
            log = node.open(CONFIG).getOrCreate("t", 0, CONFIG);
            before.accept(log);
            passStart = node.disk.operations();
        }

        /**
         * Runs the flusher's pass that the rolls asked for (forces, then the checkpoints); returns how many disk
         * operations it made.
         */
        long pass() {
            node.scheduler.runFor(10);
            return node.disk.operations() - passStart;
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
                run.node.disk.crashAtOperation(run.passStart + at);
                try {
                    run.pass();
                } catch (SimulatedCrash expected) {
                    // The crash unwinds whatever the test itself was running.
                }
                assertTrue(run.node.disk.isCrashed());
                run.node.restart();
                try (LogManager again = run.node.open(CONFIG)) {
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
