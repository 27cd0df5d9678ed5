package io.samsa.replication;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * How a partition's leader changes its ISR: Kafka's AlterPartition to the active controller (KIP-497, with the
 * brokers' epochs of KIP-903). {@code server} supplies it (the controller in this process, or a request to the
 * active controller); simulations supply their own. The leader sends one change per partition at a time and applies
 * the state the controller committed, which also reaches it later through the metadata ({@link HostingChange}).
 *
 * <p>The future completes with the partition's state as the controller committed it (a new partition epoch), or
 * fails with a {@link SamsaException} carrying Kafka's code for the partition: INVALID_UPDATE_VERSION (the partition
 * epoch is stale: wait for the metadata), FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, INELIGIBLE_REPLICA (a
 * proposed member is fenced or shutting down, or its broker epoch is stale), UNKNOWN_TOPIC_OR_PARTITION /
 * UNKNOWN_TOPIC_ID, NEW_LEADER_ELECTED, or a transport error (REQUEST_TIMED_OUT, NETWORK_EXCEPTION,
 * NOT_CONTROLLER after retries) after which the leader tries again. It may complete on any thread: hand work to the
 * partition's shard from it. Thread-safe.
 */
@FunctionalInterface
public interface AlterPartitionChannel {

    /** A channel for a broker that never changes an ISR (no controller to ask): every change fails. */
    AlterPartitionChannel UNAVAILABLE = change -> CompletableFuture.failedFuture(new SamsaException(
            ErrorCode.NOT_CONTROLLER, "No controller can change the ISR of " + change.topic() + "-"
            + change.partition()));

    /** Proposes {@code change}; see the class comment for the outcomes. */
    CompletableFuture<PartitionState> alterPartition(IsrChange change);

    /**
     * One partition's proposed ISR: the leader's epoch and the partition epoch it last saw, and each proposed member
     * with the broker epoch it fetched with ({@code -1} when unknown, e.g. the leader itself or a fetch below v15).
     */
    record IsrChange(UUID topicId, String topic, int partition, int leaderEpoch, int partitionEpoch,
                     List<IsrMember> newIsr) {
        public IsrChange {
            newIsr = List.copyOf(newIsr);
        }

        /** The proposed members' node ids, in order. */
        public List<Integer> brokerIds() {
            return newIsr.stream().map(IsrMember::brokerId).toList();
        }
    }

    /** A member of a proposed ISR and the broker epoch it was seen with. */
    record IsrMember(int brokerId, long brokerEpoch) {
    }
}
