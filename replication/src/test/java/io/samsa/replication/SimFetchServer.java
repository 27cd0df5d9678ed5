package io.samsa.replication;

import io.netty.buffer.Unpooled;
import io.samsa.log.EpochEndOffset;
import io.samsa.log.FileSlice;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.ListOffsetsResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.ObjLongConsumer;

/**
 * The leader's side of the replication simulations: the part of a Fetch handler that follower fetches need, as a
 * {@link SimBrokerNetwork.RequestHandler} on one broker. It resolves each partition (by name before v13, by topic id
 * from v13, KIP-516), fences the request's {@code current_leader_epoch} (FENCED_LEADER_EPOCH when older,
 * UNKNOWN_LEADER_EPOCH when newer, NOT_LEADER_OR_FOLLOWER when this broker does not lead), answers a follower whose
 * {@code last_fetched_epoch} diverges with the diverging epoch of KIP-320 (no records), and otherwise long-polls
 * through {@link DelayedFetch} with the request's replica id (v0-14 {@code replica_id}, v15+ {@code replica_state},
 * KIP-903): a replica id >= 0 reads to the log end and goes through the follower-fetch seam
 * ({@link Partition#checkFollower}, {@link Partition#recordFollowerFetch}); records are copied off the log (the
 * production handler sends them by sendfile). It also answers ListOffsets as a leader answers a replica (-1: the log
 * end offset, -2: the log start). Fetch sessions (KIP-227, v7+) as a leader keeps them: epoch 0 opens one (closing
 * the one named), a wrong epoch is INVALID_FETCH_SESSION_EPOCH, an unknown id FETCH_SESSION_ID_NOT_FOUND (a restarted
 * broker has a new server, so no session survives a restart); an incremental fetch reads every partition of its
 * session, and its answer leaves out those with no records, no error, no divergence and unchanged offsets. No
 * throttling. Runs on the broker's network executor. Not thread-safe.
 */
final class SimFetchServer implements SimBrokerNetwork.RequestHandler {
    private final SimBroker broker;
    private final ObjLongConsumer<Partition> onFetchOffset;
    private final Map<Integer, Session> sessions = new HashMap<>();
    private int nextSessionId = 1;

    /** One fetch session: the epoch its next request must carry and its partitions, in order. */
    private static final class Session {
        final int id;
        int epoch = 1;
        final LinkedHashMap<List<Object>, Cached> partitions = new LinkedHashMap<>();

        Session(int id) {
            this.id = id;
        }
    }

    /** One partition as a request or a session names it, with the offsets last answered for it (-1: none). */
    private static final class Cached {
        final String topic;
        final UUID topicId;
        final int index;
        long fetchOffset;
        int maxBytes;
        int currentLeaderEpoch;
        int lastFetchedEpoch;
        long hw = -1;
        long lso = -1;
        long logStart = -1;

        Cached(String topic, UUID topicId, int index, FetchRequest.FetchPartition fp) {
            this.topic = topic;
            this.topicId = topicId;
            this.index = index;
            update(fp);
        }

        void update(FetchRequest.FetchPartition fp) {
            fetchOffset = fp.fetchOffset();
            maxBytes = fp.partitionMaxBytes();
            currentLeaderEpoch = fp.currentLeaderEpoch();
            lastFetchedEpoch = fp.lastFetchedEpoch();
        }

        /** By topic id from v13 (KIP-516), by name before. */
        List<Object> key(short version) {
            return Arrays.asList(version >= 13 ? topicId : topic, index);
        }
    }

    /** {@code onFetchOffset}: told each follower fetch offset the leader is asked for (the test's record). */
    SimFetchServer(SimBroker broker, ObjLongConsumer<Partition> onFetchOffset) {
        this.broker = broker;
        this.onFetchOffset = onFetchOffset;
    }

    /** One partition of the request. */
    private static final class Wanted extends DelayedFetch.PartitionFetch {
        final Cached topic;
        final int index;
        final ErrorCode unknown;
        /** The leader's answer to a diverging log (KIP-320), else null. */
        final EpochEndOffset diverging;
        long hw;
        long logStart;

        Wanted(Cached topic, int index, Partition p, ErrorCode unknown, long offset, int maxBytes,
               int epoch, EpochEndOffset diverging) {
            super(p, offset, maxBytes, epoch);
            this.topic = topic;
            this.index = index;
            this.unknown = unknown;
            this.diverging = diverging;
        }

        Wanted at(Partition leader) {
            if (leader != null) {
                hw = leader.highWatermark();
                logStart = leader.logStartOffset();
            }
            return this;
        }
    }

    @Override
    public void handle(int from, Message request, short version, SimBrokerNetwork.Responder responder) {
        if (request instanceof ListOffsetsRequest lo) {
            responder.respond(listOffsets(lo, version));
            return;
        }
        FetchRequest req = (FetchRequest) request;
        int replicaId = version >= 15 ? req.replicaState().replicaId() : req.replicaId();
        int sessionEpoch = version >= 7 ? req.sessionEpoch() : -1;
        Session session = null;
        List<Cached> fetches = new ArrayList<>();
        if (sessionEpoch <= 0) {
            sessions.remove(req.sessionId());
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition fp : t.partitions()) {
                    fetches.add(new Cached(t.topic(), t.topicId(), fp.partition(), fp));
                }
            }
            if (sessionEpoch == 0) {
                session = new Session(nextSessionId++);
                for (Cached c : fetches) {
                    session.partitions.put(c.key(version), c);
                }
                sessions.put(session.id, session);
            }
        } else {
            session = sessions.get(req.sessionId());
            ErrorCode error = session == null ? ErrorCode.FETCH_SESSION_ID_NOT_FOUND
                    : session.epoch != sessionEpoch ? ErrorCode.INVALID_FETCH_SESSION_EPOCH : null;
            if (error != null) {
                responder.respond(new FetchResponse().setErrorCode(error.code()));
                return;
            }
            session.epoch = sessionEpoch == Integer.MAX_VALUE ? 1 : sessionEpoch + 1;
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition fp : t.partitions()) {
                    Cached c = new Cached(t.topic(), t.topicId(), fp.partition(), fp);
                    Cached had = session.partitions.putIfAbsent(c.key(version), c);
                    if (had != null) {
                        had.update(fp);
                    }
                }
            }
            for (FetchRequest.ForgottenTopic t : req.forgottenTopicsData()) {
                for (int index : t.partitions()) {
                    session.partitions.remove(Arrays.asList(version >= 13 ? t.topicId() : t.topic(), index));
                }
            }
            fetches.addAll(session.partitions.values());
        }
        List<Wanted> wanted = new ArrayList<>();
        for (Cached c : fetches) {
            String name = version >= 13 ? broker.replicas.topicName(c.topicId) : c.topic;
            Partition p = name == null ? null : broker.replicas.partition(name, c.index);
            ErrorCode unknown = name == null && version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID
                    : p == null ? ErrorCode.NOT_LEADER_OR_FOLLOWER : epochError(p, c.currentLeaderEpoch);
            EpochEndOffset diverging = unknown == null && replicaId >= 0
                    ? diverging(p, c.fetchOffset, c.lastFetchedEpoch) : null;
            if (unknown != null || diverging != null) {
                p = null;
            }
            if (p != null && replicaId >= 0) {
                onFetchOffset.accept(p, c.fetchOffset);
            }
            Partition found = name == null ? null : broker.replicas.partition(name, c.index);
            wanted.add(new Wanted(c, c.index, p, unknown, c.fetchOffset, c.maxBytes, c.currentLeaderEpoch,
                    diverging).at(found));
        }
        Session answering = session;
        boolean incremental = sessionEpoch > 0;
        FetchParams params = new FetchParams(replicaId, req.maxWaitMs(), req.minBytes(), req.maxBytes(),
                FetchIsolation.of(replicaId, req.isolationLevel() == 1));
        new DelayedFetch<Wanted>(broker.shards.get(0), params, wanted) {
            @Override
            protected void onFetchComplete(boolean expired) {
                try {
                    responder.respond(response(partitions(), answering, incremental));
                } finally {
                    for (Wanted w : partitions()) {
                        if (w.read() != null) {
                            w.read().records().release();
                        }
                    }
                }
            }
        }.start();
    }

    /** Kafka's fencing of the request's current leader epoch (KIP-320), or null when it matches or is absent. */
    private static ErrorCode epochError(Partition p, int current) {
        if (!p.isLeader()) {
            return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        }
        if (current < 0 || current == p.leaderEpoch()) {
            return null;
        }
        return current < p.leaderEpoch() ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
    }

    /**
     * The leader's check of a follower's log (KIP-320, Fetch v12+): the end of the largest epoch at or below the
     * follower's last fetched epoch; the follower diverges when that epoch is smaller or ends below the fetch offset.
     */
    private static EpochEndOffset diverging(Partition p, long fetchOffset, int lastFetchedEpoch) {
        if (lastFetchedEpoch < 0) {
            return null;
        }
        EpochEndOffset e = p.log().endOffsetForEpoch(lastFetchedEpoch);
        if (e.endOffset() < 0 && p.leaderEpoch() > lastFetchedEpoch) {
            // Kafka's leader records its own epoch at its log end when it becomes leader, so an epoch above the
            // latest it wrote ends there: answer as that cache would.
            e = new EpochEndOffset(p.log().latestEpoch(), p.logEndOffset());
        }
        if (e.leaderEpoch() < lastFetchedEpoch || e.endOffset() < fetchOffset) {
            return e;
        }
        return null;
    }

    /** ListOffsets as a leader answers a follower: -1 the log end offset (Kafka's, for replica ids), -2 the start. */
    private ListOffsetsResponse listOffsets(ListOffsetsRequest req, short version) {
        ListOffsetsResponse resp = new ListOffsetsResponse();
        for (ListOffsetsRequest.ListOffsetsTopic t : req.topics()) {
            ListOffsetsResponse.ListOffsetsTopicResponse tr = new ListOffsetsResponse.ListOffsetsTopicResponse()
                    .setName(t.name());
            resp.topics().add(tr);
            for (ListOffsetsRequest.ListOffsetsPartition lp : t.partitions()) {
                ListOffsetsResponse.ListOffsetsPartitionResponse pr =
                        new ListOffsetsResponse.ListOffsetsPartitionResponse().setPartitionIndex(lp.partitionIndex());
                tr.partitions().add(pr);
                Partition p = broker.replicas.partition(t.name(), lp.partitionIndex());
                ErrorCode error = p == null ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                        : epochError(p, lp.currentLeaderEpoch());
                if (error != null) {
                    pr.setErrorCode(error.code());
                } else {
                    pr.setOffset(lp.timestamp() == -2 ? p.logStartOffset() : p.logEndOffset())
                            .setLeaderEpoch(p.leaderEpoch());
                }
            }
        }
        return resp;
    }

    /**
     * The answer; with a session, its id, and each partition's offsets remembered: an incremental answer carries a
     * partition only when it has records, an error, a divergence or offsets other than those last answered.
     */
    private static FetchResponse response(List<Wanted> parts, Session session, boolean incremental) {
        FetchResponse resp = new FetchResponse().setSessionId(session == null ? 0 : session.id);
        FetchResponse.FetchableTopicResponse current = null;
        for (Wanted w : parts) {
            FetchResponse.PartitionData pd = partitionData(w);
            Cached c = w.topic;
            boolean changed = pd.errorCode() != 0 || w.diverging != null || pd.records().sizeInBytes() > 0
                    || pd.highWatermark() != c.hw || pd.lastStableOffset() != c.lso
                    || pd.logStartOffset() != c.logStart;
            boolean error = pd.errorCode() != 0;
            c.hw = error ? -1 : pd.highWatermark();
            c.lso = error ? -1 : pd.lastStableOffset();
            c.logStart = error ? -1 : pd.logStartOffset();
            if (incremental && !changed) {
                continue;
            }
            if (current == null || !Objects.equals(current.topic(), c.topic)
                    || !Objects.equals(current.topicId(), c.topicId)) {
                current = new FetchResponse.FetchableTopicResponse().setTopic(c.topic).setTopicId(c.topicId);
                resp.responses().add(current);
            }
            current.partitions().add(pd);
        }
        return resp;
    }

    private static FetchResponse.PartitionData partitionData(Wanted w) {
        FetchResponse.PartitionData pd = new FetchResponse.PartitionData().setPartitionIndex(w.index)
                .setAbortedTransactions(null).setRecords(new ByteBufRecords(Unpooled.EMPTY_BUFFER));
        ErrorCode error = w.unknown != null ? w.unknown
                : w.error() == null ? null
                : w.error() instanceof SamsaException s ? s.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR;
        if (error != null) {
            pd.setErrorCode(error.code());
        } else if (w.diverging != null) {
            pd.divergingEpoch().setEpoch(w.diverging.leaderEpoch()).setEndOffset(w.diverging.endOffset());
            pd.setHighWatermark(w.hw).setLogStartOffset(w.logStart);
        } else {
            PartitionRead r = w.read();
            pd.setHighWatermark(r.highWatermark()).setLastStableOffset(r.lastStableOffset())
                    .setLogStartOffset(r.logStartOffset()).setRecords(ByteBufRecords.wrap(bytes(r.records())));
        }
        return pd;
    }

    /** The slice's bytes, copied (what sendfile would send). */
    private static byte[] bytes(FileSlice slice) {
        ByteBuffer b = ByteBuffer.allocate(slice.length());
        try {
            while (b.hasRemaining()) {
                if (slice.channel().read(b, slice.position() + b.position()) < 0) {
                    throw new AssertionError("A short read of " + slice);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("Cannot read " + slice, e);
        }
        return b.array();
    }
}
