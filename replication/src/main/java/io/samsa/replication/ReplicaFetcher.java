package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.log.AppendResult;
import io.samsa.log.EpochEndOffset;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.ListOffsetsResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Records;
import io.samsa.wire.record.RecordBatchView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica fetcher: the partitions this broker follows from one source broker (its leader), fetched together,
 * one Fetch in flight at a time, as Kafka's follower sends it: the replica id and broker epoch
 * ({@code replica_state} from v15, KIP-903; {@code replica_id} before), topics by id (v13+, KIP-516), per partition
 * the fetch offset (the log end offset), {@code current_leader_epoch} (KIP-320), {@code last_fetched_epoch} (the
 * log's latest leader epoch, KIP-320/KIP-595 truncation on fetch) and the log start offset;
 * {@code replica.fetch.*} limits; full fetches without a session ({@code session_id} 0, {@code session_epoch} -1).
 *
 * <p>Each partition of a response, on its shard (and only when the partition still follows this leader in the
 * epoch it was fetched for, from the same log end): a {@code diverging_epoch} truncates the log (KIP-320: to the
 * smaller of the leader's end offset for that epoch and this log's end offset for it) and the next fetch goes on from
 * there; records are appended with {@link Partition#appendAsFollower} (the leader's offsets, epochs, producer state);
 * the follower's high watermark and log start follow the leader's ({@link Partition#updateFromLeader}). A durable-mode
 * partition ({@code flush.messages=1}) sends its next fetch only once its appended bytes are fsynced, so that every
 * fetch offset the leader is told (the follower's log end offset, which the leader's high watermark and acks=all
 * rely on) is durable here; Kafka's follower, which flushes inside the append when {@code flush.messages} is reached,
 * does the same.
 *
 * <p>Errors: OFFSET_OUT_OF_RANGE asks the leader for its log end and start (ListOffsets with this replica's id) and
 * truncates to the leader's end when it is below this log's, or empties the log to start at the leader's log start
 * when that is above this log's end; FENCED_LEADER_EPOCH (the leader is in a newer epoch than this broker knows) parks
 * the partition until the metadata gives it a new epoch; NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH and the rest
 * retry the partition after {@code replica.fetch.backoff.ms}; a failed request (transport error, timeout, a top-level
 * error) backs the whole fetcher off as long.
 *
 * <p>Replication throttle ({@link ReplicationQuota}, {@code follower.replication.throttled.rate}): a throttled partition
 * not caught up to the leader's high watermark at its last response is left out of the fetch while the quota is
 * exceeded (when that leaves nothing to fetch, the fetcher looks again after {@code replica.fetch.backoff.ms}); the
 * record bytes applied for throttled partitions are recorded, as Kafka's follower does.
 *
 * <p>Not thread-safe: every method runs on the manager's io executor.
 */
final class ReplicaFetcher {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final long LATEST = -1;
    static final long EARLIEST = -2;

    private final ReplicaFetcherManager manager;
    private final ReplicaFetcherManager.FetcherKey key;
    private final String prefix;
    private final Map<Partition, FetchState> states = new LinkedHashMap<>();
    private boolean inFlight;
    private boolean backingOff;
    private boolean stopped;
    long requests;
    long failures;
    long batchesAppended;
    long truncations;
    long outOfRange;
    /** Fetches not sent because the follower throttle held back every ready partition. */
    long throttled;

    ReplicaFetcher(ReplicaFetcherManager manager, ReplicaFetcherManager.FetcherKey key) {
        this.manager = manager;
        this.key = key;
        this.prefix = "[node=" + manager.nodeId() + " fetcher=" + key.leader() + "-" + key.fetcherId() + "] ";
    }

    /** One followed partition's fetch state. A new object whenever the partition (re)joins this fetcher. */
    static final class FetchState {
        final Partition partition;
        int leaderEpoch;
        /** The leader is in a newer epoch: wait for the metadata. */
        boolean fenced;
        /** Backing off after a partition error. */
        boolean delayed;
        /** OFFSET_OUT_OF_RANGE being resolved with the leader. */
        boolean resolving;
        /** Caught up to the leader's high watermark at the last response (the follower throttle spares it). */
        boolean inSync;

        FetchState(Partition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }

        boolean ready() {
            return !fenced && !delayed && !resolving;
        }
    }

    ReplicaFetcherManager.FetcherKey key() {
        return key;
    }

    boolean isEmpty() {
        return states.isEmpty();
    }

    /** The followed partitions and their states (tests). */
    Map<Partition, FetchState> states() {
        return states;
    }

    void add(Partition p, int leaderEpoch) {
        states.put(p, new FetchState(p, leaderEpoch));
        fetch();
    }

    /** The same leader in a new epoch: fetch with it from now on (errors of the old epoch forgotten). */
    void updateEpoch(Partition p, int leaderEpoch) {
        FetchState s = states.get(p);
        if (s != null && s.leaderEpoch != leaderEpoch) {
            states.put(p, new FetchState(p, leaderEpoch));
            fetch();
        }
    }

    void remove(Partition p) {
        states.remove(p);
    }

    void stop() {
        stopped = true;
        states.clear();
    }

    // ---------------------------------------------------------------- the fetch loop

    /** Sends the next Fetch unless one is in flight, the fetcher backs off, or no partition is ready. */
    void fetch() {
        if (inFlight || backingOff || stopped || manager.isClosed()) {
            return;
        }
        ReplicaFetcherManager.Settings cfg = manager.settings();
        short version = cfg.fetchVersion();
        List<Sent> sent = new ArrayList<>();
        boolean throttledOut = false;
        ReplicationQuota quota = manager.followerQuota();
        Map<Object, FetchRequest.FetchTopic> topics = new LinkedHashMap<>();
        FetchRequest req = new FetchRequest().setMaxWaitMs(cfg.maxWaitMs()).setMinBytes(cfg.minBytes())
                .setMaxBytes(cfg.responseMaxBytes()).setIsolationLevel((byte) 0).setSessionId(0)
                .setSessionEpoch(-1);
        for (FetchState s : states.values()) {
            if (!s.ready()) {
                continue;
            }
            Partition p = s.partition;
            if (followerThrottled(quota, s)) {
                throttledOut = true;
                continue;
            }
            long offset = p.logEndOffset();
            Object topicKey = version >= 13 ? p.topicId() : p.topic();
            FetchRequest.FetchTopic t = topics.get(topicKey);
            if (t == null) {
                t = new FetchRequest.FetchTopic();
                if (version >= 13) {
                    t.setTopicId(p.topicId());
                } else {
                    t.setTopic(p.topic());
                }
                topics.put(topicKey, t);
                req.topics().add(t);
            }
            t.partitions().add(new FetchRequest.FetchPartition().setPartition(p.index())
                    .setCurrentLeaderEpoch(s.leaderEpoch).setFetchOffset(offset)
                    .setLastFetchedEpoch(p.log().latestEpoch()).setLogStartOffset(p.logStartOffset())
                    .setPartitionMaxBytes(cfg.maxBytes()));
            sent.add(new Sent(s, s.leaderEpoch, offset));
        }
        if (sent.isEmpty()) {
            if (throttledOut) {
                // Every ready partition is held back by the follower throttle: look again after a backoff.
                throttled++;
                backOff();
            }
            return;
        }
        if (version >= 15) {
            req.setReplicaState(new FetchRequest.ReplicaState().setReplicaId(manager.nodeId())
                    .setReplicaEpoch(manager.brokerEpoch()));
        } else {
            req.setReplicaId(manager.nodeId());
        }
        inFlight = true;
        requests++;
        manager.channel().send(key.leader(), req, version).whenComplete((response, error) -> {
            if (manager.isClosed()) {
                // The io executor may be gone: release here.
                if (response != null) {
                    response.close();
                }
                return;
            }
            manager.io().runOrExecute(() -> onResponse(sent, response, error));
        });
    }

    /**
     * Kafka's follower-side replication throttle: a partition the quota throttles, not caught up to the leader's high
     * watermark, is left out of the fetch while the quota is exceeded.
     */
    private static boolean followerThrottled(ReplicationQuota quota, FetchState s) {
        Partition p = s.partition;
        return !s.inSync && quota.isThrottled(p.topic(), p.index()) && quota.isQuotaExceeded();
    }

    /** What one partition was fetched with. */
    private record Sent(FetchState state, int leaderEpoch, long fetchOffset) {
    }

    private void onResponse(List<Sent> sent, BrokerResponse response, Throwable error) {
        inFlight = false;
        if (stopped || manager.isClosed()) {
            if (response != null) {
                response.close();
            }
            return;
        }
        if (error != null) {
            failures++;
            log.debug("{}Fetch failed: {}", prefix, error.toString());
            backOff();
            return;
        }
        FetchResponse body = response.body(FetchResponse.class);
        if (body.errorCode() != ErrorCode.NONE.code()) {
            response.close();
            failures++;
            log.debug("{}Fetch failed: {}", prefix, ErrorCode.forCode(body.errorCode()));
            backOff();
            return;
        }
        short version = manager.settings().fetchVersion();
        Map<Object, Sent> byPartition = new HashMap<>();
        for (Sent s : sent) {
            Partition p = s.state.partition;
            byPartition.put(partitionKey(version >= 13 ? p.topicId() : p.topic(), p.index()), s);
        }
        List<Apply> applies = new ArrayList<>();
        for (FetchResponse.FetchableTopicResponse t : body.responses()) {
            Object topicKey = version >= 13 ? t.topicId() : t.topic();
            for (FetchResponse.PartitionData pd : t.partitions()) {
                Sent s = byPartition.get(partitionKey(topicKey, pd.partitionIndex()));
                if (s == null || states.get(s.state.partition) != s.state) {
                    continue;
                }
                ErrorCode code = ErrorCode.forCode(pd.errorCode());
                if (code == ErrorCode.NONE) {
                    applies.add(new Apply(s, pd));
                } else if (code == ErrorCode.OFFSET_OUT_OF_RANGE) {
                    outOfRange++;
                    resolveOutOfRange(s.state);
                } else if (code == ErrorCode.FENCED_LEADER_EPOCH) {
                    log.info("{}{}: the leader is in a newer epoch than {}; waiting for the metadata", prefix,
                            s.state.partition.name(), s.leaderEpoch);
                    s.state.fenced = true;
                } else {
                    log.debug("{}{}: {}; retrying after a backoff", prefix, s.state.partition.name(), code);
                    delay(s.state);
                }
            }
        }
        if (applies.isEmpty()) {
            response.close();
            fetch();
            return;
        }
        manager.shards().scatter(new ShardProxy.Gather(manager.io()) {
            @Override
            protected void gathered() {
                response.close();
                List<CompletableFuture<Void>> durable = new ArrayList<>();
                ReplicationQuota quota = manager.followerQuota();
                long throttledBytes = 0;
                for (Apply a : applies) {
                    batchesAppended += a.batches;
                    if (a.applied) {
                        a.sent.state.inSync = a.inSync;
                        if (quota.isThrottled(a.partition().topic(), a.partition().index())) {
                            throttledBytes += a.bytes;
                        }
                    }
                    if (a.truncatedTo >= 0) {
                        truncations++;
                        manager.truncations++;
                    }
                    if (a.error() != null) {
                        log.warn("{}{}: could not apply the leader's response at offset {}", prefix,
                                a.partition().name(), a.sent.fetchOffset, a.error());
                        delay(a.sent.state);
                    } else if (a.durable != null && !a.durable.isDone()) {
                        durable.add(a.durable);
                    }
                }
                quota.record(throttledBytes);
                if (durable.isEmpty()) {
                    fetch();
                } else {
                    // Durable mode: the next fetch offset must be on disk (see the class comment).
                    inFlight = true;
                    CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) ->
                            manager.io().execute(() -> {
                                inFlight = false;
                                fetch();
                            }));
                }
            }
        }, applies);
    }

    private static Object partitionKey(Object topic, int index) {
        return new TopicKey(topic, index);
    }

    private record TopicKey(Object topic, int index) {
    }

    private void delay(FetchState s) {
        if (s.delayed) {
            return;
        }
        s.delayed = true;
        manager.io().schedule(() -> {
            s.delayed = false;
            fetch();
        }, manager.settings().backoffMs());
    }

    private void backOff() {
        backingOff = true;
        manager.io().schedule(() -> {
            backingOff = false;
            fetch();
        }, manager.settings().backoffMs());
    }

    /** True while {@code p} follows this fetcher's leader in {@code epoch}. Any thread (the shard's checks). */
    private boolean stillFollowing(Partition p, int epoch) {
        PartitionState s = p.state();
        return p.isFollower() && s.leader() == key.leader() && s.leaderEpoch() == epoch;
    }

    /** One partition's part of a response, on its shard. */
    private final class Apply extends ShardProxy.Part {
        final Sent sent;
        final FetchResponse.PartitionData data;
        long truncatedTo = -1;
        long batches;
        CompletableFuture<Void> durable;
        /** Set on the shard: the response was applied; its record bytes; caught up to the leader's high watermark. */
        boolean applied;
        long bytes;
        boolean inSync;

        Apply(Sent sent, FetchResponse.PartitionData data) {
            super(sent.state.partition);
            this.sent = sent;
            this.data = data;
        }

        @Override
        protected void runOnShard() {
            Partition p = partition;
            if (!stillFollowing(p, sent.leaderEpoch) || p.logEndOffset() != sent.fetchOffset) {
                return;
            }
            FetchResponse.EpochEndOffset div = data.divergingEpoch();
            if (div.epoch() >= 0 || div.endOffset() >= 0) {
                truncatedTo = truncationOffset(p, div.epoch(), div.endOffset());
                log.info("{}{}: the leader's log diverges (epoch {} ends at {}); truncating from {} to {}", prefix,
                        p.name(), div.epoch(), div.endOffset(), p.logEndOffset(), truncatedTo);
                p.truncateTo(truncatedTo);
                return;
            }
            ByteBuf records = bytesOf(data.records());
            if (records.isReadable()) {
                bytes = records.readableBytes();
                AppendResult r = p.appendAsFollower(records);
                batches = countBatches(records);
                if (p.isDurableMode()) {
                    durable = r.durable();
                }
            }
            p.updateFromLeader(data.highWatermark(), data.logStartOffset());
            applied = true;
            inSync = p.logEndOffset() >= data.highWatermark();
        }
    }

    /**
     * KIP-320's truncation offset for a diverging epoch: the smaller of the leader's end offset for the epoch and this
     * log's end offset for it (when this log has no such epoch: for the largest epoch below it), never above the log
     * end; without an epoch, the leader's end offset (or this replica's high watermark when the leader gave none).
     */
    static long truncationOffset(Partition p, int leaderEpoch, long leaderEndOffset) {
        long end = p.logEndOffset();
        if (leaderEpoch < 0) {
            return Math.min(leaderEndOffset >= 0 ? leaderEndOffset : p.highWatermark(), end);
        }
        EpochEndOffset local = p.log().endOffsetForEpoch(leaderEpoch);
        long target = leaderEndOffset >= 0 ? Math.min(leaderEndOffset, end) : end;
        if (local.endOffset() >= 0) {
            target = Math.min(target, local.endOffset());
        }
        return target;
    }

    private static ByteBuf bytesOf(Records records) {
        if (records == null) {
            return Unpooled.EMPTY_BUFFER;
        }
        if (records instanceof ByteBufRecords b) {
            return b.buffer();
        }
        ByteBuf out = Unpooled.buffer(records.sizeInBytes());
        records.writeTo(out);
        return out;
    }

    private static long countBatches(ByteBuf records) {
        RecordBatchView v = new RecordBatchView();
        long n = 0;
        for (int pos = records.readerIndex(); pos < records.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(records, pos);
            n++;
        }
        return n;
    }

    // ---------------------------------------------------------------- OFFSET_OUT_OF_RANGE

    /**
     * Kafka's follower after OFFSET_OUT_OF_RANGE: the leader's log end below this log's end (an unclean leader, or a
     * lost tail) truncates to it; else the leader's log start above this log's end (retention or DeleteRecords while
     * this replica was away) empties the log to restart there. Else the fetch is retried after a backoff.
     */
    private void resolveOutOfRange(FetchState s) {
        s.resolving = true;
        listOffset(s, LATEST, leaderEnd -> {
            Partition p = s.partition;
            if (leaderEnd < p.logEndOffset()) {
                onShard(s, () -> {
                    log.warn("{}{}: the leader's log ends at {}, below this replica's {}; truncating", prefix,
                            p.name(), leaderEnd, p.logEndOffset());
                    p.truncateTo(leaderEnd);
                });
                return;
            }
            listOffset(s, EARLIEST, leaderStart -> {
                if (leaderStart > p.logEndOffset()) {
                    onShard(s, () -> {
                        log.info("{}{}: the leader's log starts at {}, past this replica's end {}; restarting the "
                                + "log there", prefix, p.name(), leaderStart, p.logEndOffset());
                        p.truncateFullyAndStartAt(leaderStart);
                    });
                } else {
                    s.resolving = false;
                    delay(s);
                }
            });
        });
    }

    /** Asks the leader for one offset of {@code s}'s partition; {@code then} on io, or a backoff on failure. */
    private void listOffset(FetchState s, long timestamp, LongConsumer then) {
        Partition p = s.partition;
        ListOffsetsRequest req = new ListOffsetsRequest().setReplicaId(manager.nodeId()).setIsolationLevel((byte) 0);
        req.topics().add(new ListOffsetsRequest.ListOffsetsTopic().setName(p.topic()));
        req.topics().get(0).partitions().add(new ListOffsetsRequest.ListOffsetsPartition()
                .setPartitionIndex(p.index()).setCurrentLeaderEpoch(s.leaderEpoch).setTimestamp(timestamp));
        manager.channel().send(key.leader(), req, manager.settings().listOffsetsVersion()).whenComplete((r, e) ->
                manager.io().runOrExecute(() -> {
                    long offset = -1;
                    ErrorCode code = ErrorCode.UNKNOWN_SERVER_ERROR;
                    if (r != null) {
                        try {
                            for (ListOffsetsResponse.ListOffsetsTopicResponse t
                                    : r.body(ListOffsetsResponse.class).topics()) {
                                for (ListOffsetsResponse.ListOffsetsPartitionResponse pr : t.partitions()) {
                                    if (Objects.equals(t.name(), p.topic()) && pr.partitionIndex() == p.index()) {
                                        code = ErrorCode.forCode(pr.errorCode());
                                        offset = pr.offset();
                                    }
                                }
                            }
                        } finally {
                            r.close();
                        }
                    }
                    if (states.get(p) != s || stopped) {
                        return;
                    }
                    if (e != null || code != ErrorCode.NONE || offset < 0) {
                        failures++;
                        log.debug("{}{}: ListOffsets failed: {}", prefix, p.name(), e != null ? e.toString() : code);
                        s.resolving = false;
                        if (code == ErrorCode.FENCED_LEADER_EPOCH) {
                            s.fenced = true;
                        } else {
                            delay(s);
                        }
                        return;
                    }
                    then.accept(offset);
                }));
    }

    /** Runs {@code action} on {@code s}'s shard if the partition still follows in its epoch, then fetches on. */
    private void onShard(FetchState s, Runnable action) {
        Partition p = s.partition;
        int epoch = s.leaderEpoch;
        manager.shards().execute(p, () -> {
            Throwable failed = null;
            boolean ran = false;
            try {
                if (stillFollowing(p, epoch)) {
                    action.run();
                    ran = true;
                }
            } catch (RuntimeException e) {
                failed = e;
            }
            Throwable error = failed;
            boolean truncated = ran;
            manager.io().execute(() -> {
                s.resolving = false;
                if (truncated) {
                    truncations++;
                    manager.truncations++;
                }
                if (error != null) {
                    log.warn("{}{}: could not truncate", prefix, p.name(), error);
                    delay(s);
                } else {
                    fetch();
                }
            });
        });
    }
}
