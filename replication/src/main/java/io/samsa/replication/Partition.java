package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;
import io.samsa.log.AppendResult;
import io.samsa.log.EpochEndOffset;
import io.samsa.log.Log;
import io.samsa.log.ReadResult;
import io.samsa.log.VerificationGuard;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
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
 * flusher never writes the partition. With followers the leader moves it, on the shard, to the smallest log end
 * offset of the ISR (its own counted as its log end, or its durable end in durable mode; the "maximal ISR" of
 * KIP-497 while an ISR change is in flight), and not at all while the ISR is below {@code min.insync.replicas}
 * (KIP-966's strict min ISR rule). It never goes backwards. Every move is handed to the log, which checkpoints it
 * ({@code replication-offset-checkpoint}); a restarted replica starts from that checkpoint.
 *
 * <p><b>The leader's side of replication</b> (section "leader"): each follower's fetch state (log end offset, last
 * fetch, last caught-up time, broker epoch), ISR shrink after {@code replica.lag.time.max.ms} and expansion when a
 * follower catches up, both through the {@link AlterPartitionChannel} with one change in flight.
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

    // Leader side (owning shard unless noted).
    private Clock clock = Clock.SYSTEM;
    private AlterPartitionChannel alterPartition = AlterPartitionChannel.UNAVAILABLE;
    private IsrEligibility isrEligibility = IsrEligibility.ANY;
    private long replicaLagTimeMaxMs = DEFAULT_REPLICA_LAG_TIME_MAX_MS;
    /** Each other replica's fetch state while this broker leads; rebuilt on a new leader epoch. */
    private final Map<Integer, FollowerState> followers = new HashMap<>();
    /** The log end offset when this broker became leader in the current epoch (-1: not leading). Volatile: KIP-392. */
    private volatile long leaderEpochStartOffset = -1;
    /** The leader's own durable end in durable mode (what the flusher made durable, applied on the shard). */
    private long leaderDurableEnd;
    /** The ISR change in flight, else null (one at a time, KIP-497). */
    private PendingIsr pendingIsr;
    private boolean isrCheckArmed;
    private final Runnable isrCheckTask = this::isrCheck;

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
            this.leaderDurableEnd = durable;
            if (durable < end) {
                partitionLog.flush().whenComplete(onDurable);
            }
        } else {
            this.highWatermark = end;
        }
        if (state.replicas().size() > 1 && (!state.isr().equals(List.of(localNodeId)) || isUnderMinIsr(state))) {
            // Issue 12: a replicated partition's log may end in a tail no other replica has (a deposed leader's
            // acks=1 appends), so its end says nothing about what was committed. Without a high-watermark
            // checkpoint it starts where Kafka starts without one, at the log start: a follower learns the
            // high watermark from its leader, a leader from its ISR's fetches. (Alone in the ISR, and allowed
            // to be by min.insync.replicas, its log is what is committed.) With a checkpoint, at the high
            // watermark it had (Kafka's replication-offset-checkpoint), within what the log recovered: that was
            // committed, and an eligible leader replica elected alone (KIP-966) serves it at once.
            long checkpointed = partitionLog.recoveredHighWatermark();
            this.highWatermark = checkpointed < 0 ? partitionLog.logStartOffset()
                    : Math.max(partitionLog.logStartOffset(), Math.min(checkpointed, this.highWatermark));
        }
        partitionLog.updateHighWatermark(this.highWatermark);
        resetFollowers(state);
    }

    /**
     * What the leader side needs besides the log: the clock of fetch and caught-up times, the channel for ISR
     * changes and {@code replica.lag.time.max.ms}. Before the partition is published (the hosting run calls it right
     * after creating it); defaults: the system clock, {@link AlterPartitionChannel#UNAVAILABLE}, 30 s.
     */
    public void leaderSettings(Clock clock, AlterPartitionChannel channel, long replicaLagTimeMaxMs) {
        leaderSettings(clock, channel, replicaLagTimeMaxMs, IsrEligibility.ANY);
    }

    /**
     * As {@link #leaderSettings(Clock, AlterPartitionChannel, long)}, with the metadata's view of which followers may
     * join the ISR ({@link IsrEligibility}, KIP-841): an expansion leaves out the others.
     */
    public void leaderSettings(Clock clock, AlterPartitionChannel channel, long replicaLagTimeMaxMs,
                               IsrEligibility eligibility) {
        this.clock = clock;
        this.alterPartition = channel;
        this.isrEligibility = eligibility;
        this.replicaLagTimeMaxMs = replicaLagTimeMaxMs;
        resetFollowers(state);
        if (leadsWithFollowers(state)) {
            // A leader alone in its ISR owns its high watermark at once (it started at the log start).
            shard.execute(() -> {
                maybeIncrementHighWatermark();
                armIsrCheck();
            });
        }
    }

    // ---------------------------------------------------------------- metadata (owning shard)

    /** Applies the leadership, ISR, replicas and {@code min.insync.replicas} the metadata now gives. Owning shard. */
    public void update(PartitionState newState, int newMinInsync) {
        PartitionState old = state;
        minInsyncReplicas = newMinInsync;
        boolean newLeadership = old.leaderEpoch() != newState.leaderEpoch() || old.leader() != newState.leader();
        if (!newLeadership && newState.partitionEpoch() < old.partitionEpoch()) {
            // Metadata older than the state an AlterPartition answer already applied: keep the newer one.
            watchers.notifyAll0();
            return;
        }
        state = newState;
        if (newLeadership) {
            log.info("{}Leader is now {} in epoch {} (ISR {})", prefix, newState.leader(), newState.leaderEpoch(),
                    newState.isr());
            resetFollowers(newState);
            if (newState.leader() == localNodeId && isDurableMode()) {
                catchUpDurableEnd();
            }
        } else {
            if (newState.partitionEpoch() > old.partitionEpoch()) {
                // The controller committed a change (ours or another): the one in flight is settled or stale.
                pendingIsr = null;
            }
            syncFollowers(newState);
        }
        maybeIncrementHighWatermark();
        armIsrCheck();
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
        if (requiredAcks == -1 && s.isr().size() < effectiveMinInsyncReplicas(s)) {
            throw new SamsaException(ErrorCode.NOT_ENOUGH_REPLICAS, "The size of the current ISR " + s.isr()
                    + " is insufficient to satisfy the min.isr requirement of " + effectiveMinInsyncReplicas(s)
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
                maybeIncrementHighWatermark();
                if (s.replicas().size() > 1) {
                    // The followers' fetches wait for the log end offset, which moved.
                    watchers.notifyAll0();
                }
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
    private void advanceHighWatermark(long offset) {
        long target = Math.min(offset, plog.logEndOffset());
        if (target <= highWatermark) {
            return;
        }
        setHighWatermark(target);
        watchers.notifyAll0();
    }

    /** The one write of the high watermark after construction: published, and handed to the log's checkpoint. */
    private void setHighWatermark(long offset) {
        highWatermark = offset;
        plog.updateHighWatermark(offset);
    }

    /** As {@link #recordFollowerFetch(int, long, long)} with an unknown broker epoch (a fetch below v15). */
    public void recordFollowerFetch(int replicaId, long fetchOffset) {
        recordFollowerFetch(replicaId, -1, fetchOffset);
    }

    /**
     * The leader records a follower's fetch from {@code fetchOffset} (its log end offset) by the broker in epoch
     * {@code brokerEpoch} ({@code replica_state.replica_epoch}, -1 below v15): stamps it with the clock and the
     * leader's log end now and hands it to the shard, where it updates the follower's state, may add it to the ISR
     * and may move the high watermark. Any thread (the fetch's connection loop); one small task per call.
     */
    public void recordFollowerFetch(int replicaId, long brokerEpoch, long fetchOffset) {
        FollowerFetch f = new FollowerFetch(replicaId, brokerEpoch, fetchOffset, clock.milliseconds(),
                plog.logEndOffset());
        shard.runOrExecute(f);
    }

    /**
     * KIP-320: when a fetch names the epoch of its last fetched batch ({@code last_fetched_epoch}), the end offset of
     * that epoch in this log; if the fetcher's log went past it ({@code fetchOffset} above it) or the leader does not
     * know the epoch, the fetcher diverged and must truncate: the answer is the epoch and end offset to truncate to
     * (the response's {@code diverging_epoch}, no records). Null when the fetch is consistent. Any thread.
     */
    public EpochEndOffset divergingEpoch(long fetchOffset, int lastFetchedEpoch) {
        if (lastFetchedEpoch < 0) {
            return null;
        }
        EpochEndOffset e = plog.endOffsetForEpoch(lastFetchedEpoch);
        if (e.leaderEpoch() < lastFetchedEpoch || e.endOffset() < fetchOffset) {
            return e;
        }
        return null;
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

    // ---------------------------------------------------------------- leader: followers, ISR, high watermark

    /** Kafka's default {@code replica.lag.time.max.ms}. */
    public static final long DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;
    /** The first wait before an AlterPartition that failed in transport is sent again; doubles up to the max. */
    static final long ALTER_PARTITION_RETRY_BACKOFF_MS = 100;
    static final long ALTER_PARTITION_RETRY_BACKOFF_MAX_MS = 5_000;

    /**
     * A new leadership (or a partition created): the followers' states start over as Kafka's do for a new leader
     * epoch. Log end offsets are unknown (so the high watermark waits for every ISR member's first fetch), members
     * of the ISR count as caught up now (they have a full lag time to fetch), the others never were. Owning shard
     * (or the constructor).
     */
    private void resetFollowers(PartitionState s) {
        followers.clear();
        pendingIsr = null;
        if (s.leader() != localNodeId) {
            leaderEpochStartOffset = -1;
            publishFollowers();
            return;
        }
        leaderEpochStartOffset = plog.logEndOffset();
        long now = clock.milliseconds();
        for (int id : s.replicas()) {
            if (id != localNodeId) {
                followers.put(id, new FollowerState(id, s.isr().contains(id) ? now : 0));
            }
        }
        publishFollowers();
    }

    /** Same leadership, other replicas: keep the states of those that stay, add the new ones. Owning shard. */
    private void syncFollowers(PartitionState s) {
        if (s.leader() != localNodeId) {
            followers.clear();
            publishFollowers();
            return;
        }
        followers.keySet().retainAll(s.replicas());
        for (int id : s.replicas()) {
            if (id != localNodeId && !followers.containsKey(id)) {
                followers.put(id, new FollowerState(id, 0));
            }
        }
        publishFollowers();
    }

    /** A follower's fetch, stamped on the fetch's thread and applied on the shard. */
    private final class FollowerFetch implements Runnable {
        private final int replicaId;
        private final long brokerEpoch;
        private final long fetchOffset;
        private final long fetchTimeMs;
        private final long leaderEndOffset;

        FollowerFetch(int replicaId, long brokerEpoch, long fetchOffset, long fetchTimeMs, long leaderEndOffset) {
            this.replicaId = replicaId;
            this.brokerEpoch = brokerEpoch;
            this.fetchOffset = fetchOffset;
            this.fetchTimeMs = fetchTimeMs;
            this.leaderEndOffset = leaderEndOffset;
        }

        @Override
        public void run() {
            onFollowerFetch(replicaId, brokerEpoch, fetchOffset, fetchTimeMs, leaderEndOffset);
        }
    }

    /** Owning shard: a follower fetched; update its state, maybe expand the ISR, maybe move the high watermark. */
    private void onFollowerFetch(int replicaId, long brokerEpoch, long fetchOffset, long fetchTimeMs,
                                 long leaderEndOffset) {
        if (deleted || state.leader() != localNodeId) {
            return;
        }
        FollowerState f = followers.get(replicaId);
        if (f == null || fetchOffset > leaderEndOffset) {
            // Not a replica, or a fetch past this log's end (OFFSET_OUT_OF_RANGE): nothing to record, as Kafka.
            return;
        }
        f.fetched(fetchOffset, fetchTimeMs, leaderEndOffset, brokerEpoch);
        maybeExpandIsr(f);
        maybeIncrementHighWatermark();
    }

    /**
     * Owning shard: the one place that computes the high watermark of a leader (and of a partition with a single
     * replica), and moves it there when that is higher. It is the leader's log end, or its durable end in durable
     * mode; with followers, the smallest log end offset among the ISR (the maximal ISR while a change is in flight,
     * KIP-497), where a member that has not fetched in this leader epoch holds it where it is. KIP-966's strict min
     * ISR rule, as Kafka applies it since 3.7 (KAFKA-15583): while the committed ISR is smaller than the effective
     * {@code min.insync.replicas} it does not move at all, so what acks=1 and acks=0 producers append meanwhile
     * stays invisible to consumers until enough replicas hold it, and every record below it is on at least that many
     * replicas (which is what lets the controller elect an eligible leader replica cleanly). Never moves it back.
     */
    void maybeIncrementHighWatermark() {
        PartitionState s = state;
        if (deleted) {
            return;
        }
        long hw = isDurableMode() ? Math.min(leaderDurableEnd, plog.logEndOffset()) : plog.logEndOffset();
        if (s.replicas().size() <= 1) {
            // Alone: the log end (or durable end) is committed, leader or not (as before issue 12).
            advanceHighWatermark(hw);
            return;
        }
        if (s.leader() != localNodeId || isUnderMinIsr(s)) {
            return;
        }
        List<Integer> isr = pendingIsr != null ? pendingIsr.maximalIsr : s.isr();
        for (int i = 0; i < isr.size(); i++) {
            int id = isr.get(i);
            if (id == localNodeId) {
                continue;
            }
            FollowerState f = followers.get(id);
            long end = f == null ? -1 : f.logEndOffset;
            if (end < hw) {
                hw = end;
            }
        }
        advanceHighWatermark(hw);
    }

    /**
     * Owning shard: adds {@code f} to the ISR when it caught up (its log end at or above the high watermark and at or
     * above where this leader epoch began: it fetched in this epoch), no change is in flight, this broker's metadata
     * shows it eligible (KIP-841: registered in the epoch it fetches with, not fenced, not in controlled shutdown; a
     * follower left out is proposed at its first fetch once it is), and the controller did not just call it
     * ineligible (the backstop when the metadata here is behind the controller's).
     */
    private void maybeExpandIsr(FollowerState f) {
        PartitionState s = state;
        if (pendingIsr != null || s.isr().contains(f.brokerId) || leaderEpochStartOffset < 0) {
            return;
        }
        if (f.logEndOffset >= highWatermark && f.logEndOffset >= leaderEpochStartOffset
                && clock.milliseconds() >= f.ineligibleUntilMs
                && isrEligibility.isrEligible(f.brokerId, f.brokerEpoch)) {
            List<Integer> isr = new ArrayList<>(s.isr());
            isr.add(f.brokerId);
            log.info("{}Expanding the ISR from {} to {}: replica {} caught up to {} (high watermark {})", prefix,
                    s.isr(), isr, f.brokerId, f.logEndOffset, highWatermark);
            propose(isr);
        }
    }

    /**
     * Owning shard (the replica manager's periodic check): removes from the ISR the followers that have not caught
     * up to the leader's log end for more than {@code replica.lag.time.max.ms}; a follower whose log end equals the
     * leader's counts as caught up. Never removes the leader. One change in flight at a time.
     */
    public void maybeShrinkIsr() {
        PartitionState s = state;
        if (deleted || s.leader() != localNodeId || pendingIsr != null || s.isr().size() <= 1) {
            return;
        }
        long now = clock.milliseconds();
        long leaderEnd = plog.logEndOffset();
        List<Integer> keep = new ArrayList<>(s.isr().size());
        List<Integer> lagging = new ArrayList<>();
        for (int id : s.isr()) {
            FollowerState f = followers.get(id);
            if (id == localNodeId || f != null && f.isCaughtUp(leaderEnd, now, replicaLagTimeMaxMs)) {
                keep.add(id);
            } else {
                lagging.add(id);
            }
        }
        if (!lagging.isEmpty()) {
            log.info("{}Shrinking the ISR from {} to {}: {} did not catch up to {} within {} ms (high watermark {})",
                    prefix, s.isr(), keep, lagging, leaderEnd, replicaLagTimeMaxMs, highWatermark);
            propose(keep);
        }
    }

    private boolean leadsWithFollowers(PartitionState s) {
        return !deleted && s.leader() == localNodeId && s.replicas().size() > 1;
    }

    /**
     * Owning shard: while this broker leads with followers, checks the ISR every half {@code replica.lag.time.max.ms}
     * (as Kafka's ISR expiration) through the shard's scheduler; the timer stops by itself when that ends.
     */
    private void armIsrCheck() {
        if (!isrCheckArmed && leadsWithFollowers(state)) {
            isrCheckArmed = true;
            shard.schedule(isrCheckTask, Math.max(1, replicaLagTimeMaxMs / 2));
        }
    }

    private void isrCheck() {
        isrCheckArmed = false;
        if (leadsWithFollowers(state)) {
            maybeShrinkIsr();
            armIsrCheck();
        }
    }

    /**
     * Owning shard: sends the ISR {@code isr} to the controller with the members' broker epochs (KIP-903). A broker
     * without a controller ({@link AlterPartitionChannel#UNAVAILABLE}) keeps the ISR the metadata gives.
     */
    private void propose(List<Integer> isr) {
        if (alterPartition == AlterPartitionChannel.UNAVAILABLE) {
            return;
        }
        PartitionState s = state;
        List<AlterPartitionChannel.IsrMember> members = new ArrayList<>(isr.size());
        for (int id : isr) {
            FollowerState f = followers.get(id);
            members.add(new AlterPartitionChannel.IsrMember(id, f == null ? -1 : f.brokerEpoch));
        }
        List<Integer> maximal = new ArrayList<>(s.isr());
        for (int id : isr) {
            if (!maximal.contains(id)) {
                maximal.add(id);
            }
        }
        PendingIsr p = new PendingIsr(new AlterPartitionChannel.IsrChange(topicId, topic, index, s.leaderEpoch(),
                s.partitionEpoch(), members), List.copyOf(maximal));
        pendingIsr = p;
        send(p);
    }

    private void send(PendingIsr p) {
        try {
            alterPartition.alterPartition(p.change).whenComplete((committed, error) ->
                    shard.execute(() -> onAlterPartition(p, committed, error)));
        } catch (RuntimeException e) {
            shard.execute(() -> onAlterPartition(p, null, e));
        }
    }

    /**
     * Owning shard: the controller's answer to {@code p}. Success: apply the committed state when its partition epoch
     * is newer than ours (the metadata brings it too). Errors as Kafka handles them: the partition epoch was stale
     * (INVALID_UPDATE_VERSION), the leader was fenced or is no longer leader, or the partition is gone: keep the change
     * pending (no other is proposed) until the metadata brings the new state; a proposed member is ineligible
     * (INELIGIBLE_REPLICA) or the change was not attempted: back to the committed ISR, the new members not proposed
     * again for a while; anything else (transport, NOT_CONTROLLER): the same change again after a backoff.
     */
    private void onAlterPartition(PendingIsr p, PartitionState committed, Throwable error) {
        if (pendingIsr != p) {
            return;
        }
        PartitionState s = state;
        if (error == null) {
            pendingIsr = null;
            if (committed.leaderEpoch() == s.leaderEpoch() && committed.partitionEpoch() > s.partitionEpoch()) {
                log.info("{}ISR is now {} (partition epoch {})", prefix, committed.isr(), committed.partitionEpoch());
                state = committed;
                syncFollowers(committed);
            }
            maybeIncrementHighWatermark();
            watchers.notifyAll0();
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        ErrorCode code = cause instanceof SamsaException se ? se.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR;
        switch (code) {
            case INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION,
                 UNKNOWN_TOPIC_ID, NEW_LEADER_ELECTED -> log.info("{}ISR change to {} not committed ({}): waiting for "
                    + "the metadata", prefix, p.change.brokerIds(), code);
            case INELIGIBLE_REPLICA, OPERATION_NOT_ATTEMPTED -> {
                log.info("{}ISR change to {} rejected ({})", prefix, p.change.brokerIds(), code);
                pendingIsr = null;
                long until = clock.milliseconds() + ALTER_PARTITION_RETRY_BACKOFF_MAX_MS;
                for (int id : p.change.brokerIds()) {
                    FollowerState f = followers.get(id);
                    if (f != null && !s.isr().contains(id)) {
                        f.ineligibleUntilMs = until;
                    }
                }
                maybeIncrementHighWatermark();
            }
            default -> {
                long backoff = p.backoffMs;
                p.backoffMs = Math.min(backoff * 2, ALTER_PARTITION_RETRY_BACKOFF_MAX_MS);
                if (backoff == ALTER_PARTITION_RETRY_BACKOFF_MS) {
                    log.warn("{}ISR change to {} failed ({}): retrying", prefix, p.change.brokerIds(), code);
                }
                shard.schedule(() -> {
                    if (pendingIsr == p && !deleted) {
                        send(p);
                    }
                }, backoff);
            }
        }
    }

    /** The ISR change in flight and the maximal ISR the high watermark waits for meanwhile (KIP-497). */
    private static final class PendingIsr {
        final AlterPartitionChannel.IsrChange change;
        final List<Integer> maximalIsr;
        long backoffMs = ALTER_PARTITION_RETRY_BACKOFF_MS;

        PendingIsr(AlterPartitionChannel.IsrChange change, List<Integer> maximalIsr) {
            this.change = change;
            this.maximalIsr = maximalIsr;
        }
    }

    /** One follower as the leader sees it. Owning shard. */
    private static final class FollowerState {
        final int brokerId;
        // Volatile: read from any thread by the read-replica selection (KIP-392, section "follower reads").
        volatile long logEndOffset = -1;
        long lastFetchTimeMs;
        volatile long lastCaughtUpTimeMs;
        /** The leader's log end offset at this follower's previous fetch (-1: none in this epoch). */
        long lastFetchLeaderLogEndOffset = -1;
        long brokerEpoch = -1;
        long ineligibleUntilMs;

        FollowerState(int brokerId, long lastCaughtUpTimeMs) {
            this.brokerId = brokerId;
            this.lastCaughtUpTimeMs = lastCaughtUpTimeMs;
        }

        /**
         * Kafka's caught-up time: a fetch at or above the leader's log end at that time catches up now; one at or
         * above the leader's log end at the previous fetch shows the follower was caught up at that fetch.
         */
        void fetched(long fetchOffset, long fetchTimeMs, long leaderEndOffset, long epoch) {
            if (fetchOffset >= leaderEndOffset) {
                lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, fetchTimeMs);
            } else if (lastFetchLeaderLogEndOffset >= 0 && fetchOffset >= lastFetchLeaderLogEndOffset) {
                lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, lastFetchTimeMs);
            }
            logEndOffset = fetchOffset;
            lastFetchLeaderLogEndOffset = leaderEndOffset;
            lastFetchTimeMs = fetchTimeMs;
            if (epoch >= 0) {
                brokerEpoch = epoch;
            }
        }

        boolean isCaughtUp(long leaderEndOffset, long nowMs, long maxLagMs) {
            return logEndOffset == leaderEndOffset || nowMs - lastCaughtUpTimeMs <= maxLagMs;
        }

        ReplicaView view() {
            return new ReplicaView(brokerId, logEndOffset, lastFetchTimeMs, lastCaughtUpTimeMs, brokerEpoch);
        }
    }

    /** A follower's state as the leader tracks it (tests, DescribeLogDirs, metrics). */
    public record ReplicaView(int brokerId, long logEndOffset, long lastFetchTimeMs, long lastCaughtUpTimeMs,
                              long brokerEpoch) {
    }

    /** The followers' states while this broker leads, by broker id. Owning shard. */
    public List<ReplicaView> followerStates() {
        List<ReplicaView> out = new ArrayList<>(followers.size());
        for (FollowerState f : followers.values()) {
            out.add(f.view());
        }
        out.sort((a, b) -> Integer.compare(a.brokerId(), b.brokerId()));
        return out;
    }

    /** The ISR the high watermark waits for: the maximal ISR while a change is in flight, else the ISR. Owning shard. */
    public List<Integer> maximalIsr() {
        return pendingIsr != null ? pendingIsr.maximalIsr : state.isr();
    }

    /** True while an ISR change is in flight. Owning shard. */
    public boolean isrChangePending() {
        return pendingIsr != null;
    }

    // ---------------------------------------------------------------- follower (owning shard)

    /**
     * A follower appends batches fetched from its leader ({@link Log#appendAsFollower}: the leader's offsets, leader
     * epochs, timestamps and producer state are kept). Only while another broker leads and this one is a replica
     * (the replica fetcher checked that the fetch was for the current leader epoch). Owning shard.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER when this broker leads or is no replica,
     *                        UNKNOWN_TOPIC_OR_PARTITION when deleted, or any error of {@link Log#appendAsFollower}
     */
    public AppendResult appendAsFollower(ByteBuf records) {
        checkFollowing();
        long end = plog.logEndOffset();
        if (end == plog.logStartOffset() && records.isReadable()) {
            // An empty log restarted at the leader's log start, which DeleteRecords may have put inside a batch: the
            // leader sends that batch whole, so the log restarts at its base offset (Kafka does the same); the log
            // start follows the leader's again with the response's log start offset.
            RecordBatchView first = new RecordBatchView();
            first.wrap(records, records.readerIndex());
            if (first.baseOffset() < end && first.lastOffset() >= end) {
                // The high watermark stays: the batch brings the log end back above it.
                plog.truncateFullyAndStartAt(first.baseOffset());
                try {
                    return plog.appendAsFollower(records);
                } catch (RuntimeException e) {
                    clampHighWatermarkToLogEnd();
                    throw e;
                }
            }
        }
        return plog.appendAsFollower(records);
    }

    /**
     * Truncates the follower's log to {@code offset} (a diverging epoch, KIP-320, or the leader's log end below this
     * one's); the high watermark falls with the log end when above it, as Kafka's does. Owning shard.
     */
    public void truncateTo(long offset) {
        checkFollowing();
        plog.truncateTo(offset);
        clampHighWatermarkToLogEnd();
    }

    /**
     * Empties the follower's log and restarts it at {@code offset} (the leader's log start moved past this log's
     * end: retention or DeleteRecords while this replica was away); the high watermark is {@code offset}. Owning
     * shard.
     */
    public void truncateFullyAndStartAt(long offset) {
        checkFollowing();
        plog.truncateFullyAndStartAt(offset);
        setHighWatermark(offset);
        watchers.notifyAll0();
    }

    /**
     * A fetch response's high watermark and log start offset from the leader: the follower's high watermark becomes
     * the smaller of the leader's and this log's end (in durable mode: its durable end), never lower than before;
     * the log start offset follows the leader's up to that high watermark (DeleteRecords and retention reach the
     * follower). Owning shard.
     */
    public void updateFromLeader(long leaderHighWatermark, long leaderLogStartOffset) {
        checkFollowing();
        long limit = isDurableMode() ? Math.min(plog.recoveryPoint(), plog.logEndOffset()) : plog.logEndOffset();
        long hw = Math.min(leaderHighWatermark, limit);
        if (hw > highWatermark) {
            setHighWatermark(hw);
            watchers.notifyAll0();
        }
        long start = Math.min(leaderLogStartOffset, highWatermark);
        if (start > plog.logStartOffset()) {
            plog.increaseLogStartOffset(start);
        }
    }

    /** True while another broker leads this partition and this one is among its replicas (not deleted). */
    public boolean isFollower() {
        PartitionState s = state;
        return !deleted && s.leader() >= 0 && s.leader() != localNodeId && s.replicas().contains(localNodeId);
    }

    private void checkFollowing() {
        if (deleted) {
            throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Partition " + name + " was deleted");
        }
        if (!isFollower()) {
            throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Broker " + localNodeId
                    + " does not follow " + name + " (" + state + ")");
        }
    }

    private void clampHighWatermarkToLogEnd() {
        long end = plog.logEndOffset();
        if (highWatermark > end) {
            setHighWatermark(end);
        }
        watchers.notifyAll0();
    }

    // ---------------------------------------------------------------- follower reads (KIP-392, any thread)

    /** The followers' states for readers on other threads, replaced on the shard whenever the map changes. */
    private volatile FollowerState[] publishedFollowers = new FollowerState[0];
    /** Consumer fetches this replica read while following (KIP-392; tests and metrics). */
    private final java.util.concurrent.atomic.LongAdder followerReads = new java.util.concurrent.atomic.LongAdder();

    /** Owning shard (or the constructor): publishes the followers' states to other threads. */
    private void publishFollowers() {
        publishedFollowers = followers.values().toArray(new FollowerState[0]);
    }

    /**
     * Reads as {@link #read(long, int, FetchIsolation, boolean)}, but from a follower too when {@code leaderOnly} is
     * false (a consumer that may fetch from the closest replica, KIP-392): a follower serves up to its own high
     * watermark (from the leader's fetch responses) or last stable offset; an offset between that and its log end
     * reads nothing, one past its log end is OFFSET_OUT_OF_RANGE, as Kafka's follower answers. Any thread.
     *
     * @throws SamsaException NOT_LEADER_OR_FOLLOWER when this broker neither leads nor follows, and as
     *                        {@link #read(long, int, FetchIsolation, boolean)}
     */
    public PartitionRead read(long fetchOffset, int maxBytes, FetchIsolation isolation, boolean minOneMessage,
                              boolean leaderOnly) {
        if (leaderOnly || isolation == FetchIsolation.LOG_END || isLeader()) {
            return read(fetchOffset, maxBytes, isolation, minOneMessage);
        }
        checkFollowing();
        long hw = highWatermark;
        long lso = lastStableOffset(hw);
        ReadResult rr = plog.read(fetchOffset, maxBytes, isolation == FetchIsolation.TXN_COMMITTED ? lso : hw,
                minOneMessage);
        followerReads.increment();
        return new PartitionRead(rr.records(), hw, lso, rr.logStartOffset(), rr.logEndOffset());
    }

    /** True when this broker leads, or follows and {@code leaderOnly} is false. Any thread. */
    public boolean canServe(boolean leaderOnly) {
        return isLeader() || !leaderOnly && isFollower();
    }

    /**
     * KIP-392: a leader with followers whose high watermark is still below where its leader epoch began (just
     * elected, its followers have not yet fetched): the true high watermark is not known, so a consumer's ListOffsets
     * for the latest offset (or a found offset past the high watermark) answers OFFSET_NOT_AVAILABLE. Any thread.
     */
    public boolean highWatermarkBehindEpochStart() {
        PartitionState s = state;
        return !deleted && s.leader() == localNodeId && s.replicas().size() > 1
                && leaderEpochStartOffset > highWatermark;
    }

    /** Consumer fetches read on this replica while it followed (KIP-392). Any thread. */
    public long followerReads() {
        return followerReads.sum();
    }

    /**
     * What a read-replica selector needs while this broker leads (KIP-392): each in-sync follower whose log end
     * reaches {@code fetchOffset}, with its log end and last caught-up time (follower log start offsets are not
     * tracked, so a follower whose retention ran ahead is not excluded). Empty when not leading. Any thread.
     */
    public List<ReplicaView> readReplicaCandidates(long fetchOffset) {
        PartitionState s = state;
        if (deleted || s.leader() != localNodeId) {
            return List.of();
        }
        FollowerState[] fs = publishedFollowers;
        List<ReplicaView> out = new ArrayList<>(fs.length);
        for (FollowerState f : fs) {
            long end = f.logEndOffset;
            if (s.isr().contains(f.brokerId) && end >= fetchOffset) {
                out.add(new ReplicaView(f.brokerId, end, -1, f.lastCaughtUpTimeMs, -1));
            }
        }
        return out;
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

    /**
     * Owning shard, on becoming leader in durable mode: the tail this replica fetched as a follower was forced
     * without telling the leader's side (follower appends post no durable end), so the leader's durable end starts
     * at the log's recovery point (not at an end left from an earlier leadership: a truncation since may have
     * replaced what it counted), and a tail not forced yet is forced now, as at start-up. Without it the high
     * watermark stayed below that tail until the next append as leader (issue 12's simulation).
     */
    private void catchUpDurableEnd() {
        long end = plog.logEndOffset();
        leaderDurableEnd = Math.min(end, Math.max(plog.logStartOffset(), plog.recoveryPoint()));
        if (leaderDurableEnd < end) {
            plog.flush().whenComplete(onDurable);
        }
    }

    /** On the shard: moves the high watermark to what the flusher made durable, and wakes the watchers. */
    private void applyDurable() {
        durablePosted.set(false);
        long target = durableTarget.get();
        long before = highWatermark;
        if (target >= 0) {
            leaderDurableEnd = Math.max(leaderDurableEnd, target);
            maybeIncrementHighWatermark();
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

    /**
     * The broker is stopping: every operation still waiting here (long-poll fetches, acks=all produces) finishes now
     * as if timed out, on its own executor, so that none keeps its request's buffers once the threads are gone. Any
     * thread.
     */
    public void abandonWatchers() {
        watchers.abandonAll();
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

    /**
     * {@code min.insync.replicas} as the leader applies it (Kafka since 3.7, KAFKA-15583): never more than the
     * replicas there are, so a topic whose setting exceeds its replication factor can still commit. The acks=all
     * checks and the high watermark's strict min ISR rule use it. Any thread.
     */
    public int effectiveMinInsyncReplicas() {
        return effectiveMinInsyncReplicas(state);
    }

    private int effectiveMinInsyncReplicas(PartitionState s) {
        return Math.min(minInsyncReplicas, s.replicas().size());
    }

    /**
     * True when this broker leads and the committed ISR (not the maximal one: a member being added counts once the
     * controller committed it, one being removed until then) is smaller than the effective
     * {@code min.insync.replicas}: the high watermark stands still (KIP-966). Any thread.
     */
    public boolean isUnderMinIsr() {
        PartitionState s = state;
        return !deleted && s.leader() == localNodeId && isUnderMinIsr(s);
    }

    private boolean isUnderMinIsr(PartitionState s) {
        return s.isr().size() < effectiveMinInsyncReplicas(s);
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
