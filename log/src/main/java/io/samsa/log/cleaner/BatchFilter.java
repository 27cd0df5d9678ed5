package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.segment.RecordTimestamps;
import io.samsa.log.segment.RecordWalker;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordCursor;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The cleaner's decision for each batch of a group, and the batch it writes in its place (KIP-98, KIP-534):
 *
 * <ul>
 *   <li>A record stays when no later record of its key is in the offset map, it has a key, its transaction was not
 *       aborted, and, for a tombstone, its batch's delete horizon has not passed. Batches at or above the end of the
 *       mapped range are copied as they are (only aborted data goes).</li>
 *   <li>A batch whose records all stay, and that needs no delete horizon, is copied byte for byte. Otherwise it is
 *       rebuilt with the wire module's builder: same base offset and last offset (so the producer's last sequence
 *       stands), producer id, epoch and base sequence, transactional and control flags, compression, timestamp type
 *       and partition leader epoch; the delete horizon is set to now + {@code delete.retention.ms} when it keeps a
 *       tombstone and had none.</li>
 *   <li>A batch left without records disappears, unless it is the last batch of a producer the log still remembers:
 *       that one stays as an empty batch (the producer's sequence and epoch survive cleaning).</li>
 *   <li>A transaction marker goes once its transaction has no data left ({@link TransactionTracker}) and its delete
 *       horizon passed; the first pass that finds it removable sets the horizon.</li>
 * </ul>
 *
 * <p>Not thread-safe: one cleaner thread owns it.
 */
final class BatchFilter implements AutoCloseable {
    /**
     * Where rebuilt batches and decompressed records are made: the broker's pooled (direct) buffers. The records a
     * pass keeps would otherwise be heap garbage at the rate the cleaner writes, more young collections while it runs,
     * each a pause for every request of the broker; pooled chunks kept on the heap would be copied into the old
     * generation instead. Off the heap, cleaning adds nothing for the collector to copy.
     */
    private static final ByteBufAllocator BUFFERS = PooledByteBufAllocator.DEFAULT;

    private final RecordCursor cursor = new RecordCursor();
    private boolean[] keep = new boolean[256];
    private OffsetMap map;
    private long endOffset;
    private long now;
    private long deleteRetentionMs;
    private Map<Long, long[]> producers;
    private TransactionTracker txns;

    private long recordsRead;
    private long recordsKept;
    private long nextHorizon = Long.MAX_VALUE;

    /**
     * Starts a pass: {@code map} holds the latest offset of each key below {@code endOffset}; {@code now} is the
     * pass's time.
     */
    void begin(OffsetMap map, long endOffset, long now, long deleteRetentionMs, Map<Long, long[]> producers,
               TransactionTracker txns) {
        this.map = map;
        this.endOffset = endOffset;
        this.now = now;
        this.deleteRetentionMs = deleteRetentionMs;
        this.producers = producers;
        this.txns = txns;
        this.recordsRead = 0;
        this.recordsKept = 0;
        this.nextHorizon = Long.MAX_VALUE;
    }

    long recordsRead() {
        return recordsRead;
    }

    long recordsKept() {
        return recordsKept;
    }

    /** The earliest delete horizon of a tombstone or removable marker this pass kept, or Long.MAX_VALUE. */
    long nextHorizon() {
        return nextHorizon;
    }

    /** Decides what becomes of {@code v} (a validated batch, in offset order) and writes that to {@code dest}. */
    void filter(RecordBatchView v, CleanedSegment dest) throws IOException {
        boolean lastOfProducer = v.hasProducerId() && isLastOfProducer(v);
        if (v.isControl()) {
            filterMarker(v, dest, lastOfProducer);
            return;
        }
        boolean aborted = txns.onData(v);
        int count = v.recordCount();
        recordsRead += count;
        if (count == 0) {
            if (lastOfProducer) {
                copy(v, dest);
            }
            return;
        }
        if (!aborted && v.baseOffset() >= endOffset) {
            recordsKept += count;
            copy(v, dest);
            return;
        }
        if (keep.length < count) {
            keep = new boolean[Math.max(count, keep.length * 2)];
        }
        boolean horizonPassed = v.hasDeleteHorizon() && now >= v.baseTimestamp();
        int kept = 0;
        boolean tombstones = false;
        if (!aborted) {
            cursor.open(v, BUFFERS, RecordTimestamps.MAX_DECOMPRESSED_BYTES);
            int i = 0;
            while (cursor.next()) {
                boolean k = cursor.keyLength() >= 0;
                if (k) {
                    long latest = map.get(cursor.buffer(), cursor.keyIndex(), cursor.keyLength());
                    k = cursor.offset() >= latest && (cursor.valueLength() >= 0 || !horizonPassed);
                }
                keep[i++] = k;
                if (k) {
                    kept++;
                    tombstones |= cursor.valueLength() < 0;
                }
            }
            cursor.close();
        }
        recordsKept += kept;
        boolean needHorizon = tombstones && !v.hasDeleteHorizon();
        if (tombstones) {
            nextHorizon = Math.min(nextHorizon, needHorizon ? now + deleteRetentionMs : v.baseTimestamp());
        }
        if (kept == count && !needHorizon) {
            copy(v, dest);
        } else if (kept > 0) {
            long horizon = needHorizon ? now + deleteRetentionMs
                    : v.hasDeleteHorizon() ? v.baseTimestamp() : RecordBatchView.NO_TIMESTAMP;
            rebuild(v, dest, horizon, false);
        } else if (lastOfProducer) {
            empty(v, dest);
        }
    }

    private void filterMarker(RecordBatchView v, CleanedSegment dest, boolean lastOfProducer) throws IOException {
        int type = v.recordCount() > 0 ? RecordWalker.controlType(v) : -1;
        boolean removable = txns.onMarker(v, type);
        List<AbortedTransaction> keptAborts = txns.takeRetainedAborts();
        recordsRead += v.recordCount();
        boolean horizonPassed = v.hasDeleteHorizon() && now >= v.baseTimestamp();
        if (removable && horizonPassed) {
            if (lastOfProducer) {
                // The producer's last word: its epoch must survive, its record need not.
                if (v.recordCount() == 0) {
                    copy(v, dest);
                } else {
                    empty(v, dest);
                }
            }
            return;
        }
        recordsKept += v.recordCount();
        if (removable && v.recordCount() > 0) {
            nextHorizon = Math.min(nextHorizon, v.hasDeleteHorizon() ? v.baseTimestamp() : now + deleteRetentionMs);
        }
        if (removable && !v.hasDeleteHorizon() && v.recordCount() > 0) {
            rebuild(v, dest, now + deleteRetentionMs, true);
        } else {
            copy(v, dest);
        }
        for (AbortedTransaction t : keptAborts) {
            dest.addAbortedTransaction(t);
        }
    }

    private boolean isLastOfProducer(RecordBatchView v) {
        long[] last = producers.get(v.producerId());
        if (last == null) {
            return false;
        }
        return last[0] >= 0 ? v.lastOffset() == last[0] : v.isControl() && v.producerEpoch() == last[1];
    }

    private static void copy(RecordBatchView v, CleanedSegment dest) throws IOException {
        dest.append(v.buffer(), v.start(), v.sizeInBytes());
    }

    private void rebuild(RecordBatchView v, CleanedSegment dest, long horizon, boolean all) throws IOException {
        ByteBuf out;
        try (RecordBatchBuilder b = header(v)) {
            if (horizon >= 0) {
                b.deleteHorizon(horizon);
            }
            cursor.open(v, BUFFERS, RecordTimestamps.MAX_DECOMPRESSED_BYTES);
            int i = 0;
            while (cursor.next()) {
                if (all || keep[i]) {
                    b.appendCopy(cursor.offset(), cursor.timestamp(), cursor.buffer(), cursor.keyIndex(),
                            cursor.keyLength(), cursor.valueIndex(), cursor.valueLength(), cursor.headersIndex(),
                            cursor.headersLength(), cursor.headerCount());
                }
                i++;
            }
            cursor.close();
            out = b.lastOffset(v.lastOffset()).build();
        }
        try {
            dest.append(out, out.readerIndex(), out.readableBytes());
        } finally {
            out.release();
        }
    }

    private void empty(RecordBatchView v, CleanedSegment dest) throws IOException {
        ByteBuf out;
        try (RecordBatchBuilder b = header(v)) {
            out = b.lastOffset(v.lastOffset()).emptyBatchTimestamp(v.maxTimestamp()).build();
        }
        try {
            dest.append(out, out.readerIndex(), out.readableBytes());
        } finally {
            out.release();
        }
    }

    private static RecordBatchBuilder header(RecordBatchView v) {
        RecordBatchBuilder b = new RecordBatchBuilder(BUFFERS).baseOffset(v.baseOffset())
                .partitionLeaderEpoch(v.partitionLeaderEpoch())
                .producer(v.producerId(), v.producerEpoch(), v.baseSequence())
                .transactional(v.isTransactional()).control(v.isControl()).compression(v.compressionType());
        if (v.isLogAppendTime()) {
            b.logAppendTime(v.maxTimestamp());
        }
        return b;
    }

    @Override
    public void close() {
        cursor.close();
    }
}
