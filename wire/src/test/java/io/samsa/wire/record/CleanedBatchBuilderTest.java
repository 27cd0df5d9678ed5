package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The builder options the log cleaner uses (KIP-534 delete horizon, a kept last offset, empty batches, records
 * copied from another batch), each read back by the official client.
 */
class CleanedBatchBuilderTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everythingReleased() {
        alloc.assertAllReleased();
    }

    private static RecordBatch official(ByteBuf batch) {
        MemoryRecords mr = MemoryRecords.readableRecords(ByteBuffer.wrap(ByteBufUtil.getBytes(batch)));
        Iterator<? extends RecordBatch> it = mr.batches().iterator();
        RecordBatch b = it.next();
        assertFalse(it.hasNext());
        b.ensureValid();
        return b;
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aDeleteHorizonReplacesTheBaseTimestampAndKeepsRecordTimestamps(CompressionType type) {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            batch = b.baseOffset(100).compression(type).deleteHorizon(9_000L)
                    .append(5_000L, new byte[] {1}, null).append(5_007L, new byte[] {2}, new byte[] {3}).build();
        }
        try {
            RecordBatch rb = official(batch);
            assertTrue(rb.deleteHorizonMs().isPresent());
            assertEquals(9_000L, rb.deleteHorizonMs().getAsLong());
            assertEquals(5_007L, rb.maxTimestamp());
            List<Long> ts = new ArrayList<>();
            for (org.apache.kafka.common.record.internal.Record r : rb) {
                ts.add(r.timestamp());
            }
            assertEquals(List.of(5_000L, 5_007L), ts);
            assertTrue(new RecordBatchView().wrap(batch, 0).hasDeleteHorizon());
        } finally {
            batch.release();
        }
    }

    @Test
    void aKeptLastOffsetSpansRemovedRecordsAndKeepsTheLastSequence() {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            batch = b.baseOffset(10).producer(77L, (short) 3, 40).compression(CompressionType.ZSTD)
                    .appendWithOffset(11, 1_000L, new byte[] {'a'}, null, List.of())
                    .appendWithOffset(13, 1_001L, new byte[] {'b'}, null, List.of()).lastOffset(19).build();
        }
        try {
            RecordBatch rb = official(batch);
            assertEquals(10, rb.baseOffset());
            assertEquals(19, rb.lastOffset());
            assertEquals(2, rb.countOrNull());
            assertEquals(49, rb.lastSequence(), "base sequence 40 + last offset delta 9");
            List<Long> offsets = new ArrayList<>();
            for (org.apache.kafka.common.record.internal.Record r : rb) {
                offsets.add(r.offset());
            }
            assertEquals(List.of(11L, 13L), offsets);
        } finally {
            batch.release();
        }
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            b.baseOffset(10).append(1L, new byte[0], null).append(2L, new byte[0], null);
            assertThrows(IllegalStateException.class, () -> b.lastOffset(10).build(), "below the last record");
        }
    }

    @Test
    void anEmptyBatchKeepsOffsetsProducerAndTimestamp() {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            batch = b.baseOffset(500).producer(8L, (short) 1, 7).transactional(true).partitionLeaderEpoch(4)
                    .compression(CompressionType.GZIP).lastOffset(504).emptyBatchTimestamp(123_456L).build();
        }
        try {
            RecordBatch rb = official(batch);
            assertEquals(0, rb.countOrNull());
            assertEquals(500, rb.baseOffset());
            assertEquals(504, rb.lastOffset());
            assertEquals(8L, rb.producerId());
            assertEquals(1, rb.producerEpoch());
            assertEquals(11, rb.lastSequence());
            assertTrue(rb.isTransactional());
            assertEquals(4, rb.partitionLeaderEpoch());
            assertEquals(123_456L, rb.maxTimestamp());
            assertEquals(RecordBatchView.HEADER_SIZE, rb.sizeInBytes());
            assertFalse(rb.iterator().hasNext());
        } finally {
            batch.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "LZ4"})
    void copiedRecordsKeepKeysValuesAndHeaders(CompressionType type) {
        List<Record> source = KafkaInteropTest.sampleRecords(1000, 3000);
        ByteBuf original = KafkaInteropTest.samsaBatch(type, source, -1L, (short) -1, -1, false, 0);
        ByteBuf copy;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc);
             RecordCursor c = new RecordCursor()) {
            RecordBatchView v = new RecordBatchView().wrap(original, 0);
            b.baseOffset(v.baseOffset()).compression(type).lastOffset(v.lastOffset());
            c.open(v, alloc, 1 << 20);
            int i = 0;
            while (c.next()) {
                if (i++ % 2 == 0) {
                    b.appendCopy(c.offset(), c.timestamp(), c.buffer(), c.keyIndex(), c.keyLength(), c.valueIndex(),
                            c.valueLength(), c.headersIndex(), c.headersLength(), c.headerCount());
                }
            }
            copy = b.build();
        }
        try {
            List<Record> expected = new ArrayList<>();
            for (int i = 0; i < source.size(); i += 2) {
                expected.add(source.get(i));
            }
            assertEquals(expected, RecordReader.readAll(copy, alloc, 1 << 20));
            RecordBatch rb = official(copy);
            assertEquals(source.get(source.size() - 1).offset(), rb.lastOffset());
            List<byte[]> values = new ArrayList<>();
            for (org.apache.kafka.common.record.internal.Record r : rb) {
                values.add(r.hasValue() ? ByteBufUtil.getBytes(io.netty.buffer.Unpooled.wrappedBuffer(r.value()))
                        : null);
            }
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i).value(), values.get(i));
            }
        } finally {
            original.release();
            copy.release();
        }
    }
}
