package io.samsa.log;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fsync claim that a kill -9 cannot check ({@link KillDurabilityTest}: the page cache outlives the process): with
 * {@code flush.messages=1}, every batch whose durable future completed survives a power loss. The log runs on
 * testkit's {@code SimDisk}, whose crash drops every byte not forced and may tear the last write. The second test is
 * the control: the same run with a forcer that does nothing (a missing fsync) must lose acknowledged batches, so the
 * first test would fail if the log's fsync went missing.
 */
class PowerLossDurabilityTest {
    private static final int SEEDS = 40;
    private static final int BATCHES = 30;
    private static final LogConfig DURABLE = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.SEGMENT_BYTES, "2000", LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    @Test
    void everyAcknowledgedBatchSurvivesPowerLoss() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            assertEquals(List.of(), lostAfterPowerLoss(seed, null), "seed " + seed);
        }
    }

    @Test
    void aMissingFsyncLosesAcknowledgedBatches() throws Exception {
        boolean lost = false;
        for (long seed = 0; seed < SEEDS && !lost; seed++) {
            lost = !lostAfterPowerLoss(seed, TestLogs.NO_FSYNC).isEmpty();
        }
        assertTrue(lost, "without fsync a power loss must lose acknowledged batches, else the check proves nothing");
    }

    /** Appends, acknowledging each batch when its durable future completes, cuts the power and lists lost offsets. */
    private static List<Long> lostAfterPowerLoss(long seed, FileForcer forcer) throws Exception {
        SimNode node = new SimNode(seed);
        Map<Long, String> acked = new LinkedHashMap<>();
        LogManager manager = forcer == null ? node.open(DURABLE) : node.open(DURABLE, forcer);
        Log log = manager.getOrCreate("d", 0, DURABLE);
        for (int i = 0; i < BATCHES; i++) {
            AppendResult r = TestLogs.append(log, TestLogs.batch(SimNode.T0 + i, 2, "b" + i + "-", -1, (short) -1,
                    -1, false, org.apache.kafka.common.compress.Compression.NONE), 0);
            node.scheduler.runUntil(() -> r.durable().isDone());
            acked.put(r.firstOffset(), "b" + i + "-0");
            acked.put(r.lastOffset(), "b" + i + "-1");
        }
        node.crashAndRestart();
        List<Long> lost = new ArrayList<>();
        try (LogManager again = node.open(DURABLE)) {
            Log recovered = again.get("d", 0);
            Map<Long, String> found = recovered == null ? Map.of() : TestLogs.readAll(recovered, 0);
            for (Map.Entry<Long, String> e : acked.entrySet()) {
                if (!e.getValue().equals(found.get(e.getKey()))) {
                    lost.add(e.getKey());
                }
            }
        }
        return lost;
    }
}
