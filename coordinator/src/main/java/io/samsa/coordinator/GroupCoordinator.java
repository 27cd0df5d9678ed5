package io.samsa.coordinator;

import static io.samsa.coordinator.Futures.all;
import static io.samsa.coordinator.Futures.code;

import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.coordinator.group.GroupShard;
import io.samsa.coordinator.group.OffsetProtocol;
import io.samsa.coordinator.record.GroupRecordSerde;
import io.samsa.coordinator.runtime.CoordinatorRuntime;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupDescribeRequest;
import io.samsa.wire.message.ConsumerGroupDescribeResponse;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.DeleteGroupsResponse;
import io.samsa.wire.message.DescribeGroupsRequest;
import io.samsa.wire.message.DescribeGroupsResponse;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.HeartbeatResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.LeaveGroupResponse;
import io.samsa.wire.message.ListGroupsRequest;
import io.samsa.wire.message.ListGroupsResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetDeleteResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.message.TxnOffsetCommitResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The group coordinator: consumer groups (classic JoinGroup/SyncGroup and KIP-848 ConsumerGroupHeartbeat)
 * and committed offsets, kept in the partitions of {@code __consumer_offsets} that this broker leads. The
 * server calls {@link #onElection}/{@link #onResignation} as leadership of those partitions moves, and one
 * method per API; each returns the response to send (with the protocol's error codes filled in; the future
 * never fails). Thread-safe: work runs on the runtime's single event thread; futures may complete on it.
 */
public final class GroupCoordinator implements AutoCloseable {
    /** The internal topic holding groups and offsets. */
    public static final String TOPIC = "__consumer_offsets";

    private final GroupCoordinatorConfig config;
    private final CoordinatorRuntime<GroupShard> runtime;

    public GroupCoordinator(GroupCoordinatorConfig config, Clock clock, Scheduler scheduler, Executor executor,
                            CoordinatorPartitionWriter writer, CoordinatorLoader loader, TopicMetadata topics) {
        this.config = config;
        this.runtime = new CoordinatorRuntime<>(TOPIC, clock, scheduler, executor, writer, loader,
                new GroupRecordSerde(), p -> new GroupShard(p, config, topics));
    }

    /** Kafka's placement: {@code Utils.abs(groupId.hashCode()) % n}, where abs(MIN_VALUE) is 0. */
    public static int partitionFor(String groupId, int numPartitions) {
        int h = groupId.hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % numPartitions;
    }

    public int partitionFor(String groupId) {
        return partitionFor(groupId == null ? "" : groupId, config.numPartitions());
    }

    public GroupCoordinatorConfig config() {
        return config;
    }

    /**
     * Why a record with key {@code key} in {@code __consumer_offsets} cannot be read by this version, or null: the
     * partition was written in Samsa's group record format from before the records took Kafka's layout. For a
     * start-up check of the data directory (the first record of each partition tells); loading such a partition
     * fails with the same message.
     */
    public static String previousFormatProblem(byte[] key) {
        return GroupRecordSerde.previousFormatProblem(key);
    }

    /** This broker now leads {@code partition} of __consumer_offsets in {@code leaderEpoch}: load it. */
    public void onElection(int partition, int leaderEpoch) {
        runtime.scheduleLoad(partition, leaderEpoch);
    }

    /** This broker no longer leads {@code partition} (as of {@code leaderEpoch}; -1 = any): unload it. */
    public void onResignation(int partition, int leaderEpoch) {
        runtime.scheduleUnload(partition, leaderEpoch);
    }

    /** Whether {@code partition} is loaded and serving. */
    public CompletableFuture<Boolean> isActive(int partition) {
        return runtime.isActive(partition);
    }

    // ---- classic protocol

    public CompletableFuture<JoinGroupResponse> joinGroup(RequestMeta meta, JoinGroupRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "JoinGroup", (s, ctx) -> s.joinGroup(ctx, meta, req))
                .thenCompose(f -> f)
                .exceptionally(t -> new JoinGroupResponse().setErrorCode(code(t)).setGenerationId(-1)
                        .setMemberId(req.memberId() == null ? "" : req.memberId()));
    }

    public CompletableFuture<SyncGroupResponse> syncGroup(RequestMeta meta, SyncGroupRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "SyncGroup", (s, ctx) -> s.syncGroup(ctx, meta, req))
                .thenCompose(f -> f)
                .exceptionally(t -> new SyncGroupResponse().setErrorCode(code(t)).setAssignment(new byte[0]));
    }

    public CompletableFuture<HeartbeatResponse> heartbeat(RequestMeta meta, HeartbeatRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "Heartbeat", (s, ctx) -> s.heartbeat(ctx, meta, req))
                .exceptionally(t -> new HeartbeatResponse().setErrorCode(code(t)));
    }

    public CompletableFuture<LeaveGroupResponse> leaveGroup(RequestMeta meta, LeaveGroupRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "LeaveGroup",
                        (s, ctx) -> s.leaveGroup(ctx, meta, req))
                .exceptionally(t -> new LeaveGroupResponse().setErrorCode(code(t)));
    }

    // ---- KIP-848

    public CompletableFuture<ConsumerGroupHeartbeatResponse> consumerGroupHeartbeat(
            RequestMeta meta, ConsumerGroupHeartbeatRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new ConsumerGroupHeartbeatResponse()
                    .setErrorCode(ErrorCode.INVALID_REQUEST.code()).setErrorMessage("GroupId can't be empty."));
        }
        return runtime.scheduleWrite(partitionFor(req.groupId()), "ConsumerGroupHeartbeat",
                        (s, ctx) -> s.consumerGroupHeartbeat(ctx, meta, req))
                .exceptionally(t -> new ConsumerGroupHeartbeatResponse().setErrorCode(code(t)));
    }

    public CompletableFuture<ConsumerGroupDescribeResponse> consumerGroupDescribe(
            RequestMeta meta, ConsumerGroupDescribeRequest req) {
        List<CompletableFuture<ConsumerGroupDescribeResponse.DescribedGroup>> parts = new ArrayList<>();
        for (String groupId : req.groupIds()) {
            parts.add(runtime.scheduleRead(partitionFor(groupId), "ConsumerGroupDescribe",
                            s -> s.admin().describeConsumerGroup(groupId))
                    .exceptionally(t -> new ConsumerGroupDescribeResponse.DescribedGroup().setGroupId(groupId)
                            .setErrorCode(code(t)).setGroupState("").setAssignorName("")));
        }
        return all(parts).thenApply(list -> new ConsumerGroupDescribeResponse().setGroups(list));
    }

    // ---- offsets

    public CompletableFuture<OffsetCommitResponse> commitOffsets(RequestMeta meta, OffsetCommitRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "OffsetCommit",
                        (s, ctx) -> s.commitOffsets(ctx, meta, req))
                .exceptionally(t -> commitError(req, code(t)));
    }

    private static OffsetCommitResponse commitError(OffsetCommitRequest req, short code) {
        OffsetCommitResponse resp = new OffsetCommitResponse();
        for (OffsetCommitRequest.OffsetCommitRequestTopic t : req.topics()) {
            OffsetCommitResponse.OffsetCommitResponseTopic rt = new OffsetCommitResponse.OffsetCommitResponseTopic()
                    .setName(t.name()).setTopicId(t.topicId());
            for (OffsetCommitRequest.OffsetCommitRequestPartition p : t.partitions()) {
                rt.partitions().add(new OffsetCommitResponse.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(code));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    public CompletableFuture<OffsetFetchResponse> fetchOffsets(RequestMeta meta, OffsetFetchRequest req) {
        short v = meta.apiVersion();
        if (v >= 8) {
            List<CompletableFuture<OffsetFetchResponse.OffsetFetchResponseGroup>> parts = new ArrayList<>();
            for (OffsetFetchRequest.OffsetFetchRequestGroup g : req.groups()) {
                List<OffsetProtocol.FetchTopic> topics = null;
                if (g.topics() != null) {
                    topics = new ArrayList<>();
                    for (OffsetFetchRequest.OffsetFetchRequestTopics t : g.topics()) {
                        topics.add(new OffsetProtocol.FetchTopic(t.name(), t.topicId(), t.partitionIndexes()));
                    }
                }
                parts.add(fetchGroup(g.groupId(), topics, v >= 9 ? g.memberId() : null, g.memberEpoch(), v,
                        req.requireStable()));
            }
            return all(parts).thenApply(list -> new OffsetFetchResponse().setGroups(list));
        }
        List<OffsetProtocol.FetchTopic> topics = null;
        if (req.topics() != null) {
            topics = new ArrayList<>();
            for (OffsetFetchRequest.OffsetFetchRequestTopic t : req.topics()) {
                topics.add(new OffsetProtocol.FetchTopic(t.name(), null, t.partitionIndexes()));
            }
        }
        return fetchGroup(req.groupId(), topics, null, -1, v, v >= 7 && req.requireStable())
                .thenApply(g -> toLegacy(g, v));
    }

    private CompletableFuture<OffsetFetchResponse.OffsetFetchResponseGroup> fetchGroup(
            String groupId, List<OffsetProtocol.FetchTopic> topics, String memberId, int memberEpoch, short v,
            boolean requireStable) {
        if (groupId == null || groupId.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetFetchResponse.OffsetFetchResponseGroup()
                    .setGroupId(groupId == null ? "" : groupId).setErrorCode(ErrorCode.INVALID_GROUP_ID.code()));
        }
        return runtime.scheduleRead(partitionFor(groupId), "OffsetFetch",
                        s -> s.offsets().fetch(groupId, topics, memberId, memberEpoch, v, requireStable))
                .exceptionally(t -> new OffsetFetchResponse.OffsetFetchResponseGroup().setGroupId(groupId)
                        .setErrorCode(code(t)));
    }

    /** The v0-7 layout: one group, a top-level error (v2+) or, in v0-1, the group error on every partition. */
    private static OffsetFetchResponse toLegacy(OffsetFetchResponse.OffsetFetchResponseGroup g, short v) {
        OffsetFetchResponse resp = new OffsetFetchResponse();
        if (v >= 2) {
            resp.setErrorCode(g.errorCode());
        }
        for (OffsetFetchResponse.OffsetFetchResponseTopics t : g.topics()) {
            OffsetFetchResponse.OffsetFetchResponseTopic rt = new OffsetFetchResponse.OffsetFetchResponseTopic()
                    .setName(t.name());
            for (OffsetFetchResponse.OffsetFetchResponsePartitions p : t.partitions()) {
                rt.partitions().add(new OffsetFetchResponse.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch()).setMetadata(p.metadata())
                        .setErrorCode(v < 2 && g.errorCode() != 0 ? g.errorCode() : p.errorCode()));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    // ---- transactional offsets

    /**
     * TxnOffsetCommit v0-6: offsets committed in a producer's transaction, pending until the transaction's marker
     * reaches the group's partition ({@link #completeTransaction}). The server has already added the partition to the
     * transaction (AddOffsetsToTxn for V1 producers; for v5+ V2 producers, the handler's own AddPartitionsToTxn).
     */
    public CompletableFuture<TxnOffsetCommitResponse> txnCommitOffsets(RequestMeta meta, TxnOffsetCommitRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "TxnOffsetCommit",
                        (s, ctx) -> s.txnCommitOffsets(ctx, meta, req))
                .exceptionally(t -> txnCommitError(req, Futures.error(t)));
    }

    /** TxnOffsetCommit's answer with {@code code} for every partition of {@code req}. */
    public static TxnOffsetCommitResponse txnCommitError(TxnOffsetCommitRequest req, ErrorCode code) {
        TxnOffsetCommitResponse resp = new TxnOffsetCommitResponse();
        for (TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic t : req.topics()) {
            TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic rt =
                    new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
            for (TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition p : t.partitions()) {
                rt.partitions().add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(code.code()));
            }
            resp.topics().add(rt);
        }
        return resp;
    }

    /**
     * The transaction coordinator's commit ({@code commit}) or abort marker for producer {@code producerId} at
     * {@code producerEpoch}, from coordinator epoch {@code coordinatorEpoch}, to {@code __consumer_offsets} partition
     * {@code partition}: the server calls it instead of appending the marker itself (WriteTxnMarkers for a partition
     * of this topic), so that the group coordinator writes the marker and replays it in one step: the producer's
     * pending offsets take effect or are dropped. Completes with NONE once the marker is committed, or with the
     * error for the marker's partition (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, the write's error). Never
     * fails.
     */
    public CompletableFuture<ErrorCode> completeTransaction(int partition, long producerId, short producerEpoch,
                                                           int coordinatorEpoch, boolean commit) {
        return runtime.scheduleWrite(partition, "CompleteTransaction",
                        (s, ctx) -> s.completeTransaction(ctx, producerId, producerEpoch, coordinatorEpoch, commit))
                .thenApply(v -> ErrorCode.NONE)
                .exceptionally(Futures::error);
    }

    public CompletableFuture<OffsetDeleteResponse> deleteOffsets(RequestMeta meta, OffsetDeleteRequest req) {
        return runtime.scheduleWrite(partitionFor(req.groupId()), "OffsetDelete",
                        (s, ctx) -> s.deleteOffsets(ctx, req))
                .exceptionally(t -> new OffsetDeleteResponse().setErrorCode(code(t)));
    }

    // ---- admin

    public CompletableFuture<ListGroupsResponse> listGroups(RequestMeta meta, ListGroupsRequest req) {
        Set<String> states = new HashSet<>();
        Set<String> types = new HashSet<>();
        if (meta.apiVersion() >= 4) {
            req.statesFilter().forEach(s -> states.add(s.toLowerCase(Locale.ROOT)));
        }
        if (meta.apiVersion() >= 5) {
            req.typesFilter().forEach(s -> types.add(s.toLowerCase(Locale.ROOT)));
        }
        return runtime.scheduleReadAll("ListGroups", s -> s.admin().list(states, types))
                .thenApply(r -> {
                    ListGroupsResponse resp = new ListGroupsResponse();
                    r.results().forEach(resp.groups()::addAll);
                    if (r.anyLoading()) {
                        resp.setErrorCode(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code());
                    }
                    return resp;
                })
                .exceptionally(t -> new ListGroupsResponse().setErrorCode(code(t)));
    }

    public CompletableFuture<DescribeGroupsResponse> describeGroups(RequestMeta meta, DescribeGroupsRequest req) {
        List<CompletableFuture<DescribeGroupsResponse.DescribedGroup>> parts = new ArrayList<>();
        for (String groupId : req.groups()) {
            parts.add(runtime.scheduleRead(partitionFor(groupId), "DescribeGroups",
                            s -> s.admin().describe(groupId, meta.apiVersion()))
                    .exceptionally(t -> new DescribeGroupsResponse.DescribedGroup().setGroupId(groupId)
                            .setErrorCode(code(t)).setGroupState("").setProtocolType("").setProtocolData("")));
        }
        return all(parts).thenApply(list -> new DescribeGroupsResponse().setGroups(list));
    }

    public CompletableFuture<DeleteGroupsResponse> deleteGroups(RequestMeta meta, DeleteGroupsRequest req) {
        List<CompletableFuture<DeleteGroupsResponse.DeletableGroupResult>> parts = new ArrayList<>();
        for (String groupId : req.groupsNames()) {
            parts.add(runtime.scheduleWrite(partitionFor(groupId), "DeleteGroups",
                            (s, ctx) -> s.admin().delete(ctx, groupId))
                    .exceptionally(t -> new DeleteGroupsResponse.DeletableGroupResult().setGroupId(groupId)
                            .setErrorCode(code(t))));
        }
        return all(parts).thenApply(list -> new DeleteGroupsResponse().setResults(list));
    }

    // ---- tests and operations

    /** Runs offset expiry on every loaded partition now. */
    public void expireOffsetsNow() {
        runtime.scheduleWriteAll("ExpireOffsets", (s, ctx) -> s.expireOffsets(ctx));
    }

    /** Reads a loaded partition's shard on the event thread (tests: state checks). */
    public <T> CompletableFuture<T> readShard(int partition, Function<GroupShard, T> op) {
        return runtime.scheduleRead(partition, "ReadShard", op);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
