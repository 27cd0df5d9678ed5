package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.samsa.common.ManualClock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    ManualClock clock;
    TestLogs.ManualScheduler scheduler;
    LogManager manager;

    @BeforeEach
    void setUp() throws Exception {
        clock = new ManualClock(T0);
        scheduler = new TestLogs.ManualScheduler();
        manager = LogManager.builder(dir).clock(clock).scheduler(scheduler).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private Log log(Map<String, String> props) {
        Map<String, String> p = new HashMap<>(props);
        p.putIfAbsent(LogConfig.SEGMENT_INDEX_BYTES, "4096");
        return manager.getOrCreate("t", 0, LogConfig.fromMap(p));
    }

    @Test
    void appendAssignsOffsetsAndReadsBackTheSameRecords() throws Exception {
        Log log = log(Map.of());
        AppendResult r1 = TestLogs.append(log, TestLogs.batch(T0, 3), 5);
        AppendResult r2 = TestLogs.append(log, TestLogs.concat(TestLogs.batch(T0 + 10, 2), TestLogs.batch(T0 + 20, 4)), 5);
        assertEquals(0, r1.firstOffset());
        assertEquals(2, r1.lastOffset());
        assertEquals(3, r2.firstOffset());
        assertEquals(8, r2.lastOffset());
        assertEquals(T0 + 23, r2.maxTimestamp());
        assertEquals(-1, r2.logAppendTime());
        assertEquals(9, log.logEndOffset());
        assertTrue(r1.durable().isDone());
        Map<Long, String> all = TestLogs.readAll(log, 0);
        assertEquals(9, all.size());
        assertEquals("v0", all.get(0L));
        assertEquals("v1", all.get(4L));
        assertEquals("v3", all.get(8L));
        ReadResult rr = log.read(0, 1 << 20, Long.MAX_VALUE, false);
        List<RecordBatch> batches = TestLogs.batches(rr);
        rr.release();
        assertEquals(3, batches.size());
        assertEquals(5, batches.get(1).partitionLeaderEpoch());
        assertEquals(3, batches.get(1).baseOffset());
        assertEquals(new EpochEndOffset(5, 9), log.endOffsetForEpoch(5));
    }

    @Test
    void readRules() throws Exception {
        Log log = log(Map.of());
        for (int i = 0; i < 5; i++) {
            TestLogs.append(log, TestLogs.batch(T0 + i, 10), 0);
        }
        // A fetch in the middle of a batch returns that whole batch.
        ReadResult mid = log.read(15, 1 << 20, Long.MAX_VALUE, false);
        assertEquals(10, mid.records().firstOffset());
        assertEquals(4, TestLogs.batches(mid).size());
        mid.release();
        // Only whole batches fit in maxBytes.
        ReadResult one = log.read(0, 1 << 20, Long.MAX_VALUE, false);
        int batchSize = one.records().length() / 5;
        one.release();
        ReadResult two = log.read(0, batchSize * 2 + batchSize / 2, Long.MAX_VALUE, false);
        assertEquals(2 * batchSize, two.records().length());
        two.release();
        // KIP-74: minOneMessage returns the first batch whole even if larger than maxBytes.
        ReadResult small = log.read(20, 10, Long.MAX_VALUE, true);
        assertEquals(batchSize, small.records().length());
        assertEquals(20, small.records().firstOffset());
        small.release();
        assertTrue(log.read(20, 10, Long.MAX_VALUE, false).records().isEmpty());
        // maxOffset (high watermark) is an exclusive bound at batch granularity.
        ReadResult hw = log.read(0, 1 << 20, 25, false);
        assertEquals(2, TestLogs.batches(hw).size());
        hw.release();
        assertTrue(log.read(30, 100, 30, false).records().isEmpty());
        // At the log end: empty; beyond: out of range.
        assertTrue(log.read(50, 100, Long.MAX_VALUE, true).records().isEmpty());
        SamsaException e = assertThrows(SamsaException.class, () -> log.read(51, 100, Long.MAX_VALUE, true));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, e.errorCode());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertThrows(SamsaException.class, () -> log.read(-1, 100, Long.MAX_VALUE, true)).errorCode());
    }

    @Test
    void indexLookupsFindEveryOffset() throws Exception {
        Log log = log(Map.of(LogConfig.INDEX_INTERVAL_BYTES, "100"));
        for (int i = 0; i < 200; i++) {
            TestLogs.append(log, TestLogs.batch(T0 + i * 10, 1 + i % 3), 0);
        }
        long end = log.logEndOffset();
        for (long off = 0; off < end; off++) {
            ReadResult r = log.read(off, 1, Long.MAX_VALUE, true);
            RecordBatch b = TestLogs.batches(r).get(0);
            r.release();
            assertTrue(b.baseOffset() <= off && off <= b.lastOffset(), "offset " + off + " in " + b);
        }
        assertTrue(Files.size(dir.resolve("t-0").resolve("00000000000000000000.index")) > 0);
    }

    @Test
    void validationErrors() {
        Log log = log(Map.of(LogConfig.MAX_MESSAGE_BYTES, "300", LogConfig.SEGMENT_BYTES, "1200"));
        ByteBuf big = TestLogs.batch(T0, 20);
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, code(() -> TestLogs.append(log, big, 0)));
        ByteBuf corrupt = TestLogs.batch(T0, 2);
        corrupt.setByte(corrupt.writerIndex() - 1, corrupt.getByte(corrupt.writerIndex() - 1) ^ 1);
        assertEquals(ErrorCode.CORRUPT_MESSAGE, code(() -> TestLogs.append(log, corrupt, 0)));
        ByteBuf badMagic = TestLogs.batch(T0, 2);
        badMagic.setByte(RecordBatchView.MAGIC_OFFSET, 1);
        assertEquals(ErrorCode.CORRUPT_MESSAGE, code(() -> TestLogs.append(log, badMagic, 0)));
        ByteBuf trailing = TestLogs.batch(T0, 2);
        trailing.writeBytes(new byte[5]);
        assertEquals(ErrorCode.CORRUPT_MESSAGE, code(() -> TestLogs.append(log, trailing, 0)));
        ByteBuf badCount = TestLogs.batch(T0, 2);
        badCount.setInt(RecordBatchView.RECORDS_COUNT_OFFSET, 3);
        fixCrc(badCount);
        assertEquals(ErrorCode.INVALID_RECORD, code(() -> TestLogs.append(log, badCount, 0)));
        ByteBuf future = TestLogs.batch(T0 + 3_600_001, 1);
        assertEquals(ErrorCode.INVALID_TIMESTAMP, code(() -> TestLogs.append(log, future, 0)));
        ByteBuf many = TestLogs.concat(TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3),
                TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3),
                TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3),
                TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3),
                TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3), TestLogs.batch(T0, 3));
        assertEquals(ErrorCode.RECORD_LIST_TOO_LARGE, code(() -> TestLogs.append(log, many, 0)));
        // Nothing was written by the failed appends.
        assertEquals(0, log.logEndOffset());
        Log old = manager.getOrCreate("old", 0, LogConfig.fromMap(Map.of(LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS,
                "1000")));
        assertEquals(ErrorCode.INVALID_TIMESTAMP, code(() -> TestLogs.append(old, TestLogs.batch(T0 - 1001, 1), 0)));
        assertEquals(0, TestLogs.append(old, TestLogs.batch(T0 - 999, 1), 0).firstOffset());
    }

    static void fixCrc(ByteBuf b) {
        RecordBatchView v = new RecordBatchView().wrap(b, 0);
        b.setInt(RecordBatchView.CRC_OFFSET, (int) v.computeCrc());
    }

    private static ErrorCode code(Runnable r) {
        return assertThrows(SamsaException.class, r::run).errorCode();
    }

    @Test
    void logAppendTimeIsApplied() throws Exception {
        Log log = log(Map.of(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        clock.advance(5000);
        AppendResult r = TestLogs.append(log, TestLogs.batch(1, 3), 0);
        assertEquals(T0 + 5000, r.logAppendTime());
        ReadResult rr = log.read(0, 1 << 20, Long.MAX_VALUE, true);
        RecordBatch b = TestLogs.batches(rr).get(0);
        rr.release();
        b.ensureValid();
        assertEquals(T0 + 5000, b.maxTimestamp());
        assertEquals(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, b.timestampType());
    }

    @Test
    void rollsBySizeTimeAndFullIndex() throws Exception {
        Log bySize = log(Map.of(LogConfig.SEGMENT_BYTES, "1000"));
        for (int i = 0; i < 30; i++) {
            TestLogs.append(bySize, TestLogs.batch(T0, 2), 0);
        }
        assertTrue(bySize.segmentCount() >= 3, "segments: " + bySize.segmentCount());
        for (long base : bySize.segmentBaseOffsets()) {
            assertTrue(Files.size(bySize.dir().resolve(String.format("%020d.log", base))) <= 1000);
        }
        assertEquals(60, TestLogs.readAll(bySize, 0).size());

        Log byTime = manager.getOrCreate("time", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_MS, "1000",
                LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime")));
        TestLogs.append(byTime, TestLogs.batch(T0, 1), 0);
        clock.advance(999);
        TestLogs.append(byTime, TestLogs.batch(T0, 1), 0);
        assertEquals(1, byTime.segmentCount());
        clock.advance(2);
        TestLogs.append(byTime, TestLogs.batch(T0, 1), 0);
        assertEquals(List.of(0L, 2L), byTime.segmentBaseOffsets());

        Log byIndex = manager.getOrCreate("idx", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_INDEX_BYTES, "32",
                LogConfig.INDEX_INTERVAL_BYTES, "1")));
        for (int i = 0; i < 20; i++) {
            TestLogs.append(byIndex, TestLogs.batch(T0 + i, 1), 0);
        }
        assertTrue(byIndex.segmentCount() >= 3, "segments: " + byIndex.segmentCount());
        assertEquals(20, TestLogs.readAll(byIndex, 0).size());
        for (long ts = T0; ts < T0 + 20; ts++) {
            assertEquals(ts - T0, byIndex.offsetForTimestamp(ts).offset());
        }
    }

    @Test
    void timestampLookups() throws Exception {
        Log log = log(Map.of(LogConfig.INDEX_INTERVAL_BYTES, "1", LogConfig.SEGMENT_BYTES, "2000"));
        // Batches of 3 records at T0 + 100*i, +1, +2; one batch out of order.
        for (int i = 0; i < 30; i++) {
            long ts = i == 10 ? T0 + 50 : T0 + 100L * i;
            TestLogs.append(log, TestLogs.batch(ts, 3), 0);
        }
        assertTrue(log.segmentCount() > 1);
        assertEquals(0, log.offsetForTimestamp(T0 - 5).offset());
        assertEquals(0, log.offsetForTimestamp(T0).offset());
        assertEquals(1, log.offsetForTimestamp(T0 + 1).offset());
        assertEquals(3, log.offsetForTimestamp(T0 + 3).offset());
        assertEquals(3, log.offsetForTimestamp(T0 + 50).offset());
        assertEquals(33, log.offsetForTimestamp(T0 + 1002).offset());
        assertEquals(86, log.offsetForTimestamp(T0 + 2802).offset());
        assertEquals(-1, log.offsetForTimestamp(T0 + 2903).offset());
        TimestampOffset max = log.maxTimestampAndOffset();
        assertEquals(T0 + 2902, max.timestamp());
        assertEquals(89, max.offset());
        assertEquals(0, max.leaderEpoch());
    }

    @Test
    void retentionByTimeAndSizeAndLogStartOffset() throws Exception {
        Log log = log(Map.of(LogConfig.SEGMENT_BYTES, "500", LogConfig.RETENTION_MS, "10000",
                LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        for (int i = 0; i < 20; i++) {
            TestLogs.append(log, TestLogs.batch(0, 2), 0);
            clock.advance(1000);
        }
        int before = log.segmentCount();
        assertTrue(before >= 3, "segments: " + before);
        // Nothing is below the high watermark 0.
        assertEquals(0, log.deleteOldSegments(0));
        // Segments whose newest record is older than 10 s go; the active one stays.
        int deleted = log.deleteOldSegments(log.logEndOffset());
        assertTrue(deleted > 0);
        long start = log.logStartOffset();
        assertEquals(log.segmentBaseOffsets().get(0), start);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, code(() -> log.read(start - 1, 100, Long.MAX_VALUE, true)));
        Path t0 = log.dir();
        try (var s = Files.list(t0)) {
            assertTrue(s.anyMatch(p -> p.toString().endsWith(".log.deleted")));
        }
        scheduler.runAll();
        try (var s = Files.list(t0)) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".deleted")));
        }
        // Everything expired: the active segment is rolled and deleted too.
        clock.advance(60_000);
        log.deleteOldSegments(log.logEndOffset());
        assertEquals(1, log.segmentCount());
        assertEquals(40, log.logStartOffset());
        assertEquals(40, log.logEndOffset());
        assertEquals(40, TestLogs.append(log, TestLogs.batch(0, 1), 0).firstOffset());

        Log bySize = manager.getOrCreate("size", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "500",
                LogConfig.RETENTION_BYTES, "1000")));
        for (int i = 0; i < 20; i++) {
            TestLogs.append(bySize, TestLogs.batch(T0, 2), 0);
        }
        long total = bySize.sizeInBytes();
        bySize.deleteOldSegments(bySize.logEndOffset());
        assertTrue(bySize.sizeInBytes() <= total);
        assertTrue(bySize.sizeInBytes() >= 1000 - 500 && bySize.sizeInBytes() - bySize.activeSegmentSize() <= 1000,
                "size " + bySize.sizeInBytes());

        // DeleteRecords: raise the log start; reads below fail; the segments below go on the next pass.
        Log dr = manager.getOrCreate("dr", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "500")));
        for (int i = 0; i < 20; i++) {
            TestLogs.append(dr, TestLogs.batch(T0, 2), 0);
        }
        dr.increaseLogStartOffset(25);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, code(() -> dr.read(24, 100, Long.MAX_VALUE, true)));
        ReadResult at = dr.read(25, 100, Long.MAX_VALUE, true);
        assertEquals(24, at.records().firstOffset());
        at.release();
        dr.deleteOldSegments(dr.logEndOffset());
        assertTrue(dr.segmentBaseOffsets().get(0) <= 25);
        assertEquals(25, dr.logStartOffset());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, code(() -> dr.increaseLogStartOffset(41)));
    }

    @Test
    void truncationAndLeaderEpochs() throws Exception {
        Log log = log(Map.of(LogConfig.SEGMENT_BYTES, "500"));
        for (int i = 0; i < 20; i++) {
            TestLogs.append(log, TestLogs.batch(T0 + i, 2), i < 10 ? 1 : 3);
        }
        assertEquals(new EpochEndOffset(1, 20), log.endOffsetForEpoch(1));
        assertEquals(new EpochEndOffset(1, 20), log.endOffsetForEpoch(2));
        assertEquals(new EpochEndOffset(3, 40), log.endOffsetForEpoch(3));
        assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(4));
        log.truncateTo(15);
        assertEquals(14, log.logEndOffset());
        assertEquals(new EpochEndOffset(1, 14), log.endOffsetForEpoch(1));
        assertEquals(1, log.latestEpoch());
        assertEquals(14, TestLogs.readAll(log, 0).size());
        assertEquals(14, TestLogs.append(log, TestLogs.batch(T0, 1), 4).firstOffset());
        assertEquals(T0 + 7, log.maxTimestampAndOffset().timestamp());
        assertEquals(13, log.maxTimestampAndOffset().offset());
        assertEquals(1, log.maxTimestampAndOffset().leaderEpoch());
        log.truncateFullyAndStartAt(100);
        assertEquals(100, log.logStartOffset());
        assertEquals(100, log.logEndOffset());
        assertEquals(1, log.segmentCount());
        AppendResult r = log.appendAsFollower(withOffset(TestLogs.batch(T0, 2), 100, 7));
        assertEquals(100, r.firstOffset());
        assertEquals(new EpochEndOffset(7, 102), log.endOffsetForEpoch(7));
        assertEquals(ErrorCode.INVALID_RECORD, code(() -> log.appendAsFollower(withOffset(TestLogs.batch(T0, 1), 50, 7))));
    }

    @Test
    void aFollowerTruncatesThroughTheSameSegmentTwiceWithinTheDeleteDelay() throws Exception {
        // The first truncation's renamed segment still waits for file.delete.delay.ms when the second one renames
        // the segment that replaced it, at the same base offset: the rename replaces the waiting file.
        Log log = log(Map.of(LogConfig.SEGMENT_BYTES, "300"));
        for (int round = 0; round < 3; round++) {
            while (log.segmentCount() < 3) {
                TestLogs.append(log, TestLogs.batch(T0, 2), 1 + round);
            }
            long base = log.segmentBaseOffsets().get(1);
            log.truncateTo(base);
            assertEquals(base, log.logEndOffset());
            assertFalse(log.isOffline());
        }
        long end = log.logEndOffset();
        assertEquals(end, TestLogs.append(log, TestLogs.batch(T0, 1), 9).firstOffset());
    }

    static ByteBuf withOffset(ByteBuf b, long offset, int epoch) {
        b.setLong(0, offset);
        b.setInt(RecordBatchView.PARTITION_LEADER_EPOCH_OFFSET, epoch);
        return b;
    }

    @Test
    void dataSurvivesCleanRestart() throws Exception {
        Log log = log(Map.of(LogConfig.SEGMENT_BYTES, "700", LogConfig.INDEX_INTERVAL_BYTES, "50"));
        for (int i = 0; i < 40; i++) {
            TestLogs.append(log, TestLogs.batch(T0 + i * 10, 2), 2);
        }
        Map<Long, String> before = TestLogs.readAll(log, 0);
        manager.close();
        assertTrue(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
        manager = LogManager.builder(dir).clock(clock).scheduler(scheduler)
                .configs(t -> LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "700"))).build();
        assertTrue(manager.startedClean());
        assertFalse(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
        Log again = manager.get("t", 0);
        assertEquals(80, again.logEndOffset());
        assertEquals(before, TestLogs.readAll(again, 0));
        assertEquals(30, again.offsetForTimestamp(T0 + 150).offset());
        assertEquals(new EpochEndOffset(2, 80), again.endOffsetForEpoch(2));
        assertEquals(80, TestLogs.append(again, TestLogs.batch(T0, 1), 2).firstOffset());
    }
}
