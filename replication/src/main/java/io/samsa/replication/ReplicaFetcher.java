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
 * {@code replica.fetch.*} limits.
 *
 * <p>Fetch sessions (KIP-227, v7+), as Kafka's follower keeps them: the first fetch to the leader is full and asks for
 * a session ({@code session_id} 0, {@code session_epoch} 0); with the response's session id the next fetches are
 * incremental (epochs 1, 2, ..., past {@link Integer#MAX_VALUE} back to 1) and list only the partitions that joined
 * the fetch (in full) or whose fetch state changed (fetch offset, log start, last fetched epoch, current leader epoch,
 * maximum bytes), and in {@code forgotten_topics_data} the partitions that left it: removed from this fetcher, or not
 * fetched this time (backing off, fenced, resolving an offset, throttled), which come back in full. A partition
 * absent from an incremental response has not changed. FETCH_SESSION_ID_NOT_FOUND (a restarted leader, an evicted
 * session) opens a new session at once; INVALID_FETCH_SESSION_EPOCH does too and closes the old one
 * ({@code session_id} kept, epoch 0), as does a failed request (transport error, timeout, other top-level errors)
 * after the backoff. A response with session id 0 means the leader made no session (its cache is full): every fetch
 * stays full and asks again.
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
    /** The followed partitions by their name in a response (topic id from v13, else name). */
    private final Map<TopicKey, FetchState> byKey = new HashMap<>();
    /** Partitions removed from this fetcher while in the leader's session: forgotten by the next incremental fetch. */
    private final List<Partition> forgotten = new ArrayList<>();
    /** KIP-227: the leader's session (0: none) and the epoch of the next fetch (0: full, opening a session). */
    private int sessionId;
    private int sessionEpoch;
    /** Numbers the fetches sent, so that a response is applied to the partitions of its own fetch. */
    private long fetchSeq;
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
    /** Full fetches (every partition listed) and incremental ones (KIP-227) sent; sessions dropped after an error. */
    long fullFetches;
    long incrementalFetches;
    long sessionResets;

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
        /** In the fetch being built (ready, not throttled). */
        boolean included;
        /** In the leader's fetch session, with the fetch state it was last listed with (KIP-227). */
        boolean inSession;
        long sessionFetchOffset;
        long sessionLogStart;
        int sessionLastFetchedEpoch;
        int sessionLeaderEpoch;
        int sessionMaxBytes;
        /** The fetch this partition was last part of, and the log end it was fetched from. */
        long sentSeq = -1;
        long sentOffset;
        /** The leader's high watermark and log start at its last applied answer (-1: none yet). */
        long leaderHighWatermark = -1;
        long leaderLogStart = -1;

        FetchState(Partition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }

        /**
         * The same partition in a new leader epoch: the session's view of it and the leader's last offsets carry over
         * (errors do not).
         */
        FetchState(FetchState old, int leaderEpoch) {
            this(old.partition, leaderEpoch);
            inSession = old.inSession;
            sessionFetchOffset = old.sessionFetchOffset;
            sessionLogStart = old.sessionLogStart;
            sessionLastFetchedEpoch = old.sessionLastFetchedEpoch;
            sessionLeaderEpoch = old.sessionLeaderEpoch;
            sessionMaxBytes = old.sessionMaxBytes;
            leaderHighWatermark = old.leaderHighWatermark;
            leaderLogStart = old.leaderLogStart;
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
        TopicKey k = keyOf(p);
        // Listed in full by the next fetch: not forgotten as well (a session applies the forgotten ones last).
        forgotten.removeIf(f -> keyOf(f).equals(k));
        put(new FetchState(p, leaderEpoch));
        fetch();
    }

    /** The same leader in a new epoch: fetch with it from now on (errors of the old epoch forgotten). */
    void updateEpoch(Partition p, int leaderEpoch) {
        FetchState s = states.get(p);
        if (s != null && s.leaderEpoch != leaderEpoch) {
            put(new FetchState(s, leaderEpoch));
            fetch();
        }
    }

    void remove(Partition p) {
        FetchState s = states.remove(p);
        if (s == null) {
            return;
        }
        TopicKey k = keyOf(p);
        byKey.remove(k, s);
        // Not when a partition of the same name took its place (a topic recreated, named by name below v13): the
        // session would drop that one too.
        if (s.inSession && !byKey.containsKey(k)) {
            forgotten.add(p);
        }
    }

    void stop() {
        stopped = true;
        states.clear();
        byKey.clear();
        forgotten.clear();
    }

    private void put(FetchState s) {
        states.put(s.partition, s);
        byKey.put(keyOf(s.partition), s);
    }

    /** A partition as the responses name it: by topic id from v13 (KIP-516), by name before. */
    private TopicKey keyOf(Partition p) {
        return new TopicKey(manager.settings().fetchVersion() >= 13 ? p.topicId() : p.topic(), p.index());
    }

    /** The leader's session and the epoch of the next fetch (tests). */
    int sessionId() {
        return sessionId;
    }

    int sessionEpoch() {
        return sessionEpoch;
    }

    /** Sets the epoch of the next fetch (tests: the wrap past Integer.MAX_VALUE). */
    void sessionEpoch(int epoch) {
        sessionEpoch = epoch;
    }

    // ---------------------------------------------------------------- the fetch loop

    /**
     * Sends the next Fetch unless one is in flight, the fetcher backs off, or no partition is ready: full (every
     * ready partition) or, in a session, incremental (see the class comment).
     */
    void fetch() {
        if (inFlight || backingOff || stopped || manager.isClosed()) {
            return;
        }
        ReplicaFetcherManager.Settings cfg = manager.settings();
        short version = cfg.fetchVersion();
        ReplicationQuota quota = manager.followerQuota();
        int included = 0;
        boolean throttledOut = false;
        for (FetchState s : states.values()) {
            s.included = false;
            if (!s.ready()) {
                continue;
            }
            if (followerThrottled(quota, s)) {
                throttledOut = true;
                continue;
            }
            s.included = true;
            included++;
        }
        if (included == 0) {
            if (throttledOut) {
                // Every ready partition is held back by the follower throttle: look again after a backoff.
                throttled++;
                backOff();
            }
            return;
        }
        // v7+ (KIP-227): fetch sessions; before, every fetch is full and sessionless (session_id 0, epoch -1).
        boolean sessions = version >= 7;
        boolean full = !sessions || sessionEpoch == 0;
        int requestEpoch = sessions ? sessionEpoch : -1;
        FetchRequest req = new FetchRequest().setMaxWaitMs(cfg.maxWaitMs()).setMinBytes(cfg.minBytes())
                .setMaxBytes(cfg.responseMaxBytes()).setIsolationLevel((byte) 0).setSessionId(sessions ? sessionId : 0)
                .setSessionEpoch(requestEpoch);
        long seq = ++fetchSeq;
        Map<Object, FetchRequest.FetchTopic> topics = null;
        for (FetchState s : states.values()) {
            if (!s.included) {
                if (s.inSession && !full) {
                    forget(req, s.partition, version);
                }
                s.inSession = false;
                continue;
            }
            Partition p = s.partition;
            retakeHighWatermark(s);
            long offset = p.logEndOffset();
            long logStart = p.logStartOffset();
            int lastFetchedEpoch = p.log().latestEpoch();
            s.sentSeq = seq;
            s.sentOffset = offset;
            if (!full && s.inSession && s.sessionFetchOffset == offset && s.sessionLogStart == logStart
                    && s.sessionLastFetchedEpoch == lastFetchedEpoch && s.sessionLeaderEpoch == s.leaderEpoch
                    && s.sessionMaxBytes == cfg.maxBytes()) {
                continue; // unchanged: the session has it
            }
            s.inSession = sessions;
            s.sessionFetchOffset = offset;
            s.sessionLogStart = logStart;
            s.sessionLastFetchedEpoch = lastFetchedEpoch;
            s.sessionLeaderEpoch = s.leaderEpoch;
            s.sessionMaxBytes = cfg.maxBytes();
            if (topics == null) {
                topics = new LinkedHashMap<>();
            }
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
                    .setLastFetchedEpoch(lastFetchedEpoch).setLogStartOffset(logStart)
                    .setPartitionMaxBytes(cfg.maxBytes()));
        }
        if (!full) {
            for (Partition p : forgotten) {
                forget(req, p, version);
            }
        }
        forgotten.clear();
        if (version >= 15) {
            req.setReplicaState(new FetchRequest.ReplicaState().setReplicaId(manager.nodeId())
                    .setReplicaEpoch(manager.brokerEpoch()));
        } else {
            req.setReplicaId(manager.nodeId());
        }
        inFlight = true;
        requests++;
        if (full) {
            fullFetches++;
        } else {
            incrementalFetches++;
        }
        manager.channel().send(key.leader(), req, version).whenComplete((response, error) -> {
            if (manager.isClosed()) {
                // The io executor may be gone: release here.
                if (response != null) {
                    response.close();
                }
                return;
            }
            manager.io().runOrExecute(() -> onResponse(seq, requestEpoch, response, error));
        });
    }

    /** Adds {@code p} to the request's {@code forgotten_topics_data} (rare: a linear look-up of its topic). */
    private static void forget(FetchRequest req, Partition p, short version) {
        FetchRequest.ForgottenTopic topic = null;
        for (FetchRequest.ForgottenTopic t : req.forgottenTopicsData()) {
            if (version >= 13 ? Objects.equals(t.topicId(), p.topicId()) : Objects.equals(t.topic(), p.topic())) {
                topic = t;
                break;
            }
        }
        if (topic == null) {
            topic = new FetchRequest.ForgottenTopic();
            if (version >= 13) {
                topic.setTopicId(p.topicId());
            } else {
                topic.setTopic(p.topic());
            }
            req.forgottenTopicsData().add(topic);
        }
        topic.partitions().add(p.index());
    }

    /**
     * Kafka's follower-side replication throttle: a partition the quota throttles, not caught up to the leader's high
     * watermark, is left out of the fetch while the quota is exceeded.
     */
    private static boolean followerThrottled(ReplicationQuota quota, FetchState s) {
        Partition p = s.partition;
        return !s.inSync && quota.isThrottled(p.topic(), p.index()) && quota.isQuotaExceeded();
    }

    /**
     * KIP-227 after a response to a fetch at {@code requestEpoch}: the session the leader made, kept or dropped, and
     * the epoch of the next fetch. Returns false when the response is a session error (nothing in it applies).
     */
    private boolean advanceSession(int requestEpoch, FetchResponse body) {
        if (requestEpoch < 0) {
            return true; // sessionless (below v7)
        }
        ErrorCode code = ErrorCode.forCode(body.errorCode());
        if (code == ErrorCode.FETCH_SESSION_ID_NOT_FOUND || code == ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
            log.debug("{}Fetch session {} at epoch {}: {}; opening a new one", prefix, sessionId, requestEpoch,
                    code);
            // An unknown session needs no closing; a wrong epoch closes the old one with the full fetch (epoch 0).
            resetSession(code == ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
            return false;
        }
        if (code != ErrorCode.NONE) {
            return true;
        }
        if (body.sessionId() == 0) {
            // A full fetch the leader made no session for (its cache is full), or a session it closed.
            sessionId = 0;
            sessionEpoch = 0;
        } else if (requestEpoch == 0) {
            sessionId = body.sessionId();
            sessionEpoch = 1;
        } else {
            sessionEpoch = requestEpoch == Integer.MAX_VALUE ? 1 : requestEpoch + 1;
        }
        return true;
    }

    /** The next fetch is full and opens a new session (closing the old one unless {@code forget}). */
    private void resetSession(boolean forget) {
        if (sessionEpoch != 0) {
            sessionResets++;
        }
        if (forget) {
            sessionId = 0;
        }
        sessionEpoch = 0;
    }

    private void onResponse(long seq, int requestEpoch, BrokerResponse response, Throwable error) {
        if (stopped || manager.isClosed()) {
            inFlight = false;
            if (response != null) {
                response.close();
            }
            return;
        }
        if (error != null) {
            inFlight = false;
            failures++;
            log.debug("{}Fetch failed: {}", prefix, error.toString());
            // The leader may have moved the session on or not: start a new one (KIP-227).
            resetSession(false);
            backOff();
            return;
        }
        FetchResponse body = response.body(FetchResponse.class);
        if (!advanceSession(requestEpoch, body)) {
            inFlight = false;
            response.close();
            failures++;
            fetch();
            return;
        }
        if (body.errorCode() != ErrorCode.NONE.code()) {
            inFlight = false;
            response.close();
            failures++;
            log.debug("{}Fetch failed: {}", prefix, ErrorCode.forCode(body.errorCode()));
            resetSession(false);
            backOff();
            return;
        }
        short version = manager.settings().fetchVersion();
        List<Apply> applies = new ArrayList<>();
        for (FetchResponse.FetchableTopicResponse t : body.responses()) {
            Object topicKey = version >= 13 ? t.topicId() : t.topic();
            for (FetchResponse.PartitionData pd : t.partitions()) {
                FetchState s = byKey.get(new TopicKey(topicKey, pd.partitionIndex()));
                if (s == null || s.sentSeq != seq) {
                    continue; // not fetched by this request (moved, or back in a new epoch meanwhile)
                }
                ErrorCode code = ErrorCode.forCode(pd.errorCode());
                if (code == ErrorCode.NONE) {
                    applies.add(new Apply(s, pd));
                } else if (code == ErrorCode.OFFSET_OUT_OF_RANGE) {
                    outOfRange++;
                    resolveOutOfRange(s);
                } else if (code == ErrorCode.FENCED_LEADER_EPOCH) {
                    log.info("{}{}: the leader is in a newer epoch than {}; waiting for the metadata", prefix,
                            s.partition.name(), s.leaderEpoch);
                    s.fenced = true;
                } else {
                    log.debug("{}{}: {}; retrying after a backoff", prefix, s.partition.name(), code);
                    delay(s);
                }
            }
        }
        if (applies.isEmpty()) {
            inFlight = false;
            response.close();
            fetch();
            return;
        }
        // Still in flight until the appends are back: the next fetch must carry their log ends.
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
                        a.state.inSync = a.inSync;
                        a.state.leaderHighWatermark = a.data.highWatermark();
                        a.state.leaderLogStart = a.data.logStartOffset();
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
                                a.partition().name(), a.fetchOffset, a.error());
                        delay(a.state);
                    } else if (a.durable != null && !a.durable.isDone()) {
                        durable.add(a.durable);
                    }
                }
                quota.record(throttledBytes);
                if (durable.isEmpty()) {
                    inFlight = false;
                    fetch();
                } else {
                    // Durable mode: the next fetch offset must be on disk (see the class comment).
                    CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) ->
                            manager.io().execute(() -> {
                                inFlight = false;
                                fetch();
                            }));
                }
            }
        }, applies);
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

    /**
     * Takes the leader's last answered high watermark and log start again when this replica's log (in durable mode:
     * its durable end, which the flusher moves later) held the high watermark below it at the answer: a session's
     * answers leave the partition out while the leader's offsets do not change (KIP-227), so it would otherwise stay
     * behind until the leader's next move. On io; two volatile reads unless it lags.
     */
    private void retakeHighWatermark(FetchState s) {
        Partition p = s.partition;
        long hw = p.highWatermark();
        if (s.leaderHighWatermark <= hw) {
            return;
        }
        long limit = p.isDurableMode() ? Math.min(p.log().recoveryPoint(), p.logEndOffset()) : p.logEndOffset();
        if (limit <= hw) {
            return;
        }
        long leaderHw = s.leaderHighWatermark;
        long leaderLogStart = s.leaderLogStart;
        int epoch = s.leaderEpoch;
        manager.shards().execute(p, () -> {
            if (stillFollowing(p, epoch)) {
                p.updateFromLeader(leaderHw, leaderLogStart);
            }
        });
    }

    /** True while {@code p} follows this fetcher's leader in {@code epoch}. Any thread (the shard's checks). */
    private boolean stillFollowing(Partition p, int epoch) {
        PartitionState s = p.state();
        return p.isFollower() && s.leader() == key.leader() && s.leaderEpoch() == epoch;
    }

    /** One partition's part of a response, on its shard. */
    private final class Apply extends ShardProxy.Part {
        final FetchState state;
        /** What the partition was fetched with: its leader epoch and log end. */
        final int leaderEpoch;
        final long fetchOffset;
        final FetchResponse.PartitionData data;
        long truncatedTo = -1;
        long batches;
        CompletableFuture<Void> durable;
        /** Set on the shard: the response was applied; its record bytes; caught up to the leader's high watermark. */
        boolean applied;
        long bytes;
        boolean inSync;

        Apply(FetchState state, FetchResponse.PartitionData data) {
            super(state.partition);
            this.state = state;
            this.leaderEpoch = state.leaderEpoch;
            this.fetchOffset = state.sentOffset;
            this.data = data;
        }

        @Override
        protected void runOnShard() {
            Partition p = partition;
            if (!stillFollowing(p, leaderEpoch) || p.logEndOffset() != fetchOffset) {
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
