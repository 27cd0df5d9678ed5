package io.samsa.log;

import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
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
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final int SEEDS = 300;
    private static final LogConfig CONFIG = LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "300",
            LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    @Test
    void recoveryLeavesNoHoleWhenALostTailPrecedesASurvivingSegment() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            SimScheduler s = new SimScheduler(Simulation.random(seed), T0);
            SimDisk disk = new SimDisk(s.random(), s.clock());
            SimExecutor first = s.executor("first");
            disk.onCrash(first::kill);
            LogManager m = LogManager.builder(DATA).disk(disk).clock(s.clock()).scheduler(first)
                    .flusherExecutors(first, first).configs(t -> CONFIG).build();
            Log log = m.getOrCreate("t", 0, CONFIG);
            while (log.segmentCount() < 3) {
                TestLogs.append(log, TestLogs.batch(T0, 1), 0);
            }
            disk.crash();
            disk.restart();
            try (LogManager again = LogManager.builder(DATA).disk(disk).clock(s.clock())
                    .scheduler(s.executor("second")).flusherExecutors(s.executor("f"), s.executor("t"))
                    .configs(t -> CONFIG).build()) {
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
