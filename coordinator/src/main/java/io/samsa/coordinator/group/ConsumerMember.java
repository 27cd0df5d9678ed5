package io.samsa.coordinator.group;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One member of a consumer group (KIP-848): its subscription, its epoch and reconciliation state, the
 * partitions it owns and those it must still revoke. Event thread only.
 */
final class ConsumerMember {
    /** Where the member is in reconciling towards its target assignment. */
    enum State {
        /** Owns exactly its target assignment at the group's assignment epoch. */
        STABLE,
        /** Must revoke {@link #pendingRevocation} before it gets anything new (epoch unchanged). */
        UNREVOKED_PARTITIONS,
        /** At the new epoch, but waiting for other members to release some of its target partitions. */
        UNRELEASED_PARTITIONS
    }

    /** The epoch a static member reports when it leaves temporarily (KIP-848). */
    static final int LEAVE_STATIC_EPOCH = -2;

    String memberId;
    String instanceId;
    String rackId;
    String clientId = "";
    String clientHost = "";
    int rebalanceTimeoutMs;
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

    static int count(Map<UUID, ? extends Set<Integer>> partitions) {
        int n = 0;
        for (Set<Integer> s : partitions.values()) {
            n += s.size();
        }
        return n;
    }
}
