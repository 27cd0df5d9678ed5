package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.RecordBatchBuilder;

import java.util.Random;

/** Builds the batches the benchmarks measure: records of {@code recordSize} bytes of mildly compressible data. */
final class Batches {
    private Batches() {
    }

    static byte[][] values(int count, int recordSize, long seed) {
        Random random = new Random(seed);
        byte[][] values = new byte[count][recordSize];
        for (byte[] v : values) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (byte) (random.nextInt(8) == 0 ? random.nextInt() : 'a' + i % 13);
            }
        }
        return values;
    }

    /**
     * How many records of {@code recordSize} bytes (8-byte key, small headers) fill a batch of at most
     * {@code batchBytes}: 15 for 1 KiB records in a 16 KiB batch, 136 for 100 B records.
     */
    static int recordsPerBatch(int recordSize, int batchBytes) {
        return Math.max(1, (batchBytes - 61) / (recordSize + 20));
    }

    /** A batch of {@code values} with 8-byte keys; the caller owns the returned buffer. */
    static ByteBuf build(ByteBufAllocator alloc, CompressionType compression, byte[][] values) {
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            b.baseOffset(0).compression(compression);
            byte[] key = new byte[8];
            for (int i = 0; i < values.length; i++) {
                key[7] = (byte) i;
                b.append(1_700_000_000_000L + i, key, values[i]);
            }
            return b.build();
        }
    }
}
