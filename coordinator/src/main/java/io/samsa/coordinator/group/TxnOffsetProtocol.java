package io.samsa.coordinator.group;

import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.message.TxnOffsetCommitResponse;

/**
 * TxnOffsetCommit (v0-6): offsets committed inside a producer's transaction (a consume-transform-produce loop,
 * Kafka Streams EOS). They are written as OffsetCommit records in a transactional batch of the producer, and stay
 * pending (invisible to OffsetFetch; UNSTABLE_OFFSET_COMMIT with require_stable) until the transaction coordinator's
 * marker reaches this partition: a commit marker makes them the group's offsets, an abort marker drops them
 * ({@link GroupReplay}). The partition checks the producer's epoch when it appends the batch. Event thread only.
 */
final class TxnOffsetProtocol {
    private final GroupShard shard;

    TxnOffsetProtocol(GroupShard shard) {
        this.shard = shard;
    }

    TxnOffsetCommitResponse commit(WriteContext ctx, RequestMeta meta, TxnOffsetCommitRequest req) {
        short v = meta.apiVersion();
        String groupId = req.groupId();
        ErrorCode groupError = groupId == null || groupId.isEmpty() ? ErrorCode.INVALID_GROUP_ID
                : validate(groupId, v >= 3 ? req.memberId() : "", v >= 3 ? req.groupInstanceId() : null,
                v >= 3 ? req.generationIdOrMemberEpoch() : -1, v);
        TxnOffsetCommitResponse resp = new TxnOffsetCommitResponse();
        for (TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic t : req.topics()) {
            TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic rt =
                    new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
            // v6+ (KIP-1319): topics by id.
            OffsetProtocol.Target target = shard.offsetProtocol.target(groupError, v >= 6, t.name(), t.topicId());
            for (TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition p : t.partitions()) {
                String md = p.committedMetadata() == null ? "" : p.committedMetadata();
                ErrorCode error = shard.offsetProtocol.partitionError(target.error(), md);
                if (error == ErrorCode.NONE) {
                    OffsetStore.Committed c = new OffsetStore.Committed(p.committedOffset(),
                            v >= 2 ? p.committedLeaderEpoch() : -1, md, ctx.now(), -1);
                    ctx.appendTransactional(req.producerId(), req.producerEpoch(),
                            GroupRecords.offset(groupId, target.name(), p.partitionIndex(), c));
                }
                rt.partitions().add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    /**
     * Kafka's checks of a transactional commit. Without a member (v0-2, or a producer that does not name its
     * consumer) any group takes the offsets, as Kafka accepts them; a named member must be the group's and at its
     * generation (classic) or epoch (KIP-848).
     */
    private ErrorCode validate(String groupId, String memberId, String instanceId, int generationOrEpoch, short v) {
        boolean anonymous = generationOrEpoch < 0 && (memberId == null || memberId.isEmpty()) && instanceId == null;
        Group g = shard.groups.get(groupId);
        if (g == null) {
            if (generationOrEpoch >= 0) {
                return v >= 6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
            }
            return anonymous ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (g instanceof ClassicGroup cg) {
            if (cg.is(ClassicGroupState.DEAD)) {
                return ErrorCode.COORDINATOR_NOT_AVAILABLE;
            }
            if (anonymous || generationOrEpoch < 0 && cg.is(ClassicGroupState.EMPTY)) {
                return ErrorCode.NONE;
            }
            ErrorCode member = ClassicGroupProtocol.validateMember(cg, memberId, instanceId);
            if (member != ErrorCode.NONE) {
                return member;
            }
            return generationOrEpoch != cg.generationId ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
        }
        ConsumerGroup cg = (ConsumerGroup) g;
        if (anonymous || generationOrEpoch < 0 && cg.members.isEmpty()) {
            return ErrorCode.NONE;
        }
        ConsumerMember m = memberId == null ? null : cg.members.get(memberId);
        if (m == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (generationOrEpoch != m.memberEpoch) {
            // STALE_MEMBER_EPOCH is v6+; older versions know ILLEGAL_GENERATION.
            return v >= 6 ? ErrorCode.STALE_MEMBER_EPOCH : ErrorCode.ILLEGAL_GENERATION;
        }
        return ErrorCode.NONE;
    }
}
