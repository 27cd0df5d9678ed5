package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Keyed batches built by the official client, and the records of a log as the official client reads them. */
final class Keyed {
    private Keyed() {
    }

    /** One record as read back: offset, key, value (null for a tombstone), timestamp, batch facts. */
    record Rec(long offset, String key, String value, long timestamp, long producerId, boolean control,
               boolean transactional) {
    }

    /** A batch of records {@code kv[0]=kv[1], ...} at timestamp {@code ts}; a null value is a tombstone. */
    static ByteBuf batch(long ts, Compression compression, String... kv) {
        return batch(ts, compression, -1, (short) -1, -1, false, kv);
    }

    static ByteBuf batch(long ts, Compression compression, long pid, short epoch, int seq, boolean txn,
                         String... kv) {
        SimpleRecord[] recs = new SimpleRecord[kv.length / 2];
        for (int i = 0; i < recs.length; i++) {
            String k = kv[2 * i];
            String v = kv[2 * i + 1];
            recs[i] = new SimpleRecord(ts + i, k == null ? null : k.getBytes(StandardCharsets.UTF_8),
                    v == null ? null : v.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer b = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, compression,
                TimestampType.CREATE_TIME, pid, epoch, seq, RecordBatch.NO_PARTITION_LEADER_EPOCH, txn, recs).buffer();
        ByteBuf out = Unpooled.buffer(b.remaining());
        out.writeBytes(b);
        return out;
    }

    /** Every batch and record from the log start to the log end, through the official client's parser. */
    static List<Rec> readAll(Log log) throws IOException {
        List<Rec> out = new ArrayList<>();
        for (RecordBatch b : batches(log)) {
            b.ensureValid();
            for (Record rec : b) {
                String key = rec.hasKey() ? StandardCharsets.UTF_8.decode(rec.key()).toString() : null;
                String value = rec.hasValue() ? StandardCharsets.UTF_8.decode(rec.value()).toString() : null;
                if (b.isControlBatch()) {
                    value = ControlRecordType.parse(rec.key()).name();
                }
                out.add(new Rec(rec.offset(), key, value, rec.timestamp(), b.producerId(), b.isControlBatch(),
                        b.isTransactional()));
            }
        }
        return out;
    }

    /** Every batch of the log as the official client sees it (for batch-level assertions). */
    static List<RecordBatch> batches(Log log) throws IOException {
        List<RecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ReadResult r = log.read(next, 1 << 20, Long.MAX_VALUE, true);
            try {
                if (r.records().isEmpty()) {
                    break;
                }
                for (RecordBatch b : MemoryRecords.readableRecords(TestLogs.bytes(r.records())).batches()) {
                    out.add(b);
                    next = b.nextOffset();
                }
            } finally {
                r.release();
            }
        }
        return out;
    }
}
