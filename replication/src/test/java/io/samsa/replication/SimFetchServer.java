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
import java.util.List;
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
 * end offset, -2: the log start). No sessions, no throttling. Runs on the broker's network executor. Not thread-safe.
 */
final class SimFetchServer implements SimBrokerNetwork.RequestHandler {
    private final SimBroker broker;
    private final ObjLongConsumer<Partition> onFetchOffset;

    /** {@code onFetchOffset}: told each follower fetch offset the leader is asked for (the test's record). */
    SimFetchServer(SimBroker broker, ObjLongConsumer<Partition> onFetchOffset) {
        this.broker = broker;
        this.onFetchOffset = onFetchOffset;
    }

    /** One partition of the request. */
    private static final class Wanted extends DelayedFetch.PartitionFetch {
        final FetchRequest.FetchTopic topic;
        final int index;
        final ErrorCode unknown;
        /** The leader's answer to a diverging log (KIP-320), else null. */
        final EpochEndOffset diverging;
        long hw;
        long logStart;

        Wanted(FetchRequest.FetchTopic topic, int index, Partition p, ErrorCode unknown, long offset, int maxBytes,
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
        List<Wanted> wanted = new ArrayList<>();
        for (FetchRequest.FetchTopic t : req.topics()) {
            String name = version >= 13 ? broker.replicas.topicName(t.topicId()) : t.topic();
            for (FetchRequest.FetchPartition fp : t.partitions()) {
                Partition p = name == null ? null : broker.replicas.partition(name, fp.partition());
                ErrorCode unknown = name == null && version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID
                        : p == null ? ErrorCode.NOT_LEADER_OR_FOLLOWER : epochError(p, fp.currentLeaderEpoch());
                EpochEndOffset diverging = unknown == null && replicaId >= 0 ? diverging(p, fp) : null;
                if (unknown != null || diverging != null) {
                    p = null;
                }
                if (p != null && replicaId >= 0) {
                    onFetchOffset.accept(p, fp.fetchOffset());
                }
                Partition found = name == null ? null : broker.replicas.partition(name, fp.partition());
                wanted.add(new Wanted(t, fp.partition(), p, unknown, fp.fetchOffset(), fp.partitionMaxBytes(),
                        fp.currentLeaderEpoch(), diverging).at(found));
            }
        }
        FetchParams params = new FetchParams(replicaId, req.maxWaitMs(), req.minBytes(), req.maxBytes(),
                FetchIsolation.of(replicaId, req.isolationLevel() == 1));
        new DelayedFetch<Wanted>(broker.shards.get(0), params, wanted) {
            @Override
            protected void onFetchComplete(boolean expired) {
                try {
                    responder.respond(response(partitions(), version));
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
    private static EpochEndOffset diverging(Partition p, FetchRequest.FetchPartition fp) {
        if (fp.lastFetchedEpoch() < 0) {
            return null;
        }
        EpochEndOffset e = p.log().endOffsetForEpoch(fp.lastFetchedEpoch());
        if (e.endOffset() < 0 && p.leaderEpoch() > fp.lastFetchedEpoch()) {
            // Kafka's leader records its own epoch at its log end when it becomes leader, so an epoch above the
            // latest it wrote ends there: answer as that cache would.
            e = new EpochEndOffset(p.log().latestEpoch(), p.logEndOffset());
        }
        if (e.leaderEpoch() < fp.lastFetchedEpoch() || e.endOffset() < fp.fetchOffset()) {
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

    private static FetchResponse response(List<Wanted> parts, short version) {
        FetchResponse resp = new FetchResponse();
        FetchResponse.FetchableTopicResponse current = null;
        FetchRequest.FetchTopic currentTopic = null;
        for (Wanted w : parts) {
            if (w.topic != currentTopic) {
                currentTopic = w.topic;
                current = new FetchResponse.FetchableTopicResponse().setTopic(w.topic.topic())
                        .setTopicId(w.topic.topicId());
                resp.responses().add(current);
            }
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
            current.partitions().add(pd);
        }
        return resp;
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
