package io.samsa.server.handler.admin;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.wire.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * A partition as Metadata and DescribeTopicPartitions show it to a client on one listener: the
 * leader when it is registered and reachable on that listener (else {@code LEADER_NOT_AVAILABLE}, or
 * {@code LISTENER_NOT_FOUND} when the leader lacks the listener and the client understands that code),
 * and as offline the replicas whose broker is not registered, is fenced, or has no endpoint on that listener (as
 * Kafka's KRaft brokers report them). Computed on the calling thread from an immutable image; immutable.
 */
record PartitionView(ErrorCode error, int leaderId, List<Integer> offline) {

    /**
     * @param listenerErrors whether LISTENER_NOT_FOUND may be sent (Metadata v6+, DescribeTopicPartitions)
     */
    static PartitionView of(MetadataImage image, PartitionRegistration p, String listenerName,
                            boolean listenerErrors) {
        List<Integer> offline = List.of();
        for (Integer r : p.replicas()) {
            if (!image.isLive(r) || image.broker(r).listener(listenerName) == null) {
                if (offline.isEmpty()) {
                    offline = new ArrayList<>(2);
                }
                offline.add(r);
            }
        }
        BrokerRegistration leader = image.isLive(p.leader()) ? image.broker(p.leader()) : null;
        if (leader == null) {
            return new PartitionView(ErrorCode.LEADER_NOT_AVAILABLE, PartitionRegistration.NO_LEADER, offline);
        }
        if (leader.listener(listenerName) == null) {
            return new PartitionView(listenerErrors ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE,
                    PartitionRegistration.NO_LEADER, offline);
        }
        return new PartitionView(ErrorCode.NONE, p.leader(), offline);
    }

    /** {@code nodes} without the brokers that have no endpoint on the listener (Metadata v0 only). */
    static List<Integer> reachable(MetadataImage image, List<Integer> nodes, String listenerName) {
        List<Integer> out = new ArrayList<>(nodes.size());
        for (Integer n : nodes) {
            BrokerRegistration b = image.broker(n);
            if (b != null && b.listener(listenerName) != null) {
                out.add(n);
            }
        }
        return out;
    }
}
