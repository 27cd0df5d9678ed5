package io.samsa.wire.record;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes batch validation, record iteration and decompression. Only {@link DecodeException} (and its
 * subclasses) may escape the code under test; every buffer is released; no allocation exceeds the
 * decompression limit plus one LZ4 block. {@code mvn verify} replays the seed corpus in
 * {@code src/test/resources/io/samsa/wire/record/RecordBatchFuzzTestInputs/}; to fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl wire test -Dtest=RecordBatchFuzzTest#rawBatches}.
 */
class RecordBatchFuzzTest {
    private static final int LIMIT = 256 * 1024;
    private static final int MAX_LZ4_BLOCK = 4 * 1024 * 1024;

    /** Arbitrary bytes as a sequence of batches, checked as they are, then with their CRCs fixed. */
    @FuzzTest(maxDuration = "5m")
    void rawBatches(byte[] data) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        readBatches(buf, alloc, false);
        readBatches(buf, alloc, true);
        alloc.assertAllReleased();
        assertTrue(alloc.largestBlock() <= LIMIT + MAX_LZ4_BLOCK, "allocation of " + alloc.largestBlock());
    }

    /**
     * Arbitrary record bytes compressed with a real codec, so the fuzzer reaches record parsing after
     * decompression; and arbitrary bytes as compressed data.
     */
    @FuzzTest(maxDuration = "5m")
    void compressedRecords(FuzzedDataProvider in) {
        TrackingAllocator alloc = new TrackingAllocator();
        CompressionType type = CompressionType.forId(in.consumeInt(0, 4));
        int count = in.consumeInt(-1, 100);
        boolean compress = in.consumeBoolean();
        byte[] body = in.consumeRemainingAsBytes();
        ByteBuf batch = Unpooled.buffer();
        batch.writeLong(0).writeInt(0).writeInt(-1).writeByte(2).writeInt(0).writeShort(type.id())
                .writeInt(Math.max(count - 1, 0)).writeLong(0).writeLong(0).writeLong(-1).writeShort(-1)
                .writeInt(-1).writeInt(count);
        ByteBuf src = Unpooled.wrappedBuffer(body);
        if (compress) {
            type.compress(src, batch);
        } else {
            batch.writeBytes(src);
        }
        batch.setInt(RecordBatchView.BATCH_LENGTH_OFFSET, batch.readableBytes() - RecordBatchView.LOG_OVERHEAD);
        readBatches(batch, alloc, true);
        batch.release();
        alloc.assertAllReleased();
        assertTrue(alloc.largestBlock() <= LIMIT + MAX_LZ4_BLOCK, "allocation of " + alloc.largestBlock());
    }

    private static void readBatches(ByteBuf buf, TrackingAllocator alloc, boolean fixCrc) {
        RecordBatchView view = new RecordBatchView();
        RecordCursor cursor = new RecordCursor();
        int index = buf.readerIndex();
        try {
            while (index < buf.writerIndex()) {
                int available = buf.writerIndex() - index;
                view.wrap(buf, index);
                if (fixCrc && available >= RecordBatchView.HEADER_SIZE && view.batchLength() >= 0
                        && view.sizeInBytes() >= RecordBatchView.HEADER_SIZE && view.sizeInBytes() <= available) {
                    buf.setInt(index + RecordBatchView.CRC_OFFSET, (int) view.computeCrc());
                }
                view.validate(available);
                cursor.open(view, alloc, LIMIT);
                int records = 0;
                while (cursor.next()) {
                    records++;
                    while (cursor.nextHeader()) {
                        assertTrue(cursor.headerKeyLength() >= 0);
                    }
                    if (view.isControl() && cursor.keyLength() >= 0) {
                        ControlRecordType.parseKey(cursor.buffer(), cursor.keyIndex(), cursor.keyLength());
                    }
                }
                assertTrue(records == view.recordCount());
                cursor.close();
                index += view.sizeInBytes();
            }
        } catch (DecodeException expected) {
            // The only failure bad input may cause.
        } finally {
            cursor.close();
        }
    }
}
