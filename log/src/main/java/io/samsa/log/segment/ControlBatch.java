package io.samsa.log.segment;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.record.RecordBatchView;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Builds the one-record control batch of a transaction marker (commit or abort), as a transaction
 * coordinator's WriteTxnMarkers asks the leader to append.
 *
 * <pre>
 *  record: length varint | attributes 0 | timestampDelta 0 | offsetDelta 0
 *          | keyLength 4 | key: version int16 (0), type int16 (0 abort, 1 commit)
 *          | valueLength 6 | value: version int16 (0), coordinatorEpoch int32 | headers 0
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ControlBatch {
    private static final int RECORD_BODY = 16;
    /** Size of a marker batch in bytes. */
    public static final int SIZE = RecordBatchView.HEADER_SIZE + 1 + RECORD_BODY;

    private ControlBatch() {
    }

    /** A new heap buffer holding a marker batch with base offset 0; the caller releases it. */
    public static ByteBuf marker(long producerId, short epoch, boolean commit, int coordinatorEpoch,
                                 long timestamp) {
        ByteBuf b = Unpooled.buffer(SIZE);
        b.writeLong(0L);
        b.writeInt(SIZE - RecordBatchView.LOG_OVERHEAD);
        b.writeInt(RecordBatchView.NO_PARTITION_LEADER_EPOCH);
        b.writeByte(RecordBatchView.MAGIC_V2);
        b.writeInt(0);
        b.writeShort(RecordBatchView.CONTROL_MASK | RecordBatchView.TRANSACTIONAL_MASK);
        b.writeInt(0);
        b.writeLong(timestamp);
        b.writeLong(timestamp);
        b.writeLong(producerId);
        b.writeShort(epoch);
        b.writeInt(RecordBatchView.NO_SEQUENCE);
        b.writeInt(1);
        b.writeByte(RECORD_BODY << 1);
        b.writeByte(0);
        b.writeByte(0);
        b.writeByte(0);
        b.writeByte(4 << 1);
        b.writeShort(0);
        b.writeShort(commit ? 1 : 0);
        b.writeByte(6 << 1);
        b.writeShort(0);
        b.writeInt(coordinatorEpoch);
        b.writeByte(0);
        CRC32C crc = new CRC32C();
        ByteBuffer nio = b.nioBuffer(RecordBatchView.ATTRIBUTES_OFFSET, SIZE - RecordBatchView.ATTRIBUTES_OFFSET);
        crc.update(nio);
        b.setInt(RecordBatchView.CRC_OFFSET, (int) crc.getValue());
        return b;
    }
}
