package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.record.RecordBatchView;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Reads the batches of a segment file in large chunks (the read half of {@code log.cleaner.io.buffer.size}) and hands
 * them out one at a time as validated views (length, magic, CRC32C): two system calls per chunk rather than per
 * batch. A batch larger than the buffer grows it to that batch, never beyond the bytes left in the file, so a garbage
 * length cannot cause a large allocation.
 *
 * <p>Not thread-safe: one cleaner thread owns it and reuses it for every segment.
 */
final class BatchReader {
    private final int initialBytes;
    private final RecordBatchView view = new RecordBatchView();
    private ByteBuf buf;
    private FileChannel channel;
    private String file;
    /** File position of the buffer's reader index: the next batch. */
    private long next;
    private long limit;
    private long batchPosition;
    private long bytesRead;

    BatchReader(int initialBytes) {
        this.initialBytes = initialBytes;
        this.buf = Unpooled.buffer(initialBytes);
    }

    /** Reads [{@code from}, {@code limit}) of {@code channel} ({@code file} names it in errors). */
    void open(FileChannel channel, String file, long from, long limit) {
        this.channel = channel;
        this.file = file;
        this.next = from;
        this.limit = limit;
        if (buf.capacity() > initialBytes) {
            buf.release();
            buf = Unpooled.buffer(initialBytes);
        }
        buf.clear();
    }

    /**
     * The next batch (valid until the next call), or null at the end of the range.
     *
     * @throws CorruptSegmentException at a batch that does not check out
     */
    RecordBatchView next() throws IOException {
        if (next >= limit) {
            return null;
        }
        ensure(RecordBatchView.LOG_OVERHEAD);
        int at = buf.readerIndex();
        long size = RecordBatchView.LOG_OVERHEAD + (long) buf.getInt(at + RecordBatchView.BATCH_LENGTH_OFFSET);
        if (size < RecordBatchView.HEADER_SIZE || next + size > limit) {
            throw new CorruptSegmentException("The batch at position " + next + " of " + file + " declares " + size
                    + " bytes, " + (limit - next) + " remain");
        }
        ensure((int) size);
        at = buf.readerIndex();
        view.wrap(buf, at);
        try {
            view.validate((int) size);
        } catch (DecodeException e) {
            throw new CorruptSegmentException("The batch at position " + next + " of " + file + ": " + e.getMessage());
        }
        batchPosition = next;
        buf.skipBytes((int) size);
        next += size;
        return view;
    }

    /** The file position of the batch {@link #next} returned last. */
    long batchPosition() {
        return batchPosition;
    }

    /** Bytes read from the file since the last call (for the throttle). */
    long takeBytesRead() {
        long n = bytesRead;
        bytesRead = 0;
        return n;
    }

    private void ensure(int n) throws IOException {
        if (buf.readableBytes() >= n) {
            return;
        }
        buf.discardReadBytes();
        if (buf.capacity() < n) {
            ByteBuf bigger = Unpooled.buffer(Math.max(n, Math.min(2 * buf.capacity(), (int) Math.min(Integer.MAX_VALUE,
                    limit - next))));
            bigger.writeBytes(buf);
            buf.release();
            buf = bigger;
        }
        long from = next + buf.readableBytes();
        while (buf.readableBytes() < n) {
            int want = (int) Math.min(buf.writableBytes(), limit - from);
            if (want <= 0) {
                throw new CorruptSegmentException(file + " ends inside the batch at position " + next);
            }
            int got = channel.read(buf.nioBuffer(buf.writerIndex(), want), from);
            if (got < 0) {
                throw new CorruptSegmentException(file + " ends inside the batch at position " + next);
            }
            buf.writerIndex(buf.writerIndex() + got);
            from += got;
            bytesRead += got;
        }
    }

    void release() {
        buf.release();
    }
}
