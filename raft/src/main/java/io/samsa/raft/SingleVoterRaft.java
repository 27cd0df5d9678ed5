package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

/**
 * The replicated log of a quorum of one: this voter always leads, in an epoch one past every epoch its log has
 * seen, and a batch is committed once its log has forced it to disk.
 *
 * <p>Threads: {@link #append} runs on the caller's thread (the controller's executor): it gives the batch its
 * offsets and encodes it, under this object's monitor, and queues it; the executor writes every queued batch to
 * the log and asks for one force for all of them (group commit: appends made while a force runs share the next
 * one); the force completes on the log's flushing thread, which hands the commit back to the executor, where the
 * high watermark moves and listeners hear of the committed batches. Everything else runs on the executor.
 *
 * <p>A failed write or force is fatal: the voter resigns (listeners see no leader), appends fail with
 * {@code KAFKA_STORAGE_ERROR}, and batches not yet committed never will be.
 */
final class SingleVoterRaft<T> implements RaftClient<T> {
    private static final Logger log = LoggerFactory.getLogger(SingleVoterRaft.class);
    private static final int READ_BYTES = 1 << 20;

    private final int nodeId;
    private final String prefix;
    private final RaftLog raftLog;
    private final RecordSerde<T> serde;
    private final SerialExecutor executor;
    private final Clock clock;
    private final int maxBatchBytes;
    private final int epoch;
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    /**
     * Where appended batches are encoded: unpooled heap memory, outside the leak detector. A queued batch waits for
     * a task on the executor; when that executor dies first (a crashed process, a simulated kill) nothing runs to
     * release it, and the garbage collector reclaims it, which is all a heap buffer needs.
     */
    private static final ByteBufAllocator QUEUE_ALLOC = new UnpooledByteBufAllocator(false, true);
    private final List<Listener<T>> listeners = new CopyOnWriteArrayList<>();
    private volatile LeaderAndEpoch leader;
    private volatile long highWatermark;
    private volatile SnapshotId latestSnapshot;

    // Guarded by this: the append queue.
    private long nextOffset;
    private final ArrayDeque<Pending<T>> queued = new ArrayDeque<>();
    private boolean writeScheduled;
    private SamsaException failure;
    private boolean closed;

    // Executor only: written, waiting for their force.
    private final ArrayDeque<Batch<T>> unforced = new ArrayDeque<>();

    /** A batch with its offsets, waiting to be written. */
    private record Pending<T>(Batch<T> batch, ByteBuf bytes) {
    }

    private SingleVoterRaft(int nodeId, RaftLog raftLog, RecordSerde<T> serde, SerialExecutor executor, Clock clock,
                            int maxBatchBytes, int epoch, SnapshotId snapshot) {
        this.nodeId = nodeId;
        this.prefix = "[raft node=" + nodeId + "] ";
        this.raftLog = raftLog;
        this.serde = serde;
        this.executor = executor;
        this.clock = clock;
        this.maxBatchBytes = maxBatchBytes;
        this.epoch = epoch;
        this.latestSnapshot = snapshot;
        this.leader = new LeaderAndEpoch(nodeId, epoch);
        this.nextOffset = raftLog.endOffset();
        this.highWatermark = raftLog.endOffset();
    }

    static <T> SingleVoterRaft<T> open(int nodeId, RaftLog raftLog, RecordSerde<T> serde, SerialExecutor executor,
                                       Clock clock, int maxBatchBytes) throws IOException {
        String prefix = "[raft node=" + nodeId + "] ";
        ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
        SnapshotId snapshot = null;
        for (SnapshotId id : raftLog.snapshots()) {
            if (Snapshots.read(raftLog, id, serde, alloc, prefix) != null) {
                snapshot = id;
                break;
            }
        }
        Snapshots.checkLog(raftLog, snapshot, prefix);
        int known = Math.max(raftLog.electionState().epoch(), raftLog.lastEpoch());
        if (snapshot != null) {
            known = Math.max(known, snapshot.epoch());
        }
        int epoch = Math.max(1, known + 1);
        raftLog.writeElectionState(new ElectionState(epoch, nodeId, nodeId));
        log.info("{}Elected itself, the only voter, in epoch {}: log {}..{}, snapshot {}", prefix, epoch,
            raftLog.startOffset(), raftLog.endOffset(), snapshot == null ? "none" : snapshot.fileName());
        return new SingleVoterRaft<>(nodeId, raftLog, serde, executor, clock, maxBatchBytes, epoch, snapshot);
    }

    // ---------------------------------------------------------------- any thread

    @Override
    public LeaderAndEpoch leaderAndEpoch() {
        return leader;
    }

    @Override
    public long highWatermark() {
        return highWatermark;
    }

    @Override
    public SnapshotId latestSnapshot() {
        return latestSnapshot;
    }

    @Override
    public VoterSet voters() {
        return VoterSet.ofIds(java.util.Set.of(nodeId));
    }

    @Override
    public CompletableFuture<QuorumInfo> describeQuorum() {
        long end = highWatermark;
        long now = clock.milliseconds();
        LeaderAndEpoch l = leader;
        if (!l.hasLeader()) {
            return CompletableFuture.failedFuture(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                "The log failed: node " + nodeId + " leads no more"));
        }
        return CompletableFuture.completedFuture(new QuorumInfo(nodeId, l.epoch(), end,
            List.of(new QuorumInfo.ReplicaState(nodeId, end, now, now)), List.of()));
    }

    @Override
    public long append(int appendEpoch, List<T> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("A batch holds at least one record");
        }
        return append(appendEpoch, base -> records);
    }

    @Override
    public long append(int appendEpoch, LongFunction<List<T>> recordsAt) {
        long now = clock.milliseconds();
        synchronized (this) {
            if (failure != null) {
                throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The log is unavailable", failure);
            }
            if (closed || appendEpoch != epoch) {
                throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, closed ? "The log is closed"
                    : "Node " + nodeId + " leads epoch " + epoch + ", not " + appendEpoch);
            }
            long base = nextOffset;
            List<T> records = recordsAt.apply(base);
            if (records.isEmpty()) {
                throw new IllegalArgumentException("A batch holds at least one record");
            }
            ByteBuf bytes = BatchCodec.encode(QUEUE_ALLOC, base, epoch, now, records, serde);
            if (bytes.readableBytes() > maxBatchBytes) {
                int size = bytes.readableBytes();
                bytes.release();
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "The change needs " + size
                    + " bytes, more than the limit of " + maxBatchBytes);
            }
            nextOffset = base + records.size();
            queued.add(new Pending<>(new Batch<>(base, epoch, now, bytes.readableBytes(), records), bytes));
            if (!writeScheduled) {
                writeScheduled = true;
                executor.execute(this::writeQueued);
            }
            return nextOffset - 1;
        }
    }

    @Override
    public void register(Listener<T> listener) {
        executor.execute(() -> {
            long position;
            try {
                position = replayTo(listener);
            } catch (IOException | RuntimeException e) {
                log.error("{}Could not replay the log to {}", prefix, listener, e);
                fail(e);
                return;
            }
            listeners.add(listener);
            listener.handlePosition(position);
            listener.handleLeaderChange(leader);
        });
    }

    @Override
    public void unregister(Listener<T> listener) {
        listeners.remove(listener);
    }

    @Override
    public CompletableFuture<SnapshotId> createSnapshot(Snapshot<T> snapshot) {
        CompletableFuture<SnapshotId> done = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                done.complete(writeSnapshot(snapshot));
            } catch (IOException | RuntimeException e) {
                log.error("{}Could not write snapshot {}", prefix, snapshot.id().fileName(), e);
                done.completeExceptionally(new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR,
                    "Could not write snapshot " + snapshot.id().fileName(), e));
            }
        });
        return done;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable stop = () -> {
            try {
                raftLog.close();
            } catch (IOException | RuntimeException e) {
                log.error("{}Could not close the log", prefix, e);
            }
            releaseQueued();
            done.complete(null);
        };
        if (executor.inExecutor()) {
            stop.run();
            return;
        }
        executor.execute(stop);
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("{}The log did not close within 30 s", prefix, e);
        }
    }

    // ---------------------------------------------------------------- executor

    /** Writes every queued batch and asks for one force that covers them all. */
    private void writeQueued() {
        List<Pending<T>> batches;
        synchronized (this) {
            writeScheduled = false;
            if (closed || failure != null) {
                releaseQueued();
                return;
            }
            batches = new ArrayList<>(queued);
            queued.clear();
        }
        CompletableFuture<Void> durable = null;
        long last = -1;
        int i = 0;
        try {
            while (i < batches.size() && failureNow() == null) {
                // Counted before the write: an Error thrown by it must not make the finally below release p twice.
                Pending<T> p = batches.get(i++);
                try {
                    RaftLog.Appended a = raftLog.appendAsLeader(p.bytes(), p.batch().epoch());
                    if (a.firstOffset() != p.batch().baseOffset()) {
                        throw new IllegalStateException("The batch for offset " + p.batch().baseOffset()
                            + " went to offset " + a.firstOffset());
                    }
                    durable = a.durable();
                    last = a.lastOffset();
                    unforced.add(p.batch());
                } catch (RuntimeException e) {
                    fail(e);
                } finally {
                    p.bytes().release();
                }
            }
        } finally {
            for (; i < batches.size(); i++) {
                batches.get(i).bytes().release();
            }
        }
        if (durable != null && failureNow() == null) {
            long committed = last;
            durable.whenComplete((v, e) -> executor.execute(() -> {
                if (e != null) {
                    fail(e);
                } else {
                    commit(committed);
                }
            }));
        }
    }

    private synchronized SamsaException failureNow() {
        return failure;
    }

    /** Everything up to {@code lastOffset} is on disk: it is committed. */
    private void commit(long lastOffset) {
        if (failureNow() != null || lastOffset < highWatermark) {
            return;
        }
        highWatermark = lastOffset + 1;
        while (!unforced.isEmpty() && unforced.peek().lastOffset() <= lastOffset) {
            Batch<T> batch = unforced.poll();
            for (Listener<T> l : listeners) {
                try {
                    l.handleCommit(batch);
                } catch (RuntimeException e) {
                    log.error("{}Listener {} failed on the batch at offset {}", prefix, l, batch.baseOffset(), e);
                }
            }
        }
        for (Listener<T> l : listeners) {
            try {
                l.handlePosition(highWatermark);
            } catch (RuntimeException e) {
                log.error("{}Listener {} failed on the position {}", prefix, l, highWatermark, e);
            }
        }
    }

    private void fail(Throwable cause) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The log failed", cause);
            releaseQueued();
        }
        log.error("{}The log failed; the voter resigns and takes no more appends", prefix, cause);
        unforced.clear();
        leader = new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, epoch);
        for (Listener<T> l : listeners) {
            try {
                l.handleLeaderChange(leader);
            } catch (RuntimeException e) {
                log.error("{}Listener {} failed on the leader change", prefix, l, e);
            }
        }
    }

    private synchronized void releaseQueued() {
        for (Pending<T> p : queued) {
            p.bytes().release();
        }
        queued.clear();
    }

    /** Hands {@code listener} the latest snapshot and every committed batch after it; returns its position. */
    private long replayTo(Listener<T> listener) throws IOException {
        SnapshotId snapshotId = latestSnapshot;
        long from = raftLog.startOffset();
        if (snapshotId != null) {
            Snapshot<T> snapshot = Snapshots.read(raftLog, snapshotId, serde, alloc, prefix);
            if (snapshot == null) {
                throw Snapshots.storageError(prefix, "Snapshot " + snapshotId.fileName() + " became unreadable");
            }
            listener.handleLoadSnapshot(snapshot);
            from = snapshotId.endOffset();
        }
        long hw = highWatermark;
        RecordBatchView view = new RecordBatchView();
        while (from < hw) {
            ByteBuf buf = raftLog.read(from, hw, READ_BYTES);
            try {
                if (!buf.isReadable()) {
                    throw Snapshots.storageError(prefix, "The log returned nothing at offset " + from + " below " + hw);
                }
                for (int pos = buf.readerIndex(); pos < buf.writerIndex(); pos += view.sizeInBytes()) {
                    view.wrap(buf, pos);
                    view.validate(buf.writerIndex() - pos);
                    if (view.lastOffset() < from) {
                        continue;
                    }
                    if (view.isControl()) {
                        from = view.lastOffset() + 1;
                        continue;
                    }
                    if (view.baseOffset() < from) {
                        throw Snapshots.storageError(prefix, "The batch at offset " + view.baseOffset()
                            + " straddles offset " + from);
                    }
                    Batch<T> batch;
                    try {
                        batch = BatchCodec.decode(view, serde, alloc);
                    } catch (DecodeException e) {
                        throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The batch at offset "
                            + view.baseOffset() + " cannot be read: " + e.getMessage(), e);
                    }
                    listener.handleCommit(batch);
                    from = batch.lastOffset() + 1;
                }
            } finally {
                buf.release();
            }
        }
        return from;
    }

    private SnapshotId writeSnapshot(Snapshot<T> snapshot) throws IOException {
        SnapshotId id = snapshot.id();
        if (id.endOffset() > highWatermark) {
            throw new IllegalArgumentException("Snapshot end " + id.endOffset() + " is beyond the high watermark "
                + highWatermark);
        }
        ByteBuf bytes = SnapshotCodec.encode(alloc, snapshot, serde, clock.milliseconds());
        try {
            raftLog.writeSnapshot(id, bytes);
        } finally {
            bytes.release();
        }
        latestSnapshot = id;
        int deleted = raftLog.trimToSnapshots();
        log.info("{}Wrote snapshot {} with {} record(s); deleted {} old segment(s)", prefix, id.fileName(),
            snapshot.records().size(), deleted);
        return id;
    }
}
