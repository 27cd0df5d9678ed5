package io.samsa.log;

import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cleaner on one log, driven on the simulated scheduler and disk: what a pass keeps and what it removes. */
class LogCleanerTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");

    SimScheduler sim;
    SimDisk disk;
    SimExecutor writer;
    LogManager manager;

    @BeforeEach
    void setUp() throws Exception {
        sim = new SimScheduler(Simulation.random(1), T0);
        disk = new SimDisk(sim.random(), sim.clock());
        writer = sim.executor("writer");
        manager = open();
    }

    private LogManager open() throws Exception {
        SimExecutor io = sim.executor("io");
        return LogManager.builder(DATA).disk(disk).clock(sim.clock()).scheduler(io).flusherExecutors(io, io)
                .cleaner(CleanerConfig.DEFAULTS.withBackoffMs(1000)).cleanerExecutors(List.of(sim.executor("cleaner")))
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private static LogConfig compact(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put(LogConfig.CLEANUP_POLICY, "compact");
        p.put(LogConfig.SEGMENT_BYTES, "1024");
        p.put(LogConfig.SEGMENT_INDEX_BYTES, "4096");
        p.put(LogConfig.INDEX_INTERVAL_BYTES, "100");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return LogConfig.fromMap(p);
    }

    private Log log(LogConfig cfg) {
        Log l = manager.getOrCreate("t", 0, cfg);
        l.attachWriter(writer, l::logEndOffset);
        return l;
    }

    private long passes() {
        return manager.cleaner().stats().snapshot().passes();
    }

    private void clean() {
        long before = passes();
        manager.cleaner().wakeUp();
        sim.runUntil(() -> passes() > before);
    }

    @Test
    void keepsTheLatestValueOfEachKeyAtItsOffset() throws Exception {
        Log log = log(compact());
        Map<String, Long> latest = new HashMap<>();
        Map<String, String> values = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            for (int k = 0; k < 5; k++) {
                String key = "key-" + k;
                String value = "value-" + round + "-" + k;
                AppendResult r = TestLogs.append(log, Keyed.batch(T0 + round, Compression.NONE, key, value), 0);
                latest.put(key, r.firstOffset());
                values.put(key, value);
            }
        }
        long sizeBefore = log.sizeInBytes();
        int segmentsBefore = log.segmentCount();
        assertTrue(segmentsBefore > 3, "segments " + segmentsBefore);
        clean();

        List<Keyed.Rec> recs = Keyed.readAll(log);
        long activeBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
        Map<String, Long> seen = new HashMap<>();
        for (Keyed.Rec r : recs) {
            if (r.offset() < activeBase) {
                assertEquals(null, seen.put(r.key(), r.offset()), "one record per key below the active segment");
                assertTrue(r.value().startsWith("value-"), r.toString());
            }
        }
        for (Map.Entry<String, Long> e : latest.entrySet()) {
            Keyed.Rec last = recs.stream().filter(r -> r.key().equals(e.getKey())).reduce((a, b) -> b).orElseThrow();
            assertEquals(e.getValue(), last.offset(), "the latest record keeps its offset");
            assertEquals(values.get(e.getKey()), last.value());
        }
        assertTrue(log.sizeInBytes() < sizeBefore / 2, log.sizeInBytes() + " of " + sizeBefore);
        CleanerStats.Snapshot st = manager.cleaner().stats().snapshot();
        assertEquals(1, st.passes());
        assertTrue(st.recordsRemoved() > 0);
        assertEquals(st.lastPassMs(), st.maxLastPassMs(), "one worker: its last pass is the longest last pass");
        assertEquals(st.bufferUtilizationPercent(), st.maxBufferUtilizationPercent());
        assertTrue(st.lastCheckAt() >= st.lastPassEndedAt() - st.lastPassMs() && st.lastCheckAt() <= sim.nowMillis(),
                "the cleaner looked for work when it chose the log, or since: " + st);
        assertEquals(log.segmentBaseOffsets().get(log.segmentCount() - 1),
                manager.cleaner().checkpoint("t-0"), "the checkpoint is where the dirty section now starts");
    }

    @Test
    void theWriterNeverClosesAReplacedSegmentsFile() throws Exception {
        // The swap renames a cleaned file over the old segment's: the old file's last close frees its blocks,
        // which must not run on the writer (a shard thread shared by other partitions).
        List<String> closedOnWriter = new ArrayList<>();
        List<String> closedElsewhere = new ArrayList<>();
        disk.onChannelClose(p -> {
            if (p.toString().endsWith(".log")) {
                (writer.inExecutor() ? closedOnWriter : closedElsewhere).add(p.getFileName().toString());
            }
        });
        Log log = log(compact());
        fill(log, 20, 5, "v");
        int before = log.segmentCount();
        assertTrue(before > 3, "segments " + before);
        clean();
        assertTrue(manager.cleaner().stats().snapshot().recordsRemoved() > 0);
        assertEquals(List.of(), closedOnWriter, "segment files closed on the writer");
        assertTrue(closedElsewhere.size() >= 1, "the replaced segments' files were closed: " + closedElsewhere);
    }

    @Test
    void segmentsThatShrinkAreSwappedInGroupsOfUpToEight() throws Exception {
        // 20 segments (rolled by time) of the same 5 keys: each group is judged by what it kept, so 8 small inputs
        // share one cleaned segment; 8 is the most one swap replaces (the writer renames each one's files).
        // Filled as cleanup.policy=delete, so that no pass runs while segments roll.
        Log log = log(compact(LogConfig.CLEANUP_POLICY, "delete", LogConfig.SEGMENT_BYTES, "1048576",
                LogConfig.SEGMENT_MS, "1000"));
        for (int round = 0; round < 21; round++) {
            fill(log, 2, 5, "r" + round + "-");
            sim.runFor(1_001);
        }
        TestLogs.append(log, Keyed.batch(sim.nowMillis(), Compression.NONE, "key-0", "last"), 0);
        int inactive = log.segmentCount() - 1;
        assertEquals(21, inactive, "segments rolled by time: " + log.segmentBaseOffsets());
        log.updateConfig(compact(LogConfig.SEGMENT_BYTES, "1048576", LogConfig.SEGMENT_MS, "1000"));
        clean();
        List<Long> bases = log.segmentBaseOffsets();
        assertEquals(3 + 1, bases.size(), "groups of 8, 8 and 5, and the active segment: " + bases);
        assertEquals(List.of(0L, 80L, 160L), bases.subList(0, 3), "each group keeps its first segment's base");
    }

    private void fill(Log log, int rounds, int keys, String prefix) {
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < keys; k++) {
                TestLogs.append(log, Keyed.batch(sim.nowMillis(), Compression.NONE, "key-" + k,
                        prefix + round + "-" + k), 0);
            }
        }
    }

    @Test
    void tombstonesStayForDeleteRetentionThenGoWithoutNewWrites() throws Exception {
        Log log = log(compact(LogConfig.DELETE_RETENTION_MS, "60000"));
        fill(log, 3, 5, "v");
        long tomb = TestLogs.append(log, Keyed.batch(sim.nowMillis(), Compression.NONE, "key-1", null), 0)
                .firstOffset();
        fill(log, 30, 1, "pad");
        clean();
        List<Keyed.Rec> after = Keyed.readAll(log);
        assertTrue(after.stream().anyMatch(r -> r.offset() == tomb && r.value() == null),
                "the tombstone stays after the first pass (its horizon is set)");
        assertTrue(after.stream().noneMatch(r -> "key-1".equals(r.key()) && r.value() != null),
                "what it deletes is gone");
        long passes = passes();
        sim.runFor(59_000);
        assertEquals(passes, passes(), "nothing to do before the horizon");
        sim.runFor(2_000 + 1_000);
        assertTrue(passes() > passes, "the horizon passing is reason enough to clean");
        assertTrue(Keyed.readAll(log).stream().noneMatch(r -> "key-1".equals(r.key())), "the tombstone is gone");
    }

    @Test
    void aTruncationDuringAPassCancelsItsSwapAndTheNextPassCleans() throws Exception {
        Log log = log(compact());
        fill(log, 10, 5, "v");
        long end = log.logEndOffset();
        // Let the pass take its snapshot and start reading; then truncate before its swap reaches the writer.
        manager.cleaner().wakeUp();
        sim.runUntil(() -> manager.cleaner().stats().snapshot().dirtyRatios().containsKey("t-0"));
        sim.step();
        sim.step();
        log.truncateTo(end - 3);
        sim.runFor(5_000);
        long aborted = manager.cleaner().stats().snapshot().abortedPasses();
        List<Keyed.Rec> recs = Keyed.readAll(log);
        assertEquals(end - 3, log.logEndOffset());
        if (aborted > 0) {
            assertTrue(recs.size() > 5, "an aborted pass changed nothing");
        }
        fill(log, 10, 5, "w");
        clean();
        List<Keyed.Rec> cleaned = Keyed.readAll(log);
        long activeBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
        assertEquals(cleaned.stream().filter(r -> r.offset() < activeBase).count(),
                cleaned.stream().filter(r -> r.offset() < activeBase).map(Keyed.Rec::key).distinct().count(),
                "one record per key below the active segment");
    }

    @Test
    void aReaderHoldingTheOldSegmentsReadsThemWhileTheyAreSwapped() throws Exception {
        Log log = log(compact());
        fill(log, 10, 5, "v");
        ReadResult before = log.read(0, 1 << 20, Long.MAX_VALUE, true);
        java.nio.ByteBuffer expected = TestLogs.bytes(before.records());
        clean();
        assertEquals(expected, TestLogs.bytes(before.records()), "the slice still reads the old file's bytes");
        before.release();
        ReadResult now = log.read(0, 1 << 20, Long.MAX_VALUE, true);
        assertTrue(now.records().length() < expected.remaining(), "a new read sees the cleaned segment");
        now.release();
    }

    @Test
    void theThrottleStretchesAPassOverSimulatedTime() throws Exception {
        manager.close();
        SimExecutor io = sim.executor("io2");
        manager = LogManager.builder(DATA).disk(disk).clock(sim.clock()).scheduler(io).flusherExecutors(io, io)
                .cleaner(CleanerConfig.DEFAULTS.withBackoffMs(1000).withIoBufferBytes(4096)
                        .withMaxIoBytesPerSecond(10_000))
                .cleanerExecutors(List.of(sim.executor("cleaner2"))).build();
        Log log = log(compact(LogConfig.SEGMENT_BYTES, "4096"));
        fill(log, 40, 10, "value-with-some-length-");
        long bytes = log.sizeInBytes();
        long start = sim.nowMillis();
        clean();
        long took = sim.nowMillis() - start;
        CleanerStats.Snapshot st = manager.cleaner().stats().snapshot();
        long traffic = st.bytesRead() + st.bytesWritten();
        assertTrue(traffic >= bytes, "traffic " + traffic + " bytes " + bytes);
        assertTrue(took >= (traffic - 4096 * 2) * 1000 / 10_000 - 1000,
                "a pass of " + traffic + " bytes at 10 kB/s took " + took + " ms");
    }

    @Test
    void recentSegmentsWaitForTheMinCompactionLag() throws Exception {
        Log log = log(compact(LogConfig.MIN_COMPACTION_LAG_MS, "60000"));
        fill(log, 10, 5, "v");
        manager.cleaner().wakeUp();
        sim.runFor(10_000);
        assertEquals(0, passes(), "every segment is younger than the lag");
        sim.runFor(60_000);
        assertEquals(1, passes(), "once the segments are older than the lag, the next look cleans them");
        long cleanedTo = manager.cleaner().checkpoint("t-0");
        assertTrue(cleanedTo > 0 && cleanedTo <= log.segmentBaseOffsets().get(log.segmentCount() - 1));
    }

    @Test
    void theMaxCompactionLagCleansALogBelowItsDirtyRatio() throws Exception {
        Log log = log(compact(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.99", LogConfig.MAX_COMPACTION_LAG_MS, "30000"));
        fill(log, 10, 5, "v");
        clean();
        fill(log, 1, 5, "w");
        sim.runFor(5_000);
        fill(log, 1, 5, "x");
        long passes = passes();
        manager.cleaner().wakeUp();
        sim.runFor(5_000);
        assertEquals(passes, passes(), "below the ratio and within the lag: nothing");
        sim.runFor(30_000);
        fill(log, 1, 5, "y");
        manager.cleaner().wakeUp();
        sim.runFor(5_000);
        assertTrue(passes() > passes, "dirty data older than max.compaction.lag.ms is cleaned");
    }

    @Test
    void nothingAtOrAboveTheHighWatermarkIsCleaned() throws Exception {
        Log log = manager.getOrCreate("t", 0, compact());
        long[] hw = {0};
        log.attachWriter(writer, () -> hw[0]);
        fill(log, 10, 5, "v");
        hw[0] = 20;
        clean();
        List<Keyed.Rec> recs = Keyed.readAll(log);
        assertTrue(recs.stream().filter(r -> r.offset() >= 20).count() >= log.logEndOffset() - 20 - 5,
                "records above the high watermark stay");
        assertTrue(manager.cleaner().checkpoint("t-0") <= 20);
    }

    @Test
    void aRestartResumesFromTheCheckpoint() throws Exception {
        Log log = log(compact());
        fill(log, 10, 5, "v");
        clean();
        long cp = manager.cleaner().checkpoint("t-0");
        assertTrue(cp > 0);
        manager.close();
        manager = open();
        Log again = manager.getOrCreate("t", 0, compact());
        again.attachWriter(writer, again::logEndOffset);
        assertEquals(cp, manager.cleaner().checkpoint("t-0"), "read back from cleaner-offset-checkpoint");
        manager.cleaner().wakeUp();
        sim.runFor(5_000);
        assertEquals(0, passes(), "nothing dirty after the restart");
    }

    @Test
    void aPolicyChangeToCompactStartsCleaningAndBackStopsIt() throws Exception {
        Log log = manager.getOrCreate("t", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "1024",
                LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        log.attachWriter(writer, log::logEndOffset);
        fill(log, 10, 5, "v");
        manager.cleaner().wakeUp();
        sim.runFor(5_000);
        assertEquals(0, passes(), "cleanup.policy=delete: no cleaning");
        log.updateConfig(compact());
        clean();
        assertTrue(Keyed.readAll(log).size() < 50);
    }

    @Test
    void compressedBatchesStayCompressedWithTheirCodec() throws Exception {
        Log log = log(compact());
        Compression[] codecs = {Compression.gzip().build(), Compression.snappy().build(), Compression.lz4().build(),
            Compression.zstd().build()};
        for (int round = 0; round < 10; round++) {
            Compression c = codecs[round % codecs.length];
            TestLogs.append(log, Keyed.batch(sim.nowMillis(), c, "a", "a" + round, "b", "b" + round, "c" + round,
                    "c"), 0);
        }
        fill(log, 5, 1, "pad");
        clean();
        for (org.apache.kafka.common.record.internal.RecordBatch b : Keyed.batches(log)) {
            b.ensureValid();
            if (b.countOrNull() > 0 && b.baseOffset() < 30) {
                assertEquals(codecs[(int) (b.baseOffset() / 3) % codecs.length].type(), b.compressionType(),
                        "batch at " + b.baseOffset());
            }
        }
    }
}
