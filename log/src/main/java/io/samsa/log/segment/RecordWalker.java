package io.samsa.log.segment;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.record.RecordBatchView;

/**
 * Reads the record fields the log needs from an uncompressed control batch without decoding records into
 * objects: the control record type and the coordinator epoch of a transaction marker (timestamp lookups use
 * {@link RecordTimestamps}).
 *
 * <pre>
 *  record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *          | keyLength varint | key | valueLength varint | value | headers
 *  control record key: version int16 | type int16 (0 abort, 1 commit)
 *  marker value: version int16 | coordinatorEpoch int32
 * </pre>
 *
 * <p>Stateless and thread-safe. Malformed varints end the walk (the type is then unknown).
 */
public final class RecordWalker {
    /** Returned when the records cannot be walked. */
    public static final long UNKNOWN = Long.MIN_VALUE;

    private RecordWalker() {
    }

    /**
     * The control type of the first record of a control batch (0 abort, 1 commit), or -1 when unreadable.
     */
    public static int controlType(RecordBatchView view) {
        ByteBuf buf = view.buffer();
        int end = view.start() + view.sizeInBytes();
        int[] pos = {view.start() + RecordBatchView.HEADER_SIZE};
        if (view.compressionId() != 0 || readVarlong(buf, pos, end) == UNKNOWN) {
            return -1;
        }
        pos[0]++;
        if (readVarlong(buf, pos, end) == UNKNOWN || readVarlong(buf, pos, end) == UNKNOWN) {
            return -1;
        }
        long keyLen = readVarlong(buf, pos, end);
        if (keyLen < 4 || pos[0] + 4 > end) {
            return -1;
        }
        return buf.getShort(pos[0] + 2);
    }

    /**
     * The coordinator epoch in the value of a transaction marker's control record (version int16, coordinatorEpoch
     * int32), or -1 when unreadable.
     */
    public static int markerCoordinatorEpoch(RecordBatchView view) {
        ByteBuf buf = view.buffer();
        int end = view.start() + view.sizeInBytes();
        int[] pos = {view.start() + RecordBatchView.HEADER_SIZE};
        if (view.compressionId() != 0 || readVarlong(buf, pos, end) == UNKNOWN) {
            return -1;
        }
        pos[0]++;
        if (readVarlong(buf, pos, end) == UNKNOWN || readVarlong(buf, pos, end) == UNKNOWN) {
            return -1;
        }
        long keyLen = readVarlong(buf, pos, end);
        if (keyLen < 0 || pos[0] + keyLen > end) {
            return -1;
        }
        pos[0] += (int) keyLen;
        long valueLen = readVarlong(buf, pos, end);
        if (valueLen < 6 || pos[0] + 6 > end) {
            return -1;
        }
        return buf.getInt(pos[0] + 2);
    }

    /** Reads a zigzag varlong at pos[0], advancing it; UNKNOWN when malformed or past {@code end}. */
    static long readVarlong(ByteBuf buf, int[] pos, int end) {
        long raw = 0;
        int shift = 0;
        int p = pos[0];
        while (true) {
            if (p >= end || shift > 63) {
                return UNKNOWN;
            }
            byte b = buf.getByte(p++);
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        pos[0] = p;
        return (raw >>> 1) ^ -(raw & 1);
    }
}
