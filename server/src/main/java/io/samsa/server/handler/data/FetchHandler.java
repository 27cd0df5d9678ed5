package io.samsa.server.handler.data;

import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.EpochEndOffset;
import io.samsa.replication.DelayedFetch;
import io.samsa.replication.FetchIsolation;
import io.samsa.replication.FetchParams;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionRead;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Fetch (key 1), v4-18. Reads whole batches below the high watermark (READ_COMMITTED: below the last stable offset,
 * with the aborted transactions; a follower, replica id >= 0: below the log end offset), honouring
 * {@code max_bytes} (capped by the broker's {@code fetch.max.bytes}) and {@code partition_max_bytes}, the first
 * non-empty partition whole even when larger (KIP-74). Long polling: when fewer than {@code min_bytes} are available
 * the request waits in the purgatory until an append moves the high watermark of one of its partitions or
 * {@code max_wait_ms} passes (replication's {@link DelayedFetch}). Record bytes leave by sendfile
 * ({@link FileRecords}). Incremental fetch sessions (KIP-227, v7+) through {@link FetchSessionCache}; v13+ names
 * topics by id (KIP-516).
 *
 * <p>Fetch from the closest replica (KIP-392): a consumer's fetch from v11 may be served by a follower (up to the
 * follower's high watermark: {@link Partition#read(long, int, FetchIsolation, boolean, boolean)}); on the leader, with
 * a {@code replica.selector.class} ({@link ReadReplicaSelector}), a consumer naming its rack ({@code rack_id}) may be
 * answered without records and with {@code preferred_read_replica} set to an in-sync follower in its rack, at once.
 *
 * <p>The replica id is {@code replica_id} before v15 and {@code replica_state.replica_id} (with the broker epoch
 * {@code replica_epoch}) from v15 (KIP-903). A fetch from a broker that is not a replica of the partition gets
 * UNKNOWN_LEADER_EPOCH when it named the current leader epoch, else NOT_LEADER_OR_FOLLOWER, as Kafka answers
 * (KAFKA-13837). A follower's fetch offset is its log end offset: the leader records it before the read (ISR, high
 * watermark). Leader epochs: a {@code current_leader_epoch} older than the partition's is FENCED_LEADER_EPOCH, a newer
 * one UNKNOWN_LEADER_EPOCH (KIP-320, consumers and followers alike); a {@code last_fetched_epoch} (v12+) whose end
 * in this log lies below the fetch offset gets that epoch and end offset as {@code diverging_epoch} and no records
 * (KIP-320). From v16 a partition failed with NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH carries the current leader
 * and the response that leader's endpoint (KIP-951, {@link CurrentLeaders}).
 *
 * <p>Runs on the connection's event loop; reads are lock-free (any thread). Thread-safe.
 */
final class FetchHandler implements ApiHandler {
    static final byte READ_COMMITTED = 1;
    private static final ByteBufRecords NO_RECORDS = new ByteBufRecords(Unpooled.EMPTY_BUFFER);

    private final PartitionLookup partitions;
    private final FetchSessionCache sessions;
    private final Clock clock;
    private final int brokerMaxBytes;
    private final int nodeId;
    /** {@code replica.selector.class} (KIP-392), null: the leader serves every consumer. */
    private final ReadReplicaSelector selector;

    FetchHandler(PartitionLookup partitions, FetchSessionCache sessions, Clock clock, int brokerMaxBytes) {
        this(partitions, sessions, clock, brokerMaxBytes, -1, null);
    }

    FetchHandler(PartitionLookup partitions, FetchSessionCache sessions, Clock clock, int brokerMaxBytes, int nodeId,
                 ReadReplicaSelector selector) {
        this.partitions = partitions;
        this.sessions = sessions;
        this.clock = clock;
        this.brokerMaxBytes = brokerMaxBytes;
        this.nodeId = nodeId;
        this.selector = selector;
    }

    /** One partition of the fetch as the request names it, before resolution. */
    private record Wanted(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                          int lastFetchedEpoch) {
    }

    /** One partition of the fetch, resolved: the partition to read, or the error it gets without a read. */
    static final class Item extends DelayedFetch.PartitionFetch {
        final FetchKey key;
        final ErrorCode error;
        /** KIP-392: the broker the consumer should read from instead (no read here), else -1. */
        int preferredReadReplica = -1;
        /** With a preferred read replica: the leader's offsets when it was chosen (high watermark, LSO, log start). */
        long[] offsets;

        Item(FetchKey key, Partition partition, ErrorCode error, long fetchOffset, int maxBytes,
             int currentLeaderEpoch, int lastFetchedEpoch) {
            super(partition, fetchOffset, maxBytes, currentLeaderEpoch, lastFetchedEpoch);
            this.key = key;
            this.error = error;
        }

        /** The current_leader_epoch the client sent (-1: none). */
        int requestLeaderEpoch() {
            return currentLeaderEpoch;
        }

        /** The last_fetched_epoch the client sent (-1: none, or below v12). */
        int requestLastFetchedEpoch() {
            return lastFetchedEpoch;
        }
    }

    private enum Mode { SESSIONLESS, NEW_SESSION, INCREMENTAL }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        FetchRequest req = (FetchRequest) request;
        short version = ctx.apiVersion();
        int sessionId = version >= 7 ? req.sessionId() : 0;
        int epoch = version >= 7 ? req.sessionEpoch() : -1;
        boolean byId = version >= 13;
        List<Wanted> wanted = new ArrayList<>();
        Mode mode;
        FetchSession session = null;
        if (epoch == -1 || epoch == 0) {
            if (sessionId != 0) {
                sessions.remove(sessionId);
            }
            mode = epoch == 0 ? Mode.NEW_SESSION : Mode.SESSIONLESS;
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    wanted.add(new Wanted(key(t.topic(), t.topicId(), p.partition(), byId), p.fetchOffset(),
                            p.partitionMaxBytes(), p.currentLeaderEpoch(), lastFetchedEpoch(p, version)));
                }
            }
        } else {
            session = sessions.get(sessionId);
            if (session == null) {
                sink.send(topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND));
                return;
            }
            List<FetchSession.Fetch> updates = new ArrayList<>();
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    updates.add(new FetchSession.Fetch(key(t.topic(), t.topicId(), p.partition(), byId),
                            p.fetchOffset(), p.partitionMaxBytes(), p.currentLeaderEpoch(),
                            lastFetchedEpoch(p, version)));
                }
            }
            List<FetchKey> forgotten = new ArrayList<>();
            for (FetchRequest.ForgottenTopic t : req.forgottenTopicsData()) {
                for (Integer p : t.partitions()) {
                    forgotten.add(key(t.topic(), t.topicId(), p, byId));
                }
            }
            // The epoch check, the epoch's advance and the session's update are one step (FetchSession.begin).
            List<FetchSession.Fetch> fetches = session.begin(epoch, clock.milliseconds(), updates, forgotten);
            if (fetches == null) {
                sink.send(topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH));
                return;
            }
            mode = Mode.INCREMENTAL;
            for (FetchSession.Fetch f : fetches) {
                // The cached current_leader_epoch still fences a partition the request did not resend.
                wanted.add(new Wanted(f.key(), f.fetchOffset(), f.maxBytes(), f.currentLeaderEpoch(),
                        f.lastFetchedEpoch()));
            }
        }
        // v15+ (KIP-903): the fetching replica is in replica_state.
        int replicaId = version >= 15 ? req.replicaState().replicaId() : req.replicaId();
        long replicaEpoch = version >= 15 ? req.replicaState().replicaEpoch() : -1;
        // KIP-392: a consumer's fetch from v11 (which carries the client's rack) may be served by a follower.
        boolean leaderOnly = replicaId >= 0 || version < 11;
        String clientRack = leaderOnly ? null : req.rackId();
        List<Item> items = new ArrayList<>(wanted.size());
        for (Wanted w : wanted) {
            items.add(resolve(w, clientRack, ctx.listenerName()));
        }
        FetchParams params = new FetchParams(replicaId, replicaEpoch, req.maxWaitMs(), req.minBytes(),
                Math.max(0, Math.min(req.maxBytes(), brokerMaxBytes)),
                FetchIsolation.of(replicaId, req.isolationLevel() == READ_COMMITTED), leaderOnly);
        FetchOp op = new FetchOp(ctx, sink, params, items, mode, session);
        op.throttle(partitions.leaderQuota());
        op.start();
    }

    /** KIP-320: last_fetched_epoch exists from v12; -1 before. */
    private static int lastFetchedEpoch(FetchRequest.FetchPartition p, short version) {
        return version >= 12 ? p.lastFetchedEpoch() : -1;
    }

    private static FetchKey key(String topic, UUID id, int partition, boolean byId) {
        return byId ? new FetchKey(null, id, partition) : new FetchKey(topic, null, partition);
    }

    private Item resolve(Wanted w, String clientRack, String listener) {
        FetchKey k = w.key();
        String name = k.topic() != null ? k.topic() : partitions.topicName(k.topicId());
        ErrorCode error = null;
        Partition p = null;
        if (name == null) {
            error = ErrorCode.UNKNOWN_TOPIC_ID;
        } else {
            p = partitions.partition(name, k.partition());
            if (p == null) {
                error = partitions.notHosted(name, k.partition());
            } else if (w.currentLeaderEpoch() >= 0 && w.currentLeaderEpoch() != p.leaderEpoch()) {
                error = w.currentLeaderEpoch() < p.leaderEpoch() ? ErrorCode.FENCED_LEADER_EPOCH
                        : ErrorCode.UNKNOWN_LEADER_EPOCH;
            }
        }
        if (error == null && clientRack != null && selector != null) {
            int preferred = ReadReplicaSelector.preferredReadReplica(selector, p, partitions.image(), nodeId, listener,
                    clientRack, w.fetchOffset());
            if (preferred >= 0) {
                // KIP-392: no read here; the consumer goes to the chosen replica with the leader's offsets.
                Item it = new Item(k, null, null, w.fetchOffset(), w.maxBytes(), w.currentLeaderEpoch(),
                        w.lastFetchedEpoch());
                it.preferredReadReplica = preferred;
                long hw = p.highWatermark();
                it.offsets = new long[] {hw, Math.min(p.lastStableOffset(), hw), p.logStartOffset()};
                return it;
            }
        }
        return new Item(k, error == null ? p : null, error, w.fetchOffset(), w.maxBytes(), w.currentLeaderEpoch(),
                w.lastFetchedEpoch());
    }

    private static FetchResponse topLevelError(ErrorCode code) {
        return new FetchResponse().setErrorCode(code.code()).setSessionId(0);
    }

    /** One fetch request, from its first read to its response (possibly after waiting in the purgatory). */
    private final class FetchOp extends DelayedFetch<Item> {
        private final RequestContext ctx;
        private final ResponseSink sink;
        private final Mode mode;
        private final FetchSession session;

        FetchOp(RequestContext ctx, ResponseSink sink, FetchParams params, List<Item> items, Mode mode,
                FetchSession session) {
            super(ctx.executor(), params, items);
            this.ctx = ctx;
            this.sink = sink;
            this.mode = mode;
            this.session = session;
        }

        @Override
        protected void onFetchComplete(boolean expired) {
            List<Item> items = partitions();
            FetchResponse.PartitionData[] data = new FetchResponse.PartitionData[items.size()];
            FileRecords[] files = new FileRecords[items.size()];
            try {
                for (int i = 0; i < items.size(); i++) {
                    Item it = items.get(i);
                    data[i] = partitionData(it);
                    PartitionRead r = it.read();
                    if (r != null && !r.records().isEmpty()) {
                        files[i] = new FileRecords(r.records());
                        data[i].setRecords(files[i]);
                    }
                }
                sink.send(buildResponse(data, files));
            } catch (RuntimeException e) {
                for (int i = 0; i < items.size(); i++) {
                    PartitionRead r = items.get(i).read();
                    if (files[i] != null) {
                        files[i].release();
                    } else if (r != null) {
                        r.records().release();
                    }
                }
                throw e;
            }
        }

        /** The partition's answer, without its records. */
        private FetchResponse.PartitionData partitionData(Item it) {
            FetchResponse.PartitionData pd = new FetchResponse.PartitionData()
                    .setPartitionIndex(it.key.partition()).setHighWatermark(-1).setLastStableOffset(-1)
                    .setLogStartOffset(-1).setPreferredReadReplica(-1).setRecords(NO_RECORDS)
                    .setAbortedTransactions(null);
            if (it.preferredReadReplica >= 0) {
                return pd.setPreferredReadReplica(it.preferredReadReplica).setHighWatermark(it.offsets[0])
                        .setLastStableOffset(it.offsets[1]).setLogStartOffset(it.offsets[2])
                        .setAbortedTransactions(List.of());
            }
            if (it.error != null) {
                // Kafka answers an error partition with its defaults: an empty aborted list, not null.
                return pd.setErrorCode(it.error.code()).setAbortedTransactions(List.of());
            }
            if (it.error() != null) {
                return pd.setErrorCode(DataErrors.code(it.error(), ctx.logPrefix()).code())
                        .setAbortedTransactions(List.of());
            }
            PartitionRead r = it.read();
            pd.setHighWatermark(r.highWatermark()).setLastStableOffset(r.lastStableOffset())
                    .setLogStartOffset(r.logStartOffset());
            EpochEndOffset diverging = it.divergingEpoch();
            if (diverging != null) {
                pd.setDivergingEpoch(new FetchResponse.EpochEndOffset().setEpoch(diverging.leaderEpoch())
                        .setEndOffset(diverging.endOffset()));
            }
            List<AbortedTransaction> aborted = it.abortedTransactions();
            if (aborted != null) {
                List<FetchResponse.AbortedTransaction> out = new ArrayList<>(aborted.size());
                for (AbortedTransaction a : aborted) {
                    out.add(new FetchResponse.AbortedTransaction().setProducerId(a.producerId())
                            .setFirstOffset(a.firstOffset()));
                }
                pd.setAbortedTransactions(out);
            }
            return pd;
        }

        private Message buildResponse(FetchResponse.PartitionData[] data, FileRecords[] files) {
            List<Item> items = partitions();
            FetchResponse resp = new FetchResponse();
            List<FileRecords> sent = new ArrayList<>();
            LinkedHashMap<FetchKey, FetchSession.CachedPartition> newSession =
                    mode == Mode.NEW_SESSION ? new LinkedHashMap<>() : null;
            FetchResponse.FetchableTopicResponse current = null;
            FetchKey currentKey = null;
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                FetchResponse.PartitionData pd = data[i];
                FileRecords f = files[i];
                int recordBytes = f == null ? 0 : f.sizeInBytes();
                boolean include = true;
                if (mode == Mode.INCREMENTAL) {
                    // A diverging epoch (KIP-320) and a preferred read replica (KIP-392) are answered every time:
                    // the fetcher acts on them, though the offsets did not change.
                    include = session.respond(it.key, recordBytes, pd.errorCode(), pd.highWatermark(),
                            pd.lastStableOffset(), pd.logStartOffset()) || it.divergingEpoch() != null
                            || it.preferredReadReplica >= 0;
                } else if (newSession != null) {
                    FetchSession.CachedPartition c = new FetchSession.CachedPartition(it.key, it.fetchOffset(),
                            it.maxBytes(), it.requestLeaderEpoch());
                    c.lastFetchedEpoch = it.requestLastFetchedEpoch();
                    c.mustRespond(recordBytes, pd.errorCode(), pd.highWatermark(), pd.lastStableOffset(),
                            pd.logStartOffset());
                    newSession.put(it.key, c);
                }
                if (!include) {
                    if (f != null) {
                        f.release();
                    }
                    continue;
                }
                if (f != null) {
                    sent.add(f);
                }
                if (current == null || !sameTopic(currentKey, it.key)) {
                    current = new FetchResponse.FetchableTopicResponse();
                    if (it.key.topicId() != null) {
                        current.setTopicId(it.key.topicId());
                    } else {
                        current.setTopic(it.key.topic());
                    }
                    resp.responses().add(current);
                    currentKey = it.key;
                }
                current.partitions().add(pd);
            }
            int sessionId = 0;
            if (mode == Mode.INCREMENTAL) {
                sessionId = session.id();
            } else if (newSession != null) {
                FetchSession s = sessions.create(newSession, params().isFromFollower());
                sessionId = s == null ? 0 : s.id();
            }
            resp.setSessionId(sessionId);
            if (ctx.apiVersion() >= 16) {
                CurrentLeaders.fill(resp, partitions.image(), ctx.listenerName(), ctx.apiVersion());
            }
            return sent.isEmpty() ? resp : new FetchResponseWithFiles(resp, sent);
        }
    }

    private static boolean sameTopic(FetchKey a, FetchKey b) {
        return Objects.equals(a.topic(), b.topic()) && Objects.equals(a.topicId(), b.topicId());
    }
}
