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
            shard.groups.remove(groupId);
            ctx.append(GroupRecords.groupTombstone(GroupRecords.CLASSIC_GROUP, groupId));
            existing = null;
        }
        ConsumerGroup group = (ConsumerGroup) existing;
        if (group == null) {
            if (epoch != 0) {
                return error(ErrorCode.UNKNOWN_MEMBER_ID, "Group " + groupId + " has no member " + req.memberId());
            }
            group = new ConsumerGroup(groupId);
            shard.groups.put(groupId, group);
        }
        boolean dirty = false;
        boolean bump = false;
        ConsumerMember member;
        String memberId = req.memberId() == null || req.memberId().isEmpty() ? UUID.randomUUID().toString()
                : req.memberId();
        if (epoch == 0) {
            member = group.members.get(memberId);
            String instanceId = req.instanceId();
            String staticId = instanceId == null ? null : group.staticMembers.get(instanceId);
            if (staticId != null && !staticId.equals(memberId)) {
                ConsumerMember old = group.members.get(staticId);
                if (old.memberEpoch != ConsumerMember.LEAVE_STATIC_EPOCH) {
                    return error(ErrorCode.UNRELEASED_INSTANCE_ID, "Static member " + instanceId
                            + " of group " + groupId + " is still in use by " + staticId);
                }
                // KIP-848 static membership: the new incarnation takes over the partitions.
                ctx.cancel(sessionKey(groupId, staticId));
                group.renameMember(old, memberId);
                old.memberEpoch = old.previousMemberEpoch;
                member = old;
                dirty = true;
            } else if (member == null) {
                if (group.members.size() >= config.maxGroupSize()) {
                    return error(ErrorCode.GROUP_MAX_SIZE_REACHED, "Group " + groupId + " has reached its maximum "
                            + "size of " + config.maxGroupSize());
                }
                member = new ConsumerMember(memberId);
                member.instanceId = instanceId;
                group.addMember(member);
                bump = true;
                log.info("{}Member {} joined consumer group {}", shard.prefix(), memberId, groupId);
            } else {
                // A known member rejoining owns nothing: give back what it held.
                group.releaseAll(memberId, member.assigned);
                group.releaseAll(memberId, member.pendingRevocation);
                member.assigned = new TreeMap<>();
                member.pendingRevocation = new TreeMap<>();
                member.state = ConsumerMember.State.STABLE;
                member.memberEpoch = 0;
                dirty = true;
            }
        } else {
            member = group.members.get(memberId);
            if (member == null) {
                return error(ErrorCode.UNKNOWN_MEMBER_ID, "Group " + groupId + " has no member " + memberId);
            }
            if (epoch > member.memberEpoch || (epoch < member.memberEpoch
                    && !(epoch == member.previousMemberEpoch && ownsSubset(req.topicPartitions(), member.assigned)))) {
                return error(ErrorCode.FENCED_MEMBER_EPOCH, "Member " + memberId + " of group " + groupId
                        + " sent epoch " + epoch + " but its epoch is " + member.memberEpoch);
            }
        }
        dirty |= updateMember(member, meta, req);
        if (req.subscribedTopicNames() != null) {
            List<String> names = List.copyOf(new TreeSet<>(req.subscribedTopicNames()));
            if (!names.equals(member.subscribedTopicNames)) {
                member.subscribedTopicNames = names;
                bump = true;
            }
        }
        if (req.subscribedTopicRegex() != null
                && !Objects.equals(emptyToNull(req.subscribedTopicRegex()), member.subscribedTopicRegex)) {
            member.subscribedTopicRegex = emptyToNull(req.subscribedTopicRegex());
            bump = true;
        }
        bump |= refreshSubscriptionMetadata(group);
        if (bump) {
            group.groupEpoch++;
            dirty = true;
        }
        dirty |= maybeComputeTargetAssignment(group);
        boolean changed = reconcile(group, member, req.topicPartitions());
        dirty |= changed;
        scheduleTimeouts(ctx, group, member);
        if (dirty) {
            ctx.append(GroupRecords.consumerGroup(group));
        }
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

    private static boolean updateMember(ConsumerMember m, RequestMeta meta, ConsumerGroupHeartbeatRequest req) {
        boolean dirty = false;
        if (req.rebalanceTimeoutMs() > 0 && req.rebalanceTimeoutMs() != m.rebalanceTimeoutMs) {
            m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
            dirty = true;
        }
        if (req.rackId() != null && !req.rackId().equals(m.rackId)) {
            m.rackId = req.rackId();
            dirty = true;
        }
        if (req.serverAssignor() != null && !req.serverAssignor().equals(m.serverAssignor)) {
            m.serverAssignor = req.serverAssignor().toLowerCase(Locale.ROOT);
            dirty = true;
        }
        String clientId = meta.clientId() == null ? "" : meta.clientId();
        String host = meta.clientHost() == null ? "" : meta.clientHost();
        if (!clientId.equals(m.clientId) || !host.equals(m.clientHost)) {
            m.clientId = clientId;
            m.clientHost = host;
            dirty = true;
        }
        return dirty;
    }

    /** Re-resolves every member's subscription against the topics; true when the result changed. */
    private boolean refreshSubscriptionMetadata(ConsumerGroup group) {
        TreeMap<String, TopicMetadata.Topic> next = new TreeMap<>();
        for (ConsumerMember m : group.members.values()) {
            for (TopicMetadata.Topic t : resolve(m)) {
                next.put(t.name(), t);
            }
        }
        if (next.equals(group.subscriptionMetadata)) {
            return false;
        }
        group.subscriptionMetadata = next;
        return true;
    }

    private List<TopicMetadata.Topic> resolve(ConsumerMember m) {
        List<TopicMetadata.Topic> out = new ArrayList<>();
        for (String name : m.subscribedTopicNames) {
            TopicMetadata.Topic t = topics.topic(name);
            if (t != null) {
                out.add(t);
            }
        }
        Pattern p = m.pattern();
        if (p != null) {
            for (TopicMetadata.Topic t : topics.topics()) {
                if (!t.name().startsWith("__") && p.matcher(t.name()).matches()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private boolean maybeComputeTargetAssignment(ConsumerGroup group) {
        if (group.groupEpoch <= group.assignmentEpoch) {
            return false;
        }
        PartitionAssignor assignor = PartitionAssignor.named(preferredAssignor(group));
        TreeMap<String, Set<UUID>> subs = new TreeMap<>();
        Map<UUID, Integer> counts = new HashMap<>();
        for (ConsumerMember m : group.members.values()) {
            Set<UUID> ids = new HashSet<>();
            for (TopicMetadata.Topic t : resolve(m)) {
                TopicMetadata.Topic known = group.subscriptionMetadata.get(t.name());
                if (known != null) {
                    ids.add(known.id());
                    counts.put(known.id(), known.numPartitions());
                }
            }
            subs.put(m.memberId, ids);
        }
        group.targetAssignment = assignor.assign(subs, counts, group.targetAssignment);
        group.assignmentEpoch = group.groupEpoch;
        group.assignorName = assignor.name();
        log.info("{}Computed target assignment of consumer group {} at epoch {} with assignor {} for {} members",
                shard.prefix(), group.groupId, group.assignmentEpoch, assignor.name(), group.members.size());
        return true;
    }

    /** The assignor most members ask for, else the broker's default (the first of group.consumer.assignors). */
    private String preferredAssignor(ConsumerGroup group) {
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
     * Moves {@code m} towards its target assignment: first it must revoke what it loses (its epoch stays),
     * then it gets the target epoch and the target partitions that nobody else still owns.
     */
    boolean reconcile(ConsumerGroup group, ConsumerMember m,
                      List<ConsumerGroupHeartbeatRequest.TopicPartitions> owned) {
        if (m.state == ConsumerMember.State.UNREVOKED_PARTITIONS) {
            if (owned == null || ownsAny(owned, m.pendingRevocation)) {
                return false;
            }
            group.releaseAll(m.memberId, m.pendingRevocation);
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
                for (int p : e.getValue()) {
                    group.own(m.memberId, e.getKey(), p);
                    keep.computeIfAbsent(e.getKey(), x -> new TreeSet<>()).add(p);
                }
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

    private void removeMember(WriteContext ctx, ConsumerGroup g, String memberId) {
        ctx.cancel(sessionKey(g.groupId, memberId));
        ctx.cancel(revocationKey(g.groupId, memberId));
        g.removeMember(memberId);
        refreshSubscriptionMetadata(g);
        g.groupEpoch++;
        maybeComputeTargetAssignment(g);
        ctx.append(GroupRecords.consumerGroup(g));
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
                m.previousMemberEpoch = m.memberEpoch;
                m.memberEpoch = ConsumerMember.LEAVE_STATIC_EPOCH;
            }
            ctx.append(GroupRecords.consumerGroup(g));
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
