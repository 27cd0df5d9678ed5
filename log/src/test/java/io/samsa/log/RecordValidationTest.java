package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.ManualClock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.Varints;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leader's record-level validation (issue 15, part 1): every record of a client's batch is walked, refused
 * batches are never written, the error codes and record errors are Kafka's, and {@code compression.type} decides
 * the stored codec. Malformed batches are written by hand here with a valid CRC, so only the records are wrong.
 */
class RecordValidationTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = 24L * 60 * 60 * 1000;

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

    private Log log(String name, Map<String, String> configs) {
        return manager.getOrCreate(name, 0, LogConfig.fromMap(configs));
    }

    // ------------------------------------------------------------------ structure

    @Test
    void aBatchHoldingFewerRecordsThanItsCountIsRefused() {
        ByteBuf b = rawBatch(3, 0, 0, record(0, 0, "k0", "v0"), record(1, 0, "k1", "v1"));
        assertTrue(malformed(log("a", Map.of()), b).getMessage().contains("Record 2 "));
    }

    @Test
    void bytesAfterTheLastRecordAreRefused() {
        byte[] rec = record(0, 0, "k", "v");
        byte[] withTail = new byte[rec.length + 3];
        System.arraycopy(rec, 0, withTail, 0, rec.length);
        Log log = log("a", Map.of());
        SamsaException e = assertThrows(SamsaException.class,
                () -> TestLogs.append(log, rawBatch(1, 0, 0, withTail), 0));
        assertEquals(ErrorCode.INVALID_RECORD, e.errorCode());
        assertTrue(e.getMessage().contains("after its 1 records"), e.getMessage());
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void aRecordLongerThanItsBatchIsRefusedByIndex() {
        byte[] good = record(0, 0, "k", "v");
        byte[] bad = record(1, 0, "k", "v");
        bad[0] = 0x7e; // length 63: beyond the bytes left
        assertTrue(malformed(log("a", Map.of()), rawBatch(2, 0, 0, good, bad)).getMessage().contains("Record 1 "));
    }

    @Test
    void offsetDeltasMustCountFromZeroInOrder() {
        ByteBuf b = rawBatch(2, 0, 0, record(1, 0, "k0", "v0"), record(0, 0, "k1", "v1"));
        assertTrue(malformed(log("a", Map.of()), b).getMessage().contains("offset delta 1 instead of 0"));
    }

    @Test
    void aNullHeaderKeyIsRefused() {
        ByteBuf b = rawBatch(2, 0, 0, record(0, 0, "k0", "v0"), recordWithNullHeaderKey(1));
        assertTrue(malformed(log("a", Map.of()), b).getMessage().contains("header key length -1"));
    }

    @Test
    void anIdempotentBatchWithANegativeBaseSequenceIsRefused() {
        ByteBuf b = TestLogs.batch(T0, 2, "v", 7, (short) 0, 0, false, Compression.NONE);
        b.setInt(RecordBatchView.BASE_SEQUENCE_OFFSET, -1);
        b.setInt(RecordBatchView.CRC_OFFSET, (int) new RecordBatchView().wrap(b, 0).computeCrc());
        Log log = log("a", Map.of());
        SamsaException e = assertThrows(SamsaException.class, () -> TestLogs.append(log, b, 0));
        assertEquals(ErrorCode.INVALID_RECORD, e.errorCode());
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void aCompressedStreamThatDoesNotDecompressIsCorrupt() {
        ByteBuf b = rawBatch(1, CompressionType.ZSTD.id(), 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Log log = log("a", Map.of());
        SamsaException e = assertThrows(SamsaException.class, () -> TestLogs.append(log, b, 0));
        assertEquals(ErrorCode.CORRUPT_MESSAGE, e.errorCode());
        assertEquals(0, log.logEndOffset());
    }

    // ------------------------------------------------------------------ timestamps

    @Test
    void everyRecordTimestampIsCheckedNotOnlyTheBatchHeaders() {
        Map<String, String> oneDay = Map.of(LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(DAY));
        for (Compression c : List.of(Compression.NONE, Compression.lz4().build(), Compression.zstd().build())) {
            // Base and max timestamps are T0; the middle record is two days old.
            ByteBuf b = kafkaBatch(c, new SimpleRecord(T0, "a".getBytes(), "1".getBytes()),
                    new SimpleRecord(T0 - 2 * DAY, "b".getBytes(), "2".getBytes()),
                    new SimpleRecord(T0, "c".getBytes(), "3".getBytes()));
            RecordValidationException e = refused(log("t" + c.type(), oneDay), b, ErrorCode.INVALID_TIMESTAMP);
            assertEquals(List.of(1), indexes(e), c.toString());
            assertTrue(e.recordErrors().get(0).message().contains("Timestamp " + (T0 - 2 * DAY)),
                    e.recordErrors().get(0).message());
        }
    }

    @Test
    void aFutureRecordBeyondAfterMaxMsIsRefused() {
        ByteBuf b = rawBatch(2, 0, 0, record(0, 0, "k0", "v0"), record(1, 60L * 60 * 1000 + 1, "k1", "v1"));
        RecordValidationException e = refused(log("a", Map.of()), b, ErrorCode.INVALID_TIMESTAMP);
        assertEquals(List.of(1), indexes(e));
    }

    @Test
    void aProducerMayNotSendLogAppendTime() {
        ByteBuf b = rawBatch(2, RecordBatchView.TIMESTAMP_TYPE_MASK, 0, record(0, 0, "k0", "v0"),
                record(1, 0, "k1", "v1"));
        RecordValidationException e = refused(log("a", Map.of()), b, ErrorCode.INVALID_TIMESTAMP);
        assertEquals(List.of(0, 1), indexes(e));
    }

    @Test
    void theStoredMaxTimestampIsTheRecordsLargest() throws Exception {
        // The header claims T0 + 5000; the records say T0 + 2.
        ByteBuf b = rawBatch(3, 0, 5000, record(0, 0, "k0", "v0"), record(1, 2, "k1", "v1"),
                record(2, 1, "k2", "v2"));
        Log log = log("a", Map.of());
        AppendResult r = TestLogs.append(log, b, 0);
        assertEquals(T0 + 2, r.maxTimestamp());
        RecordBatch stored = storedBatches(log).get(0);
        stored.ensureValid();
        assertEquals(T0 + 2, stored.maxTimestamp());
        assertEquals(new TimestampOffset(T0 + 2, 1, 0), log.maxTimestampAndOffset());
    }

    @Test
    void keylessRecordsAndBadTimestampsTogetherAnswerInvalidTimestamp() {
        Map<String, String> cfg = Map.of(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(DAY));
        ByteBuf b = kafkaBatch(Compression.NONE, new SimpleRecord(T0, null, "1".getBytes()),
                new SimpleRecord(T0 - 2 * DAY, "b".getBytes(), "2".getBytes()));
        RecordValidationException e = refused(log("c", cfg), b, ErrorCode.INVALID_TIMESTAMP);
        assertEquals(List.of(0, 1), indexes(e));
    }

    // ------------------------------------------------------------------ compression.type

    @Test
    void theTopicsCompressionTypeRecompressesAndKeepsEveryRecord() throws Exception {
        String[][] cases = {{"zstd", "NONE", "ZSTD"}, {"uncompressed", "LZ4", "NONE"}, {"gzip", "ZSTD", "GZIP"},
            {"producer", "GZIP", "GZIP"}, {"lz4", "LZ4", "LZ4"}};
        int n = 0;
        for (String[] c : cases) {
            Log log = log("r" + n++, Map.of(LogConfig.COMPRESSION_TYPE, c[0]));
            Compression sent = compression(c[1]);
            ByteBuf b = kafkaBatchWithProducer(sent, 42, (short) 3, 10,
                    new SimpleRecord(T0, "k0".getBytes(), "v0".getBytes(),
                            new RecordHeader[] {new RecordHeader("h", "x".getBytes())}),
                    new SimpleRecord(T0 + 7, null, "v1".getBytes()),
                    new SimpleRecord(T0 + 3, "k2".getBytes(), null));
            assertEquals(0, TestLogs.append(log, b.retainedDuplicate(), 0).firstOffset());
            RecordBatch stored = storedBatches(log).get(0);
            stored.ensureValid();
            assertEquals(c[2], stored.compressionType().name(), String.join(",", c));
            assertEquals(42, stored.producerId());
            assertEquals(3, stored.producerEpoch());
            assertEquals(10, stored.baseSequence());
            assertEquals(T0 + 7, stored.maxTimestamp());
            List<Record> recs = new ArrayList<>();
            stored.forEach(recs::add);
            assertEquals(3, recs.size());
            assertEquals(List.of(0L, 1L, 2L), recs.stream().map(Record::offset).toList());
            assertEquals(List.of(T0, T0 + 7, T0 + 3), recs.stream().map(Record::timestamp).toList());
            assertEquals("v0", utf8(recs.get(0).value()));
            assertEquals("h", recs.get(0).headers()[0].key());
            assertArrayEquals("x".getBytes(), recs.get(0).headers()[0].value());
            assertTrue(!recs.get(1).hasKey());
            assertTrue(!recs.get(2).hasValue());
            // The producer's retry is a duplicate whatever codec stored it.
            AppendResult retry = TestLogs.append(log, b, 0);
            assertTrue(retry.duplicate(), String.join(",", c));
            assertEquals(3, log.logEndOffset());
        }
    }

    @Test
    void aRecompressedBatchAboveMaxMessageBytesIsRefused() {
        byte[] value = new byte[2000];
        Log log = log("big", Map.of(LogConfig.COMPRESSION_TYPE, "uncompressed", LogConfig.MAX_MESSAGE_BYTES, "1000"));
        ByteBuf b = kafkaBatch(Compression.zstd().build(), new SimpleRecord(T0, "k".getBytes(), value));
        SamsaException e = assertThrows(SamsaException.class, () -> TestLogs.append(log, b, 0));
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, e.errorCode());
        assertEquals(0, log.logEndOffset());
    }

    /**
     * KIP-390: the topic's {@code compression.<codec>.level} is the level the broker recompresses at. A compressible
     * batch sent uncompressed is stored smaller at a higher level, every record intact, and at each level as large as
     * the official client compresses the same records at that level (to the byte for gzip and lz4).
     */
    @Test
    void theTopicsCompressionLevelIsTheLevelItRecompressesAt() throws Exception {
        SimpleRecord[] records = compressibleRecords();
        String[][] cases = {{"zstd", LogConfig.COMPRESSION_ZSTD_LEVEL, "1", "19"},
            {"gzip", LogConfig.COMPRESSION_GZIP_LEVEL, "1", "9"}, {"lz4", LogConfig.COMPRESSION_LZ4_LEVEL, "1", "17"}};
        int n = 0;
        for (String[] c : cases) {
            int[] sizes = new int[2];
            for (int i = 0; i < 2; i++) {
                int level = Integer.parseInt(c[2 + i]);
                Log log = log("level" + n++, Map.of(LogConfig.COMPRESSION_TYPE, c[0], c[1], c[2 + i]));
                TestLogs.append(log, kafkaBatch(Compression.NONE, records), 0);
                RecordBatch stored = storedBatches(log).get(0);
                stored.ensureValid();
                assertEquals(c[0], stored.compressionType().name, String.join(",", c));
                List<Record> recs = new ArrayList<>();
                stored.forEach(recs::add);
                assertEquals(records.length, recs.size());
                assertEquals(utf8(records[records.length - 1].value()), utf8(recs.get(records.length - 1).value()));
                sizes[i] = stored.sizeInBytes();
                Compression client = switch (c[0]) {
                    case "zstd" -> Compression.zstd().level(level).build();
                    case "gzip" -> Compression.gzip().level(level).build();
                    default -> Compression.lz4().level(level).build();
                };
                int official = kafkaBatch(client, records).readableBytes();
                if (c[0].equals("zstd")) {
                    // The same level; zstd's stream ends its blocks where its input buffer does, which differs.
                    assertTrue(Math.abs(official - sizes[i]) < official / 100, c[0] + " level " + level + ": "
                            + sizes[i] + " bytes, the official client's " + official);
                } else {
                    assertEquals(official, sizes[i], c[0] + " level " + level + ": the official client's size");
                }
            }
            assertTrue(sizes[1] < sizes[0], c[0] + " level " + c[3] + " stores less than level " + c[2] + ": "
                    + sizes[1] + " vs " + sizes[0]);
        }
    }

    @Test
    void levelsOutsideTheirCodecsRangeAreInvalidConfigs() {
        String[][] invalid = {{LogConfig.COMPRESSION_GZIP_LEVEL, "0"}, {LogConfig.COMPRESSION_GZIP_LEVEL, "10"},
            {LogConfig.COMPRESSION_GZIP_LEVEL, "-2"}, {LogConfig.COMPRESSION_LZ4_LEVEL, "0"},
            {LogConfig.COMPRESSION_LZ4_LEVEL, "18"}, {LogConfig.COMPRESSION_ZSTD_LEVEL, "23"},
            {LogConfig.COMPRESSION_ZSTD_LEVEL, "-131073"}, {LogConfig.COMPRESSION_ZSTD_LEVEL, "high"}};
        for (String[] kv : invalid) {
            SamsaException e = assertThrows(SamsaException.class, () -> LogConfig.fromMap(Map.of(kv[0], kv[1])),
                    String.join("=", kv));
            assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
            assertTrue(e.getMessage().contains(kv[0]), e.getMessage());
        }
        assertEquals(-1, LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "gzip")).compressionLevel());
        assertEquals(9, LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "lz4")).compressionLevel());
        assertEquals(3, LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "zstd")).compressionLevel());
        assertEquals(-131072, LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "zstd",
                LogConfig.COMPRESSION_ZSTD_LEVEL, "-131072")).compressionLevel());
        // A level belongs to its codec: the zstd level leaves a gzip topic at gzip's default.
        assertEquals(-1, LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "gzip",
                LogConfig.COMPRESSION_ZSTD_LEVEL, "19")).compressionLevel());
        assertTrue(!LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "zstd", LogConfig.COMPRESSION_ZSTD_LEVEL,
                "1")).equals(LogConfig.fromMap(Map.of(LogConfig.COMPRESSION_TYPE, "zstd"))), "a level change is a change");
    }

    /** 200 JSON-like records drawn from a small vocabulary: compressible, with room for a better level to win. */
    static SimpleRecord[] compressibleRecords() {
        java.util.Random random = new java.util.Random(390);
        String[] words = {"order", "customer", "amount", "currency", "EUR", "USD", "shipped", "pending", "warehouse",
            "priority", "express", "standard", "Berlin", "Lisbon", "Osaka", "Denver"};
        SimpleRecord[] records = new SimpleRecord[200];
        for (int i = 0; i < records.length; i++) {
            StringBuilder v = new StringBuilder("{\"id\":" + random.nextInt(1_000_000));
            for (int f = 0; f < 12; f++) {
                v.append(",\"").append(words[random.nextInt(words.length)]).append("\":\"")
                        .append(words[random.nextInt(words.length)]).append(random.nextInt(100)).append('"');
            }
            records[i] = new SimpleRecord(T0 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    v.append('}').toString().getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    // ------------------------------------------------------------------ helpers

    private static RecordValidationException refused(Log log, ByteBuf b, ErrorCode code) {
        long end = log.logEndOffset();
        Executable append = () -> TestLogs.append(log, b, 0);
        RecordValidationException e = assertThrows(RecordValidationException.class, append);
        assertEquals(code, e.errorCode(), e.getMessage());
        assertEquals(end, log.logEndOffset(), "nothing of a refused append is written");
        return e;
    }

    /** A structural refusal: INVALID_RECORD for the whole batch, no record errors (as Kafka), nothing written. */
    private static SamsaException malformed(Log log, ByteBuf b) {
        long end = log.logEndOffset();
        SamsaException e = assertThrows(SamsaException.class, () -> TestLogs.append(log, b, 0));
        assertEquals(ErrorCode.INVALID_RECORD, e.errorCode(), e.getMessage());
        assertTrue(!(e instanceof RecordValidationException), "no record errors for a malformed batch");
        assertEquals(end, log.logEndOffset(), "nothing of a refused append is written");
        return e;
    }

    private static List<Integer> indexes(RecordValidationException e) {
        return e.recordErrors().stream().map(RecordError::batchIndex).toList();
    }

    private static List<RecordBatch> storedBatches(Log log) throws Exception {
        ReadResult r = log.read(0, 1 << 20, Long.MAX_VALUE, true);
        try {
            return TestLogs.batches(r);
        } finally {
            r.release();
        }
    }

    private static String utf8(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    private static Compression compression(String name) {
        return switch (name) {
            case "NONE" -> Compression.NONE;
            case "GZIP" -> Compression.gzip().build();
            case "LZ4" -> Compression.lz4().build();
            default -> Compression.zstd().build();
        };
    }

    static ByteBuf kafkaBatch(Compression c, SimpleRecord... records) {
        return kafkaBatchWithProducer(c, -1, (short) -1, -1, records);
    }

    static ByteBuf kafkaBatchWithProducer(Compression c, long pid, short epoch, int seq, SimpleRecord... records) {
        MemoryRecords mr = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, c, TimestampType.CREATE_TIME,
                pid, epoch, seq, RecordBatch.NO_PARTITION_LEADER_EPOCH, false, records);
        return Unpooled.wrappedBuffer(mr.buffer());
    }

    /**
     * One v2 batch written by hand: {@code count} in the header (last offset delta count - 1), the given
     * attributes, base timestamp T0 and max timestamp T0 + {@code maxDelta}, the raw {@code records} bytes, a valid
     * CRC.
     */
    static ByteBuf rawBatch(int count, int attributes, long maxDelta, byte[]... records) {
        ByteBuf b = Unpooled.buffer();
        b.writeLong(0).writeInt(0).writeInt(-1).writeByte(2).writeInt(0).writeShort(attributes).writeInt(count - 1)
                .writeLong(T0).writeLong(T0 + maxDelta).writeLong(-1).writeShort(-1).writeInt(-1).writeInt(count);
        for (byte[] r : records) {
            b.writeBytes(r);
        }
        b.setInt(RecordBatchView.BATCH_LENGTH_OFFSET, b.readableBytes() - RecordBatchView.LOG_OVERHEAD);
        RecordBatchView v = new RecordBatchView().wrap(b, 0);
        b.setInt(RecordBatchView.CRC_OFFSET, (int) v.computeCrc());
        return b;
    }

    /** One record: offset delta, timestamp delta, key and value (UTF-8), no headers. */
    static byte[] record(int offsetDelta, long timestampDelta, String key, String value) {
        ByteBuf body = Unpooled.buffer();
        body.writeByte(0);
        Varints.writeVarlong(body, timestampDelta);
        Varints.writeVarint(body, offsetDelta);
        writeBytes(body, key);
        writeBytes(body, value);
        Varints.writeVarint(body, 0);
        return framed(body);
    }

    /** A record whose only header has a null key (length -1), which Kafka refuses. */
    static byte[] recordWithNullHeaderKey(int offsetDelta) {
        ByteBuf body = Unpooled.buffer();
        body.writeByte(0);
        Varints.writeVarlong(body, 0);
        Varints.writeVarint(body, offsetDelta);
        writeBytes(body, "k");
        writeBytes(body, "v");
        Varints.writeVarint(body, 1);
        Varints.writeVarint(body, -1);
        writeBytes(body, "x");
        return framed(body);
    }

    private static void writeBytes(ByteBuf out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Varints.writeVarint(out, b.length);
        out.writeBytes(b);
    }

    private static byte[] framed(ByteBuf body) {
        ByteBuf out = Unpooled.buffer();
        Varints.writeVarint(out, body.readableBytes());
        out.writeBytes(body);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
