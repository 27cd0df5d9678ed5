package io.samsa.log;

import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An aborted transaction's index entry lives in the segment of its abort marker. When the marker rolls a new segment,
 * that segment begins at the marker, which is where a READ_COMMITTED fetch's upper bound (the last stable offset)
 * stands until the high watermark passes the marker: the search stopped at the first segment at or above the upper
 * bound, missed the entry, and the consumer was served the aborted records below it. Found by
 * {@code TransactionSimulationTest} (server), seed 6: a read_committed reader read an aborted transaction's records.
 */
class AbortMarkerRollTest {
    private static final long T0 = SimNode.T0;
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.SEGMENT_MS, "1000"));

    private static void txn(Log log, long pid, int seq) {
        TestLogs.append(log, TestLogs.batch(T0, 1, "t", pid, (short) 0, seq, true, Compression.NONE), 0);
    }

    @Test
    void anAbortMarkerThatRollsASegmentIsFoundBelowTheLastStableOffset() throws Exception {
        SimNode node = new SimNode(1);
        Log log = node.open(CONFIG).getOrCreate("t", 0, CONFIG);
        txn(log, 7, 0);
        txn(log, 7, 1);
        node.scheduler.runFor(2_000);
        AppendResult marker = log.appendTransactionMarker(7, (short) 0, false, 0, 0);
        assertEquals(2, marker.firstOffset());
        assertEquals(List.of(0L, 2L), log.segmentBaseOffsets(), "the marker rolled a new segment");
        // Before the high watermark passes the marker, the last stable offset is the marker's offset.
        assertEquals(List.of(new AbortedTransaction(7, 0, 2, 3)), log.collectAbortedTransactions(0, 2));
        assertEquals(List.of(new AbortedTransaction(7, 0, 2, 3)), log.collectAbortedTransactions(1, 3));
        assertEquals(List.of(), log.collectAbortedTransactions(3, 3));
    }

    @Test
    void anAbortBelowAnotherOpenTransactionIsFoundWhateverSegmentItsMarkerIsIn() throws Exception {
        SimNode node = new SimNode(2);
        Log log = node.open(CONFIG).getOrCreate("t", 0, CONFIG);
        txn(log, 7, 0);
        txn(log, 8, 0);
        txn(log, 8, 1);
        node.scheduler.runFor(2_000);
        AppendResult marker = log.appendTransactionMarker(7, (short) 0, false, 0, 0);
        assertEquals(List.of(0L, 3L), log.segmentBaseOffsets(), "the marker rolled a new segment");
        // Producer 8's transaction is open from offset 1: the last stable offset stays there.
        assertEquals(1, log.firstUnstableOffset());
        assertEquals(List.of(new AbortedTransaction(7, 0, marker.firstOffset(), 1)),
                log.collectAbortedTransactions(0, 1));
    }
}
