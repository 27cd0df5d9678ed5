package io.samsa.coordinator.group;

import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.runtime.CoordinatorShard;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.HeartbeatResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.LeaveGroupResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetDeleteResponse;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.message.TxnOffsetCommitResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator's state for one partition of {@code __consumer_offsets}: its groups (classic and
 * consumer) and their committed offsets. Operations append records through their {@link WriteContext}, and
 * {@link #replay} ({@link GroupReplay}) applies each one, as it applies the partition's records when it loads.
 * Entry points for every group API (called by {@code GroupCoordinator} through the runtime). Not thread-safe:
 * every method runs on the coordinator's event thread.
 */
public final class GroupShard implements CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(GroupShard.class);
    static final String EXPIRY_TIMER = "offset-expiry";

    final int partition;
    final GroupCoordinatorConfig config;
    final TopicMetadata topics;
    final Map<String, Group> groups = new TreeMap<>();
    final OffsetStore offsets = new OffsetStore();
    final ClassicGroupProtocol classic;
    final ConsumerGroupProtocol consumer;
    final OffsetProtocol offsetProtocol;
    final TxnOffsetProtocol txnOffsetProtocol;
    final GroupAdmin admin;
    private final GroupReplay replay = new GroupReplay(this);
    private final String prefix;

    public GroupShard(int partition, GroupCoordinatorConfig config, TopicMetadata topics) {
        this.partition = partition;
        this.config = config;
        this.topics = topics;
        this.prefix = "[GroupCoordinator partition=" + partition + "] ";
        this.classic = new ClassicGroupProtocol(this, config);
        this.consumer = new ConsumerGroupProtocol(this, config, topics);
        this.offsetProtocol = new OffsetProtocol(this, config, topics);
        this.txnOffsetProtocol = new TxnOffsetProtocol(this);
        this.admin = new GroupAdmin(this);
    }

    String prefix() {
        return prefix;
    }

    ClassicGroup classicGroup(String groupId) {
        return groups.get(groupId) instanceof ClassicGroup g ? g : null;
    }

    ConsumerGroup consumerGroup(String groupId) {
        return groups.get(groupId) instanceof ConsumerGroup g ? g : null;
    }

    // ---- state changes

    @Override
    public void replay(TypedRecord record) {
        replay.replay(record);
    }

    @Override
    public void replayTransactional(long producerId, short producerEpoch, TypedRecord record) {
        replay.replayTransactional(producerId, record);
    }

    @Override
    public void replayEndTransaction(long producerId, short producerEpoch, boolean commit) {
        replay.replayEndTransaction(producerId, commit);
    }

    @Override
    public void onLoaded(WriteContext ctx) {
        int classicGroups = 0;
        int consumerGroups = 0;
        for (Group g : groups.values()) {
            if (g instanceof ClassicGroup cg) {
                classicGroups++;
                for (ClassicMember m : cg.members.values()) {
                    classic.scheduleHeartbeat(ctx, cg, m);
                }
            } else if (g instanceof ConsumerGroup cg) {
                consumerGroups++;
                consumer.onLoaded(ctx, cg);
            }
        }
        scheduleExpiry(ctx);
        log.info("{}Loaded {} classic and {} consumer groups", prefix, classicGroups, consumerGroups);
    }

    private void scheduleExpiry(WriteContext ctx) {
        ctx.schedule(EXPIRY_TIMER, config.offsetsRetentionCheckIntervalMs(), c -> {
            offsetProtocol.expire(c);
            scheduleExpiry(c);
        });
    }

    @Override
    public void onUnloaded() {
        for (Group g : groups.values()) {
            if (g instanceof ClassicGroup cg) {
                ClassicGroupProtocol.failParked(cg);
            }
        }
    }

    // ---- entry points (event thread)

    public CompletableFuture<JoinGroupResponse> joinGroup(WriteContext ctx, RequestMeta meta, JoinGroupRequest req) {
        return classic.join(ctx, meta, req);
    }

    public CompletableFuture<SyncGroupResponse> syncGroup(WriteContext ctx, RequestMeta meta, SyncGroupRequest req) {
        return classic.sync(ctx, meta, req);
    }

    public HeartbeatResponse heartbeat(WriteContext ctx, RequestMeta meta, HeartbeatRequest req) {
        return classic.heartbeat(ctx, meta, req);
    }

    public LeaveGroupResponse leaveGroup(WriteContext ctx, RequestMeta meta, LeaveGroupRequest req) {
        return classic.leave(ctx, meta, req);
    }

    public ConsumerGroupHeartbeatResponse consumerGroupHeartbeat(WriteContext ctx, RequestMeta meta,
                                                                 ConsumerGroupHeartbeatRequest req) {
        return consumer.heartbeat(ctx, meta, req);
    }

    public OffsetCommitResponse commitOffsets(WriteContext ctx, RequestMeta meta, OffsetCommitRequest req) {
        return offsetProtocol.commit(ctx, meta, req);
    }

    public OffsetDeleteResponse deleteOffsets(WriteContext ctx, OffsetDeleteRequest req) {
        return offsetProtocol.delete(ctx, req);
    }

    public TxnOffsetCommitResponse txnCommitOffsets(WriteContext ctx, RequestMeta meta, TxnOffsetCommitRequest req) {
        return txnOffsetProtocol.commit(ctx, meta, req);
    }

    /**
     * Writes the commit or abort marker of producer {@code producerId}'s transaction to this partition (the
     * transaction coordinator's WriteTxnMarkers, through the server): its pending offsets take effect or go.
     */
    public Void completeTransaction(WriteContext ctx, long producerId, short producerEpoch, int coordinatorEpoch,
                                    boolean commit) {
        ctx.appendEndTransaction(producerId, producerEpoch, coordinatorEpoch, commit);
        return null;
    }

    /** Runs offset expiry now (tests; the timer does it every offsets.retention.check.interval.ms). */
    public int expireOffsets(WriteContext ctx) {
        return offsetProtocol.expire(ctx);
    }

    public OffsetProtocol offsets() {
        return offsetProtocol;
    }

    public GroupAdmin admin() {
        return admin;
    }

    /**
     * A deterministic description of every group and offset, to compare a shard with its replay (tests). Covers
     * what the records store; a classic group's rebalance in progress shows in its state name.
     */
    public String describeState() {
        StringBuilder sb = new StringBuilder();
        for (Group g : groups.values()) {
            sb.append(g.type()).append(' ').append(g.groupId()).append(' ').append(g.stateName());
            if (g instanceof ClassicGroup cg) {
                sb.append(" gen=").append(cg.generationId).append(" proto=").append(cg.protocolName)
                        .append(" leader=").append(cg.leaderId).append(" type=").append(cg.protocolType);
                if (cg.protocolType != null) {
                    // A group without a protocol type (a simple group) has no record of its own to date it.
                    sb.append(" since=").append(cg.stateTimestamp);
                }
                for (ClassicMember m : cg.members.values()) {
                    sb.append(" [").append(m.memberId).append(' ').append(m.instanceId).append(' ')
                            .append(Arrays.toString(m.assignment)).append(' ').append(m.clientId)
                            .append(' ').append(m.clientHost).append(' ').append(m.sessionTimeoutMs).append('/')
                            .append(m.rebalanceTimeoutMs).append(' ')
                            .append(Arrays.toString(cg.protocolName == null ? null : m.metadata(cg.protocolName)))
                            .append(']');
                }
            } else if (g instanceof ConsumerGroup cg) {
                sb.append(" epoch=").append(cg.groupEpoch).append(" assignmentEpoch=").append(cg.assignmentEpoch)
                        .append(" hash=").append(cg.metadataHash);
                for (ConsumerMember m : cg.members.values()) {
                    sb.append(" [").append(m.memberId).append(" e=").append(m.memberEpoch).append(' ')
                            .append(m.state).append(' ').append(m.assigned).append(" pending=")
                            .append(m.pendingRevocation).append(" prev=").append(m.previousMemberEpoch)
                            .append(" sub=").append(m.subscribedTopicNames).append('/').append(m.subscribedTopicRegex)
                            .append(' ').append(m.instanceId).append(' ').append(m.rackId).append(' ')
                            .append(m.clientId).append(' ').append(m.clientHost).append(' ')
                            .append(m.rebalanceTimeoutMs).append(' ').append(m.serverAssignor).append(']');
                }
                sb.append(" target=").append(cg.targetAssignment);
            }
            sb.append('\n');
        }
        for (String group : offsets.groups()) {
            sb.append("offsets ").append(group).append(' ').append(offsets.group(group)).append('\n');
        }
        sb.append(offsets.describePending());
        return sb.toString();
    }

    /** Every partition -> owner map of consumer group {@code groupId} (tests check no partition is owned twice). */
    public Map<java.util.UUID, Map<Integer, String>> consumerGroupOwners(String groupId) {
        ConsumerGroup g = consumerGroup(groupId);
        return g == null ? Map.of() : g.ownersView();
    }

    /** Group ids held by this shard. */
    public List<String> groupIds() {
        return List.copyOf(groups.keySet());
    }
}
