package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Appends to a compacted topic: keys are required from clients; replicated compacted batches are accepted. */
class CompactedAppendTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final LogConfig COMPACT = LogConfig.fromMap(Map.of(LogConfig.CLEANUP_POLICY, "compact",
            LogConfig.SEGMENT_INDEX_BYTES, "4096"));

    @TempDir
    Path dir;
    LogManager manager;

    @BeforeEach
    void setUp() throws Exception {
        manager = LogManager.builder(dir).clock(new ManualClock(T0)).scheduler(new TestLogs.ManualScheduler())
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private static ByteBuf batch(Compression compression, String... keys) {
        SimpleRecord[] recs = new SimpleRecord[keys.length];
        for (int i = 0; i < keys.length; i++) {
            recs[i] = new SimpleRecord(T0, keys[i] == null ? null : keys[i].getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer b = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, compression,
                TimestampType.CREATE_TIME, recs).buffer();
        return Unpooled.wrappedBuffer(b);
    }

    @Test
    void recordsWithoutAKeyAreRejectedWithTheirIndexes() {
        Log log = manager.getOrCreate("c", 0, COMPACT);
        for (Compression c : List.of(Compression.NONE, Compression.gzip().build(), Compression.zstd().build())) {
            ByteBuf b = batch(c, "a", null, "b", null);
            RecordValidationException e = assertThrows(RecordValidationException.class, () -> log.appendAsLeader(b, 0));
            b.release();
            assertEquals(ErrorCode.INVALID_RECORD, e.errorCode());
            assertEquals(List.of(1, 3), e.recordErrors().stream().map(RecordError::batchIndex).toList(), c.toString());
            assertEquals(0, log.logEndOffset(), "nothing of the append was written");
        }
        assertEquals(0, TestLogs.append(log, batch(Compression.NONE, "a", "b"), 0).firstOffset());
        assertEquals(2, log.logEndOffset());
    }

    @Test
    void aSecondBatchWithoutKeysFailsTheWholeAppend() {
        Log log = manager.getOrCreate("c", 0, COMPACT);
        ByteBuf both = TestLogs.concat(batch(Compression.NONE, "a"), batch(Compression.NONE, (String) null));
        RecordValidationException e = assertThrows(RecordValidationException.class, () -> log.appendAsLeader(both, 0));
        both.release();
        assertEquals(List.of(new RecordError(0, "Compacted topic partition c-0 cannot accept a record without a key")),
                e.recordErrors());
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void keysAreOptionalOnDeleteTopicsAndAfterALivePolicyChange() {
        Log log = manager.getOrCreate("d", 0, LogConfig.DEFAULTS);
        assertEquals(0, TestLogs.append(log, batch(Compression.NONE, (String) null), 0).firstOffset());
        log.updateConfig(COMPACT);
        ByteBuf b = batch(Compression.NONE, (String) null);
        assertEquals(ErrorCode.INVALID_RECORD, assertThrows(SamsaException.class, () -> log.appendAsLeader(b, 0))
                .errorCode());
        b.release();
        log.updateConfig(LogConfig.DEFAULTS);
        assertEquals(1, TestLogs.append(log, batch(Compression.NONE, (String) null), 0).firstOffset());
    }

    @Test
    void aFollowerAcceptsCompactedBatchesButAClientMayNotSendThem() {
        // Offsets 0..4 of which the cleaner kept 1 and 4: two records, lastOffsetDelta 4.
        MemoryRecords compacted = compactedBatch();
        Log follower = manager.getOrCreate("f", 0, COMPACT);
        ByteBuf replicated = Unpooled.wrappedBuffer(compacted.buffer().duplicate());
        AppendResult r = follower.appendAsFollower(replicated);
        assertEquals(0, r.firstOffset());
        assertEquals(4, r.lastOffset());
        assertEquals(5, follower.logEndOffset());
        Log leader = manager.getOrCreate("l", 0, COMPACT);
        ByteBuf fromClient = Unpooled.wrappedBuffer(compacted.buffer().duplicate());
        assertEquals(ErrorCode.INVALID_RECORD, assertThrows(SamsaException.class,
                () -> leader.appendAsLeader(fromClient, 0)).errorCode());
    }

    /** A batch as the cleaner leaves it: records at offsets 1 and 4 of a batch spanning 0..4. */
    private static MemoryRecords compactedBatch() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        try (var b = MemoryRecords.builder(buf, RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, 0L)) {
            b.appendWithOffset(1, T0, "a".getBytes(), "1".getBytes());
            b.appendWithOffset(4, T0, "b".getBytes(), "4".getBytes());
            return b.build();
        }
    }
}
