package io.samsa.coordinator.group;

import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupDescribeResponse;
import io.samsa.wire.message.DeleteGroupsResponse;
import io.samsa.wire.message.DescribeGroupsResponse;
import io.samsa.wire.message.ListGroupsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The group admin operations of one {@link GroupShard}: ListGroups, DescribeGroups, ConsumerGroupDescribe
 * and DeleteGroups. Event thread only.
 */
public final class GroupAdmin {
    private static final byte[] EMPTY = new byte[0];

    private final GroupShard shard;

    GroupAdmin(GroupShard shard) {
        this.shard = shard;
    }

    /** The groups matching the filters (empty filter = all; case-insensitive as in Kafka). */
    public List<ListGroupsResponse.ListedGroup> list(Set<String> states, Set<String> types) {
        List<ListGroupsResponse.ListedGroup> out = new ArrayList<>();
        for (Group g : shard.groups.values()) {
            if (!states.isEmpty() && !states.contains(g.stateName().toLowerCase(Locale.ROOT))) {
                continue;
            }
            if (!types.isEmpty() && !types.contains(g.type())) {
                continue;
            }
            out.add(new ListGroupsResponse.ListedGroup().setGroupId(g.groupId()).setProtocolType(g.protocolType())
                    .setGroupState(g.stateName()).setGroupType(g.type()));
        }
        return out;
    }

    /** DescribeGroups for one group. v6+ reports a missing (or non-classic) group as GROUP_ID_NOT_FOUND. */
    public DescribeGroupsResponse.DescribedGroup describe(String groupId, short version) {
        DescribeGroupsResponse.DescribedGroup out = new DescribeGroupsResponse.DescribedGroup().setGroupId(groupId)
                .setProtocolType("").setProtocolData("");
        if (groupId == null || groupId.isEmpty()) {
            return out.setGroupId(groupId == null ? "" : groupId).setGroupState("Dead")
                    .setErrorCode(ErrorCode.INVALID_GROUP_ID.code());
        }
        Group g = shard.groups.get(groupId);
        if (!(g instanceof ClassicGroup cg)) {
            out.setGroupState("Dead");
            if (version >= 6) {
                out.setErrorCode(ErrorCode.GROUP_ID_NOT_FOUND.code()).setErrorMessage(g == null
                        ? "Group " + groupId + " not found." : "Group " + groupId + " is not a classic group.");
            }
            return out;
        }
        out.setGroupState(cg.stateName()).setProtocolType(cg.protocolType());
        boolean stable = cg.is(ClassicGroupState.STABLE);
        if (stable) {
            out.setProtocolData(cg.protocolName == null ? "" : cg.protocolName);
        }
        for (ClassicMember m : cg.members.values()) {
            byte[] md = stable ? m.metadata(cg.protocolName) : null;
            out.members().add(new DescribeGroupsResponse.DescribedGroupMember().setMemberId(m.memberId)
                    .setGroupInstanceId(m.instanceId).setClientId(nz(m.clientId)).setClientHost(nz(m.clientHost))
                    .setMemberMetadata(md == null ? EMPTY : md).setMemberAssignment(stable ? m.assignment : EMPTY));
        }
        return out;
    }

    /** ConsumerGroupDescribe for one group (KIP-848). */
    public ConsumerGroupDescribeResponse.DescribedGroup describeConsumerGroup(String groupId) {
        ConsumerGroupDescribeResponse.DescribedGroup out = new ConsumerGroupDescribeResponse.DescribedGroup()
                .setGroupId(groupId == null ? "" : groupId).setGroupState("").setAssignorName("");
        if (groupId == null || groupId.isEmpty()) {
            return out.setErrorCode(ErrorCode.INVALID_GROUP_ID.code()).setGroupState("Dead");
        }
        Group g = shard.groups.get(groupId);
        if (!(g instanceof ConsumerGroup cg)) {
            return out.setErrorCode(ErrorCode.GROUP_ID_NOT_FOUND.code()).setGroupState("Dead")
                    .setErrorMessage(g == null ? "Group " + groupId + " not found."
                            : "Group " + groupId + " is not a consumer group.");
        }
        out.setGroupState(cg.stateName()).setGroupEpoch(cg.groupEpoch).setAssignmentEpoch(cg.assignmentEpoch)
                .setAssignorName(shard.consumer.preferredAssignor(cg));
        for (ConsumerMember m : cg.members.values()) {
            out.members().add(new ConsumerGroupDescribeResponse.Member().setMemberId(m.memberId)
                    .setInstanceId(m.instanceId).setRackId(m.rackId).setMemberEpoch(m.memberEpoch)
                    .setClientId(nz(m.clientId)).setClientHost(nz(m.clientHost))
                    .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames))
                    .setSubscribedTopicRegex(m.subscribedTopicRegex)
                    .setAssignment(assignment(m.assigned))
                    .setTargetAssignment(assignment(cg.targetAssignment.getOrDefault(m.memberId, new TreeMap<>())))
                    .setMemberType((byte) 1));
        }
        return out;
    }

    private ConsumerGroupDescribeResponse.Assignment assignment(Map<UUID, TreeSet<Integer>> parts) {
        ConsumerGroupDescribeResponse.Assignment a = new ConsumerGroupDescribeResponse.Assignment();
        for (Map.Entry<UUID, TreeSet<Integer>> e : parts.entrySet()) {
            TopicMetadata.Topic t = shard.topics.topic(e.getKey());
            a.topicPartitions().add(new ConsumerGroupDescribeResponse.TopicPartitions().setTopicId(e.getKey())
                    .setTopicName(t == null ? "" : t.name()).setPartitions(new ArrayList<>(e.getValue())));
        }
        return a;
    }

    /** DeleteGroups for one group: only an empty group goes, with its offsets. */
    public DeleteGroupsResponse.DeletableGroupResult delete(WriteContext ctx, String groupId) {
        DeleteGroupsResponse.DeletableGroupResult out = new DeleteGroupsResponse.DeletableGroupResult()
                .setGroupId(groupId == null ? "" : groupId);
        if (groupId == null || groupId.isEmpty()) {
            return out.setErrorCode(ErrorCode.INVALID_GROUP_ID.code());
        }
        Group g = shard.groups.get(groupId);
        if (g == null) {
            return out.setErrorCode(ErrorCode.GROUP_ID_NOT_FOUND.code());
        }
        if (!g.isEmpty()) {
            return out.setErrorCode(ErrorCode.NON_EMPTY_GROUP.code())
                    .setErrorMessage("Group " + groupId + " is not empty.");
        }
        // Offsets pending in a transaction go too (Kafka writes their tombstones as well).
        Map<String, TreeSet<Integer>> partitions = shard.offsets.pendingPartitions(groupId);
        shard.offsets.group(groupId).forEach((topic, parts) -> partitions.computeIfAbsent(topic, t -> new TreeSet<>())
                .addAll(parts.keySet()));
        partitions.forEach((topic, parts) -> parts.forEach(p -> ctx.append(GroupRecords.offsetTombstone(groupId,
                topic, p))));
        GroupRecords.groupTombstones(g).forEach(ctx::append);
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
