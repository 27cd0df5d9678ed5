package io.samsa.coordinator.group;

import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetDeleteResponse;
import io.samsa.wire.message.OffsetFetchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets of one {@link GroupShard}: OffsetCommit (generation / member epoch checks, simple
 * commits for groups without members), OffsetFetch, OffsetDelete (KIP-496) and expiry after
 * offsets.retention.minutes (KIP-211: counted from when the group became empty). Event thread only.
 */
public final class OffsetProtocol {
    private static final Logger log = LoggerFactory.getLogger(OffsetProtocol.class);

    private final GroupShard shard;
    private final GroupCoordinatorConfig config;
    private final TopicMetadata topics;

    OffsetProtocol(GroupShard shard, GroupCoordinatorConfig config, TopicMetadata topics) {
        this.shard = shard;
        this.config = config;
        this.topics = topics;
    }

    /** One topic of an OffsetFetch: by name (v0-9) or id (v10+); null partitions = every partition. */
    public record FetchTopic(String name, UUID id, List<Integer> partitions) {
    }

    OffsetCommitResponse commit(WriteContext ctx, RequestMeta meta, OffsetCommitRequest req) {
        short v = meta.apiVersion();
        String groupId = req.groupId();
        ErrorCode groupError = groupId == null || groupId.isEmpty() ? ErrorCode.INVALID_GROUP_ID
                : validateCommit(groupId, req.memberId(), v >= 7 ? req.groupInstanceId() : null,
                req.generationIdOrMemberEpoch());
        long expire = v >= 2 && v <= 4 && req.retentionTimeMs() >= 0 ? ctx.now() + req.retentionTimeMs() : -1;
        OffsetCommitResponse resp = new OffsetCommitResponse();
        for (OffsetCommitRequest.OffsetCommitRequestTopic t : req.topics()) {
            OffsetCommitResponse.OffsetCommitResponseTopic rt = new OffsetCommitResponse.OffsetCommitResponseTopic()
                    .setName(t.name()).setTopicId(t.topicId());
            Target target = target(groupError, v >= 10, t.name(), t.topicId());
            String name = target.name();
            for (OffsetCommitRequest.OffsetCommitRequestPartition p : t.partitions()) {
                String md = p.committedMetadata() == null ? "" : p.committedMetadata();
                ErrorCode error = partitionError(target.error(), md);
                if (error == ErrorCode.NONE) {
                    OffsetStore.Committed c = new OffsetStore.Committed(p.committedOffset(),
                            p.committedLeaderEpoch(), md, ctx.now(), expire);
                    ctx.append(GroupRecords.offset(groupId, name, p.partitionIndex(), c));
                }
                rt.partitions().add(new OffsetCommitResponse.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    /** The topic of a commit and its error: an earlier (group) error stands, else an id unknown here. */
    record Target(String name, ErrorCode error) {
    }

    /** The topic a commit names, by name, or by id when {@code byId} (OffsetCommit v10+, TxnOffsetCommit v6+). */
    Target target(ErrorCode groupError, boolean byId, String name, UUID id) {
        if (groupError != ErrorCode.NONE || !byId) {
            return new Target(name, groupError);
        }
        TopicMetadata.Topic topic = topics.topic(id);
        return topic == null ? new Target(name, ErrorCode.UNKNOWN_TOPIC_ID) : new Target(topic.name(), ErrorCode.NONE);
    }

    /** A partition's error: its topic's, else OFFSET_METADATA_TOO_LARGE over offset.metadata.max.bytes. */
    ErrorCode partitionError(ErrorCode topicError, String metadata) {
        return topicError == ErrorCode.NONE && metadata.length() > config.offsetMetadataMaxBytes()
                ? ErrorCode.OFFSET_METADATA_TOO_LARGE : topicError;
    }

    private ErrorCode validateCommit(String groupId, String memberId, String instanceId, int generationOrEpoch) {
        Group g = shard.groups.get(groupId);
        if (g == null) {
            // A simple commit (admin client, assign() consumers): replaying its offsets creates an empty classic
            // group.
            return generationOrEpoch >= 0 ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
        }
        if (g instanceof ClassicGroup cg) {
            if (cg.is(ClassicGroupState.DEAD)) {
                return ErrorCode.COORDINATOR_NOT_AVAILABLE;
            }
            if (generationOrEpoch < 0 && cg.is(ClassicGroupState.EMPTY)) {
                return ErrorCode.NONE;
            }
            ErrorCode member = ClassicGroupProtocol.validateMember(cg, memberId, instanceId);
            if (member != ErrorCode.NONE) {
                return member;
            }
            if (generationOrEpoch != cg.generationId) {
                return ErrorCode.ILLEGAL_GENERATION;
            }
            if (cg.is(ClassicGroupState.COMPLETING_REBALANCE)) {
                return ErrorCode.REBALANCE_IN_PROGRESS;
            }
            return ErrorCode.NONE;
        }
        ConsumerGroup cg = (ConsumerGroup) g;
        if (generationOrEpoch < 0 && cg.members.isEmpty()) {
            return ErrorCode.NONE;
        }
        ConsumerMember m = memberId == null ? null : cg.members.get(memberId);
        if (m == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (generationOrEpoch != m.memberEpoch) {
            return ErrorCode.STALE_MEMBER_EPOCH;
        }
        return ErrorCode.NONE;
    }

    /**
     * The committed offsets of {@code groupId} in the v8+ layout. KIP-848 (v9+): when {@code memberId} is
     * set and the group is a consumer group, the member and its epoch must be current.
     */
    public OffsetFetchResponse.OffsetFetchResponseGroup fetch(String groupId, List<FetchTopic> requested,
                                                              String memberId, int memberEpoch, short version) {
        return fetch(groupId, requested, memberId, memberEpoch, version, false);
    }

    /**
     * As {@link #fetch(String, List, String, int, short)}; with {@code requireStable} (v7+, KIP-447) a partition
     * whose offset is pending in a transaction answers UNSTABLE_OFFSET_COMMIT, so that the consumer waits for the
     * transaction to end.
     */
    public OffsetFetchResponse.OffsetFetchResponseGroup fetch(String groupId, List<FetchTopic> requested,
                                                              String memberId, int memberEpoch, short version,
                                                              boolean requireStable) {
        OffsetFetchResponse.OffsetFetchResponseGroup out = new OffsetFetchResponse.OffsetFetchResponseGroup()
                .setGroupId(groupId);
        if (groupId == null) {
            return out.setErrorCode(ErrorCode.INVALID_GROUP_ID.code());
        }
        if (memberId != null && shard.groups.get(groupId) instanceof ConsumerGroup cg) {
            ConsumerMember m = cg.members.get(memberId);
            if (m == null) {
                return out.setErrorCode(ErrorCode.UNKNOWN_MEMBER_ID.code());
            }
            if (m.memberEpoch != memberEpoch) {
                return out.setErrorCode(ErrorCode.STALE_MEMBER_EPOCH.code());
            }
        }
        Map<String, TreeMap<Integer, OffsetStore.Committed>> committed = shard.offsets.group(groupId);
        List<FetchTopic> wanted = requested;
        if (wanted == null) {
            wanted = new ArrayList<>();
            for (Map.Entry<String, TreeMap<Integer, OffsetStore.Committed>> e : committed.entrySet()) {
                TopicMetadata.Topic t = version >= 10 ? topics.topic(e.getKey()) : null;
                if (version >= 10 && t == null) {
                    continue;
                }
                wanted.add(new FetchTopic(e.getKey(), t == null ? null : t.id(), new ArrayList<>(e.getValue().keySet())));
            }
        }
        for (FetchTopic ft : wanted) {
            String name = ft.name();
            ErrorCode topicError = ErrorCode.NONE;
            if (version >= 10 && requested != null) {
                TopicMetadata.Topic t = topics.topic(ft.id());
                if (t == null) {
                    topicError = ErrorCode.UNKNOWN_TOPIC_ID;
                } else {
                    name = t.name();
                }
            }
            OffsetFetchResponse.OffsetFetchResponseTopics rt = new OffsetFetchResponse.OffsetFetchResponseTopics()
                    .setName(ft.name() == null ? "" : ft.name()).setTopicId(ft.id() == null ? rt0() : ft.id());
            for (int p : ft.partitions()) {
                ErrorCode error = topicError == ErrorCode.NONE && requireStable
                        && shard.offsets.hasPending(groupId, name, p) ? ErrorCode.UNSTABLE_OFFSET_COMMIT : topicError;
                OffsetStore.Committed c = error == ErrorCode.NONE ? shard.offsets.get(groupId, name, p) : null;
                rt.partitions().add(new OffsetFetchResponse.OffsetFetchResponsePartitions().setPartitionIndex(p)
                        .setCommittedOffset(c == null ? -1 : c.offset())
                        .setCommittedLeaderEpoch(c == null ? -1 : c.leaderEpoch())
                        .setMetadata(c == null ? "" : c.metadata()).setErrorCode(error.code()));
            }
            out.topics().add(rt);
        }
        return out;
    }

    private static UUID rt0() {
        return new UUID(0, 0);
    }

    OffsetDeleteResponse delete(WriteContext ctx, OffsetDeleteRequest req) {
        OffsetDeleteResponse resp = new OffsetDeleteResponse();
        String groupId = req.groupId();
        if (groupId == null || groupId.isEmpty()) {
            return resp.setErrorCode(ErrorCode.INVALID_GROUP_ID.code());
        }
        Group g = shard.groups.get(groupId);
        if (g == null) {
            return resp.setErrorCode(ErrorCode.GROUP_ID_NOT_FOUND.code());
        }
        if (g instanceof ClassicGroup cg && !cg.isEmpty()
                && !ClassicGroup.CONSUMER_PROTOCOL_TYPE.equals(cg.protocolType)) {
            return resp.setErrorCode(ErrorCode.NON_EMPTY_GROUP.code());
        }
        Set<String> subscribed = g.isEmpty() ? Set.of() : g.subscribedTopics(topics);
        for (OffsetDeleteRequest.OffsetDeleteRequestTopic t : req.topics()) {
            OffsetDeleteResponse.OffsetDeleteResponseTopic rt = new OffsetDeleteResponse.OffsetDeleteResponseTopic()
                    .setName(t.name());
            for (OffsetDeleteRequest.OffsetDeleteRequestPartition p : t.partitions()) {
                ErrorCode error = ErrorCode.NONE;
                if (subscribed.contains(t.name())) {
                    error = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
                } else if (shard.offsets.get(groupId, t.name(), p.partitionIndex()) != null
                        || shard.offsets.hasPending(groupId, t.name(), p.partitionIndex())) {
                    ctx.append(GroupRecords.offsetTombstone(groupId, t.name(), p.partitionIndex()));
                }
                rt.partitions().add(new OffsetDeleteResponse.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    /** Removes expired offsets (and empty groups left without offsets); returns how many offsets expired. */
    int expire(WriteContext ctx) {
        long now = ctx.now();
        int expired = 0;
        for (String groupId : new ArrayList<>(toList(shard.offsets.groups()))) {
            Group g = shard.groups.get(groupId);
            boolean empty = g == null || g.isEmpty();
            Set<String> subscribed = empty ? Set.of() : g.subscribedTopics(topics);
            if (!empty && (subscribed.isEmpty() || !ClassicGroup.CONSUMER_PROTOCOL_TYPE.equals(g.protocolType()))) {
                continue;
            }
            long emptySince = g instanceof ClassicGroup cg && cg.protocolType != null && empty ? cg.stateTimestamp : -1;
            for (Map.Entry<String, TreeMap<Integer, OffsetStore.Committed>> t
                    : new TreeMap<>(shard.offsets.group(groupId)).entrySet()) {
                if (subscribed.contains(t.getKey())) {
                    continue;
                }
                for (Map.Entry<Integer, OffsetStore.Committed> p : new TreeMap<>(t.getValue()).entrySet()) {
                    if (shard.offsets.hasPending(groupId, t.getKey(), p.getKey())) {
                        // A transaction will set it: expiring it now would drop the transaction's offset too.
                        continue;
                    }
                    OffsetStore.Committed c = p.getValue();
                    boolean dead = c.expireTimestamp() >= 0 ? now >= c.expireTimestamp()
                            : now - Math.max(c.commitTimestamp(), emptySince) >= config.offsetsRetentionMs();
                    if (dead) {
                        ctx.append(GroupRecords.offsetTombstone(groupId, t.getKey(), p.getKey()));
                        expired++;
                    }
                }
            }
            if (empty && !shard.offsets.hasOffsets(groupId) && !shard.offsets.hasPending(groupId) && g != null) {
                GroupRecords.groupTombstones(g).forEach(ctx::append);
                log.info("{}Group {} removed: empty and all its offsets expired", shard.prefix(), groupId);
            }
        }
        // Kafka's cleanup also forgets empty groups that hold no offsets at all (never committed, or their
        // offsets were deleted): nothing else would ever remove them.
        for (Group g : new ArrayList<>(shard.groups.values())) {
            if (g.isEmpty() && !shard.offsets.hasOffsets(g.groupId()) && !shard.offsets.hasPending(g.groupId())) {
                GroupRecords.groupTombstones(g).forEach(ctx::append);
                log.info("{}Group {} removed: empty and without committed offsets", shard.prefix(), g.groupId());
            }
        }
        if (expired > 0) {
            log.info("{}Expired {} offsets", shard.prefix(), expired);
        }
        return expired;
    }

    private static List<String> toList(Iterable<String> it) {
        List<String> out = new ArrayList<>();
        it.forEach(out::add);
        return out;
    }
}
