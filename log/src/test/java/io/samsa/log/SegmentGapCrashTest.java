package io.samsa.log;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A roll creates the next segment's file while the previous segment's last batches may still be only in the page
 * cache; a crash can keep the new name and lose that tail. Recovery then found a segment ending below the next one's
 * base and kept both: a hole of offsets below the log end that no read could serve, and an open transaction or a
 * sequence gap that never closes. Recovery now cuts the log at the hole, as at a torn batch (nothing in the rescanned
 * region after a hole can have been acknowledged: a flush forces every segment below its target first). Found by the
 * crash simulation ({@code LogCrashSimulationTest}). Each seed is one crash image after two rolls, nothing forced.
 */
class SegmentGapCrashTest {
    private static final long T0 = SimNode.T0;
    private static final int SEEDS = 300;
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "300",
            LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    @Test
    void recoveryLeavesNoHoleWhenALostTailPrecedesASurvivingSegment() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            SimNode node = new SimNode(seed);
            Log log = node.open(CONFIG).getOrCreate("t", 0, CONFIG);
            while (log.segmentCount() < 3) {
                TestLogs.append(log, TestLogs.batch(T0, 1), 0);
            }
            node.crashAndRestart();
            try (LogManager again = node.open(CONFIG)) {
                Log r = again.get("t", 0);
                if (r == null) {
                    continue;
                }
                TreeSet<Long> offsets = new TreeSet<>(TestLogs.readAll(r, r.logStartOffset()).keySet());
                long end = r.logEndOffset();
                assertEquals(end - r.logStartOffset(), offsets.size(), "seed " + seed + ": offsets " + offsets
                        + " below the log end " + end + " in segments " + r.segmentBaseOffsets());
            }
        }
    }
}
