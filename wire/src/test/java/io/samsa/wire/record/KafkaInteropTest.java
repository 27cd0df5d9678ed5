package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches written by the official client are read by Samsa field by field, and batches Samsa builds
 * are read by the official client, for every codec, with headers, null keys and values, producer
 * fields and control batches. The client is the oracle (test scope only).
 */
class KafkaInteropTest {
    private static final int LIMIT = 16 * 1024 * 1024;
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long BASE_TIME = 1_700_000_000_000L;

    /** A record set exercising the encoding's corners; the large values span several codec blocks. */
    static List<Record> sampleRecords(long baseOffset, int largeValueBytes) {
        Random random = new Random(42);
        byte[] large = new byte[largeValueBytes];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (random.nextInt(16) + 'a');
        }
        List<Record> records = new ArrayList<>();
        records.add(new Record(baseOffset, BASE_TIME, bytes("k0"), bytes("v0"), List.of()));
        records.add(new Record(baseOffset + 1, BASE_TIME - 5, null, bytes("value without key"),
                List.of(new Header("h1", bytes("x")), new Header("h-null", null))));
        records.add(new Record(baseOffset + 2, BASE_TIME + 20, bytes("tombstone"), null, List.of()));
        records.add(new Record(baseOffset + 3, BASE_TIME + 7, new byte[0], new byte[0],
                List.of(new Header("", new byte[0]), new Header("ünï", bytes("utf8")))));
        records.add(new Record(baseOffset + 4, BASE_TIME + 3, bytes("big"), large, List.of()));
        records.add(new Record(baseOffset + 5, BASE_TIME + 4, null, null, List.of(new Header("only", bytes("h")))));
        return records;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Compression kafkaCompression(CompressionType type) {
        return Compression.of(org.apache.kafka.common.record.internal.CompressionType.valueOf(type.name())).build();
    }

    static MemoryRecords kafkaBatch(CompressionType type, List<Record> records, long producerId, short epoch,
                                    int baseSequence, boolean transactional, int leaderEpoch) {
        ByteBuffer out = ByteBuffer.allocate(1 << 20);
        MemoryRecordsBuilder builder = MemoryRecords.builder(out, (byte) 2, kafkaCompression(type),
                TimestampType.CREATE_TIME, records.get(0).offset(), -1L, producerId, epoch, baseSequence,
                transactional, false, leaderEpoch);
        for (Record r : records) {
            org.apache.kafka.common.header.Header[] headers = r.headers().stream()
                    .map(h -> new RecordHeader(h.key(), h.value()))
                    .toArray(org.apache.kafka.common.header.Header[]::new);
            builder.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), headers);
        }
        return builder.build();
    }

    static ByteBuf samsaBatch(CompressionType type, List<Record> records, long producerId, short epoch,
                              int baseSequence, boolean transactional, int leaderEpoch) {
        try (RecordBatchBuilder b = new RecordBatchBuilder(ALLOC)) {
            b.baseOffset(records.get(0).offset()).compression(type).partitionLeaderEpoch(leaderEpoch)
                    .producer(producerId, epoch, baseSequence).transactional(transactional);
            for (Record r : records) {
                b.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
            }
            return b.build();
        }
    }

    static List<Record> kafkaRecords(MutableRecordBatch batch) {
        List<Record> out = new ArrayList<>();
        for (org.apache.kafka.common.record.internal.Record r : batch) {
            List<Header> headers = new ArrayList<>();
            for (org.apache.kafka.common.header.Header h : r.headers()) {
                headers.add(new Header(h.key(), h.value()));
            }
            out.add(new Record(r.offset(), r.timestamp(), r.hasKey() ? array(r.key()) : null,
                    r.hasValue() ? array(r.value()) : null, headers));
        }
        return out;
    }

    static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    static MutableRecordBatch onlyBatch(MemoryRecords records) {
        Iterator<MutableRecordBatch> it = records.batches().iterator();
        MutableRecordBatch batch = it.next();
        assertFalse(it.hasNext());
        return batch;
    }

    static void assertSameHeader(MutableRecordBatch kafka, RecordBatchView samsa) {
        assertEquals(kafka.baseOffset(), samsa.baseOffset());
        assertEquals(kafka.lastOffset(), samsa.lastOffset());
        assertEquals(kafka.sizeInBytes(), samsa.sizeInBytes());
        assertEquals(kafka.partitionLeaderEpoch(), samsa.partitionLeaderEpoch());
        assertEquals(kafka.magic(), samsa.magic());
        assertEquals(kafka.checksum(), samsa.crc());
        assertEquals(kafka.compressionType().id, samsa.compressionId());
        assertEquals(kafka.timestampType() == TimestampType.LOG_APPEND_TIME, samsa.isLogAppendTime());
        assertEquals(kafka.isTransactional(), samsa.isTransactional());
        assertEquals(kafka.isControlBatch(), samsa.isControl());
        assertEquals(kafka.maxTimestamp(), samsa.maxTimestamp());
        assertEquals(kafka.producerId(), samsa.producerId());
        assertEquals(kafka.producerEpoch(), samsa.producerEpoch());
        assertEquals(kafka.baseSequence(), samsa.baseSequence());
        assertEquals(kafka.lastSequence(), samsa.lastSequence());
        assertEquals(kafka.countOrNull(), samsa.recordCount());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void samsaReadsWhatKafkaWrites(CompressionType type) {
        List<Record> expected = sampleRecords(1000, 200_000);
        MemoryRecords kafka = kafkaBatch(type, expected, 4242L, (short) 3, 17, true, 9);
        ByteBuf buf = Unpooled.wrappedBuffer(kafka.buffer());
        RecordBatchView view = new RecordBatchView().wrap(buf, 0);
        view.validate(buf.readableBytes());
        assertSameHeader(onlyBatch(kafka), view);
        assertEquals(type.id(), view.compressionId());
        assertEquals(BASE_TIME + 20, view.maxTimestamp());
        assertEquals(1005, view.lastOffset());
        assertEquals(expected, RecordReader.read(view, ALLOC, LIMIT));
        assertEquals(expected, kafkaRecords(onlyBatch(kafka)));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaReadsWhatSamsaBuilds(CompressionType type) {
        List<Record> expected = sampleRecords(77, 200_000);
        ByteBuf batch = samsaBatch(type, expected, 99L, (short) 1, 2_147_483_645, false, 4);
        try {
            MemoryRecords kafka = MemoryRecords.readableRecords(ByteBuffer.wrap(ByteBufUtil.getBytes(batch)));
            MutableRecordBatch kafkaBatch = onlyBatch(kafka);
            kafkaBatch.ensureValid();
            assertSameHeader(kafkaBatch, new RecordBatchView().wrap(batch, batch.readerIndex()));
            assertEquals(type.name(), kafkaBatch.compressionType().name());
            assertEquals(BASE_TIME + 20, kafkaBatch.maxTimestamp());
            assertEquals(2, kafkaBatch.lastSequence(), "sequence wraps past Integer.MAX_VALUE");
            assertEquals(expected, kafkaRecords(kafkaBatch));
        } finally {
            batch.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = org.apache.kafka.common.record.internal.ControlRecordType.class, names = {"COMMIT", "ABORT"})
    void controlBatchesBothWays(org.apache.kafka.common.record.internal.ControlRecordType kafkaType) {
        ControlRecordType type = ControlRecordType.valueOf(kafkaType.name());
        MemoryRecords kafka = MemoryRecords.withEndTransactionMarker(500L, BASE_TIME, 6, 31L, (short) 2,
                new EndTransactionMarker(kafkaType, 13));
        ByteBuf kafkaBuf = Unpooled.wrappedBuffer(kafka.buffer());
        RecordBatchView view = new RecordBatchView().wrap(kafkaBuf, 0);
        view.validate(kafkaBuf.readableBytes());
        assertTrue(view.isControl());
        assertTrue(view.isTransactional());
        assertSameHeader(onlyBatch(kafka), view);
        assertControlRecord(view, type, 13, 500L);

        ByteBuf samsa = RecordBatchBuilder.endTxnMarker(ALLOC, 500L, BASE_TIME, 6, 31L, (short) 2, type, 13);
        try {
            assertEquals(kafkaBuf, samsa, "Samsa's marker is byte-for-byte the client's");
            MutableRecordBatch batch = onlyBatch(MemoryRecords.readableRecords(samsa.nioBuffer()));
            batch.ensureValid();
            org.apache.kafka.common.record.internal.Record record = batch.iterator().next();
            EndTransactionMarker marker = EndTransactionMarker.deserialize(record);
            assertEquals(kafkaType, marker.controlType());
            assertEquals(13, marker.coordinatorEpoch());
        } finally {
            samsa.release();
        }
    }

    static void assertControlRecord(RecordBatchView view, ControlRecordType type, int coordinatorEpoch, long offset) {
        try (RecordCursor cursor = new RecordCursor().open(view, ALLOC, LIMIT)) {
            assertTrue(cursor.next());
            assertEquals(offset, cursor.offset());
            assertEquals(type, ControlRecordType.parseKey(cursor.buffer(), cursor.keyIndex(), cursor.keyLength()));
            assertEquals(coordinatorEpoch, ControlRecordType.parseCoordinatorEpoch(cursor.buffer(),
                    cursor.valueIndex(), cursor.valueLength()));
            assertFalse(cursor.next());
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void inPlaceRewritesKeepTheClientsCrcCheckPassing(CompressionType type) {
        List<Record> records = sampleRecords(0, 1000);
        MemoryRecords kafka = kafkaBatch(type, records, -1L, (short) -1, -1, false, -1);
        ByteBuf buf = Unpooled.wrappedBuffer(kafka.buffer());
        RecordBatchView view = new RecordBatchView().wrap(buf, 0);
        view.setBaseOffset(123_456_789L);
        view.setPartitionLeaderEpoch(12);
        long appendTime = BASE_TIME + 99_999;
        view.setMaxTimestamp(true, appendTime);
        view.validate(buf.readableBytes());

        MutableRecordBatch batch = onlyBatch(MemoryRecords.readableRecords(buf.nioBuffer()));
        batch.ensureValid();
        assertEquals(123_456_789L, batch.baseOffset());
        assertEquals(12, batch.partitionLeaderEpoch());
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        assertEquals(appendTime, batch.maxTimestamp());
        List<Record> read = RecordReader.read(view, ALLOC, LIMIT);
        assertEquals(kafkaRecords(batch), read);
        for (int i = 0; i < read.size(); i++) {
            assertEquals(123_456_789L + i, read.get(i).offset());
            assertEquals(appendTime, read.get(i).timestamp());
        }
    }

    @Test
    void samsaLogAppendTimeBatchReadsAsLogAppendTimeInTheClient() {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(ALLOC)) {
            batch = b.baseOffset(10).logAppendTime(BASE_TIME + 1).compression(CompressionType.GZIP)
                    .append(BASE_TIME, bytes("a"), bytes("b")).append(BASE_TIME + 5, (byte[]) null, null).build();
        }
        try {
            MutableRecordBatch kb = onlyBatch(MemoryRecords.readableRecords(batch.nioBuffer()));
            kb.ensureValid();
            assertEquals(TimestampType.LOG_APPEND_TIME, kb.timestampType());
            for (org.apache.kafka.common.record.internal.Record r : kb) {
                assertEquals(BASE_TIME + 1, r.timestamp());
            }
            List<Record> ours = RecordReader.readAll(batch, ALLOC, LIMIT);
            assertEquals(2, ours.size());
            assertNull(ours.get(1).key());
            assertArrayEquals(bytes("b"), ours.get(0).value());
            assertEquals(11, ours.get(1).offset());
        } finally {
            batch.release();
        }
    }
}
