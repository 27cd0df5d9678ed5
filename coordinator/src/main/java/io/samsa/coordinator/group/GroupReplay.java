package io.samsa.coordinator.group;

import io.samsa.coordinator.record.ConsumerGroupCurrentMemberAssignmentKey;
import io.samsa.coordinator.record.ConsumerGroupCurrentMemberAssignmentValue;
import io.samsa.coordinator.record.ConsumerGroupMemberMetadataKey;
import io.samsa.coordinator.record.ConsumerGroupMemberMetadataValue;
import io.samsa.coordinator.record.ConsumerGroupMetadataKey;
import io.samsa.coordinator.record.ConsumerGroupMetadataValue;
import io.samsa.coordinator.record.ConsumerGroupTargetAssignmentMemberKey;
import io.samsa.coordinator.record.ConsumerGroupTargetAssignmentMemberValue;
import io.samsa.coordinator.record.ConsumerGroupTargetAssignmentMetadataKey;
import io.samsa.coordinator.record.ConsumerGroupTargetAssignmentMetadataValue;
import io.samsa.coordinator.record.CoordinatorRecordType;
import io.samsa.coordinator.record.GroupMetadataKey;
import io.samsa.coordinator.record.GroupMetadataValue;
import io.samsa.coordinator.record.OffsetCommitKey;
import io.samsa.coordinator.record.OffsetCommitValue;
import io.samsa.coordinator.runtime.TypedRecord;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Applies one group coordinator record to a {@link GroupShard}'s groups and offsets: the only code that changes a
 * consumer group, an offset, or a classic group's stored generation, whether the record was just written or is
 * being loaded. Kafka's replay rules: an offset commit for an unknown group creates an empty classic group (a
 * "simple" group); a member record creates its consumer group; tombstones remove what their key names. Event thread
 * only; deterministic.
 */
final class GroupReplay {
    private final GroupShard shard;
    /** Records replayed so far, in the partition's order: the order of offsets (see OffsetStore.Committed). */
    private long replayed;

    GroupReplay(GroupShard shard) {
        this.shard = shard;
    }

    /**
     * @throws IllegalStateException when the record contradicts the state (e.g. a partition given to two members)
     */
    void replay(TypedRecord r) {
        replayed++;
        CoordinatorRecordType type = CoordinatorRecordType.fromId(r.type());
        if (type == null) {
            throw new IllegalStateException("The group coordinator has no replay for record type " + r.type());
        }
        switch (type) {
            case OFFSET_COMMIT -> offsetCommit((OffsetCommitKey) r.key(), (OffsetCommitValue) r.value());
            case GROUP_METADATA -> classicGroup(((GroupMetadataKey) r.key()).group(), (GroupMetadataValue) r.value());
            case CONSUMER_GROUP_METADATA -> groupEpoch(((ConsumerGroupMetadataKey) r.key()).groupId(),
                    (ConsumerGroupMetadataValue) r.value());
            case CONSUMER_GROUP_MEMBER_METADATA -> {
                ConsumerGroupMemberMetadataKey k = (ConsumerGroupMemberMetadataKey) r.key();
                memberMetadata(k.groupId(), k.memberId(), (ConsumerGroupMemberMetadataValue) r.value());
            }
            case CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA -> targetEpoch(
                    ((ConsumerGroupTargetAssignmentMetadataKey) r.key()).groupId(),
                    (ConsumerGroupTargetAssignmentMetadataValue) r.value());
            case CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER -> {
                ConsumerGroupTargetAssignmentMemberKey k = (ConsumerGroupTargetAssignmentMemberKey) r.key();
                target(k.groupId(), k.memberId(), (ConsumerGroupTargetAssignmentMemberValue) r.value());
            }
            case CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT -> {
                ConsumerGroupCurrentMemberAssignmentKey k = (ConsumerGroupCurrentMemberAssignmentKey) r.key();
                currentAssignment(k.groupId(), k.memberId(), (ConsumerGroupCurrentMemberAssignmentValue) r.value());
            }
        }
    }

    // ---- offsets

    private void offsetCommit(OffsetCommitKey k, OffsetCommitValue v) {
        if (v == null) {
            shard.offsets.remove(k.group(), k.topic(), k.partition());
            return;
        }
        shard.offsets.put(k.group(), k.topic(), k.partition(), committed(v));
        simpleGroup(k.group(), v.commitTimestamp());
    }

    private OffsetStore.Committed committed(OffsetCommitValue v) {
        return new OffsetStore.Committed(v.offset(), v.leaderEpoch(), v.metadata(), v.commitTimestamp(),
                v.expireTimestamp(), replayed);
    }

    /** An offset for a group that does not exist creates an empty classic group (a "simple" group), as in Kafka. */
    private void simpleGroup(String groupId, long now) {
        if (shard.groups.computeIfAbsent(groupId, g -> new ClassicGroup(g, now)) instanceof ClassicGroup cg) {
            cg.stored = true;
        }
    }

    /**
     * A record of producer {@code producerId}'s transaction (TxnOffsetCommit): an offset that stays pending, invisible
     * to OffsetFetch, until the producer's marker.
     */
    void replayTransactional(long producerId, TypedRecord r) {
        replayed++;
        if (CoordinatorRecordType.fromId(r.type()) != CoordinatorRecordType.OFFSET_COMMIT || r.value() == null) {
            throw new IllegalStateException("A transaction of producer " + producerId + " can only commit offsets, not "
                    + "record type " + r.type() + (r.value() == null ? " tombstones" : ""));
        }
        OffsetCommitKey k = (OffsetCommitKey) r.key();
        OffsetCommitValue v = (OffsetCommitValue) r.value();
        shard.offsets.putPending(producerId, k.group(), k.topic(), k.partition(), committed(v));
        simpleGroup(k.group(), v.commitTimestamp());
    }

    /**
     * Producer {@code producerId}'s transaction ended: on commit its offsets take effect (each unless the partition
     * got a later offset meanwhile), on abort they are dropped.
     */
    void replayEndTransaction(long producerId, boolean commit) {
        replayed++;
        shard.offsets.endTransaction(producerId, commit).forEach(this::simpleGroup);
    }

    // ---- classic groups

    /**
     * The group becomes what the record says: Stable with the record's members, or Empty. Members already held
     * keep their in-memory state (parked requests, the protocols they offered when these still include the
     * stored metadata); others are created with the stored protocol only, as Kafka loads them.
     */
    private void classicGroup(String groupId, GroupMetadataValue v) {
        Group existing = shard.groups.get(groupId);
        if (v == null) {
            if (existing instanceof ClassicGroup) {
                shard.groups.remove(groupId);
            }
            return;
        }
        if (existing instanceof ConsumerGroup) {
            throw new IllegalStateException("Group " + groupId + " is a consumer group, not a classic group");
        }
        ClassicGroup g = existing instanceof ClassicGroup cg ? cg : new ClassicGroup(groupId, 0);
        g.stored = true;
        g.protocolType = v.protocolType().isEmpty() ? null : v.protocolType();
        g.generationId = v.generation();
        g.protocolName = v.protocol();
        LinkedHashMap<String, ClassicMember> members = new LinkedHashMap<>();
        for (GroupMetadataValue.MemberMetadata mm : v.members()) {
            ClassicMember m = g.members.get(mm.memberId());
            if (m == null || !Objects.equals(m.instanceId, mm.groupInstanceId())) {
                m = new ClassicMember(mm.memberId(), mm.groupInstanceId(), mm.clientId(), mm.clientHost(),
                        mm.rebalanceTimeout(), mm.sessionTimeout(), List.of());
            }
            m.clientId = mm.clientId();
            m.clientHost = mm.clientHost();
            m.rebalanceTimeoutMs = mm.rebalanceTimeout();
            m.sessionTimeoutMs = mm.sessionTimeout();
            if (v.protocol() != null && !Arrays.equals(m.metadata(v.protocol()), mm.subscription())) {
                m.protocols = List.of(new ClassicMember.Protocol(v.protocol(), mm.subscription()));
            }
            m.assignment = mm.assignment();
            members.put(m.memberId, m);
        }
        g.members.clear();
        g.staticMembers.clear();
        g.leaderId = null;
        for (ClassicMember m : members.values()) {
            g.add(m);
        }
        g.leaderId = members.isEmpty() ? null : v.leader();
        g.transitionTo(members.isEmpty() ? ClassicGroupState.EMPTY : ClassicGroupState.STABLE,
                v.currentStateTimestamp());
        shard.groups.put(groupId, g);
    }

    // ---- consumer groups

    private ConsumerGroup consumerGroup(String groupId, boolean create) {
        Group g = shard.groups.get(groupId);
        if (g instanceof ConsumerGroup cg) {
            return cg;
        }
        if (g != null) {
            throw new IllegalStateException("Group " + groupId + " is a classic group, not a consumer group");
        }
        if (!create) {
            return null;
        }
        ConsumerGroup cg = new ConsumerGroup(groupId);
        shard.groups.put(groupId, cg);
        return cg;
    }

    private void groupEpoch(String groupId, ConsumerGroupMetadataValue v) {
        if (v == null) {
            ConsumerGroup g = consumerGroup(groupId, false);
            if (g != null) {
                if (!g.members.isEmpty()) {
                    throw new IllegalStateException("Consumer group " + groupId + " is deleted with "
                            + g.members.size() + " members left");
                }
                shard.groups.remove(groupId);
            }
            return;
        }
        ConsumerGroup g = consumerGroup(groupId, true);
        g.groupEpoch = v.epoch();
        g.metadataHash = v.metadataHash();
    }

    private void memberMetadata(String groupId, String memberId, ConsumerGroupMemberMetadataValue v) {
        if (v == null) {
            ConsumerGroup g = consumerGroup(groupId, false);
            if (g != null) {
                g.removeMember(memberId);
            }
            return;
        }
        ConsumerGroup g = consumerGroup(groupId, true);
        ConsumerMember m = g.members.get(memberId);
        if (m == null) {
            m = new ConsumerMember(memberId);
            g.addMember(m);
        }
        g.setInstanceId(m, v.instanceId());
        m.rackId = v.rackId();
        m.clientId = v.clientId();
        m.clientHost = v.clientHost();
        m.subscribedTopicNames = List.copyOf(v.subscribedTopicNames());
        m.subscribedTopicRegex = v.subscribedTopicRegex();
        m.rebalanceTimeoutMs = v.rebalanceTimeoutMs();
        m.serverAssignor = v.serverAssignor();
    }

    private void targetEpoch(String groupId, ConsumerGroupTargetAssignmentMetadataValue v) {
        ConsumerGroup g = consumerGroup(groupId, v != null);
        if (g != null) {
            g.assignmentEpoch = v == null ? 0 : v.assignmentEpoch();
        }
    }

    private void target(String groupId, String memberId, ConsumerGroupTargetAssignmentMemberValue v) {
        ConsumerGroup g = consumerGroup(groupId, v != null);
        if (v == null) {
            if (g != null) {
                g.targetAssignment.remove(memberId);
            }
            return;
        }
        TreeMap<UUID, TreeSet<Integer>> partitions = new TreeMap<>();
        for (ConsumerGroupTargetAssignmentMemberValue.TopicPartition tp : v.topicPartitions()) {
            partitions.computeIfAbsent(tp.topicId(), t -> new TreeSet<>()).addAll(tp.partitions());
        }
        g.targetAssignment.put(memberId, partitions);
    }

    private void currentAssignment(String groupId, String memberId, ConsumerGroupCurrentMemberAssignmentValue v) {
        ConsumerGroup g = consumerGroup(groupId, false);
        ConsumerMember m = g == null ? null : g.members.get(memberId);
        if (m == null) {
            if (v == null) {
                return;
            }
            throw new IllegalStateException("Consumer group " + groupId + " has no member " + memberId
                    + " to give an assignment to");
        }
        if (v == null) {
            g.assign(m, new TreeMap<>(), new TreeMap<>());
            m.memberEpoch = 0;
            m.previousMemberEpoch = 0;
            m.state = ConsumerMember.State.STABLE;
            return;
        }
        g.assign(m, partitions(v.assignedPartitions()), partitions(v.partitionsPendingRevocation()));
        m.memberEpoch = v.memberEpoch();
        m.previousMemberEpoch = v.previousMemberEpoch();
        m.state = ConsumerMember.State.of(v.state());
    }

    private static TreeMap<UUID, TreeSet<Integer>> partitions(
            List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> list) {
        TreeMap<UUID, TreeSet<Integer>> out = new TreeMap<>();
        for (ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions tp : list) {
            out.computeIfAbsent(tp.topicId(), t -> new TreeSet<>()).addAll(tp.partitions());
        }
        return out;
    }
}
