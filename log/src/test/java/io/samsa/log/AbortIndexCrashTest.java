package io.samsa.log;

import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

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
    private static final long T0 = SimNode.T0;
    private static final int SEEDS = 200;
    private static final long PID = 42;
    /** The abort marker's segment fills up after a few batches; the next append rolls (and snapshots). */
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.SEGMENT_BYTES, "400", LogConfig.SEGMENT_INDEX_BYTES, "4096"));

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

    private static void checkAbortListed(SimNode node, long seed) throws Exception {
        try (LogManager again = node.open(CONFIG)) {
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
            SimNode node = new SimNode(seed);
            Log log = node.open(CONFIG).getOrCreate("t", 0, CONFIG);
            AppendResult marker = abortThenRoll(log);
            node.scheduler.runFor(1_000);
            assertTrue(marker.durable().isDone() && !marker.durable().isCompletedExceptionally());
            assertTrue(log.recoveryPoint() > 2);
            node.crashAndRestart();
            checkAbortListed(node, seed);
        }
    }

    @Test
    void anAbortThatSurvivesACrashUnforcedIsIndexedByRecovery() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            SimNode node = new SimNode(seed);
            abortThenRoll(node.open(CONFIG).getOrCreate("t", 0, CONFIG));
            // Nothing forced: the crash keeps whatever prefix it keeps, sometimes the marker and the roll's snapshot.
            node.crashAndRestart();
            checkAbortListed(node, seed);
        }
    }
}
