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
import io.samsa.coordinator.record.GroupMetadataKey;
import io.samsa.coordinator.record.GroupMetadataValue;
import io.samsa.coordinator.record.OffsetCommitKey;
import io.samsa.coordinator.record.OffsetCommitValue;
import io.samsa.coordinator.runtime.TypedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * Builds the group coordinator's records (schemas in {@code coordinator/src/main/schemas}) from its state, at the
 * versions Kafka writes: OffsetCommit v3 (v1 with an explicit expiry), GroupMetadata v3, the consumer group records
 * v0. Keys are compaction-friendly: a group, a group and member, or a group and partition; a tombstone removes what
 * its key names. {@link GroupReplay} applies them. Stateless.
 */
final class GroupRecords {
    static final short OFFSET_COMMIT_VERSION = 3;
    static final short OFFSET_COMMIT_WITH_EXPIRY_VERSION = 1;
    static final short GROUP_METADATA_VERSION = 3;

    private GroupRecords() {
    }

    // ---- offsets

    static TypedRecord offset(String group, String topic, int partition, OffsetStore.Committed c) {
        boolean expires = c.expireTimestamp() >= 0;
        // v1 carries the expiry but no leader epoch (only OffsetCommit v2-4 set an expiry, and they carry no epoch).
        OffsetCommitValue value = new OffsetCommitValue().setOffset(c.offset())
                .setLeaderEpoch(expires ? -1 : c.leaderEpoch()).setMetadata(c.metadata())
                .setCommitTimestamp(c.commitTimestamp()).setExpireTimestamp(c.expireTimestamp());
        return new TypedRecord(offsetKey(group, topic, partition), value,
                expires ? OFFSET_COMMIT_WITH_EXPIRY_VERSION : OFFSET_COMMIT_VERSION);
    }

    static TypedRecord offsetTombstone(String group, String topic, int partition) {
        return TypedRecord.tombstone(offsetKey(group, topic, partition));
    }

    private static OffsetCommitKey offsetKey(String group, String topic, int partition) {
        return new OffsetCommitKey().setGroup(group).setTopic(topic).setPartition(partition);
    }

    // ---- classic groups

    /**
     * Classic group {@code g} as of a generation: its live members with {@code assignment(member)} as their
     * assignment and the metadata of {@code protocol}.
     */
    static TypedRecord classicGroup(ClassicGroup g, int generation, String protocol, String leader,
                                    long stateTimestamp, Function<ClassicMember, byte[]> assignment) {
        List<GroupMetadataValue.MemberMetadata> members = new ArrayList<>(g.members.size());
        for (ClassicMember m : g.members.values()) {
            byte[] subscription = protocol == null ? null : m.metadata(protocol);
            members.add(new GroupMetadataValue.MemberMetadata().setMemberId(m.memberId)
                    .setGroupInstanceId(m.instanceId).setClientId(nz(m.clientId)).setClientHost(nz(m.clientHost))
                    .setRebalanceTimeout(m.rebalanceTimeoutMs).setSessionTimeout(m.sessionTimeoutMs)
                    .setSubscription(subscription == null ? new byte[0] : subscription)
                    .setAssignment(assignment.apply(m)));
        }
        GroupMetadataValue value = new GroupMetadataValue().setProtocolType(nz(g.protocolType))
                .setGeneration(generation).setProtocol(protocol).setLeader(leader)
                .setCurrentStateTimestamp(stateTimestamp).setMembers(members);
        return new TypedRecord(new GroupMetadataKey().setGroup(g.groupId), value, GROUP_METADATA_VERSION);
    }

    /** Classic group {@code g} as it stands (a static member's rejoin under a new member id). */
    static TypedRecord classicGroup(ClassicGroup g) {
        return classicGroup(g, g.generationId, g.protocolName, g.leaderId, g.stateTimestamp, m -> m.assignment);
    }

    static TypedRecord classicGroupTombstone(String group) {
        return TypedRecord.tombstone(new GroupMetadataKey().setGroup(group));
    }

    /** The tombstones that delete {@code g}: a classic group's one record, or every record of a consumer group. */
    static List<TypedRecord> groupTombstones(Group g) {
        if (g instanceof ConsumerGroup cg) {
            List<TypedRecord> out = new ArrayList<>();
            for (String memberId : cg.members.keySet()) {
                out.addAll(memberTombstones(cg, memberId));
            }
            out.add(TypedRecord.tombstone(new ConsumerGroupTargetAssignmentMetadataKey().setGroupId(cg.groupId)));
            out.add(TypedRecord.tombstone(new ConsumerGroupMetadataKey().setGroupId(cg.groupId)));
            return out;
        }
        return List.of(classicGroupTombstone(g.groupId()));
    }

    // ---- consumer groups (KIP-848)

    static TypedRecord groupEpoch(String group, int epoch, long metadataHash) {
        return new TypedRecord(new ConsumerGroupMetadataKey().setGroupId(group),
                new ConsumerGroupMetadataValue().setEpoch(epoch).setMetadataHash(metadataHash), (short) 0);
    }

    static TypedRecord memberMetadata(String group, ConsumerMember m) {
        ConsumerGroupMemberMetadataValue value = new ConsumerGroupMemberMetadataValue().setInstanceId(m.instanceId)
                .setRackId(m.rackId).setClientId(nz(m.clientId)).setClientHost(nz(m.clientHost))
                .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames))
                .setSubscribedTopicRegex(m.subscribedTopicRegex).setRebalanceTimeoutMs(m.rebalanceTimeoutMs)
                .setServerAssignor(m.serverAssignor);
        return new TypedRecord(new ConsumerGroupMemberMetadataKey().setGroupId(group).setMemberId(m.memberId), value,
                (short) 0);
    }

    static TypedRecord targetAssignmentEpoch(String group, int epoch, long now) {
        return new TypedRecord(new ConsumerGroupTargetAssignmentMetadataKey().setGroupId(group),
                new ConsumerGroupTargetAssignmentMetadataValue().setAssignmentEpoch(epoch).setAssignmentTimestamp(now),
                (short) 0);
    }

    static TypedRecord targetAssignment(String group, String memberId, Map<UUID, TreeSet<Integer>> partitions) {
        List<ConsumerGroupTargetAssignmentMemberValue.TopicPartition> list = new ArrayList<>(partitions.size());
        for (Map.Entry<UUID, TreeSet<Integer>> e : partitions.entrySet()) {
            list.add(new ConsumerGroupTargetAssignmentMemberValue.TopicPartition().setTopicId(e.getKey())
                    .setPartitions(new ArrayList<>(e.getValue())));
        }
        return new TypedRecord(targetKey(group, memberId),
                new ConsumerGroupTargetAssignmentMemberValue().setTopicPartitions(list), (short) 0);
    }

    static TypedRecord targetAssignmentTombstone(String group, String memberId) {
        return TypedRecord.tombstone(targetKey(group, memberId));
    }

    private static ConsumerGroupTargetAssignmentMemberKey targetKey(String group, String memberId) {
        return new ConsumerGroupTargetAssignmentMemberKey().setGroupId(group).setMemberId(memberId);
    }

    static TypedRecord currentAssignment(String group, ConsumerMember m) {
        ConsumerGroupCurrentMemberAssignmentValue value = new ConsumerGroupCurrentMemberAssignmentValue()
                .setMemberEpoch(m.memberEpoch).setPreviousMemberEpoch(m.previousMemberEpoch)
                .setState(m.state.value).setAssignedPartitions(topicPartitions(m.assigned))
                .setPartitionsPendingRevocation(topicPartitions(m.pendingRevocation));
        return new TypedRecord(currentKey(group, m.memberId), value, (short) 0);
    }

    private static ConsumerGroupCurrentMemberAssignmentKey currentKey(String group, String memberId) {
        return new ConsumerGroupCurrentMemberAssignmentKey().setGroupId(group).setMemberId(memberId);
    }

    /**
     * The tombstones that remove member {@code memberId} of {@code g}, in the order Kafka writes them: its current
     * assignment (releasing its partitions), its target assignment, then the member itself.
     */
    static List<TypedRecord> memberTombstones(ConsumerGroup g, String memberId) {
        List<TypedRecord> out = new ArrayList<>(3);
        out.add(TypedRecord.tombstone(currentKey(g.groupId, memberId)));
        if (g.targetAssignment.containsKey(memberId)) {
            out.add(targetAssignmentTombstone(g.groupId, memberId));
        }
        out.add(TypedRecord.tombstone(new ConsumerGroupMemberMetadataKey().setGroupId(g.groupId)
                .setMemberId(memberId)));
        return out;
    }

    private static List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> topicPartitions(
            Map<UUID, TreeSet<Integer>> partitions) {
        List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> list = new ArrayList<>(partitions.size());
        for (Map.Entry<UUID, TreeSet<Integer>> e : partitions.entrySet()) {
            list.add(new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions().setTopicId(e.getKey())
                    .setPartitions(new ArrayList<>(e.getValue())));
        }
        return list;
    }

    /** An upper bound of the bytes {@code r} takes as the only record of a v2 batch (61-byte header). */
    static int sizeInBatch(TypedRecord r) {
        return (int) Math.min(Integer.MAX_VALUE, 61L + r.sizeInBatch());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
