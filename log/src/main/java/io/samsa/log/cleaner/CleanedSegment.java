package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.samsa.common.Disk;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.FileForcer;
import io.samsa.log.index.OffsetIndex;
import io.samsa.log.index.TimeIndex;
import io.samsa.log.index.TransactionIndex;
import io.samsa.log.segment.LogSegment;
import io.samsa.wire.record.RecordBatchView;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The segment a group of old segments is cleaned into, written as {@code .cleaned} files beside them: the batches
 * kept (appended in offset order, through a write buffer), the offset and time indexes built as an append builds
 * them (one entry per {@code index.interval.bytes}), and the transaction index of the aborted transactions whose
 * markers it keeps. {@link #finish} completes the indexes and forces everything; the files are then ready for a
 * {@link SwapManifest}.
 *
 * <p>Not thread-safe: one cleaning pass writes it on its cleaner thread.
 */
final class CleanedSegment implements AutoCloseable {
    private final Disk disk;
    private final Path dir;
    private final long base;
    private final int indexIntervalBytes;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final ByteBuf writeBuffer;
    private final int flushAt;
    private final RecordBatchView view = new RecordBatchView();
    private TransactionIndex txnIndex;
    private long position;
    private long filePosition;
    private long written;
    private int bytesSinceIndexEntry;
    private long maxTimestamp = -1;
    private long offsetOfMaxTimestamp = -1;
    private long nextOffset;
    private boolean closed;

    /** Creates the {@code .cleaned} files of the segment at {@code base} (replacing leftovers). */
    CleanedSegment(Disk disk, Path dir, long base, int maxIndexBytes, int indexIntervalBytes, ByteBuf writeBuffer)
            throws IOException {
        this.disk = disk;
        this.dir = dir;
        this.base = base;
        this.indexIntervalBytes = indexIntervalBytes;
        this.writeBuffer = writeBuffer.clear();
        this.flushAt = Math.max(1, writeBuffer.capacity() / 2);
        this.nextOffset = base;
        for (String suffix : SwapManifest.SUFFIXES) {
            disk.deleteIfExists(SwapManifest.cleanedFile(dir, base, suffix));
        }
        this.channel = disk.open(SwapManifest.cleanedFile(dir, base, LogSegment.LOG_SUFFIX),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            this.offsetIndex = new OffsetIndex(disk, SwapManifest.cleanedFile(dir, base, LogSegment.INDEX_SUFFIX), base,
                    maxIndexBytes, true);
            this.timeIndex = new TimeIndex(disk, SwapManifest.cleanedFile(dir, base, LogSegment.TIME_INDEX_SUFFIX),
                    base, maxIndexBytes, true);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    long base() {
        return base;
    }

    /** Bytes appended so far. */
    long size() {
        return position;
    }

    /** The largest timestamp of the batches appended, or -1. */
    long maxTimestamp() {
        return maxTimestamp;
    }

    /** The base offset of the batch holding {@link #maxTimestamp()}, or -1. */
    long offsetOfMaxTimestamp() {
        return offsetOfMaxTimestamp;
    }

    /** The offset after the last batch appended ({@code base} while empty). */
    long nextOffset() {
        return nextOffset;
    }

    /**
     * Appends one whole batch: {@code len} bytes of {@code buf} from {@code from} (borrowed), whose offsets must be
     * above everything appended so far and fit relative to the base.
     */
    void append(ByteBuf buf, int from, int len) throws IOException {
        view.wrap(buf, from);
        long last = view.lastOffset();
        if (view.baseOffset() < nextOffset || last - base > Integer.MAX_VALUE) {
            throw new IllegalStateException("Batch " + view + " does not follow offset " + nextOffset
                    + " in the cleaned segment at " + base);
        }
        long ts = view.maxTimestamp();
        if (ts > maxTimestamp) {
            maxTimestamp = ts;
            offsetOfMaxTimestamp = view.baseOffset();
        }
        if (bytesSinceIndexEntry > indexIntervalBytes && !offsetIndex.isFull()) {
            offsetIndex.append(view.baseOffset(), (int) position);
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            bytesSinceIndexEntry = 0;
        }
        bytesSinceIndexEntry += len;
        nextOffset = last + 1;
        if (writeBuffer.readableBytes() + len > writeBuffer.capacity()) {
            flushBuffer();
        }
        if (len > writeBuffer.capacity()) {
            writeFully(buf.nioBuffer(from, len));
        } else {
            writeBuffer.writeBytes(buf, from, len);
            if (writeBuffer.readableBytes() >= flushAt) {
                flushBuffer();
            }
        }
        position += len;
    }

    /** Records an aborted transaction whose marker this segment keeps. */
    void addAbortedTransaction(AbortedTransaction txn) throws IOException {
        if (txnIndex == null) {
            txnIndex = new TransactionIndex(disk, SwapManifest.cleanedFile(dir, base, LogSegment.TXN_INDEX_SUFFIX));
        }
        txnIndex.append(txn);
    }

    /** Bytes handed to the file system so far (for the throttle). */
    long takeWritten() {
        long w = written;
        written = 0;
        return w;
    }

    private void flushBuffer() throws IOException {
        if (writeBuffer.isReadable()) {
            writeFully(writeBuffer.nioBuffer());
            writeBuffer.clear();
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.write(b, filePosition);
            filePosition += n;
            written += n;
        }
    }

    /**
     * Writes out the buffer, appends the final time-index entry, trims both indexes to their entries and forces data
     * and indexes. Returns the manifest's presence bits of the files written.
     */
    int finish(FileForcer forcer) throws IOException {
        flushBuffer();
        timeIndex.appendFinal(maxTimestamp, offsetOfMaxTimestamp);
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
        forcer.force(channel, SwapManifest.cleanedFile(dir, base, LogSegment.LOG_SUFFIX));
        offsetIndex.flush();
        timeIndex.flush();
        int present = 0b0111;
        if (txnIndex != null) {
            Path f = txnIndex.file();
            try (FileChannel ch = disk.open(f, StandardOpenOption.WRITE)) {
                forcer.force(ch, f);
            }
            present |= 0b1000;
        }
        return present;
    }

    /** Closes the channel and unmaps the indexes (the files stay). Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            offsetIndex.close();
            timeIndex.close();
        }
    }
}
