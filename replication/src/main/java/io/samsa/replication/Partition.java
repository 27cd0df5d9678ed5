package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.samsa.common.SerialExecutor;
import io.samsa.log.AppendResult;
import io.samsa.log.Log;
import io.samsa.log.ReadResult;
import io.samsa.log.VerificationGuard;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition hosted by this broker: its {@link Log}, the leadership the metadata gives it (leader, leader epoch,
 * ISR, replicas), the high watermark, the last stable offset, and the watchers of the purgatory waiting on it.
 *
 * <p><b>Single writer: its shard.</b> Everything that changes the partition runs on the {@link SerialExecutor}
 * that owns it ({@link ShardProxy#shardOf(Partition)}): appends, DeleteRecords, retention, leadership and config
 * updates ({@link #update}), {@link #markDeleted} and every move of the high watermark. Other threads hand work
 * to it through {@link ShardProxy}. Reads ({@link #read}, the offset getters, {@link #state()}) are lock-free from
 * any thread: they read volatile fields published after the log's bytes are in place.
 *
 * <p><b>High watermark.</b> With one replica it is the log end offset after each append. When the topic fsyncs
 * every message ({@code flush.messages=1}, "durable mode") it moves only once the flusher has made the bytes
 * durable: the append's {@link AppendResult#durable()} completion posts "durable up to the log's recovery point"
 * to the shard (coalesced: one shard task per burst of completions), which moves the high watermark and wakes the
 * watchers. So neither an acks=all produce nor a consumer ever sees an offset that a crash could take back. The
 * flusher never writes the partition. Followers (issue 12) will move it on the shard too, to the ISR's smallest log
 * end offset. It never goes backwards.
 *
 * <p><b>Last stable offset</b>: the log's first unstable offset (the start of its oldest open transaction) when
 * there is one, else the high watermark, never above the high watermark.
 */
public final class Partition {
    private static final Logger log = LoggerFactory.getLogger(Partition.class);

    private final String topic;
    private final int index;
    private final UUID topicId;
    private final Log plog;
    private final int localNodeId;
    private final SerialExecutor shard;
    private final String name;
    private final String prefix;
    private final WatcherList watchers = new WatcherList();
    /** The highest durable end posted by the flusher and not yet applied on the shard (-1: none). */
    private final AtomicLong durableTarget = new AtomicLong(-1);
    private final AtomicBoolean durablePosted = new AtomicBoolean();
    private final Runnable applyDurable = this::applyDurable;
    /** The durable() callback of every durable-mode append: one object per partition, not per append. */
    private final BiConsumer<Void, Throwable> onDurable = this::onDurable;
    private volatile long highWatermark;
    private volatile PartitionState state;
    private volatile int minInsyncReplicas;
    private volatile boolean deleted;
    private volatile boolean durableFailed;

    /**
     * A partition of {@code partitionLog}, written only on {@code shard}. Everything the log holds when the partition
     * is created was recovered from disk, so the high watermark starts at the log end offset; in durable mode only at
     * what the log knows to be durable (its recovery point, or its log start when higher: nothing below it is read),
     * because after a crash of the process alone the recovered tail may sit in the page cache only, and a later power
     * loss would take back what consumers had read. The log is then forced and the high watermark follows on the
     * shard, as it does after an append.
     */
    public Partition(String topic, int index, UUID topicId, Log partitionLog, int localNodeId, PartitionState state,
                     int minInsyncReplicas, SerialExecutor shard) {
        this.topic = topic;
        this.index = index;
        this.topicId = topicId;
        this.plog = partitionLog;
        this.localNodeId = localNodeId;
        this.shard = shard;
        this.name = topic + "-" + index;
        this.prefix = "[node=" + localNodeId + " partition=" + name + "] ";
        this.state = state;
        this.minInsyncReplicas = minInsyncReplicas;
        long end = partitionLog.logEndOffset();
        if (isDurableMode()) {
            long durable = Math.min(end, Math.max(partitionLog.logStartOffset(), partitionLog.recoveryPoint()));
            this.highWatermark = durable;
            if (durable < end) {
                partitionLog.flush().whenComplete(onDurable);
            }
        } else {
            this.highWatermark = end;
        }
    }

    // ---------------------------------------------------------------- metadata (owning shard)

    /** Applies the leadership, ISR, replicas and {@code min.insync.replicas} the metadata now gives. Owning shard. */
    public void update(PartitionState newState, int newMinInsync) {
        PartitionState old = state;
        state = newState;
        minInsyncReplicas = newMinInsync;
        if (old.leaderEpoch() != newState.leaderEpoch() || old.leader() != newState.leader()) {
            log.info("{}Leader is now {} in epoch {} (ISR {})", prefix, newState.leader(), newState.leaderEpoch(),
                    newState.isr());
        }
        watchers.notifyAll0();
    }

    /**
     * Marks the partition deleted (its topic is gone): later appends fail and waiting operations are woken. Owning
     * shard, so that no append is in progress. Idempotent.
     */
    public void markDeleted() {
        deleted = true;
        watchers.notifyAll0();
    }

    public boolean isDeleted() {
        return deleted;
    }

    // ---------------------------------------------------------------- writes (owning shard)

    /**
     * Appends a producer's batches as leader. Borrows {@code records} (rewrites its batches in place). Checks
     * leadership and, for {@code requiredAcks == -1}, that the ISR is at least {@code min.insync.replicas}.
     * Advances the high watermark (at once, or on this shard once the fsync completed in durable mode) and wakes
     * watchers. Owning shard.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, UNKNOWN_TOPIC_OR_PARTITION, or any
     *                        error of {@link Log#appendAsLeader}
     */
    public AppendResult appendAsLeader(ByteBuf records, int requiredAcks) {
        return appendAsLeader(records, requiredAcks, VerificationGuard.NONE);
    }

    /**
     * As {@link #appendAsLeader(ByteBuf, int)}, presenting a transaction's verification {@code guard} (KIP-890 part
     * 1; {@link VerificationGuard#NONE}: the caller does not verify). Owning shard.
     *
     * @throws SamsaException as {@link #appendAsLeader(ByteBuf, int)}, and INVALID_TXN_STATE when a transactional
     *                        batch would start an unverified transaction
     */
    public AppendResult appendAsLeader(ByteBuf records, int requiredAcks, VerificationGuard guard) {
        PartitionState s = checkAppend(requiredAcks);
        return appended(plog.appendAsLeader(records, s.leaderEpoch(), guard), s);
    }

    /**
     * Appends a coordinator's own batch as leader ({@link Log#appendAsCoordinator}: a producer's batch without
     * sequence numbers, the group coordinator's transactional offset commits). Owning shard.
     */
    public AppendResult appendAsCoordinator(ByteBuf records, int requiredAcks) {
        PartitionState s = checkAppend(requiredAcks);
        return appended(plog.appendAsCoordinator(records, s.leaderEpoch()), s);
    }

    /**
     * Appends a transaction marker (a commit or abort control batch) as leader, for the transaction coordinator's
     * WriteTxnMarkers, and moves the high watermark as {@link #appendAsLeader(ByteBuf, int)} does: the last stable
     * offset moves with it. Owning shard.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS (for {@code requiredAcks == -1}),
     *                        UNKNOWN_TOPIC_OR_PARTITION, or any error of {@link Log#appendTransactionMarker}
     */
    public AppendResult appendTransactionMarker(long producerId, short producerEpoch, boolean commit,
                                                int coordinatorEpoch, short transactionVersion, int requiredAcks) {
        PartitionState s = checkAppend(requiredAcks);
        return appended(plog.appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch,
                s.leaderEpoch(), transactionVersion), s);
    }

    /**
     * Before a producer's first transactional batch here: starts the verification of its transaction (KIP-890 part 1)
     * and returns the guard to append with once the transaction coordinator confirmed, or
     * {@link VerificationGuard#SENTINEL} when its transaction is ongoing here already. Owning shard.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH
     */
    public VerificationGuard startTransactionVerification(long producerId, int baseSequence, short producerEpoch,
                                                          boolean supportsEpochBump) {
        checkLeader();
        return plog.startTransactionVerification(producerId, baseSequence, producerEpoch, supportsEpochBump);
    }

    private PartitionState checkAppend(int requiredAcks) {
        PartitionState s = checkLeader();
        if (requiredAcks == -1 && s.isr().size() < minInsyncReplicas) {
            throw new SamsaException(ErrorCode.NOT_ENOUGH_REPLICAS, "The size of the current ISR " + s.isr()
                    + " is insufficient to satisfy the min.isr requirement of " + minInsyncReplicas
                    + " for partition " + name);
        }
        return s;
    }

    private AppendResult appended(AppendResult r, PartitionState s) {
        if (r.firstOffset() >= 0 && !r.duplicate()) {
            if (isDurableMode()) {
                r.durable().whenComplete(onDurable);
                if (s.replicas().size() > 1) {
                    // A follower's fetch waits for the log end offset, which moved (issue 12).
                    watchers.notifyAll0();
                }
            } else {
                advanceHighWatermark(plog.logEndOffset());
            }
        }
        return r;
    }

    /**
     * DeleteRecords: raises the log start offset to {@code offset} ({@code -1} means the high watermark) and
     * returns the new log start offset (the "low watermark"). Segments wholly below it are deleted by the next
     * retention run, as in Kafka. Owning shard.
     *
     * @throws SamsaException OFFSET_OUT_OF_RANGE when {@code offset} is above the high watermark
     */
    public long deleteRecordsBefore(long offset) {
        checkLeader();
        long hw = highWatermark;
        long target = offset == -1 ? hw : offset;
        if (target < 0 || target > hw) {
            throw new SamsaException(ErrorCode.OFFSET_OUT_OF_RANGE, "Cannot delete records of " + name
                    + " before offset " + offset + ": it is not between 0 and the high watermark " + hw);
        }
        plog.increaseLogStartOffset(target);
        return plog.logStartOffset();
    }

    /**
     * Raises the high watermark to {@code offset} (never lowers it, never past the log end offset) and wakes the
     * watchers when it moved. Owning shard (the single writer: a plain volatile write).
     */
    public void advanceHighWatermark(long offset) {
        long target = Math.min(offset, plog.logEndOffset());
        if (target <= highWatermark) {
            return;
        }
        highWatermark = target;
        watchers.notifyAll0();
    }

    /**
     * The leader records a follower's fetch: the seam issue 12 fills (the follower's log end offset feeds the ISR
     * and the high watermark, on the shard). With one replica nothing is recorded. Any thread.
     */
    public void recordFollowerFetch(int replicaId, long fetchOffset) {
        // No followers yet: nothing to track.
    }

    /**
     * Kafka's checks of a fetch from replica {@code replicaId} (KAFKA-13837): this broker must lead, and the fetcher
     * must be one of the partition's other replicas; else UNKNOWN_LEADER_EPOCH when the request named the current
     * leader epoch (the pair (replica, epoch) is unknown here), NOT_LEADER_OR_FOLLOWER when it did not. Any thread.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION or UNKNOWN_LEADER_EPOCH
     */
    public void checkFollower(int replicaId, int currentLeaderEpoch) {
        PartitionState s = checkLeader();
        if (replicaId == localNodeId || !s.replicas().contains(replicaId)) {
            throw new SamsaException(currentLeaderEpoch >= 0 ? ErrorCode.UNKNOWN_LEADER_EPOCH
                    : ErrorCode.NOT_LEADER_OR_FOLLOWER, "Replica " + replicaId + " is not a replica of " + name
                    + " in leader epoch " + s.leaderEpoch() + " (replicas " + s.replicas() + ")");
        }
    }

    // ---------------------------------------------------------------- durability (flusher -> shard)

    /** A durable() future completed, on the flusher's thread: post the durable end to the shard. */
    private void onDurable(Void ignored, Throwable error) {
        if (error != null) {
            log.error("{}Appended offsets from {} could not be made durable", prefix, plog.recoveryPoint(), error);
            durableFailed = true;
        } else {
            // The flusher advances the recovery point before it completes the futures of that fsync.
            long durable = plog.recoveryPoint();
            long cur;
            while ((cur = durableTarget.get()) < durable && !durableTarget.compareAndSet(cur, durable)) {
                Thread.onSpinWait();
            }
        }
        if (durablePosted.compareAndSet(false, true)) {
            shard.execute(applyDurable);
        }
    }

    /** On the shard: moves the high watermark to what the flusher made durable, and wakes the watchers. */
    private void applyDurable() {
        durablePosted.set(false);
        long target = durableTarget.get();
        long before = highWatermark;
        if (target >= 0) {
            advanceHighWatermark(target);
        }
        if (highWatermark == before && durableFailed) {
            // A failed fsync moves nothing, but the appends waiting on it must see the failure.
            watchers.notifyAll0();
        }
    }

    private PartitionState checkLeader() {
        if (deleted) {
            throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Partition " + name + " was deleted");
        }
        PartitionState s = state;
        if (s.leader() != localNodeId) {
            throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Broker " + localNodeId
                    + " is not the leader of " + name + " (leader " + s.leader() + ", epoch " + s.leaderEpoch() + ")");
        }
        return s;
    }

    // ---------------------------------------------------------------- reads (any thread)

    /**
     * Reads whole batches from {@code fetchOffset}, up to {@code maxBytes} (the first batch whole with
     * {@code minOneMessage}, KIP-74), below the high watermark, or below the last stable offset when
     * {@code readCommitted}. The caller owns the returned slice. Any thread.
     *
     * @throws SamsaException OFFSET_OUT_OF_RANGE below the log start or above the log end offset,
     *                        NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR
     */
    public PartitionRead read(long fetchOffset, int maxBytes, boolean readCommitted, boolean minOneMessage) {
        return read(fetchOffset, maxBytes, readCommitted ? FetchIsolation.TXN_COMMITTED
                : FetchIsolation.HIGH_WATERMARK, minOneMessage);
    }

    /**
     * Reads whole batches from {@code fetchOffset} up to {@code maxBytes}, below the bound {@code isolation} names:
     * the log end offset for a follower, the high watermark, or the last stable offset. The caller owns the returned
     * slice. Any thread.
     *
     * @throws SamsaException OFFSET_OUT_OF_RANGE below the log start or above the log end offset,
     *                        NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR
     */
    public PartitionRead read(long fetchOffset, int maxBytes, FetchIsolation isolation, boolean minOneMessage) {
        checkLeader();
        long hw = highWatermark;
        long lso = lastStableOffset(hw);
        long bound = isolation == FetchIsolation.HIGH_WATERMARK ? hw
                : isolation == FetchIsolation.TXN_COMMITTED ? lso : Long.MAX_VALUE;
        ReadResult rr = plog.read(fetchOffset, maxBytes, bound, minOneMessage);
        return new PartitionRead(rr.records(), hw, lso, rr.logStartOffset(), rr.logEndOffset());
    }

    /** The offset a fetch at {@code isolation} reads up to (exclusive) now. Any thread. */
    public long fetchableOffset(FetchIsolation isolation) {
        return isolation == FetchIsolation.HIGH_WATERMARK ? highWatermark
                : isolation == FetchIsolation.TXN_COMMITTED ? lastStableOffset() : plog.logEndOffset();
    }

    /** Registers {@code w} to be told about high watermark and state changes. Any thread. */
    public void watch(PartitionWatcher w) {
        watchers.add(w);
    }

    /** The number of registered watchers, finished ones included until swept (tests, metrics). */
    public int watcherCount() {
        return watchers.size();
    }

    /** The number of registered watchers still waiting (tests, metrics: e.g. fetches parked here). Any thread. */
    public int liveWatcherCount() {
        return watchers.liveCount();
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long lastStableOffset() {
        return lastStableOffset(highWatermark);
    }

    private long lastStableOffset(long hw) {
        long fuo = plog.firstUnstableOffset();
        return fuo >= 0 ? Math.min(fuo, hw) : hw;
    }

    public long logStartOffset() {
        return plog.logStartOffset();
    }

    public long logEndOffset() {
        return plog.logEndOffset();
    }

    /** True when the topic fsyncs every message before acknowledging ({@code flush.messages=1}). */
    public boolean isDurableMode() {
        return plog.config().flushMessages() == 1;
    }

    /** Throws unless this broker leads the partition now. Any thread. */
    public void ensureLeader() {
        checkLeader();
    }

    public PartitionState state() {
        return state;
    }

    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    public boolean isLeader() {
        return !deleted && state.leader() == localNodeId;
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    public String topic() {
        return topic;
    }

    public int index() {
        return index;
    }

    public UUID topicId() {
        return topicId;
    }

    /** The partition's log. Its single-writer methods belong to the owning shard. */
    public Log log() {
        return plog;
    }

    /** {@code topic-index}. */
    public String name() {
        return name;
    }

    /** The owning shard; hand work to it through {@link ShardProxy}. */
    SerialExecutor shard() {
        return shard;
    }

    @Override
    public String toString() {
        return "Partition(" + name + ", hw=" + highWatermark + ", " + state + ")";
    }
}
