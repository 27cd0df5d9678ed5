package io.samsa.coordinator.group;

import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.runtime.CoordinatorShard;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator's state for one partition of {@code __consumer_offsets}: its groups (classic and
 * consumer) and their committed offsets, rebuilt by {@link #replay} when the partition loads. Entry points
 * for every group API (called by {@code GroupCoordinator} through the runtime). Not thread-safe: every
 * method runs on the coordinator's event thread.
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
    final GroupAdmin admin;
    private final String prefix;

    public GroupShard(int partition, GroupCoordinatorConfig config, TopicMetadata topics) {
        this.partition = partition;
        this.config = config;
        this.topics = topics;
        this.prefix = "[GroupCoordinator partition=" + partition + "] ";
        this.classic = new ClassicGroupProtocol(this, config);
        this.consumer = new ConsumerGroupProtocol(this, config, topics);
        this.offsetProtocol = new OffsetProtocol(this, config, topics);
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

    // ---- loading

    @Override
    public void replay(long offset, byte[] key, byte[] value) {
        GroupRecords.Key k = GroupRecords.decodeKey(key);
        switch (k.type()) {
            case GroupRecords.OFFSET_COMMIT -> {
                if (value == null) {
                    offsets.remove(k.group(), k.topic(), k.partition());
                } else {
                    offsets.put(k.group(), k.topic(), k.partition(), OffsetStore.Committed.decode(value));
                    groups.computeIfAbsent(k.group(), g -> new ClassicGroup(g, 0));
                }
            }
            case GroupRecords.CLASSIC_GROUP -> {
                if (value == null) {
                    if (groups.get(k.group()) instanceof ClassicGroup) {
                        groups.remove(k.group());
                    }
                } else {
                    groups.put(k.group(), ClassicGroup.decode(k.group(), value));
                }
            }
            case GroupRecords.CONSUMER_GROUP -> {
                if (value == null) {
                    if (groups.get(k.group()) instanceof ConsumerGroup) {
                        groups.remove(k.group());
                    }
                } else {
                    groups.put(k.group(), ConsumerGroup.decode(k.group(), value));
                }
            }
            default -> log.warn("{}Ignoring record of unknown type {} at offset {}", prefix, k.type(), offset);
        }
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

    /** A compact, deterministic description of the whole state, to compare a shard with its replay (tests). */
    public String describeState() {
        StringBuilder sb = new StringBuilder();
        for (Group g : groups.values()) {
            sb.append(g.type()).append(' ').append(g.groupId()).append(' ').append(g.stateName());
            if (g instanceof ClassicGroup cg) {
                sb.append(" gen=").append(cg.generationId).append(" proto=").append(cg.protocolName)
                        .append(" leader=").append(cg.leaderId);
                for (ClassicMember m : cg.members.values()) {
                    sb.append(" [").append(m.memberId).append(' ').append(m.instanceId).append(' ')
                            .append(java.util.Arrays.toString(m.assignment)).append(']');
                }
            } else if (g instanceof ConsumerGroup cg) {
                sb.append(" epoch=").append(cg.groupEpoch).append(" assignmentEpoch=").append(cg.assignmentEpoch);
                for (ConsumerMember m : cg.members.values()) {
                    sb.append(" [").append(m.memberId).append(" e=").append(m.memberEpoch).append(' ')
                            .append(m.state).append(' ').append(m.assigned).append(" pending=")
                            .append(m.pendingRevocation).append(']');
                }
                sb.append(" target=").append(cg.targetAssignment);
            }
            sb.append('\n');
        }
        for (String group : offsets.groups()) {
            sb.append("offsets ").append(group).append(' ').append(offsets.group(group)).append('\n');
        }
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
