package io.samsa.log;

import io.samsa.common.ManualClock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cleanup.policy}: which retention a log obeys, and the compaction settings LogConfig reads. */
class CleanupPolicyTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = 24L * 60 * 60 * 1000;

    @TempDir
    Path dir;
    ManualClock clock;
    LogManager manager;

    @BeforeEach
    void setUp() throws Exception {
        clock = new ManualClock(T0);
        manager = LogManager.builder(dir).clock(clock).scheduler(new TestLogs.ManualScheduler()).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private static LogConfig config(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put(LogConfig.SEGMENT_INDEX_BYTES, "4096");
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return LogConfig.fromMap(p);
    }

    @Test
    void readsThePolicyInEveryKafkaSpelling() {
        assertTrue(LogConfig.DEFAULTS.delete());
        assertFalse(LogConfig.DEFAULTS.compact());
        LogConfig compact = config(LogConfig.CLEANUP_POLICY, "compact");
        assertTrue(compact.compact());
        assertFalse(compact.delete());
        for (String both : new String[] {"compact,delete", "delete, compact", "[compact, delete]"}) {
            LogConfig c = config(LogConfig.CLEANUP_POLICY, both);
            assertTrue(c.compact() && c.delete(), both);
        }
        SamsaException e = assertThrows(SamsaException.class,
                () -> config(LogConfig.CLEANUP_POLICY, "compact,shred"));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertNotEquals(config(), compact, "the policy is part of the value");
    }

    @Test
    void readsTheCompactionSettingsWithKafkasDefaults() {
        LogConfig d = LogConfig.DEFAULTS;
        assertEquals(0.5, d.minCleanableDirtyRatio());
        assertEquals(0, d.minCompactionLagMs());
        assertEquals(Long.MAX_VALUE, d.maxCompactionLagMs());
        assertEquals(DAY, d.deleteRetentionMs());
        LogConfig c = config(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01", LogConfig.MIN_COMPACTION_LAG_MS, "5",
                LogConfig.MAX_COMPACTION_LAG_MS, "60000", LogConfig.DELETE_RETENTION_MS, "7");
        assertEquals(0.01, c.minCleanableDirtyRatio());
        assertEquals(5, c.minCompactionLagMs());
        assertEquals(60_000, c.maxCompactionLagMs());
        assertEquals(7, c.deleteRetentionMs());
        for (String k : new String[] {LogConfig.MIN_CLEANABLE_DIRTY_RATIO, LogConfig.MIN_COMPACTION_LAG_MS,
                LogConfig.MAX_COMPACTION_LAG_MS, LogConfig.DELETE_RETENTION_MS}) {
            assertNotEquals(d, LogConfig.fromMap(Map.of(k, "1")), k);
        }
        assertEquals(ErrorCode.INVALID_CONFIG, assertThrows(SamsaException.class,
                () -> config(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "1.5")).errorCode());
        assertEquals(ErrorCode.INVALID_CONFIG, assertThrows(SamsaException.class,
                () -> config(LogConfig.MAX_COMPACTION_LAG_MS, "0")).errorCode());
    }

    @Test
    void aCompactedLogIsNeverDeletedByTimeOrSizeButFollowsItsLogStart() {
        Log log = manager.getOrCreate("c", 0, config(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.SEGMENT_BYTES, "500", LogConfig.RETENTION_MS, "1000", LogConfig.RETENTION_BYTES, "100"));
        for (int i = 0; i < 20; i++) {
            TestLogs.append(log, TestLogs.batch(T0, 2), 0);
        }
        int segments = log.segmentCount();
        assertTrue(segments >= 3, "segments: " + segments);
        clock.advance(30 * DAY);
        assertEquals(0, log.deleteOldSegments(log.logEndOffset()), "no time or size retention for compact");
        assertEquals(segments, log.segmentCount());
        assertEquals(0, log.logStartOffset());

        log.increaseLogStartOffset(25);
        assertTrue(log.deleteOldSegments(log.logEndOffset()) > 0, "segments below the log start still go");
        assertEquals(25, log.logStartOffset());
        assertTrue(log.segmentBaseOffsets().get(0) <= 25);
    }

    @Test
    void compactDeleteObeysRetentionAndAPolicyChangeTakesEffectLive() {
        LogConfig compactOnly = config(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES, "500",
                LogConfig.RETENTION_MS, "10000");
        Log log = manager.getOrCreate("cd", 0, compactOnly);
        for (int i = 0; i < 20; i++) {
            TestLogs.append(log, TestLogs.batch(T0, 2), 0);
        }
        clock.advance(60_000);
        assertEquals(0, log.deleteOldSegments(log.logEndOffset()));

        log.updateConfig(config(LogConfig.CLEANUP_POLICY, "compact,delete", LogConfig.SEGMENT_BYTES, "500",
                LogConfig.RETENTION_MS, "10000"));
        assertTrue(log.deleteOldSegments(log.logEndOffset()) > 0, "compact,delete expires by time");
        assertEquals(40, log.logStartOffset(), "everything was older than retention.ms");
    }

    @Test
    void theActiveSegmentOfACompactedLogRollsAtTheMaxCompactionLag() {
        Log log = manager.getOrCreate("lag", 0, config(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.MAX_COMPACTION_LAG_MS, "60000", LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        TestLogs.append(log, TestLogs.batch(T0, 2), 0);
        clock.advance(30_000);
        TestLogs.append(log, TestLogs.batch(T0, 2), 0);
        assertEquals(1, log.segmentCount(), "within the lag: no roll");
        clock.advance(31_000);
        TestLogs.append(log, TestLogs.batch(T0, 2), 0);
        assertEquals(2, log.segmentCount(), "past max.compaction.lag.ms the active segment rolls");

        Log plain = manager.getOrCreate("plain", 0, config(LogConfig.MAX_COMPACTION_LAG_MS, "60000",
                LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        TestLogs.append(plain, TestLogs.batch(T0, 2), 0);
        clock.advance(61_000);
        TestLogs.append(plain, TestLogs.batch(T0, 2), 0);
        assertEquals(1, plain.segmentCount(), "the lag matters for compacted logs only");
    }
}
