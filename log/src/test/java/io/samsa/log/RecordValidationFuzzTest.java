package io.samsa.log;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.RecordBatchView;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the leader's validation of a client's batch: {@link RecordValidator} alone (with the batch header checks
 * before it, as the log runs them) and {@link Log#appendAsLeader} on a simulated disk. Whatever the input, only a
 * {@link SamsaException} with a produce error code escapes, every buffer is released, a refused append writes
 * nothing, and whatever is accepted reads back through the official client as a valid batch with one record per
 * offset, timestamps within the topic's bounds, a max timestamp equal to the records' largest, keys on a compacted
 * topic and the topic's codec.
 *
 * <p>Input: byte 0 picks a codec to compress the records section with (0-4; 5-7 leave the batch as it is), byte 1
 * the topic (bit 0 fix the CRC, bit 1 compacted, bit 2 LogAppendTime, bits 3-5 compression.type, bit 6 one-day
 * timestamp bounds), the rest is one batch. {@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/log/RecordValidationFuzzTestInputs/}; to fuzz for real (one method per run):
 * {@code JAZZER_FUZZ=1 mvn -pl log -am test -Dtest=RecordValidationFuzzTest#appendAsLeader}.
 */
class RecordValidationFuzzTest {
    private static final long DAY = 24L * 60 * 60 * 1000;
    private static final String[] COMPRESSION = {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd",
        "producer", "producer"};
    private static final Set<ErrorCode> REFUSALS = EnumSet.of(ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD,
            ErrorCode.INVALID_TIMESTAMP, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE,
            ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_TXN_STATE);

    private static SimNode node;
    private static LogManager manager;
    private static int appends;

    @FuzzTest(maxDuration = "10m")
    void recordValidator(byte[] data) {
        Input in = Input.of(data);
        if (in == null) {
            return;
        }
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
        RecordValidator validator = new RecordValidator(alloc);
        RecordBatchView view = new RecordBatchView();
        ByteBuf batch = in.batch;
        try {
            BatchValidator.validate(batch, 0, batch.writerIndex(), view, in.config, "f-0", true);
            ByteBuf out = validator.validate(batch, 0, batch.writerIndex(), view, in.config, SimNode.T0, "f-0");
            try {
                checkAccepted(out != null ? out : batch, in.config, SimNode.T0, false);
            } finally {
                if (out != null) {
                    out.release();
                }
            }
        } catch (SamsaException e) {
            assertTrue(REFUSALS.contains(e.errorCode()), e.toString());
        } finally {
            batch.release();
        }
        assertEquals(0, alloc.metric().usedHeapMemory(), "the validator released what it allocated");
    }

    @FuzzTest(maxDuration = "10m")
    void appendAsLeader(byte[] data) throws Exception {
        Input in = Input.of(data);
        if (in == null) {
            return;
        }
        if (manager == null || appends++ % 256 == 0) {
            node = new SimNode(1);
            manager = node.open(LogConfig.DEFAULTS);
        }
        Log log = manager.getOrCreate("f", 0, in.config);
        log.updateConfig(in.config);
        long end = log.logEndOffset();
        ByteBuf batch = in.batch;
        boolean empty = batch.readableBytes() == 0;
        AppendResult r;
        try {
            r = log.appendAsLeader(batch, 0);
        } catch (SamsaException e) {
            assertTrue(REFUSALS.contains(e.errorCode()), e.toString());
            assertEquals(end, log.logEndOffset(), "a refused append writes nothing");
            return;
        } finally {
            batch.release();
        }
        if (r.duplicate() || empty) {
            assertEquals(end, log.logEndOffset(), "a duplicate or an empty append writes nothing");
            return;
        }
        assertEquals(end, r.firstOffset());
        assertEquals(r.lastOffset() + 1, log.logEndOffset());
        ReadResult read = log.read(r.firstOffset(), Integer.MAX_VALUE, Long.MAX_VALUE, true);
        try {
            ByteBuf stored = Unpooled.wrappedBuffer(TestLogs.bytes(read.records()));
            int records = checkAccepted(stored, in.config, node.scheduler.clock().milliseconds(), true);
            assertEquals(r.lastOffset() - r.firstOffset() + 1, records);
        } finally {
            read.release();
        }
    }

    /** Reads accepted batches with the official client; returns the number of records. */
    private static int checkAccepted(ByteBuf bytes, LogConfig cfg, long now, boolean stored) {
        ByteBuffer nio = ByteBuffer.allocate(bytes.readableBytes());
        bytes.getBytes(bytes.readerIndex(), nio);
        nio.flip();
        int records = 0;
        for (RecordBatch b : MemoryRecords.readableRecords(nio).batches()) {
            b.ensureValid();
            if (cfg.compression() != null) {
                assertEquals(cfg.compression().id(), b.compressionType().id, "stored with the topic's codec");
            }
            long expectedOffset = b.baseOffset();
            long max = RecordBatch.NO_TIMESTAMP;
            int count = 0;
            for (Record rec : b) {
                assertEquals(expectedOffset++, rec.offset(), "one record per offset");
                if (cfg.compact()) {
                    assertTrue(rec.hasKey(), "keys on a compacted topic");
                }
                long ts = rec.timestamp();
                if (!cfg.logAppendTime() && ts != RecordBatch.NO_TIMESTAMP) {
                    assertTrue(ts >= now - cfg.timestampBeforeMaxMs() && ts - now <= cfg.timestampAfterMaxMs(),
                            "timestamp " + ts + " within bounds");
                }
                max = Math.max(max, ts);
                count++;
                for (org.apache.kafka.common.header.Header h : rec.headers()) {
                    assertTrue(h.key() != null, "no null header key");
                }
            }
            assertEquals(b.lastOffset() - b.baseOffset() + 1, count, "the count matches the offsets");
            if (!cfg.logAppendTime()) {
                assertEquals(max, b.maxTimestamp(), "the max timestamp is the records' largest");
            } else if (stored) {
                assertEquals(now, b.maxTimestamp(), "LogAppendTime is the append's time");
            }
            records += count;
        }
        return records;
    }

    /** A fuzz input: the topic's config and one batch. */
    private record Input(LogConfig config, ByteBuf batch) {
        static Input of(byte[] data) {
            if (data.length < 2) {
                return null;
            }
            int codec = data[0] & 7;
            int topic = data[1] & 0xff;
            Map<String, String> props = new HashMap<>();
            if ((topic & 2) != 0) {
                props.put(LogConfig.CLEANUP_POLICY, "compact");
            }
            if ((topic & 4) != 0) {
                props.put(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime");
            }
            props.put(LogConfig.COMPRESSION_TYPE, COMPRESSION[(topic >> 3) & 7]);
            if ((topic & 64) != 0) {
                props.put(LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(DAY));
                props.put(LogConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, Long.toString(DAY));
            }
            ByteBuf batch = Unpooled.buffer(data.length + 64);
            batch.writeBytes(data, 2, data.length - 2);
            if (batch.readableBytes() >= RecordBatchView.HEADER_SIZE) {
                if (codec <= 4) {
                    compress(batch, CompressionType.forId(codec));
                }
                if ((topic & 1) != 0) {
                    batch.setInt(RecordBatchView.BATCH_LENGTH_OFFSET,
                            batch.readableBytes() - RecordBatchView.LOG_OVERHEAD);
                    batch.setInt(RecordBatchView.CRC_OFFSET, (int) new RecordBatchView().wrap(batch, 0).computeCrc());
                }
            }
            return new Input(LogConfig.fromMap(props), batch);
        }

        /** Replaces the records section by its compressed form and sets the codec in the attributes. */
        private static void compress(ByteBuf batch, CompressionType type) {
            short attributes = batch.getShort(RecordBatchView.ATTRIBUTES_OFFSET);
            batch.setShort(RecordBatchView.ATTRIBUTES_OFFSET,
                    (attributes & ~RecordBatchView.COMPRESSION_MASK) | type.id());
            if (type == CompressionType.NONE) {
                return;
            }
            ByteBuf records = batch.copy(RecordBatchView.HEADER_SIZE,
                    batch.readableBytes() - RecordBatchView.HEADER_SIZE);
            try {
                batch.writerIndex(RecordBatchView.HEADER_SIZE);
                type.compress(records, batch);
            } finally {
                records.release();
            }
        }
    }
}
