package io.samsa.bench.ceiling;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;

import java.util.Random;

/**
 * The prepared data the do-nothing broker serves to every Fetch: a run of identical uncompressed batches
 * (records of {@code recordSize} bytes), built once. A response gets up to {@code maxBytes} of whole batches
 * as a composite buffer: per batch an 8-byte base offset (the only field that differs; the CRC does not cover
 * it) and a retained slice of the template's remaining bytes, so no record byte is copied in user space.
 *
 * <p>Thread-safe: the template is read-only after construction; each call builds its own composite.
 */
final class FetchChunk {
    private final ByteBuf template;
    private final int batchSize;
    private final int recordsPerBatch;
    private final int batches;

    FetchChunk(int recordSize, int batchBytes, int totalBytes) {
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        int perBatch = Math.max(1, (batchBytes - RecordBatchView.HEADER_SIZE) / (recordSize + 20));
        Random random = new Random(7);
        byte[] value = new byte[recordSize];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + random.nextInt(26));
        }
        ByteBuf one;
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            b.baseOffset(0);
            long now = System.currentTimeMillis();
            for (int i = 0; i < perBatch; i++) {
                b.append(now, (byte[]) null, value);
            }
            one = b.build();
        }
        this.batchSize = one.readableBytes();
        this.recordsPerBatch = perBatch;
        this.batches = Math.max(1, totalBytes / batchSize);
        this.template = alloc.directBuffer(batchSize * batches);
        for (int i = 0; i < batches; i++) {
            template.writeBytes(one, one.readerIndex(), batchSize);
        }
        one.release();
    }

    int batchSize() {
        return batchSize;
    }

    int recordsPerBatch() {
        return recordsPerBatch;
    }

    /** Bytes of whole batches a response of at most {@code maxBytes} carries (at least one batch, KIP-74). */
    int sizeFor(int maxBytes) {
        return Math.max(1, Math.min(batches, maxBytes / batchSize)) * batchSize;
    }

    /**
     * A composite of {@code size / batchSize} batches whose offsets start at {@code firstOffset}; the caller
     * owns it. {@code size} must come from {@link #sizeFor}.
     */
    ByteBuf slice(ByteBufAllocator alloc, long firstOffset, int size) {
        int n = size / batchSize;
        CompositeByteBuf out = alloc.compositeDirectBuffer(2 * n);
        ByteBuf offsets = alloc.directBuffer(8 * n);
        long offset = firstOffset;
        for (int i = 0; i < n; i++) {
            offsets.writeLong(offset);
            offset += recordsPerBatch;
        }
        for (int i = 0; i < n; i++) {
            out.addComponent(true, offsets.retainedSlice(8 * i, 8));
            out.addComponent(true, template.retainedSlice(i * batchSize + 8, batchSize - 8));
        }
        offsets.release();
        return out;
    }

    void release() {
        template.release();
    }
}
