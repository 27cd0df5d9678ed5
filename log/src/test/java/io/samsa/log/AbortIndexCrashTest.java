package io.samsa.log;

import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An abort marker in the log must keep its transaction-index entry through a crash, or a READ_COMMITTED consumer is
 * served the aborted records. Found by the crash simulation ({@code LogCrashSimulationTest}): the index was never
 * forced, and recovery re-added entries only for markers after the newest producer snapshot, which a roll takes.
 * Each seed is one crash image.
 */
class AbortIndexCrashTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final int SEEDS = 200;
    private static final long PID = 42;
    /** The abort marker's segment fills up after a few batches; the next append rolls (and snapshots). */
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.SEGMENT_BYTES, "400", LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    private static LogManager open(SimScheduler s, SimDisk disk, SimExecutor e) throws Exception {
        return LogManager.builder(DATA).disk(disk).clock(s.clock()).scheduler(e).flusherExecutors(e, e)
                .checkpointIntervalMs(0).configs(t -> CONFIG).build();
    }

    /** Writes a transaction (two batches) and its abort marker at offset 2, then rolls; returns the marker. */
    private static AppendResult abortThenRoll(Log log) {
        TestLogs.append(log, TestLogs.batch(T0, 1, "t", PID, (short) 0, 0, true, Compression.NONE), 0);
        TestLogs.append(log, TestLogs.batch(T0, 1, "t", PID, (short) 0, 1, true, Compression.NONE), 0);
        AppendResult marker = log.appendTransactionMarker(PID, (short) 0, false, 0, 0);
        while (log.segmentCount() == 1) {
            TestLogs.append(log, TestLogs.batch(T0, 1), 0);
        }
        return marker;
    }

    private static void checkAbortListed(SimScheduler s, SimDisk disk, long seed) throws Exception {
        try (LogManager again = open(s, disk, s.executor("again"))) {
            Log r = again.get("t", 0);
            if (r == null || r.logEndOffset() <= 2) {
                return;
            }
            List<AbortedTransaction> aborted = r.collectAbortedTransactions(0, r.logEndOffset());
            assertEquals(List.of(new AbortedTransaction(PID, 0, 2, 3)), aborted, "seed " + seed);
        }
    }

    @Test
    void anAcknowledgedAbortKeepsItsIndexEntryOnceTheRecoveryPointPassedIt() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            SimScheduler s = new SimScheduler(Simulation.random(seed), T0);
            SimDisk disk = new SimDisk(s.random(), s.clock());
            SimExecutor first = s.executor("first");
            disk.onCrash(first::kill);
            Log log = open(s, disk, first).getOrCreate("t", 0, CONFIG);
            AppendResult marker = abortThenRoll(log);
            s.runFor(1_000);
            assertTrue(marker.durable().isDone() && !marker.durable().isCompletedExceptionally());
            assertTrue(log.recoveryPoint() > 2);
            disk.crash();
            disk.restart();
            checkAbortListed(s, disk, seed);
        }
    }

    @Test
    void anAbortThatSurvivesACrashUnforcedIsIndexedByRecovery() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            SimScheduler s = new SimScheduler(Simulation.random(seed), T0);
            SimDisk disk = new SimDisk(s.random(), s.clock());
            SimExecutor first = s.executor("first");
            disk.onCrash(first::kill);
            Log log = open(s, disk, first).getOrCreate("t", 0, CONFIG);
            abortThenRoll(log);
            // Nothing forced: the crash keeps whatever prefix it keeps, sometimes the marker and the roll's snapshot.
            disk.crash();
            disk.restart();
            checkAbortListed(s, disk, seed);
        }
    }
}
