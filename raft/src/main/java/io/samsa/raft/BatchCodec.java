package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.record.ControlRecordType;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;

import java.util.ArrayList;
import java.util.List;

/**
 * Records in and out of v2 record batches, as KRaft lays out its log and snapshots: one record per log record,
 * a null key, the serde's bytes as the value; control records (leader change, snapshot header and footer) in
 * control batches whose key is the control type and whose value is the control message. Stateless and
 * thread-safe; the buffers it returns belong to the caller.
 */
final class BatchCodec {
    /** The largest records section a batch may decompress to (the log never compresses its batches). */
    static final int MAX_RECORDS_BYTES = Integer.MAX_VALUE - 1024;

    private BatchCodec() {
    }

    /** One data batch of {@code records} at {@code baseOffset}, written in {@code epoch} at {@code timestamp}. */
    static <T> ByteBuf encode(ByteBufAllocator alloc, long baseOffset, int epoch, long timestamp, List<T> records,
                              RecordSerde<T> serde) {
        ByteBuf value = alloc.heapBuffer(256);
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            b.baseOffset(baseOffset).partitionLeaderEpoch(epoch);
            for (T record : records) {
                value.clear();
                serde.write(record, value);
                b.append(timestamp, (ByteBuf) null, value);
            }
            return b.build();
        } finally {
            value.release();
        }
    }

    /** One control batch holding one control record of {@code type} whose value is {@code message} (v0). */
    static ByteBuf encodeControl(ByteBufAllocator alloc, long baseOffset, int epoch, long timestamp,
                                 ControlRecordType type, Message message) {
        byte[] key = new byte[ControlRecordType.KEY_SIZE];
        key[0] = 0;
        key[1] = 0;
        key[2] = (byte) (type.type() >> 8);
        key[3] = (byte) type.type();
        ByteBuf v = alloc.heapBuffer(message.size((short) 0));
        try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
            message.write(v, (short) 0);
            byte[] value = new byte[v.readableBytes()];
            v.readBytes(value);
            return b.baseOffset(baseOffset).partitionLeaderEpoch(epoch).control(true).append(timestamp, key, value)
                .build();
        } finally {
            v.release();
        }
    }

    /** The records of the data batch {@code batch} (already validated), decoded with {@code serde}. */
    static <T> Batch<T> decode(RecordBatchView batch, RecordSerde<T> serde, ByteBufAllocator alloc) {
        List<T> records = new ArrayList<>(Math.max(0, Math.min(batch.recordCount(), 4096)));
        try (RecordCursor cursor = new RecordCursor()) {
            cursor.open(batch, alloc, MAX_RECORDS_BYTES);
            while (cursor.next()) {
                if (cursor.valueLength() < 0) {
                    throw new DecodeException("Record at offset " + cursor.offset() + " has no value");
                }
                records.add(serde.read(cursor.valueSlice()));
            }
        }
        if (records.size() != batch.lastOffsetDelta() + 1) {
            throw new DecodeException("Batch at offset " + batch.baseOffset() + " holds " + records.size()
                + " record(s) but spans " + (batch.lastOffsetDelta() + 1) + " offset(s)");
        }
        return new Batch<>(batch.baseOffset(), batch.partitionLeaderEpoch(), batch.maxTimestamp(),
            batch.sizeInBytes(), records);
    }

    /**
     * The control record of the control batch {@code batch} (already validated), which must hold exactly one
     * record, of {@code expected} type; its value is read into {@code into} (v0).
     */
    static void decodeControl(RecordBatchView batch, ControlRecordType expected, Message into,
                              ByteBufAllocator alloc) {
        if (!batch.isControl()) {
            throw new DecodeException("Expected a " + expected + " control batch at offset " + batch.baseOffset());
        }
        try (RecordCursor cursor = new RecordCursor()) {
            cursor.open(batch, alloc, MAX_RECORDS_BYTES);
            if (!cursor.next()) {
                throw new DecodeException("Empty control batch at offset " + batch.baseOffset());
            }
            ControlRecordType type = ControlRecordType.parseKey(cursor.buffer(), cursor.keyIndex(),
                cursor.keyLength());
            if (type != expected) {
                throw new DecodeException("Expected a " + expected + " control record, found " + type);
            }
            if (cursor.valueLength() < 0) {
                throw new DecodeException("The " + expected + " control record has no value");
            }
            ByteBuf value = cursor.valueSlice();
            into.read(value, (short) 0);
            if (value.isReadable()) {
                throw new DecodeException("The " + expected + " control record has " + value.readableBytes()
                    + " trailing byte(s)");
            }
            if (cursor.next()) {
                throw new DecodeException("The " + expected + " control batch holds more than one record");
            }
        }
    }

    /** The type of the first control record of the control batch {@code batch} (already validated). */
    static ControlRecordType controlType(RecordBatchView batch, ByteBufAllocator alloc) {
        try (RecordCursor cursor = new RecordCursor()) {
            cursor.open(batch, alloc, MAX_RECORDS_BYTES);
            if (!cursor.next()) {
                throw new DecodeException("Empty control batch at offset " + batch.baseOffset());
            }
            return ControlRecordType.parseKey(cursor.buffer(), cursor.keyIndex(), cursor.keyLength());
        }
    }
}
