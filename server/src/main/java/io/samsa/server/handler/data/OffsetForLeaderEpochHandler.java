package io.samsa.server.handler.data;

import io.samsa.log.EpochEndOffset;
import io.samsa.replication.Partition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.OffsetForLeaderEpochRequest;
import io.samsa.wire.message.OffsetForLeaderEpochResponse;
import io.samsa.wire.protocol.Message;

/**
 * OffsetForLeaderEpoch (key 23), v2-4: for each partition, the largest leader epoch at or below the requested one
 * and the offset where it ended (the log end offset for the latest epoch), from the log's leader-epoch cache;
 * -1/-1 when unknown. Checks the current leader epoch (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH) before the
 * leadership. Consumers use it to validate their position after a leader change (KIP-320); followers (v3+
 * {@code replica_id} = their broker id) to find where to truncate (KIP-101, KIP-279): both read the leader's epoch
 * cache (the log end offset for its latest epoch), so only the leader answers (NOT_LEADER_OR_FOLLOWER elsewhere).
 *
 * <p>Reads lock-free state on the connection's event loop. Stateless and thread-safe.
 */
final class OffsetForLeaderEpochHandler implements ApiHandler {
    private final PartitionLookup partitions;

    OffsetForLeaderEpochHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        OffsetForLeaderEpochRequest req = (OffsetForLeaderEpochRequest) request;
        OffsetForLeaderEpochResponse resp = new OffsetForLeaderEpochResponse();
        for (OffsetForLeaderEpochRequest.OffsetForLeaderTopic t : req.topics()) {
            OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult tr =
                    new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult().setTopic(t.topic());
            resp.topics().add(tr);
            for (OffsetForLeaderEpochRequest.OffsetForLeaderPartition p : t.partitions()) {
                OffsetForLeaderEpochResponse.EpochEndOffset r = new OffsetForLeaderEpochResponse.EpochEndOffset()
                        .setPartition(p.partition()).setLeaderEpoch(-1).setEndOffset(-1);
                tr.partitions().add(r);
                r.setErrorCode(answer(ctx, t.topic(), p, r).code());
            }
        }
        sink.send(resp);
    }

    private ErrorCode answer(RequestContext ctx, String topic, OffsetForLeaderEpochRequest.OffsetForLeaderPartition p,
                             OffsetForLeaderEpochResponse.EpochEndOffset r) {
        Partition part = partitions.partition(topic, p.partition());
        if (part == null) {
            return partitions.notHosted(topic, p.partition());
        }
        // Kafka checks the epoch before the leadership (KAFKA-13837), then serves from the leader only.
        int current = part.leaderEpoch();
        if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() < current) {
            return ErrorCode.FENCED_LEADER_EPOCH;
        }
        if (p.currentLeaderEpoch() > current) {
            return ErrorCode.UNKNOWN_LEADER_EPOCH;
        }
        if (!part.isLeader()) {
            return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        }
        try {
            EpochEndOffset e = part.log().endOffsetForEpoch(p.leaderEpoch());
            r.setLeaderEpoch(e.leaderEpoch()).setEndOffset(e.endOffset());
            return ErrorCode.NONE;
        } catch (RuntimeException e) {
            return DataErrors.code(e, ctx.logPrefix());
        }
    }
}
