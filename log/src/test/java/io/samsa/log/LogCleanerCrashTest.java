package io.samsa.log;

import io.samsa.log.cleaner.SwapManifest;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cleaner's swap is atomic across crashes, shown on the simulated disk at every crash point of a pass: for each
 * seed, a log of durable keyed data is cleaned once while counting disk operations; then the same run is replayed
 * once per operation of that pass with a crash at that operation (the disk keeping what it may of what was not
 * forced). A pass swaps its groups of segments one at a time; after each crash and recovery the log holds exactly
 * the records it held before the pass or after one of its swaps: each group is either all old segments or the one
 * cleaned segment, never a mix, never a gap; no file of the swap is left; and a cleaner started on the recovered log
 * brings it to the cleaned state.
 *
 * <p>{@code -Dsim.seeds=K} runs more seeds (each a few dozen crash points); {@code -Dsim.seed=N} replays one.
 */
class LogCleanerCrashTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");

    /** What one record looks like from outside: offset, key, value. */
    private record Rec(long offset, String key, String value) {
    }

    @Test
    void aCrashAnywhereInAPassLeavesTheOldOrTheNewSegments() {
        int[] crashPoints = {0};
        Simulation.forEachSeed("LogCleanerCrashTest", 8, seed -> crashPoints[0] += everyCrashPoint(seed));
        System.out.println("LogCleanerCrashTest: " + crashPoints[0] + " crash points");
        assertTrue(crashPoints[0] >= 8 * 10, "crash points tried: " + crashPoints[0]);
    }

    /** Runs the pass once to count its operations, then once per crash point. Returns the crash points tried. */
    private static int everyCrashPoint(long seed) throws Exception {
        Run clean = new Run(seed, -1);
        List<Rec> before = clean.before;
        List<Rec> after = clean.after;
        assertTrue(after.size() < before.size(), "seed " + seed + ": the pass removed records: " + before.size() + " -> " + after.size() + " " + after);
        int tried = 0;
        for (long op = clean.opsBefore + 1; op <= clean.opsAfter; op++) {
            Run crashed = new Run(seed, op);
            assertTrue(crashed.crashed, "seed " + seed + ": the crash at operation " + op + " happened");
            List<Rec> recovered = crashed.recovered;
            assertTrue(clean.states.contains(recovered), "seed " + seed + ", crash at " + crashed.crashPoint
                    + ": the log is none of the states between swaps (old segments or cleaned ones, group by group)"
                    + "\n before " + before + "\n after " + after + "\n got " + recovered);
            assertEquals(after, crashed.recleaned, "seed " + seed + ", crash at " + crashed.crashPoint
                    + ": cleaning the recovered log gives the cleaned log");
            assertFalse(crashed.leftovers, "seed " + seed + ", crash at " + crashed.crashPoint
                    + ": no .cleaned file or swap manifest is left after recovery");
            tried++;
        }
        return tried;
    }

    /** One run of the scenario: data, a durable flush, one cleaning pass (crashing at an operation, or not). */
    private static final class Run {
        final SimScheduler sim;
        final SimDisk disk;
        final LogConfig config;
        List<Rec> before;
        List<Rec> after;
        final List<List<Rec>> states = new ArrayList<>();
        List<Rec> recovered;
        List<Rec> recleaned;
        long opsBefore;
        long opsAfter;
        boolean crashed;
        boolean leftovers;
        SimDisk.CrashPoint crashPoint;
        private SimExecutor writer;
        private SimExecutor io;
        private SimExecutor cleaner;
        private LogManager manager;
        private Log log;

        Run(long seed, long crashAt) throws Exception {
            sim = new SimScheduler(Simulation.random(seed), T0);
            Random rnd = sim.random();
            disk = new SimDisk(rnd, sim.clock());
            config = LogConfig.fromMap(Map.of(LogConfig.CLEANUP_POLICY, "compact",
                    LogConfig.SEGMENT_BYTES, Integer.toString(500 + rnd.nextInt(1500)),
                    LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.INDEX_INTERVAL_BYTES, "100",
                    LogConfig.FLUSH_MESSAGES, "1", LogConfig.FILE_DELETE_DELAY_MS, "0"));
            open();
            sim.runFor(10);
            int keys = 3 + rnd.nextInt(10);
            int batches = 30 + rnd.nextInt(60);
            for (int i = 0; i < batches; i++) {
                String key = "key-" + rnd.nextInt(keys);
                String value = rnd.nextInt(8) == 0 ? null : "value-" + i;
                Compression c = rnd.nextInt(4) == 0 ? Compression.zstd().build() : Compression.NONE;
                TestLogs.append(log, Keyed.batch(sim.nowMillis(), c, key, value, "other-" + key, "x" + i), 0);
            }
            sim.runUntil(() -> log.recoveryPoint() == log.logEndOffset());
            sim.runFor(1_000);
            before = records(log);
            opsBefore = disk.operations();
            if (crashAt > 0) {
                disk.crashAtOperation(crashAt);
            }
            manager.cleaner().wakeUp();
            if (crashAt < 0) {
                // Note the log after every group's swap: a crash may leave any of these states.
                states.add(before);
                List<io.samsa.log.segment.LogSegment> segments = log.segmentsForCleaning();
                while (passes() == 0) {
                    sim.step();
                    if (!log.segmentsForCleaning().equals(segments)) {
                        segments = log.segmentsForCleaning();
                        states.add(records(log));
                    }
                }
                sim.runFor(1_000);
                opsAfter = disk.operations();
                if (opsAfter == opsBefore) {
                    throw new AssertionError("the pass did no disk operation");
                }
                after = records(log);
                manager.close();
                return;
            }
            sim.runUntil(() -> disk.isCrashed() || passes() > 0);
            if (!disk.isCrashed()) {
                sim.runUntil(() -> disk.isCrashed() || sim.nowMillis() >= passEndedAt() + 1_000);
            }
            crashed = disk.isCrashed();
            crashPoint = disk.lastCrash();
            disk.restart();
            open();
            recovered = records(log);
            leftovers = false;
            for (Path p : disk.list(log.dir())) {
                String name = p.getFileName().toString();
                leftovers |= name.endsWith(SwapManifest.CLEANED_SUFFIX) || name.startsWith(SwapManifest.FILE);
            }
            manager.cleaner().wakeUp();
            sim.runFor(5_000);
            recleaned = records(log);
            manager.close();
        }

        private void open() throws Exception {
            writer = sim.executor("writer");
            io = sim.executor("io");
            cleaner = sim.executor("cleaner");
            SimExecutor w = writer;
            SimExecutor i = io;
            SimExecutor c = cleaner;
            disk.onCrash(() -> {
                w.kill();
                i.kill();
                c.kill();
            });
            manager = LogManager.builder(DATA).disk(disk).clock(sim.clock()).scheduler(io).flusherExecutors(io, io)
                    .checkpointIntervalMs(500).configs(t -> config)
                    .cleaner(CleanerConfig.DEFAULTS.withBackoffMs(10L * 24 * 3600 * 1000).withIoBufferBytes(2048))
                    .cleanerExecutors(List.of(cleaner)).build();
            log = manager.getOrCreate("t", 0, config);
            log.attachWriter(writer, log::logEndOffset);
        }

        private long passEndedAt() {
            return manager.cleaner().stats().snapshot().lastPassEndedAt();
        }

        private long passes() {
            return manager.cleaner().stats().snapshot().passes();
        }

        private static List<Rec> records(Log log) throws Exception {
            List<Rec> out = new ArrayList<>();
            for (Keyed.Rec r : Keyed.readAll(log)) {
                out.add(new Rec(r.offset(), r.key(), r.value()));
            }
            return out;
        }
    }
}
