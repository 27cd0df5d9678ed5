package io.samsa.coordinator.group;

import io.samsa.coordinator.TopicMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A consumer group (KIP-848): the group epoch and the hash of its subscribed topics (record ConsumerGroupMetadata),
 * the target assignment computed at the assignment epoch (ConsumerGroupTargetAssignmentMetadata and one
 * ConsumerGroupTargetAssignmentMember per member), the members, and which member owns each partition (assigned or
 * pending revocation, derived from the members' current assignments), so that a partition is never given to a new
 * owner before the previous one has revoked it. Changed only by {@link GroupReplay}; the protocol is in
 * {@link ConsumerGroupProtocol}. Event thread only.
 */
final class ConsumerGroup implements Group {
    final String groupId;
    int groupEpoch;
    long metadataHash;
    int assignmentEpoch;
    final TreeMap<String, ConsumerMember> members = new TreeMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    final TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> targetAssignment = new TreeMap<>();
    private final Map<UUID, Map<Integer, String>> owners = new HashMap<>();

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }

    @Override
    public String type() {
        return "consumer";
    }

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public String protocolType() {
        return ClassicGroup.CONSUMER_PROTOCOL_TYPE;
    }

    @Override
    public boolean isEmpty() {
        return members.isEmpty();
    }

    @Override
    public String stateName() {
        if (members.isEmpty()) {
            return "Empty";
        }
        if (groupEpoch > assignmentEpoch) {
            return "Assigning";
        }
        for (ConsumerMember m : members.values()) {
            if (m.memberEpoch != assignmentEpoch || m.state != ConsumerMember.State.STABLE) {
                return "Reconciling";
            }
        }
        return "Stable";
    }

    @Override
    public Set<String> subscribedTopics(TopicMetadata topics) {
        Set<String> out = new TreeSet<>();
        for (ConsumerMember m : members.values()) {
            m.subscribedTopics(topics).forEach(t -> out.add(t.name()));
        }
        return out;
    }

    /** The member owning {@code topicId}-{@code partition} (assigned or pending revocation), or null. */
    String owner(UUID topicId, int partition) {
        Map<Integer, String> byPartition = owners.get(topicId);
        return byPartition == null ? null : byPartition.get(partition);
    }

    /** Adds a member with no partitions (replay of its first ConsumerGroupMemberMetadata). */
    void addMember(ConsumerMember m) {
        members.put(m.memberId, m);
        if (m.instanceId != null) {
            staticMembers.put(m.instanceId, m.memberId);
        }
    }

    /** Sets a member's instance id, keeping the static member index right. */
    void setInstanceId(ConsumerMember m, String instanceId) {
        if (m.instanceId != null && m.memberId.equals(staticMembers.get(m.instanceId))) {
            staticMembers.remove(m.instanceId);
        }
        m.instanceId = instanceId;
        if (instanceId != null) {
            staticMembers.put(instanceId, m.memberId);
        }
    }

    /** Removes a member, its partitions and its target assignment. */
    void removeMember(String memberId) {
        ConsumerMember m = members.remove(memberId);
        if (m == null) {
            return;
        }
        if (m.instanceId != null && memberId.equals(staticMembers.get(m.instanceId))) {
            staticMembers.remove(m.instanceId);
        }
        releaseAll(m);
        targetAssignment.remove(memberId);
    }

    /**
     * Gives {@code m} the partitions of its current assignment (replay of ConsumerGroupCurrentMemberAssignment):
     * its old ones are released first.
     *
     * @throws IllegalStateException when another member still owns one of them
     */
    void assign(ConsumerMember m, TreeMap<UUID, TreeSet<Integer>> assigned,
                TreeMap<UUID, TreeSet<Integer>> pendingRevocation) {
        releaseAll(m);
        m.assigned = assigned;
        m.pendingRevocation = pendingRevocation;
        ownAll(m, assigned);
        ownAll(m, pendingRevocation);
    }

    private void ownAll(ConsumerMember m, Map<UUID, TreeSet<Integer>> partitions) {
        for (Map.Entry<UUID, TreeSet<Integer>> e : partitions.entrySet()) {
            for (int p : e.getValue()) {
                String prev = owners.computeIfAbsent(e.getKey(), t -> new HashMap<>()).putIfAbsent(p, m.memberId);
                if (prev != null && !prev.equals(m.memberId)) {
                    throw new IllegalStateException("Partition " + e.getKey() + "-" + p + " of group " + groupId
                            + " is owned by " + prev + ", cannot give it to " + m.memberId);
                }
            }
        }
    }

    private void releaseAll(ConsumerMember m) {
        for (Map<UUID, TreeSet<Integer>> partitions : List.of(m.assigned, m.pendingRevocation)) {
            for (Map.Entry<UUID, TreeSet<Integer>> e : partitions.entrySet()) {
                Map<Integer, String> byPartition = owners.get(e.getKey());
                if (byPartition == null) {
                    continue;
                }
                for (int p : e.getValue()) {
                    byPartition.remove(p, m.memberId);
                }
                if (byPartition.isEmpty()) {
                    owners.remove(e.getKey());
                }
            }
        }
    }

    /** Every (topic, partition) -> owner, for invariant checks in tests. */
    Map<UUID, Map<Integer, String>> ownersView() {
        return owners;
    }
}
