package io.samsa.coordinator.group;

import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KIP-848 consumer group protocol (ConsumerGroupHeartbeat) over the groups of one {@link GroupShard}:
 * member epochs, a target assignment computed by a server-side assignor whenever the group epoch moves
 * (members, subscriptions or subscribed topics' partition counts change), and incremental reconciliation:
 * a member first revokes what it loses and only then gets partitions, and a partition goes to its new
 * owner only after the previous owner has revoked it. Session and revocation timeouts fence members.
 * Event thread only.
 */
final class ConsumerGroupProtocol {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupProtocol.class);

    private final GroupShard shard;
    private final GroupCoordinatorConfig config;
    private final TopicMetadata topics;

    ConsumerGroupProtocol(GroupShard shard, GroupCoordinatorConfig config, TopicMetadata topics) {
        this.shard = shard;
        this.config = config;
        this.topics = topics;
    }

    ConsumerGroupHeartbeatResponse heartbeat(WriteContext ctx, RequestMeta meta, ConsumerGroupHeartbeatRequest req) {
        String error = validate(req);
        if (error != null) {
            return error(ErrorCode.INVALID_REQUEST, error);
        }
        if (req.serverAssignor() != null
                && !config.consumerAssignors().contains(req.serverAssignor().toLowerCase(Locale.ROOT))) {
            return error(ErrorCode.UNSUPPORTED_ASSIGNOR, "Unsupported assignor " + req.serverAssignor()
                    + "; this broker offers " + config.consumerAssignors());
        }
        if (req.subscribedTopicRegex() != null && !req.subscribedTopicRegex().isEmpty()) {
            try {
                Pattern.compile(req.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return error(ErrorCode.INVALID_REGULAR_EXPRESSION, "Invalid regular expression "
                        + req.subscribedTopicRegex());
            }
        }
        String groupId = req.groupId();
        int epoch = req.memberEpoch();
        if (epoch < 0) {
            return leave(ctx, req);
        }
        Group existing = shard.groups.get(groupId);
        if (existing instanceof ClassicGroup cg) {
            if (!cg.isEmpty()) {
                return error(ErrorCode.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a consumer group");
            }
            // An empty classic group becomes a consumer group; its committed offsets stay.
            ctx.append(GroupRecords.classicGroupTombstone(groupId));
            existing = null;
        }
        ConsumerGroup group = (ConsumerGroup) existing;
        if (group == null && epoch != 0) {
            return error(ErrorCode.UNKNOWN_MEMBER_ID, "Group " + groupId + " has no member " + req.memberId());
        }
        String memberId = req.memberId() == null || req.memberId().isEmpty() ? UUID.randomUUID().toString()
                : req.memberId();
        // The member as this heartbeat leaves it: a copy, made real by the records written below.
        ConsumerMember current = group == null ? null : group.members.get(memberId);
        ConsumerMember updated;
        boolean bump = false;
        TreeMap<UUID, TreeSet<Integer>> inheritedTarget = null;
        if (epoch == 0) {
            String instanceId = req.instanceId();
            String staticId = instanceId == null || group == null ? null : group.staticMembers.get(instanceId);
            if (staticId != null && !staticId.equals(memberId)) {
                ConsumerMember old = group.members.get(staticId);
                if (old.memberEpoch != ConsumerMember.LEAVE_STATIC_EPOCH) {
                    return error(ErrorCode.UNRELEASED_INSTANCE_ID, "Static member " + instanceId
                            + " of group " + groupId + " is still in use by " + staticId);
                }
                // KIP-848 static membership: the new incarnation takes over the partitions and the target.
                ctx.cancel(sessionKey(groupId, staticId));
                ctx.cancel(revocationKey(groupId, staticId));
                updated = old.copyAs(memberId);
                updated.memberEpoch = old.previousMemberEpoch;
                inheritedTarget = group.targetAssignment.get(staticId);
                GroupRecords.memberTombstones(group, staticId).forEach(ctx::append);
                current = null;
            } else if (current == null) {
                if (group != null && group.members.size() >= config.maxGroupSize()) {
                    return error(ErrorCode.GROUP_MAX_SIZE_REACHED, "Group " + groupId + " has reached its maximum "
                            + "size of " + config.maxGroupSize());
                }
                updated = new ConsumerMember(memberId);
                updated.instanceId = instanceId;
                bump = true;
                log.info("{}Member {} joined consumer group {}", shard.prefix(), memberId, groupId);
            } else {
                // A known member rejoining owns nothing: it gives back what it held.
                updated = current.copy();
                updated.assigned = new TreeMap<>();
                updated.pendingRevocation = new TreeMap<>();
                updated.state = ConsumerMember.State.STABLE;
                updated.memberEpoch = 0;
            }
        } else {
            if (current == null) {
                return error(ErrorCode.UNKNOWN_MEMBER_ID, "Group " + groupId + " has no member " + memberId);
            }
            boolean previousEpochRetry = epoch == current.previousMemberEpoch
                    && ownsSubset(req.topicPartitions(), current.assigned);
            if (epoch > current.memberEpoch || (epoch < current.memberEpoch && !previousEpochRetry)) {
                return error(ErrorCode.FENCED_MEMBER_EPOCH, "Member " + memberId + " of group " + groupId
                        + " sent epoch " + epoch + " but its epoch is " + current.memberEpoch);
            }
            updated = current.copy();
        }
        updateMember(updated, meta, req);
        if (req.subscribedTopicNames() != null) {
            List<String> names = List.copyOf(new TreeSet<>(req.subscribedTopicNames()));
            if (!names.equals(updated.subscribedTopicNames)) {
                updated.subscribedTopicNames = names;
                bump = true;
            }
        }
        if (req.subscribedTopicRegex() != null
                && !Objects.equals(emptyToNull(req.subscribedTopicRegex()), updated.subscribedTopicRegex)) {
            updated.subscribedTopicRegex = emptyToNull(req.subscribedTopicRegex());
            bump = true;
        }
        if (current == null || !updated.sameMetadata(current)) {
            ctx.append(GroupRecords.memberMetadata(groupId, updated));
            group = shard.consumerGroup(groupId);
        }
        if (inheritedTarget != null) {
            ctx.append(GroupRecords.targetAssignment(groupId, memberId, inheritedTarget));
        }
        long hash = subscriptionHash(group);
        if (bump || hash != group.metadataHash) {
            ctx.append(GroupRecords.groupEpoch(groupId, group.groupEpoch + 1, hash));
        }
        maybeComputeTargetAssignment(ctx, group);
        boolean changed = reconcile(group, updated, req.topicPartitions());
        if (current == null || !updated.sameAssignment(current)) {
            ctx.append(GroupRecords.currentAssignment(groupId, updated));
        }
        ConsumerMember member = group.members.get(memberId);
        scheduleTimeouts(ctx, group, member);
        ConsumerGroupHeartbeatResponse resp = new ConsumerGroupHeartbeatResponse().setMemberId(member.memberId)
                .setMemberEpoch(member.memberEpoch).setHeartbeatIntervalMs(config.consumerHeartbeatIntervalMs());
        if (epoch == 0 || changed || req.topicPartitions() != null && !sameAs(req.topicPartitions(), member.assigned)) {
            resp.setAssignment(assignment(member.assigned));
        }
        return resp;
    }

    private static String validate(ConsumerGroupHeartbeatRequest req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return "GroupId can't be empty.";
        }
        int epoch = req.memberEpoch();
        if (epoch < ConsumerMember.LEAVE_STATIC_EPOCH) {
            return "MemberEpoch " + epoch + " is invalid.";
        }
        if (epoch != 0 && (req.memberId() == null || req.memberId().isEmpty())) {
            return "MemberId can't be empty.";
        }
        if (epoch == ConsumerMember.LEAVE_STATIC_EPOCH && req.instanceId() == null) {
            return "InstanceId can't be null when leaving with epoch -2.";
        }
        if (epoch == 0) {
            if (req.rebalanceTimeoutMs() == -1) {
                return "RebalanceTimeoutMs must be provided in first request.";
            }
            if (req.topicPartitions() != null && !req.topicPartitions().isEmpty()) {
                return "TopicPartitions must be empty when (re-)joining.";
            }
            if (req.subscribedTopicNames() == null && req.subscribedTopicRegex() == null) {
                return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.";
            }
        }
        return null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void updateMember(ConsumerMember m, RequestMeta meta, ConsumerGroupHeartbeatRequest req) {
        if (req.rebalanceTimeoutMs() > 0) {
            m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        }
        if (req.rackId() != null) {
            m.rackId = req.rackId();
        }
        if (req.serverAssignor() != null) {
            m.serverAssignor = req.serverAssignor().toLowerCase(Locale.ROOT);
        }
        m.clientId = meta.clientId() == null ? "" : meta.clientId();
        m.clientHost = meta.clientHost() == null ? "" : meta.clientHost();
    }

    /**
     * A hash of the topics the members subscribe to (names, ids, partition counts; KIP-1101's metadata hash): when
     * it changes, the group moves to a new epoch. 0 when they subscribe to no existing topic.
     */
    private long subscriptionHash(ConsumerGroup group) {
        TreeMap<String, TopicMetadata.Topic> subscribed = new TreeMap<>();
        for (ConsumerMember m : group.members.values()) {
            for (TopicMetadata.Topic t : m.subscribedTopics(topics)) {
                subscribed.put(t.name(), t);
            }
        }
        if (subscribed.isEmpty()) {
            return 0;
        }
        long h = 0xcbf29ce484222325L;
        for (TopicMetadata.Topic t : subscribed.values()) {
            for (int i = 0; i < t.name().length(); i++) {
                h = fnv(h, t.name().charAt(i));
            }
            h = fnv(fnv(fnv(h, t.id().getMostSignificantBits()), t.id().getLeastSignificantBits()), t.numPartitions());
        }
        return h;
    }

    /** FNV-1a over the eight bytes of {@code v}. */
    private static long fnv(long h, long v) {
        for (int i = 0; i < 8; i++) {
            h ^= (v >>> (8 * i)) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * At a new group epoch, computes the target assignment and writes what changed: the target of each member
     * whose share moved, then the assignment epoch.
     */
    private void maybeComputeTargetAssignment(WriteContext ctx, ConsumerGroup group) {
        if (group.groupEpoch <= group.assignmentEpoch) {
            return;
        }
        PartitionAssignor assignor = PartitionAssignor.named(preferredAssignor(group));
        TreeMap<String, Set<UUID>> subs = new TreeMap<>();
        Map<UUID, Integer> counts = new HashMap<>();
        for (ConsumerMember m : group.members.values()) {
            Set<UUID> ids = new HashSet<>();
            for (TopicMetadata.Topic t : m.subscribedTopics(topics)) {
                ids.add(t.id());
                counts.put(t.id(), t.numPartitions());
            }
            subs.put(m.memberId, ids);
        }
        TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> next = assignor.assign(subs, counts, group.targetAssignment);
        for (String memberId : new ArrayList<>(group.targetAssignment.keySet())) {
            if (!next.containsKey(memberId)) {
                ctx.append(GroupRecords.targetAssignmentTombstone(group.groupId, memberId));
            }
        }
        for (Map.Entry<String, TreeMap<UUID, TreeSet<Integer>>> e : next.entrySet()) {
            if (!e.getValue().equals(group.targetAssignment.get(e.getKey()))) {
                ctx.append(GroupRecords.targetAssignment(group.groupId, e.getKey(), e.getValue()));
            }
        }
        ctx.append(GroupRecords.targetAssignmentEpoch(group.groupId, group.groupEpoch, ctx.now()));
        log.info("{}Computed target assignment of consumer group {} at epoch {} with assignor {} for {} members",
                shard.prefix(), group.groupId, group.assignmentEpoch, assignor.name(), group.members.size());
    }

    /**
     * The assignor most members ask for, else the broker's default (the first of group.consumer.assignors): the one
     * the next target assignment uses, and the one ConsumerGroupDescribe reports.
     */
    String preferredAssignor(ConsumerGroup group) {
        Map<String, Integer> votes = new HashMap<>();
        for (ConsumerMember m : group.members.values()) {
            if (m.serverAssignor != null) {
                votes.merge(m.serverAssignor, 1, Integer::sum);
            }
        }
        String best = config.consumerAssignors().get(0);
        int bestVotes = 0;
        for (String a : config.consumerAssignors()) {
            int v = votes.getOrDefault(a, 0);
            if (v > bestVotes) {
                best = a;
                bestVotes = v;
            }
        }
        return best;
    }

    /**
     * Moves {@code m} (a copy of the member, not yet written) towards its target assignment: first it must revoke
     * what it loses (its epoch stays), then it gets the target epoch and the target partitions that nobody else
     * still owns. Returns whether its assignment, epoch or state moved.
     */
    boolean reconcile(ConsumerGroup group, ConsumerMember m,
                      List<ConsumerGroupHeartbeatRequest.TopicPartitions> owned) {
        if (m.state == ConsumerMember.State.UNREVOKED_PARTITIONS) {
            if (owned == null || ownsAny(owned, m.pendingRevocation)) {
                return false;
            }
            m.pendingRevocation = new TreeMap<>();
            m.state = ConsumerMember.State.STABLE;
        } else if (m.state == ConsumerMember.State.STABLE && m.memberEpoch == group.assignmentEpoch) {
            return false;
        }
        TreeMap<UUID, TreeSet<Integer>> target = group.targetAssignment.getOrDefault(m.memberId, new TreeMap<>());
        TreeMap<UUID, TreeSet<Integer>> keep = new TreeMap<>();
        TreeMap<UUID, TreeSet<Integer>> revoke = new TreeMap<>();
        TreeMap<UUID, TreeSet<Integer>> gain = new TreeMap<>();
        boolean unreleased = false;
        Set<UUID> topicIds = new TreeSet<>(m.assigned.keySet());
        topicIds.addAll(target.keySet());
        for (UUID t : topicIds) {
            TreeSet<Integer> cur = m.assigned.getOrDefault(t, new TreeSet<>());
            TreeSet<Integer> tgt = target.getOrDefault(t, new TreeSet<>());
            for (int p : cur) {
                (tgt.contains(p) ? keep : revoke).computeIfAbsent(t, x -> new TreeSet<>()).add(p);
            }
            for (int p : tgt) {
                if (cur.contains(p)) {
                    continue;
                }
                String owner = group.owner(t, p);
                if (owner == null || owner.equals(m.memberId)) {
                    gain.computeIfAbsent(t, x -> new TreeSet<>()).add(p);
                } else {
                    unreleased = true;
                }
            }
        }
        TreeMap<UUID, TreeSet<Integer>> before = m.assigned;
        int epochBefore = m.memberEpoch;
        ConsumerMember.State stateBefore = m.state;
        if (!revoke.isEmpty()) {
            m.assigned = keep;
            m.pendingRevocation = revoke;
            m.state = ConsumerMember.State.UNREVOKED_PARTITIONS;
        } else {
            for (Map.Entry<UUID, TreeSet<Integer>> e : gain.entrySet()) {
                keep.computeIfAbsent(e.getKey(), x -> new TreeSet<>()).addAll(e.getValue());
            }
            m.assigned = keep;
            if (m.memberEpoch != group.assignmentEpoch) {
                m.previousMemberEpoch = m.memberEpoch;
                m.memberEpoch = group.assignmentEpoch;
            }
            m.state = unreleased ? ConsumerMember.State.UNRELEASED_PARTITIONS : ConsumerMember.State.STABLE;
        }
        return !before.equals(m.assigned) || epochBefore != m.memberEpoch || stateBefore != m.state;
    }

    private void scheduleTimeouts(WriteContext ctx, ConsumerGroup group, ConsumerMember m) {
        String groupId = group.groupId;
        String memberId = m.memberId;
        ctx.schedule(sessionKey(groupId, memberId), config.consumerSessionTimeoutMs(),
                c -> fence(c, groupId, memberId, "session timeout of " + config.consumerSessionTimeoutMs() + " ms"));
        if (m.state == ConsumerMember.State.UNREVOKED_PARTITIONS) {
            if (!ctx.isScheduled(revocationKey(groupId, memberId))) {
                int epoch = m.memberEpoch;
                ctx.schedule(revocationKey(groupId, memberId), Math.max(1, m.rebalanceTimeoutMs), c -> {
                    ConsumerGroup g = shard.consumerGroup(groupId);
                    ConsumerMember mm = g == null ? null : g.members.get(memberId);
                    if (mm != null && mm.state == ConsumerMember.State.UNREVOKED_PARTITIONS
                            && mm.memberEpoch == epoch) {
                        fence(c, groupId, memberId, "no revocation within the rebalance timeout");
                    }
                });
            }
        } else {
            ctx.cancel(revocationKey(groupId, memberId));
        }
    }

    /** Removes a member that stopped heartbeating (or revoking) and moves the group to a new epoch. */
    void fence(WriteContext ctx, String groupId, String memberId, String reason) {
        ConsumerGroup g = shard.consumerGroup(groupId);
        if (g == null || !g.members.containsKey(memberId)) {
            return;
        }
        log.info("{}Fencing member {} of consumer group {}: {}", shard.prefix(), memberId, groupId, reason);
        removeMember(ctx, g, memberId);
    }

    /** Writes the member's tombstones, then the group's next epoch and the target assignment without it. */
    private void removeMember(WriteContext ctx, ConsumerGroup g, String memberId) {
        ctx.cancel(sessionKey(g.groupId, memberId));
        ctx.cancel(revocationKey(g.groupId, memberId));
        GroupRecords.memberTombstones(g, memberId).forEach(ctx::append);
        ctx.append(GroupRecords.groupEpoch(g.groupId, g.groupEpoch + 1, subscriptionHash(g)));
        maybeComputeTargetAssignment(ctx, g);
    }

    private ConsumerGroupHeartbeatResponse leave(WriteContext ctx, ConsumerGroupHeartbeatRequest req) {
        ConsumerGroup g = shard.consumerGroup(req.groupId());
        ConsumerMember m = g == null ? null : g.members.get(req.memberId());
        if (m == null) {
            return error(ErrorCode.UNKNOWN_MEMBER_ID, "Group " + req.groupId() + " has no member " + req.memberId());
        }
        if (req.memberEpoch() == ConsumerMember.LEAVE_STATIC_EPOCH) {
            // A static member leaving temporarily keeps its partitions until its session times out.
            if (m.memberEpoch != ConsumerMember.LEAVE_STATIC_EPOCH) {
                ConsumerMember updated = m.copy();
                updated.previousMemberEpoch = m.memberEpoch;
                updated.memberEpoch = ConsumerMember.LEAVE_STATIC_EPOCH;
                ctx.append(GroupRecords.currentAssignment(g.groupId, updated));
            }
            log.info("{}Static member {} ({}) of consumer group {} left temporarily", shard.prefix(), m.memberId,
                    m.instanceId, g.groupId);
        } else {
            log.info("{}Member {} left consumer group {}", shard.prefix(), m.memberId, g.groupId);
            removeMember(ctx, g, m.memberId);
        }
        return new ConsumerGroupHeartbeatResponse().setMemberId(req.memberId()).setMemberEpoch(req.memberEpoch())
                .setHeartbeatIntervalMs(0);
    }

    private static boolean ownsAny(List<ConsumerGroupHeartbeatRequest.TopicPartitions> owned,
                                   Map<UUID, TreeSet<Integer>> partitions) {
        for (ConsumerGroupHeartbeatRequest.TopicPartitions tp : owned) {
            TreeSet<Integer> set = partitions.get(tp.topicId());
            if (set != null) {
                for (int p : tp.partitions()) {
                    if (set.contains(p)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean ownsSubset(List<ConsumerGroupHeartbeatRequest.TopicPartitions> owned,
                                      Map<UUID, TreeSet<Integer>> assigned) {
        if (owned == null) {
            return false;
        }
        for (ConsumerGroupHeartbeatRequest.TopicPartitions tp : owned) {
            TreeSet<Integer> set = assigned.get(tp.topicId());
            for (int p : tp.partitions()) {
                if (set == null || !set.contains(p)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean sameAs(List<ConsumerGroupHeartbeatRequest.TopicPartitions> owned,
                                  Map<UUID, TreeSet<Integer>> assigned) {
        Map<UUID, TreeSet<Integer>> o = new TreeMap<>();
        for (ConsumerGroupHeartbeatRequest.TopicPartitions tp : owned) {
            if (!tp.partitions().isEmpty()) {
                o.computeIfAbsent(tp.topicId(), x -> new TreeSet<>()).addAll(tp.partitions());
            }
        }
        Map<UUID, TreeSet<Integer>> a = new TreeMap<>(assigned);
        a.values().removeIf(TreeSet::isEmpty);
        return o.equals(a);
    }

    private static ConsumerGroupHeartbeatResponse.Assignment assignment(Map<UUID, TreeSet<Integer>> assigned) {
        List<ConsumerGroupHeartbeatResponse.TopicPartitions> list = new ArrayList<>();
        for (Map.Entry<UUID, TreeSet<Integer>> e : assigned.entrySet()) {
            list.add(new ConsumerGroupHeartbeatResponse.TopicPartitions().setTopicId(e.getKey())
                    .setPartitions(new ArrayList<>(e.getValue())));
        }
        return new ConsumerGroupHeartbeatResponse.Assignment().setTopicPartitions(list);
    }

    static ConsumerGroupHeartbeatResponse error(ErrorCode code, String message) {
        return new ConsumerGroupHeartbeatResponse().setErrorCode(code.code()).setErrorMessage(message);
    }

    static String sessionKey(String groupId, String memberId) {
        return "consumer-session:" + groupId + ":" + memberId;
    }

    static String revocationKey(String groupId, String memberId) {
        return "consumer-revocation:" + groupId + ":" + memberId;
    }

    /** After loading: every member's session starts now. */
    void onLoaded(WriteContext ctx, ConsumerGroup group) {
        for (ConsumerMember m : group.members.values()) {
            scheduleTimeouts(ctx, group, m);
        }
    }
}
