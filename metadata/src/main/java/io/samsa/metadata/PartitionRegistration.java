package io.samsa.metadata;

import io.samsa.metadata.record.PartitionRecord;

import java.util.List;
import java.util.UUID;

/**
 * The state of one partition in a {@link MetadataImage}: replicas (in order of preference: the first is the
 * preferred leader), in-sync replicas, leader (-1 for none), leader epoch, partition epoch, and, while a
 * reassignment runs, the replicas it is removing and adding (KIP-455: {@code replicas} then holds the target
 * replicas followed by those being removed). {@code leaderRecoveryState} is 1 while a leader chosen by unclean
 * election recovers (KIP-704), else 0. Immutable.
 */
public record PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                    int leaderEpoch, int partitionEpoch, List<Integer> removingReplicas,
                                    List<Integer> addingReplicas, byte leaderRecoveryState) {
    /** The leader value when no replica leads. */
    public static final int NO_LEADER = -1;
    /** {@code leaderRecoveryState}: elected from the ISR, or recovered. */
    public static final byte RECOVERED = 0;
    /** {@code leaderRecoveryState}: elected uncleanly, still recovering. */
    public static final byte RECOVERING = 1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        removingReplicas = List.copyOf(removingReplicas);
        addingReplicas = List.copyOf(addingReplicas);
    }

    /** A partition without a reassignment in progress. */
    public PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                 int leaderEpoch, int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of(), RECOVERED);
    }

    /** The preferred leader: the first replica. */
    public int preferredLeader() {
        return replicas.isEmpty() ? NO_LEADER : replicas.get(0);
    }

    /** Whether a reassignment is in progress. */
    public boolean reassigning() {
        return !removingReplicas.isEmpty() || !addingReplicas.isEmpty();
    }

    /**
     * The replicas the reassignment in progress moves to: {@code replicas} without those being removed; the
     * replicas themselves when none runs.
     */
    public List<Integer> targetReplicas() {
        if (removingReplicas.isEmpty()) {
            return replicas;
        }
        return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
    }

    /** This partition's state as a record, for snapshots. */
    public PartitionRecord toRecord(UUID topicId) {
        return new PartitionRecord().setTopicId(topicId).setPartitionId(partition).setReplicas(replicas)
            .setIsr(isr).setRemovingReplicas(removingReplicas).setAddingReplicas(addingReplicas).setLeader(leader)
            .setLeaderRecoveryState(leaderRecoveryState).setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch);
    }
}
