package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.log.FileSlice;
import io.samsa.log.Log;
import io.samsa.log.ReadResult;
import io.samsa.wire.DecodeException;
import io.samsa.wire.record.RecordBatchView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one partition (one topic id and index) must hold, for the replication simulations: every batch that may be
 * in its log (its final bytes: offsets and leader epoch as the log rewrote them, recorded before the append, which a
 * crash may cut short after the bytes reached the page cache), which of them were acknowledged with acks=1/all in
 * durable mode (those must survive any crash), and the highest high watermark seen. Checks reads ({@link #check})
 * and recovered logs ({@link #verifyRecovered}) against it. Not thread-safe: the simulation's thread.
 */
final class PartitionModel {

    /** One batch as written. */
    static final class Batch {
        final long base;
        final long last;
        final byte[] bytes;
        boolean acked;

        Batch(RecordBatchView v) {
            this.base = v.baseOffset();
            this.last = v.lastOffset();
            this.bytes = new byte[v.sizeInBytes()];
            v.buffer().getBytes(v.start(), bytes);
        }

        @Override
        public String toString() {
            return "batch " + base + ".." + last + (acked ? " (acknowledged)" : "");
        }
    }

    final String name;
    final boolean durable;
    private final TreeMap<Long, Batch> batches = new TreeMap<>();
    /** The highest high watermark seen in {@link #life} (and in every life, in durable mode). */
    long highWatermark;
    /** The highest high watermark ever seen. */
    long maxHighWatermark;
    /** The broker life {@link #highWatermark} was seen in. */
    int life = -1;
    /** The offset the next batch must have (offsets dense). */
    long nextOffset;
    /** The highest log start offset DeleteRecords asked for. */
    long deleteTarget;
    long ackedBatches;

    PartitionModel(String name, boolean durable) {
        this.name = name;
        this.durable = durable;
    }

    /**
     * Records the batches {@code buf} holds in [start, end), rewritten as the log will write them, before the append:
     * their offsets must follow the last batch's (offsets dense, none given twice). Returns them.
     */
    List<Batch> expect(ByteBuf buf, int start, int end) {
        List<Batch> out = new ArrayList<>();
        RecordBatchView v = new RecordBatchView();
        for (int pos = start; pos < end; pos += v.sizeInBytes()) {
            v.wrap(buf, pos);
            Batch b = new Batch(v);
            if (b.base != nextOffset) {
                throw new AssertionError(name + ": batch " + b.base + ".." + b.last + " where offset " + nextOffset
                        + " was next");
            }
            batches.put(b.base, b);
            nextOffset = b.last + 1;
            out.add(b);
        }
        return out;
    }

    /** An append failed before writing: its batches are not in the log. */
    void forget(List<Batch> failed) {
        for (Batch b : failed) {
            batches.remove(b.base);
            nextOffset = Math.min(nextOffset, b.base);
        }
    }

    /** An append of {@code appended} was acknowledged: in durable mode they must survive every crash. */
    void acknowledge(List<Batch> appended) {
        for (Batch b : appended) {
            b.acked = true;
            ackedBatches++;
        }
    }

    /**
     * Checks one read: whole, valid batches (CRC), the first holding {@code from}, dense, each byte-identical to the
     * batch written at its offset, none reaching {@code bound} (exclusive: the high watermark for a consumer).
     * Returns the bytes read.
     */
    int check(FileSlice slice, long from, long bound) {
        if (slice.isEmpty()) {
            return 0;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(bytes(slice));
        RecordBatchView v = new RecordBatchView();
        long next = -1;
        for (int pos = 0; pos < buf.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(buf, pos);
            try {
                v.validate(buf.writerIndex() - pos);
            } catch (DecodeException e) {
                throw new AssertionError(name + ": a torn batch at position " + pos + " of a read of " + from, e);
            }
            if (next < 0 && (v.baseOffset() > from || v.lastOffset() < from)) {
                throw new AssertionError(name + ": a read of " + from + " starts with " + v.baseOffset() + ".."
                        + v.lastOffset());
            }
            if (next >= 0 && v.baseOffset() != next) {
                throw new AssertionError(name + ": offsets not dense, " + v.baseOffset() + " after " + (next - 1));
            }
            if (v.lastOffset() >= bound) {
                throw new AssertionError(name + ": a read of " + from + " returned offset " + v.lastOffset()
                        + ", at or above its bound " + bound);
            }
            Batch written = batches.get(v.baseOffset());
            Batch got = new Batch(v);
            if (written == null || !Arrays.equals(written.bytes, got.bytes)) {
                throw new AssertionError(name + ": batch " + got.base + ".." + got.last + " is not the one written "
                        + "there (" + written + ")");
            }
            next = v.lastOffset() + 1;
        }
        return buf.writerIndex();
    }

    /**
     * Checks a log opened after a crash or a restart: every batch from the log start to the log end is there, whole,
     * dense and byte-identical; in durable mode every acknowledged batch at or above the log start survived; the log
     * start is no higher than the high watermark or DeleteRecords allowed. Then forgets what the crash lost (the
     * batches above the log end) and what retention removed.
     */
    void verifyRecovered(Log log) throws IOException {
        long start = log.logStartOffset();
        long end = log.logEndOffset();
        if (start > Math.max(maxHighWatermark, deleteTarget) && start > 0) {
            throw new AssertionError(name + ": the log start moved to " + start + " (high watermark seen "
                    + maxHighWatermark + ", DeleteRecords up to " + deleteTarget + ")");
        }
        long next = start;
        while (next < end) {
            ReadResult r = log.read(next, 1 << 20, Long.MAX_VALUE, true);
            try {
                if (r.records().isEmpty()) {
                    throw new AssertionError(name + ": no batch at " + next + " below the log end " + end);
                }
                check(r.records(), next, Long.MAX_VALUE);
                next = lastOffsetOf(r.records()) + 1;
            } finally {
                r.release();
            }
        }
        for (Batch b : batches.values()) {
            if (durable && b.acked && b.last >= start && b.last >= end) {
                throw new AssertionError(name + ": lost the acknowledged " + b + " (log start " + start + ", end "
                        + end + ")");
            }
        }
        batches.tailMap(end, true).clear();
        Map.Entry<Long, Batch> lastBelow = batches.lowerEntry(end);
        if (lastBelow != null && lastBelow.getValue().last >= end) {
            throw new AssertionError(name + ": the log ends at " + end + " inside " + lastBelow.getValue());
        }
        batches.headMap(start, false).entrySet().removeIf(e -> e.getValue().last < start);
        nextOffset = end;
    }

    /** The highest offset in {@code slice} (whole batches). */
    static long lastOffsetOf(FileSlice slice) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes(slice));
        RecordBatchView v = new RecordBatchView();
        long last = -1;
        for (int pos = 0; pos < buf.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(buf, pos);
            last = v.lastOffset();
        }
        return last;
    }

    /** A slice's bytes, copied off its file. */
    static byte[] bytes(FileSlice slice) {
        ByteBuffer b = ByteBuffer.allocate(slice.length());
        FileChannel ch = slice.channel();
        try {
            while (b.hasRemaining()) {
                if (ch.read(b, slice.position() + b.position()) < 0) {
                    throw new AssertionError("A short read of " + slice);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("Cannot read " + slice, e);
        }
        return b.array();
    }
}
