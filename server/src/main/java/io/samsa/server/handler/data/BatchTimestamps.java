package io.samsa.server.handler.data;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.log.FileSlice;
import io.samsa.wire.record.RecordBatchView;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Finds the timestamp of one record for ListOffsets by timestamp: reads the batch holding the offset (copied
 * through the heap: ListOffsets is not a hot path) and walks its records when the batch is uncompressed and
 * stamped with CreateTime; otherwise answers with the batch's max timestamp, which is every record's timestamp
 * for LogAppendTime and the best answer without decompressing. Stateless.
 *
 * <pre>
 *  record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | ...
 * </pre>
 */
final class BatchTimestamps {
    private BatchTimestamps() {
    }

    /** The timestamp of the record at {@code offset} in the first batch of {@code slice}, or -1. */
    static long timestampOf(FileSlice slice, long offset) throws IOException {
        if (slice.isEmpty()) {
            return -1;
        }
        int len = Math.min(slice.length(), RecordBatchView.HEADER_SIZE);
        ByteBuffer head = ByteBuffer.allocate(len);
        readFully(slice, head, 0);
        ByteBuf h = Unpooled.wrappedBuffer(head.array());
        if (len < RecordBatchView.HEADER_SIZE) {
            return -1;
        }
        RecordBatchView v = new RecordBatchView().wrap(h, 0);
        int size = Math.min(v.sizeInBytes(), slice.length());
        if (v.compressionId() != 0 || v.isLogAppendTime() || size <= RecordBatchView.HEADER_SIZE) {
            return v.maxTimestamp();
        }
        ByteBuffer whole = ByteBuffer.allocate(size);
        readFully(slice, whole, 0);
        ByteBuf b = Unpooled.wrappedBuffer(whole.array());
        long base = v.baseOffset();
        long baseTs = v.baseTimestamp();
        int[] pos = {RecordBatchView.HEADER_SIZE};
        int count = v.recordCount();
        for (int i = 0; i < count && pos[0] < size; i++) {
            long recLen = varlong(b, pos, size);
            int next = (int) (pos[0] + recLen);
            pos[0] += 1;
            long tsDelta = varlong(b, pos, size);
            long offDelta = varlong(b, pos, size);
            if (recLen < 0 || tsDelta == Long.MIN_VALUE || offDelta == Long.MIN_VALUE) {
                break;
            }
            if (base + offDelta >= offset) {
                return baseTs + tsDelta;
            }
            pos[0] = next;
        }
        return v.maxTimestamp();
    }

    private static void readFully(FileSlice slice, ByteBuffer dst, long from) throws IOException {
        long p = slice.position() + from;
        while (dst.hasRemaining()) {
            int n = slice.channel().read(dst, p);
            if (n < 0) {
                break;
            }
            p += n;
        }
        dst.flip();
    }

    /** A zigzag varlong at pos[0]; Long.MIN_VALUE when malformed. */
    private static long varlong(ByteBuf b, int[] pos, int end) {
        long raw = 0;
        int shift = 0;
        while (pos[0] < end && shift < 64) {
            byte x = b.getByte(pos[0]++);
            raw |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
            shift += 7;
        }
        return Long.MIN_VALUE;
    }
}
