package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.samsa.log.AppendResult;
import io.samsa.log.Log;
import io.samsa.log.ReadResult;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition hosted by this broker: its {@link Log}, the leadership the metadata image gives it (leader,
 * leader epoch, ISR), the high watermark, the last stable offset, and the watchers of the purgatory waiting on
 * it.
 *
 * <p><b>High watermark.</b> With one replica the high watermark is the log end offset after each append. When
 * the topic asks for an fsync of every message ({@code flush.messages=1}, "durable mode") the high watermark
 * instead advances only when the flusher has made the appended bytes durable, so that neither an acks=all
 * produce nor a consumer ever sees an offset that a crash could take back. Followers will later feed the same
 * {@link #advanceHighWatermark} with the smallest log end offset of the ISR. The high watermark never goes
 * backwards.
 *
 * <p><b>Last stable offset</b>: the log's first unstable offset (the start of its oldest open transaction) when
 * there is one, else the high watermark, never above the high watermark.
 *
 * <p>Threads: {@link #appendAsLeader}, {@link #deleteRecordsBefore} and anything that writes the log run on the
 * partition's owning shard (one writer, no locks). {@link #read}, the offset getters and {@link #watch} are safe
 * from any thread: they read volatile state published after the log's bytes are in place. The high watermark may
 * also be advanced by the flusher thread (a lock-free monotonic max). {@link #update} is called by the metadata
 * listener thread.
 */
public final class Partition {
    private static final Logger log = LoggerFactory.getLogger(Partition.class);

    private final String topic;
    private final int index;
    private final UUID topicId;
    private final Log plog;
    private final int localNodeId;
    private final String name;
    private final String prefix;
    private final AtomicLong highWatermark;
    private final WatcherList watchers = new WatcherList();
    private volatile PartitionState state;
    private volatile int minInsyncReplicas;
    private volatile boolean deleted;

    public Partition(String topic, int index, UUID topicId, Log partitionLog, int localNodeId, PartitionState state,
                     int minInsyncReplicas) {
        this.topic = topic;
        this.index = index;
        this.topicId = topicId;
        this.plog = partitionLog;
        this.localNodeId = localNodeId;
        this.name = topic + "-" + index;
        this.prefix = "[node=" + localNodeId + " partition=" + name + "] ";
        this.state = state;
        this.minInsyncReplicas = minInsyncReplicas;
        // Everything the log holds at start-up was recovered from disk: it is all committed.
        this.highWatermark = new AtomicLong(partitionLog.logEndOffset());
    }

    // ---------------------------------------------------------------- metadata (listener thread)

    /** Applies the leadership and {@code min.insync.replicas} of the latest metadata image. Any thread. */
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
     * Marks the partition deleted (its topic is gone): later appends fail and waiting operations are woken.
     * Call on the owning shard, so that no append is in progress. Idempotent.
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
     * Advances the high watermark (at once, or when the fsync completes in durable mode) and wakes watchers.
     * Owning shard only.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, UNKNOWN_TOPIC_OR_PARTITION, or any
     *                        error of {@link Log#appendAsLeader}
     */
    public AppendResult appendAsLeader(ByteBuf records, int requiredAcks) {
        PartitionState s = checkLeader();
        if (requiredAcks == -1 && s.isr().size() < minInsyncReplicas) {
            throw new SamsaException(ErrorCode.NOT_ENOUGH_REPLICAS, "The size of the current ISR " + s.isr()
                    + " is insufficient to satisfy the min.isr requirement of " + minInsyncReplicas
                    + " for partition " + name);
        }
        AppendResult r = plog.appendAsLeader(records, s.leaderEpoch());
        if (r.firstOffset() >= 0 && !r.duplicate()) {
            if (isDurableMode()) {
                long end = r.lastOffset() + 1;
                r.durable().whenComplete((v, e) -> {
                    if (e == null) {
                        advanceHighWatermark(end);
                    } else {
                        log.error("{}Appended offsets up to {} could not be made durable", prefix, end - 1, e);
                        watchers.notifyAll0();
                    }
                });
            } else {
                advanceHighWatermark(plog.logEndOffset());
            }
        }
        return r;
    }

    /**
     * DeleteRecords: raises the log start offset to {@code offset} ({@code -1} means the high watermark) and
     * returns the new log start offset (the "low watermark"). Segments wholly below it are deleted by the next
     * retention run, as in Kafka. Owning shard only.
     *
     * @throws SamsaException OFFSET_OUT_OF_RANGE when {@code offset} is above the high watermark
     */
    public long deleteRecordsBefore(long offset) {
        checkLeader();
        long hw = highWatermark.get();
        long target = offset == -1 ? hw : offset;
        if (target < 0 || target > hw) {
            throw new SamsaException(ErrorCode.OFFSET_OUT_OF_RANGE, "Cannot delete records of " + name
                    + " before offset " + offset + ": it is not between 0 and the high watermark " + hw);
        }
        plog.increaseLogStartOffset(target);
        return plog.logStartOffset();
    }

    /**
     * Raises the high watermark to {@code offset} (never lowers it, never past the log end offset) and wakes
     * the watchers when it moved. Any thread (lock-free).
     */
    public void advanceHighWatermark(long offset) {
        long target = Math.min(offset, plog.logEndOffset());
        while (true) {
            long cur = highWatermark.get();
            if (target <= cur) {
                return;
            }
            if (highWatermark.compareAndSet(cur, target)) {
                break;
            }
        }
        watchers.notifyAll0();
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
        checkLeader();
        long hw = highWatermark.get();
        long lso = lastStableOffset(hw);
        ReadResult rr = plog.read(fetchOffset, maxBytes, readCommitted ? lso : hw, minOneMessage);
        return new PartitionRead(rr.records(), hw, lso, rr.logStartOffset(), rr.logEndOffset());
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
        return highWatermark.get();
    }

    public long lastStableOffset() {
        return lastStableOffset(highWatermark.get());
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

    @Override
    public String toString() {
        return "Partition(" + name + ", hw=" + highWatermark.get() + ", " + state + ")";
    }
}
