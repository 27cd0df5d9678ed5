package io.samsa.server.handler.data;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.replication.Partition;
import java.util.List;

/**
 * KIP-392's {@code replica.selector.class}: which replica a consumer that names its rack ({@code client.rack}, the
 * Fetch request's {@code rack_id}, v11+) should read a partition from. Asked on the leader only; the answer is the
 * response's {@code preferred_read_replica} when it is another broker. Samsa knows two selectors by Kafka's names:
 * none (the default: the leader serves every consumer) and
 * {@code org.apache.kafka.common.replica.RackAwareReplicaSelector}. Thread-safe (stateless).
 */
interface ReadReplicaSelector {
    /** Kafka's rack-aware selector, by the class name users configure. */
    String RACK_AWARE = "org.apache.kafka.common.replica.RackAwareReplicaSelector";
    /** Kafka's default selector's class name (the leader always). */
    String LEADER = "org.apache.kafka.common.replica.LeaderSelector";

    /** A candidate read replica: a broker id, its rack (or null), its log end and last caught-up time. */
    record Candidate(int brokerId, String rack, long logEndOffset, long lastCaughtUpTimeMs) {
    }

    /**
     * The broker the consumer in {@code clientRack} should read from, among {@code leader} and {@code followers}
     * (in-sync followers whose log reaches the fetch offset, with an endpoint on the client's listener).
     */
    int select(String clientRack, Candidate leader, List<Candidate> followers);

    /**
     * Kafka's rack-aware choice: no rack, or no replica in the client's rack: the leader; the leader when it is in
     * that rack; else the follower there with the highest log end offset (ties: the one caught up most recently).
     */
    ReadReplicaSelector RACK_AWARE_SELECTOR = (clientRack, leader, followers) -> {
        if (clientRack == null || clientRack.isEmpty() || clientRack.equals(leader.rack())) {
            return leader.brokerId();
        }
        Candidate best = null;
        for (Candidate c : followers) {
            if (!clientRack.equals(c.rack())) {
                continue;
            }
            if (best == null || c.logEndOffset() > best.logEndOffset() || c.logEndOffset() == best.logEndOffset()
                    && c.lastCaughtUpTimeMs() > best.lastCaughtUpTimeMs()) {
                best = c;
            }
        }
        return best == null ? leader.brokerId() : best.brokerId();
    };

    /**
     * The selector {@code replica.selector.class} names: null for none (or Kafka's leader selector).
     *
     * @throws IllegalArgumentException for a class Samsa does not know
     */
    static ReadReplicaSelector forClass(String className) {
        if (className == null || className.isBlank() || className.trim().equals(LEADER)) {
            return null;
        }
        if (className.trim().equals(RACK_AWARE)) {
            return RACK_AWARE_SELECTOR;
        }
        throw new IllegalArgumentException("Unknown replica.selector.class " + className + ": Samsa knows "
                + RACK_AWARE + " and " + LEADER);
    }

    /**
     * The preferred read replica of {@code p} (which this broker leads) for a consumer in {@code clientRack} reading
     * from {@code fetchOffset} on {@code listener}, or -1 when it is the leader. Any thread.
     */
    static int preferredReadReplica(ReadReplicaSelector selector, Partition p, MetadataImage image, int nodeId,
                                    String listener, String clientRack, long fetchOffset) {
        if (selector == null || clientRack == null || clientRack.isEmpty() || !p.isLeader()) {
            return -1;
        }
        BrokerRegistration self = image.broker(nodeId);
        Candidate leader = new Candidate(nodeId, self == null ? null : self.rack(), p.logEndOffset(), Long.MAX_VALUE);
        List<Partition.ReplicaView> views = p.readReplicaCandidates(fetchOffset);
        List<Candidate> followers = new java.util.ArrayList<>(views.size());
        for (Partition.ReplicaView v : views) {
            BrokerRegistration b = image.broker(v.brokerId());
            if (b != null && !b.fenced() && b.listener(listener) != null) {
                followers.add(new Candidate(v.brokerId(), b.rack(), v.logEndOffset(), v.lastCaughtUpTimeMs()));
            }
        }
        int chosen = selector.select(clientRack, leader, followers);
        return chosen == nodeId ? -1 : chosen;
    }
}
