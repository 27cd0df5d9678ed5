package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The builder's header fields, offsets and timestamps, its misuse errors, and its buffer ownership. */
class RecordBatchBuilderTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everythingReleased() {
        alloc.assertAllReleased();
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "LZ4", "SNAPPY"})
    void bytesEqualTheOfficialBuilderForDeterministicCodecs(CompressionType type) {
        List<Record> records = KafkaInteropTest.sampleRecords(5000, 70_000);
        MemoryRecords kafka = KafkaInteropTest.kafkaBatch(type, records, 8L, (short) 0, 0, false, 3);
        ByteBuf ours = KafkaInteropTest.samsaBatch(type, records, 8L, (short) 0, 0, false, 3);
        try {
            ByteBuf theirs = Unpooled.wrappedBuffer(kafka.buffer());
            if (type == CompressionType.LZ4) {
                // The client compresses with LZ4 HC (level 9) and we use the fast compressor: compare
                // everything but the compressed bytes and the CRC, and the decompressed records.
                RecordBatchView a = new RecordBatchView().wrap(ours, 0);
                RecordBatchView b = new RecordBatchView().wrap(theirs, 0);
                assertEquals(b.baseTimestamp(), a.baseTimestamp());
                assertEquals(b.maxTimestamp(), a.maxTimestamp());
                assertEquals(b.attributes(), a.attributes());
                assertEquals(b.lastOffsetDelta(), a.lastOffsetDelta());
                assertEquals(RecordReader.read(b, alloc, 1 << 20), RecordReader.read(a, alloc, 1 << 20));
            } else {
                assertArrayEquals(ByteBufUtil.getBytes(theirs), ByteBufUtil.getBytes(ours));
            }
        } finally {
            ours.release();
        }
    }

    @Test
    void headerFieldsOffsetsAndTimestamps() {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            batch = b.baseOffset(40).partitionLeaderEpoch(7).producer(11L, (short) 2, 30).transactional(true)
                    .append(1000L, new byte[] {1}, new byte[] {2})
                    .appendWithOffset(45, 900L, null, new byte[] {3}, List.of(new Header("h", null)))
                    .append(1200L, (byte[]) null, null)
                    .build();
        }
        try {
            RecordBatchView view = new RecordBatchView().wrap(batch, 0);
            view.validate(batch.readableBytes());
            assertEquals(40, view.baseOffset());
            assertEquals(6, view.lastOffsetDelta());
            assertEquals(46, view.lastOffset());
            assertEquals(3, view.recordCount());
            assertEquals(1000L, view.baseTimestamp());
            assertEquals(1200L, view.maxTimestamp());
            assertEquals(7, view.partitionLeaderEpoch());
            assertEquals(11L, view.producerId());
            assertEquals(2, view.producerEpoch());
            assertEquals(30, view.baseSequence());
            assertEquals(36, view.lastSequence());
            assertTrue(view.isTransactional());
            assertFalse(view.isControl());
            assertFalse(view.isLogAppendTime());
            assertEquals(0, view.compressionId());
            List<Record> read = RecordReader.read(view, alloc, 1 << 20);
            assertEquals(List.of(40L, 45L, 46L), read.stream().map(Record::offset).toList());
            assertEquals(List.of(1000L, 900L, 1200L), read.stream().map(Record::timestamp).toList());
            assertEquals(List.of(new Header("h", null)), read.get(1).headers());
        } finally {
            batch.release();
        }
    }

    @Test
    void misuseIsRefusedAndNothingLeaks() {
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            assertThrows(IllegalStateException.class, b::build);
            b.baseOffset(10).append(1L, new byte[1], null);
            assertThrows(IllegalStateException.class, () -> b.baseOffset(3));
            assertThrows(IllegalStateException.class, () -> b.compression(CompressionType.GZIP));
            assertThrows(IllegalArgumentException.class, () -> b.appendWithOffset(10, 1L, null, null, List.of()));
            assertThrows(IllegalArgumentException.class,
                    () -> b.appendWithOffset(10L + Integer.MAX_VALUE + 1, 1L, null, null, List.of()));
            assertThrows(IllegalStateException.class,
                    () -> b.appendControl(1L, ControlRecordType.COMMIT, null));
        }
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            b.compression(CompressionType.ZSTD).append(1L, new byte[1], null);
            b.build().release();
            assertThrows(IllegalStateException.class, () -> b.append(1L, new byte[1], null));
            assertThrows(IllegalStateException.class, b::build);
        }
        assertThrows(IllegalArgumentException.class, () -> RecordBatchBuilder.endTxnMarker(alloc, 0, 0, 0, 1L,
                (short) 0, ControlRecordType.LEADER_CHANGE, 0));
    }

    @Test
    void byteBufKeysAndValuesAreBorrowed() {
        ByteBuf key = Unpooled.copiedBuffer(new byte[] {9, 8});
        ByteBuf value = Unpooled.copiedBuffer(new byte[] {7});
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            batch = b.compression(CompressionType.SNAPPY).append(5L, key, value).append(6L, null, value).build();
        }
        try {
            assertEquals(0, key.readerIndex());
            assertEquals(1, key.refCnt());
            List<Record> read = RecordReader.readAll(batch, alloc, 1024);
            assertArrayEquals(new byte[] {9, 8}, read.get(0).key());
            assertArrayEquals(new byte[] {7}, read.get(1).value());
            assertEquals(null, read.get(1).key());
        } finally {
            batch.release();
            key.release();
            value.release();
        }
    }
}
