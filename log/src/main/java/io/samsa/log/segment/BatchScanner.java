package io.samsa.log.segment;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.record.RecordBatchView;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads whole batches of a segment file one after another into one reusable buffer, checking each (length,
 * magic, CRC32C, offsets increasing): recovery, index rebuilding and producer-state replay use it. The
 * buffer grows to the largest batch, never beyond the bytes left in the file, so a garbage length cannot
 * cause a large allocation.
 *
 * <p>Not thread-safe: one scanner per scan. Call {@link #close()} to free the buffer.
 */
public final class BatchScanner implements AutoCloseable {
    private final FileChannel channel;
    private final long limit;
    private final RecordBatchView view = new RecordBatchView();
    private ByteBuf buf = Unpooled.buffer(4096);
    private long position;
    private long prevLastOffset;
    private String problem;

    /** Scans [{@code from}, {@code limit}) of {@code channel}; batches must start above {@code minOffset} - 1. */
    public BatchScanner(FileChannel channel, long from, long limit, long minOffset) {
        this.channel = channel;
        this.position = from;
        this.limit = limit;
        this.prevLastOffset = minOffset - 1;
    }

    /**
     * Reads the next valid batch and returns a view of it (valid until the next call), or null at the end or
     * at the first invalid batch; {@link #problem()} then says which, and {@link #position()} is where the
     * valid data ends.
     */
    public RecordBatchView next() throws IOException {
        long remaining = limit - position;
        if (remaining == 0) {
            return null;
        }
        if (remaining < RecordBatchView.HEADER_SIZE) {
            problem = remaining + " trailing bytes are shorter than a batch header";
            return null;
        }
        buf.clear();
        if (!readFully(position, RecordBatchView.HEADER_SIZE)) {
            problem = "the file ends inside a batch header";
            return null;
        }
        int length = buf.getInt(RecordBatchView.BATCH_LENGTH_OFFSET);
        long size = (long) length + RecordBatchView.LOG_OVERHEAD;
        if (length < RecordBatchView.HEADER_SIZE - RecordBatchView.LOG_OVERHEAD || size > remaining) {
            problem = "batch length " + length + " at position " + position + " does not fit the " + remaining
                    + " remaining bytes";
            return null;
        }
        if (buf.capacity() < size) {
            buf.release();
            buf = Unpooled.buffer((int) Math.max(size, 4096));
        }
        buf.clear();
        if (!readFully(position, (int) size)) {
            problem = "the file ends inside a batch";
            return null;
        }
        view.wrap(buf, 0);
        try {
            view.validate((int) size);
        } catch (DecodeException e) {
            problem = "batch at position " + position + ": " + e.getMessage();
            return null;
        }
        if (view.baseOffset() <= prevLastOffset || view.lastOffsetDelta() < 0) {
            problem = "batch at position " + position + " has base offset " + view.baseOffset()
                    + " not above the previous last offset " + prevLastOffset;
            return null;
        }
        prevLastOffset = view.lastOffset();
        position += size;
        return view;
    }

    private boolean readFully(long at, int len) throws IOException {
        ByteBuffer nio = buf.nioBuffer(0, len);
        int read = 0;
        while (read < len) {
            int n = channel.read(nio, at + read);
            if (n < 0) {
                return false;
            }
            read += n;
        }
        buf.writerIndex(len);
        return true;
    }

    /** The position just after the last valid batch returned. */
    public long position() {
        return position;
    }

    /** The position the batch returned by the last {@link #next()} started at. */
    public long batchPosition(RecordBatchView batch) {
        return position - batch.sizeInBytes();
    }

    /** Why the scan stopped early, or null if it reached the limit. */
    public String problem() {
        return problem;
    }

    @Override
    public void close() {
        buf.release();
    }
}
