package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.common.Clock;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The leader's appends, between the thread that appends (the controller's) and the replica's executor, which
 * writes them: {@link #append} gives a batch its offsets and encodes it at once, under this object's monitor, and
 * queues it; the executor {@link #drain}s the queue and writes every batch, asking for one force for all of them
 * (group commit). Appends are taken only in the epoch this replica leads ({@link #lead}), and fail with
 * {@code NOT_LEADER_OR_FOLLOWER} otherwise, {@code KAFKA_STORAGE_ERROR} after {@link #fail}.
 *
 * <p>Thread-safe. Buffers: a queued batch's bytes belong to the queue until drained, then to the writer, which
 * releases them; {@link #stop} and {@link #fail} release what is still queued.
 */
final class AppendQueue<T> {
    /** A batch with its offsets; {@code batch} is null for a control batch. */
    record Pending<T>(long baseOffset, long lastOffset, int epoch, Batch<T> batch, ByteBuf bytes) {
    }

    private final int nodeId;
    private final RecordSerde<T> serde;
    private final ByteBufAllocator alloc;
    private final Clock clock;
    private final int maxBatchBytes;
    private final Runnable scheduleWrite;

    // Guarded by this.
    private int epoch = -1;
    private long nextOffset;
    private final ArrayDeque<Pending<T>> queued = new ArrayDeque<>();
    private boolean writeScheduled;
    private SamsaException failure;
    private boolean closed;

    /** @param scheduleWrite hands a call of {@link #drain} and the writes to the replica's executor */
    AppendQueue(int nodeId, RecordSerde<T> serde, ByteBufAllocator alloc, Clock clock, int maxBatchBytes,
                Runnable scheduleWrite) {
        this.nodeId = nodeId;
        this.serde = serde;
        this.alloc = alloc;
        this.clock = clock;
        this.maxBatchBytes = maxBatchBytes;
        this.scheduleWrite = scheduleWrite;
    }

    /** Any thread: see {@link RaftClient#append}. */
    long append(int appendEpoch, List<T> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("A batch holds at least one record");
        }
        return append(appendEpoch, base -> records);
    }

    /** Any thread: see {@link RaftClient#append(int, LongFunction)}. */
    long append(int appendEpoch, LongFunction<List<T>> recordsAt) {
        long now = clock.milliseconds();
        synchronized (this) {
            if (failure != null) {
                throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The log is unavailable", failure);
            }
            if (closed || appendEpoch != epoch || epoch < 0) {
                throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, closed ? "The log is closed"
                    : "Node " + nodeId + " does not lead epoch " + appendEpoch + (epoch < 0 ? "" : " (it leads "
                    + epoch + ")"));
            }
            long base = nextOffset;
            List<T> records = recordsAt.apply(base);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("A batch holds at least one record");
            }
            ByteBuf bytes = BatchCodec.encode(alloc, base, epoch, now, records, serde);
            if (bytes.readableBytes() > maxBatchBytes) {
                int size = bytes.readableBytes();
                bytes.release();
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "The change needs " + size
                    + " bytes, more than the limit of " + maxBatchBytes);
            }
            Batch<T> batch = new Batch<>(base, epoch, now, bytes.readableBytes(), records);
            queue(new Pending<>(base, batch.lastOffset(), epoch, batch, bytes));
            return batch.lastOffset();
        }
    }

    /**
     * Queues a control batch (one record) written by {@code encoder} at the offset it is given: the leader's
     * LeaderChange record, a VotersRecord. The replica's executor, while leading. Returns its offset, or -1 when
     * this replica takes no appends.
     */
    synchronized long appendControl(LongFunction<ByteBuf> encoder) {
        if (failure != null || closed || epoch < 0) {
            return -1;
        }
        long base = nextOffset;
        queue(new Pending<>(base, base, epoch, null, encoder.apply(base)));
        return base;
    }

    private void queue(Pending<T> p) {
        nextOffset = p.lastOffset() + 1;
        queued.add(p);
        if (!writeScheduled) {
            writeScheduled = true;
            scheduleWrite.run();
        }
    }

    /** Starts taking appends in {@code newEpoch}, from {@code logEnd}. The replica's executor. */
    synchronized void lead(int newEpoch, long logEnd) {
        releaseQueued();
        epoch = newEpoch;
        nextOffset = logEnd;
    }

    /** Stops taking appends (leadership ended); what is queued and unwritten is dropped. */
    synchronized void stop() {
        epoch = -1;
        releaseQueued();
    }

    /** The batches queued since the last drain, in offset order; they now belong to the caller. */
    synchronized List<Pending<T>> drain() {
        writeScheduled = false;
        if (closed || failure != null || epoch < 0) {
            releaseQueued();
            return List.of();
        }
        List<Pending<T>> out = new ArrayList<>(queued);
        queued.clear();
        return out;
    }

    /** Fails every later append with {@code KAFKA_STORAGE_ERROR}. Returns false when it had failed already. */
    synchronized boolean fail(Throwable cause) {
        if (failure != null) {
            return false;
        }
        failure = new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The log failed", cause);
        releaseQueued();
        return true;
    }

    synchronized boolean failed() {
        return failure != null;
    }

    /** Fails every later append with {@code NOT_LEADER_OR_FOLLOWER}. Returns false when it was closed already. */
    synchronized boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        releaseQueued();
        return true;
    }

    private void releaseQueued() {
        for (Pending<T> p : queued) {
            p.bytes().release();
        }
        queued.clear();
    }
}
