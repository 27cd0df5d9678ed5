package io.samsa.coordinator.group;

import io.samsa.coordinator.TopicMetadata;
import io.samsa.wire.DecodeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A consumer group (KIP-848): the group epoch, the target assignment computed at the assignment epoch,
 * the members, and which member owns each partition (assigned or still pending revocation), so that a
 * partition is never given to a new owner before the previous one has revoked it. The protocol is in
 * {@link ConsumerGroupProtocol}. Event thread only.
 *
 * <p>Record value (type {@link GroupRecords#CONSUMER_GROUP}), version 0: groupEpoch, assignmentEpoch,
 * assignor, subscription metadata (name, id, partitions)*, members*, target assignment*.
 */
final class ConsumerGroup implements Group {
    final String groupId;
    int groupEpoch;
    int assignmentEpoch;
    String assignorName = "";
    final TreeMap<String, ConsumerMember> members = new TreeMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    TreeMap<String, TreeMap<UUID, TreeSet<Integer>>> targetAssignment = new TreeMap<>();
    TreeMap<String, TopicMetadata.Topic> subscriptionMetadata = new TreeMap<>();
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
    public Set<String> subscribedTopics() {
        return new TreeSet<>(subscriptionMetadata.keySet());
    }

    /** The member owning {@code topicId}-{@code partition} (assigned or pending revocation), or null. */
    String owner(UUID topicId, int partition) {
        Map<Integer, String> byPartition = owners.get(topicId);
        return byPartition == null ? null : byPartition.get(partition);
    }

    void own(String memberId, UUID topicId, int partition) {
        String prev = owners.computeIfAbsent(topicId, t -> new HashMap<>()).putIfAbsent(partition, memberId);
        if (prev != null && !prev.equals(memberId)) {
            throw new IllegalStateException("Partition " + topicId + "-" + partition + " of group " + groupId
                    + " is owned by " + prev + ", cannot give it to " + memberId);
        }
    }

    void release(String memberId, UUID topicId, int partition) {
        Map<Integer, String> byPartition = owners.get(topicId);
        if (byPartition != null && memberId.equals(byPartition.get(partition))) {
            byPartition.remove(partition);
            if (byPartition.isEmpty()) {
                owners.remove(topicId);
            }
        }
    }

    void releaseAll(String memberId, Map<UUID, TreeSet<Integer>> partitions) {
        for (Map.Entry<UUID, TreeSet<Integer>> e : partitions.entrySet()) {
            for (int p : e.getValue()) {
                release(memberId, e.getKey(), p);
            }
        }
    }

    void addMember(ConsumerMember m) {
        members.put(m.memberId, m);
        if (m.instanceId != null) {
            staticMembers.put(m.instanceId, m.memberId);
        }
        ownAll(m);
    }

    private void ownAll(ConsumerMember m) {
        for (Map<UUID, TreeSet<Integer>> map : List.of(m.assigned, m.pendingRevocation)) {
            for (Map.Entry<UUID, TreeSet<Integer>> e : map.entrySet()) {
                for (int p : e.getValue()) {
                    own(m.memberId, e.getKey(), p);
                }
            }
        }
    }

    void removeMember(String memberId) {
        ConsumerMember m = members.remove(memberId);
        if (m == null) {
            return;
        }
        if (m.instanceId != null && memberId.equals(staticMembers.get(m.instanceId))) {
            staticMembers.remove(m.instanceId);
        }
        releaseAll(memberId, m.assigned);
        releaseAll(memberId, m.pendingRevocation);
        targetAssignment.remove(memberId);
    }

    /** Renames a static member taking over from its previous incarnation (same partitions). */
    void renameMember(ConsumerMember m, String newId) {
        String oldId = m.memberId;
        members.remove(oldId);
        releaseAll(oldId, m.assigned);
        releaseAll(oldId, m.pendingRevocation);
        TreeMap<UUID, TreeSet<Integer>> target = targetAssignment.remove(oldId);
        m.memberId = newId;
        if (target != null) {
            targetAssignment.put(newId, target);
        }
        addMember(m);
    }

    /** Every (topic, partition) -> owner, for invariant checks in tests. */
    Map<UUID, Map<Integer, String>> ownersView() {
        return owners;
    }

    byte[] encode() {
        Bytes.Writer w = new Bytes.Writer().i16(0).i32(groupEpoch).i32(assignmentEpoch).str(assignorName);
        w.i32(subscriptionMetadata.size());
        for (TopicMetadata.Topic t : subscriptionMetadata.values()) {
            w.str(t.name()).uuid(t.id()).i32(t.numPartitions());
        }
        w.i32(members.size());
        for (ConsumerMember m : members.values()) {
            w.str(m.memberId).str(m.instanceId).str(m.rackId).str(m.clientId).str(m.clientHost)
                    .i32(m.rebalanceTimeoutMs);
            w.i32(m.subscribedTopicNames.size());
            for (String t : m.subscribedTopicNames) {
                w.str(t);
            }
            w.str(m.subscribedTopicRegex).str(m.serverAssignor).i32(m.memberEpoch).i32(m.previousMemberEpoch)
                    .i8(m.state.ordinal());
            writePartitions(w, m.assigned);
            writePartitions(w, m.pendingRevocation);
        }
        w.i32(targetAssignment.size());
        for (Map.Entry<String, TreeMap<UUID, TreeSet<Integer>>> e : targetAssignment.entrySet()) {
            w.str(e.getKey());
            writePartitions(w, e.getValue());
        }
        return w.toByteArray();
    }

    private static void writePartitions(Bytes.Writer w, Map<UUID, TreeSet<Integer>> map) {
        w.i32(map.size());
        for (Map.Entry<UUID, TreeSet<Integer>> e : map.entrySet()) {
            w.uuid(e.getKey()).i32(e.getValue().size());
            for (int p : e.getValue()) {
                w.i32(p);
            }
        }
    }

    private static TreeMap<UUID, TreeSet<Integer>> readPartitions(Bytes.Reader r) {
        TreeMap<UUID, TreeSet<Integer>> out = new TreeMap<>();
        int topics = r.count(20);
        for (int i = 0; i < topics; i++) {
            UUID id = r.uuid();
            int n = r.count(4);
            TreeSet<Integer> parts = new TreeSet<>();
            for (int j = 0; j < n; j++) {
                parts.add(r.i32());
            }
            out.put(id, parts);
        }
        return out;
    }

    static ConsumerGroup decode(String groupId, byte[] value) {
        Bytes.Reader r = new Bytes.Reader(value);
        int version = r.i16();
        if (version != 0) {
            throw new DecodeException("Unknown consumer group record version " + version);
        }
        ConsumerGroup g = new ConsumerGroup(groupId);
        g.groupEpoch = r.i32();
        g.assignmentEpoch = r.i32();
        g.assignorName = r.str();
        int topics = r.count(24);
        for (int i = 0; i < topics; i++) {
            TopicMetadata.Topic t = new TopicMetadata.Topic(r.str(), r.uuid(), r.i32());
            g.subscriptionMetadata.put(t.name(), t);
        }
        int members = r.count(40);
        for (int i = 0; i < members; i++) {
            ConsumerMember m = new ConsumerMember(r.str());
            m.instanceId = r.str();
            m.rackId = r.str();
            m.clientId = r.str();
            m.clientHost = r.str();
            m.rebalanceTimeoutMs = r.i32();
            int n = r.count(4);
            List<String> names = new ArrayList<>(n);
            for (int j = 0; j < n; j++) {
                names.add(r.str());
            }
            m.subscribedTopicNames = List.copyOf(names);
            m.subscribedTopicRegex = r.str();
            m.serverAssignor = r.str();
            m.memberEpoch = r.i32();
            m.previousMemberEpoch = r.i32();
            int state = r.i8();
            if (state < 0 || state >= ConsumerMember.State.values().length) {
                throw new DecodeException("Bad member state " + state);
            }
            m.state = ConsumerMember.State.values()[state];
            m.assigned = readPartitions(r);
            m.pendingRevocation = readPartitions(r);
            g.addMember(m);
        }
        int targets = r.count(8);
        for (int i = 0; i < targets; i++) {
            g.targetAssignment.put(r.str(), readPartitions(r));
        }
        return g;
    }
}
