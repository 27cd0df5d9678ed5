package io.samsa.log.segment;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.record.RecordBatchView;

/**
 * Reads the few record fields the log needs from an uncompressed batch without decoding records into
 * objects: each record's timestamp and offset delta, and the control record type of a transaction marker.
 *
 * <pre>
 *  record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *          | keyLength varint | key | valueLength varint | value | headers
 *  control record key: version int16 | type int16 (0 abort, 1 commit)
 * </pre>
 *
 * <p>Stateless and thread-safe. Malformed varints end the walk (the caller falls back to batch granularity).
 */
public final class RecordWalker {
    /** Returned when the records cannot be walked. */
    public static final long UNKNOWN = Long.MIN_VALUE;

    private RecordWalker() {
    }

    /**
     * The offset of the first record whose timestamp is at or above {@code target} in the whole batch at
     * {@code view}, the batch's base offset for a compressed or LogAppendTime batch, or -1 when none is.
     */
    public static long firstOffsetAtOrAfter(RecordBatchView view, long target) {
        if (view.maxTimestamp() < target) {
            return -1;
        }
        if (view.compressionId() != 0 || view.isLogAppendTime()) {
            return view.baseOffset();
        }
        return walk(view, target, false);
    }

    /** The offset of the first record carrying the batch's max timestamp (the base offset if compressed). */
    public static long offsetOfMaxTimestamp(RecordBatchView view) {
        if (view.compressionId() != 0 || view.isLogAppendTime()) {
            return view.baseOffset();
        }
        long off = walk(view, view.maxTimestamp(), true);
        return off < 0 ? view.baseOffset() : off;
    }

    private static long walk(RecordBatchView view, long target, boolean exact) {
        ByteBuf buf = view.buffer();
        int end = view.start() + view.sizeInBytes();
        int[] pos = {view.start() + RecordBatchView.HEADER_SIZE};
        long base = view.baseTimestamp();
        int count = view.recordCount();
        for (int i = 0; i < count && pos[0] < end; i++) {
            long len = readVarlong(buf, pos, end);
            if (len == UNKNOWN || len < 0) {
                return view.baseOffset();
            }
            int recordEnd = pos[0] + (int) Math.min(len, end - pos[0]);
            pos[0]++; // attributes
            long tsDelta = readVarlong(buf, pos, end);
            long offDelta = readVarlong(buf, pos, end);
            if (tsDelta == UNKNOWN || offDelta == UNKNOWN) {
                return view.baseOffset();
            }
            long ts = base + tsDelta;
            if (exact ? ts == target : ts >= target) {
                return view.baseOffset() + offDelta;
            }
            pos[0] = recordEnd;
        }
        return exact ? -1 : view.baseOffset();
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
