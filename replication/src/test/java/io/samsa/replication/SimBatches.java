package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.record.RecordBatchView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Record batches for the simulations, built by the official client (the oracle). */
final class SimBatches {
    private SimBatches() {
    }

    /**
     * One or two batches of a plain producer: 1 to 6 records of up to 80 bytes each (so that an append of them fits
     * the smallest segment the simulations configure, 1500 bytes), some gzip-compressed, timestamps {@code now}.
     */
    static ByteBuf random(Random random, long now) {
        int n = random.nextInt(4) == 0 ? 2 : 1;
        ByteBuf out = Unpooled.buffer();
        for (int b = 0; b < n; b++) {
            int count = 1 + random.nextInt(6);
            SimpleRecord[] recs = new SimpleRecord[count];
            for (int i = 0; i < count; i++) {
                byte[] value = new byte[random.nextInt(81)];
                random.nextBytes(value);
                recs[i] = new SimpleRecord(now, ("k" + i).getBytes(StandardCharsets.UTF_8), value);
            }
            Compression c = random.nextInt(10) == 0 ? Compression.gzip().build() : Compression.NONE;
            MemoryRecords mr = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, c, TimestampType.CREATE_TIME,
                    RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE,
                    RecordBatch.NO_PARTITION_LEADER_EPOCH, false, recs);
            ByteBuffer bb = mr.buffer();
            out.writeBytes(bb);
        }
        return out;
    }

    /**
     * A copy of {@code records} as the leader's log writes them: base offsets from {@code baseOffset}, partition
     * leader epoch {@code leaderEpoch} (neither is under the CRC).
     */
    static ByteBuf rewritten(ByteBuf records, long baseOffset, int leaderEpoch) {
        ByteBuf copy = Unpooled.buffer(records.readableBytes()).writeBytes(records, records.readerIndex(),
                records.readableBytes());
        RecordBatchView v = new RecordBatchView();
        long next = baseOffset;
        for (int pos = 0; pos < copy.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(copy, pos);
            v.setBaseOffset(next);
            v.setPartitionLeaderEpoch(leaderEpoch);
            next = v.nextOffset();
        }
        return copy;
    }
}
