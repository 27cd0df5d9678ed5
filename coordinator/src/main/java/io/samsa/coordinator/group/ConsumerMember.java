package io.samsa.coordinator.group;

import io.samsa.coordinator.TopicMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One member of a consumer group (KIP-848): its subscription (record ConsumerGroupMemberMetadata), its epoch,
 * reconciliation state, the partitions it owns and those it must still revoke (record
 * ConsumerGroupCurrentMemberAssignment). A member held by a {@link ConsumerGroup} changes only by replay; the
 * protocol works on a {@link #copy} and writes the records that make the held member equal to it. Event thread
 * only.
 */
final class ConsumerMember {
    /** Where the member is in reconciling towards its target assignment (Kafka's values on disk). */
    enum State {
        /** Owns exactly its target assignment at the group's assignment epoch. */
        STABLE(0),
        /** Must revoke {@link #pendingRevocation} before it gets anything new (epoch unchanged). */
        UNREVOKED_PARTITIONS(1),
        /** At the new epoch, but waiting for other members to release some of its target partitions. */
        UNRELEASED_PARTITIONS(2);

        final byte value;

        State(int value) {
            this.value = (byte) value;
        }

        static State of(byte value) {
            for (State s : values()) {
                if (s.value == value) {
                    return s;
                }
            }
            throw new IllegalStateException("Unknown consumer group member state " + value);
        }
    }

    /** The epoch a static member reports when it leaves temporarily (KIP-848). */
    static final int LEAVE_STATIC_EPOCH = -2;

    final String memberId;
    String instanceId;
    String rackId;
    String clientId = "";
    String clientHost = "";
    int rebalanceTimeoutMs = -1;
    List<String> subscribedTopicNames = List.of();
    String subscribedTopicRegex;
    String serverAssignor;
    int memberEpoch;
    int previousMemberEpoch;
    State state = State.STABLE;
    TreeMap<UUID, TreeSet<Integer>> assigned = new TreeMap<>();
    TreeMap<UUID, TreeSet<Integer>> pendingRevocation = new TreeMap<>();
    private Pattern compiled;
    private String compiledFrom;

    ConsumerMember(String memberId) {
        this.memberId = memberId;
    }

    /** A detached copy under {@code id} (the member's own id, or a static member's new incarnation). */
    ConsumerMember copyAs(String id) {
        ConsumerMember c = new ConsumerMember(id);
        c.instanceId = instanceId;
        c.rackId = rackId;
        c.clientId = clientId;
        c.clientHost = clientHost;
        c.rebalanceTimeoutMs = rebalanceTimeoutMs;
        c.subscribedTopicNames = subscribedTopicNames;
        c.subscribedTopicRegex = subscribedTopicRegex;
        c.serverAssignor = serverAssignor;
        c.memberEpoch = memberEpoch;
        c.previousMemberEpoch = previousMemberEpoch;
        c.state = state;
        c.assigned = deepCopy(assigned);
        c.pendingRevocation = deepCopy(pendingRevocation);
        return c;
    }

    ConsumerMember copy() {
        return copyAs(memberId);
    }

    /** Whether {@code o} has the same ConsumerGroupMemberMetadata record. */
    boolean sameMetadata(ConsumerMember o) {
        return Objects.equals(instanceId, o.instanceId) && Objects.equals(rackId, o.rackId)
                && Objects.equals(clientId, o.clientId) && Objects.equals(clientHost, o.clientHost)
                && rebalanceTimeoutMs == o.rebalanceTimeoutMs && subscribedTopicNames.equals(o.subscribedTopicNames)
                && Objects.equals(subscribedTopicRegex, o.subscribedTopicRegex)
                && Objects.equals(serverAssignor, o.serverAssignor);
    }

    /** Whether {@code o} has the same ConsumerGroupCurrentMemberAssignment record. */
    boolean sameAssignment(ConsumerMember o) {
        return memberEpoch == o.memberEpoch && previousMemberEpoch == o.previousMemberEpoch && state == o.state
                && assigned.equals(o.assigned) && pendingRevocation.equals(o.pendingRevocation);
    }

    /** The compiled regular expression of the subscription, or null. */
    Pattern pattern() {
        if (subscribedTopicRegex == null || subscribedTopicRegex.isEmpty()) {
            return null;
        }
        if (!subscribedTopicRegex.equals(compiledFrom)) {
            compiled = Pattern.compile(subscribedTopicRegex);
            compiledFrom = subscribedTopicRegex;
        }
        return compiled;
    }

    /** The existing topics the member subscribes to: its names, and its expression's matches (internal excluded). */
    List<TopicMetadata.Topic> subscribedTopics(TopicMetadata topics) {
        List<TopicMetadata.Topic> out = new ArrayList<>();
        for (String name : subscribedTopicNames) {
            TopicMetadata.Topic t = topics.topic(name);
            if (t != null) {
                out.add(t);
            }
        }
        Pattern p = pattern();
        if (p != null) {
            for (TopicMetadata.Topic t : topics.topics()) {
                if (!t.name().startsWith("__") && p.matcher(t.name()).matches()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    static TreeMap<UUID, TreeSet<Integer>> deepCopy(Map<UUID, TreeSet<Integer>> partitions) {
        TreeMap<UUID, TreeSet<Integer>> out = new TreeMap<>();
        partitions.forEach((t, ps) -> out.put(t, new TreeSet<>(ps)));
        return out;
    }
}
