package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ListOffsets by time and MAX_TIMESTAMP answer the exact record, inside compressed batches too, with the leader
 * epoch of its batch; {@link Log#epochForOffset} follows the epoch cache. The oracle is a brute-force search
 * over the timestamps the test wrote.
 */
class TimestampLookupTest {
    private static final long T0 = 1_700_000_000_000L;
    /** Per-record timestamp deltas of every batch: out of order, with a repeated maximum. */
    private static final int[] DELTAS = {5, 1, 9, 3, 9, 2, 7, 0, 8, 4};

    @TempDir
    Path dir;
    ManualClock clock = new ManualClock(T0);
    LogManager manager;

    /** offset -> {timestamp, leader epoch} of every record written, in offset order. */
    final List<long[]> written = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        manager = LogManager.builder(dir).clock(clock).scheduler(new TestLogs.ManualScheduler())
                .forcer(TestLogs.NO_FSYNC).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private static Compression compression(String name) {
        return switch (name) {
            case "gzip" -> Compression.gzip().build();
            case "snappy" -> Compression.snappy().build();
            case "lz4" -> Compression.lz4().build();
            case "zstd" -> Compression.zstd().build();
            default -> Compression.NONE;
        };
    }

    private static ByteBuf batch(long baseTs, Compression compression, TimestampType type) {
        SimpleRecord[] recs = new SimpleRecord[DELTAS.length];
        for (int i = 0; i < DELTAS.length; i++) {
            recs[i] = new SimpleRecord(baseTs + DELTAS[i], ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i + "-" + "x".repeat(40)).getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer b = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, compression, type,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, false, recs).buffer();
        ByteBuf out = Unpooled.buffer(b.remaining());
        out.writeBytes(b);
        return out;
    }

    /** Writes {@code batches} batches 100 ms apart, batch i in leader epoch 2 + i / 3. */
    private Log fill(String topic, String codec, int batches, Map<String, String> props) {
        Log log = manager.getOrCreate(topic, 0, LogConfig.fromMap(props));
        for (int i = 0; i < batches; i++) {
            int epoch = 2 + i / 3;
            AppendResult r = TestLogs.append(log, batch(T0 + 100L * i, compression(codec), TimestampType.CREATE_TIME),
                    epoch);
            for (int j = 0; j < DELTAS.length; j++) {
                written.add(new long[] {T0 + 100L * i + DELTAS[j], epoch});
            }
            assertEquals(written.size() - 1, r.lastOffset());
        }
        return log;
    }

    /** The oracle: the first record at or above {@code from} with a timestamp at or above {@code target}. */
    private TimestampOffset expected(long target, long from) {
        for (int off = (int) from; off < written.size(); off++) {
            long[] w = written.get(off);
            if (w[0] >= target) {
                return new TimestampOffset(w[0], off, (int) w[1]);
            }
        }
        return TimestampOffset.NONE;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void lookupByTimeIsExactInsideEveryCodec(String codec) {
        Log log = fill("c-" + codec, codec, 12, Map.of(LogConfig.SEGMENT_BYTES, "1500",
                LogConfig.INDEX_INTERVAL_BYTES, "1", LogConfig.SEGMENT_INDEX_BYTES, "4096"));
        for (long target = T0 - 1; target <= T0 + 100 * 11 + 10; target++) {
            assertEquals(expected(target, 0), log.offsetForTimestamp(target), "target " + (target - T0));
        }
        // The maximum (T0 + 1109) is carried by records 2 and 4 of the last batch: the first one answers.
        assertEquals(new TimestampOffset(T0 + 1109, 112, 5), log.maxTimestampAndOffset());
    }

    @Test
    void lookupByTimeRespectsALogStartInsideACompressedBatch() {
        Log log = fill("start", "zstd", 4, Map.of(LogConfig.SEGMENT_INDEX_BYTES, "4096"));
        log.increaseLogStartOffset(13);
        // Record 12 (delta 9) is below the log start: the next record at or above T0 + 109 is offset 14.
        assertEquals(expected(T0 + 109, 13), log.offsetForTimestamp(T0 + 109));
        assertEquals(14, log.offsetForTimestamp(T0 + 109).offset());
        assertEquals(expected(T0, 13), log.offsetForTimestamp(T0));
    }

    @Test
    void logAppendTimeAnswersTheFirstRecordOfTheBatchWithTheAppendTime() {
        Log log = manager.getOrCreate("lat", 0, LogConfig.fromMap(Map.of(LogConfig.MESSAGE_TIMESTAMP_TYPE,
                "LogAppendTime", LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        TestLogs.append(log, batch(T0 - 5000, compression("lz4"), TimestampType.CREATE_TIME), 1);
        clock.advance(50);
        TestLogs.append(log, batch(T0 - 5000, compression("lz4"), TimestampType.CREATE_TIME), 1);
        assertEquals(new TimestampOffset(T0 + 50, 10, 1), log.offsetForTimestamp(T0 + 1));
        assertEquals(new TimestampOffset(T0, 0, 1), log.offsetForTimestamp(0));
        assertEquals(new TimestampOffset(T0 + 50, 10, 1), log.maxTimestampAndOffset());
        assertEquals(TimestampOffset.NONE, log.offsetForTimestamp(T0 + 51));
    }

    @Test
    void epochForOffsetFollowsTheEpochCache() {
        Log log = manager.getOrCreate("epochs", 0, LogConfig.fromMap(Map.of(LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        TestLogs.append(log, TestLogs.batch(T0, 5), -1);
        TestLogs.append(log, TestLogs.batch(T0, 5), 3);
        TestLogs.append(log, TestLogs.batch(T0, 5), 7);
        assertEquals(-1, log.epochForOffset(0), "written before any epoch");
        assertEquals(-1, log.epochForOffset(4));
        assertEquals(3, log.epochForOffset(5));
        assertEquals(3, log.epochForOffset(9));
        assertEquals(7, log.epochForOffset(10));
        assertEquals(7, log.epochForOffset(1000));
        assertEquals(TimestampOffset.NONE, manager.getOrCreate("empty", 0,
                LogConfig.fromMap(Map.of(LogConfig.SEGMENT_INDEX_BYTES, "4096"))).maxTimestampAndOffset());
    }
}
