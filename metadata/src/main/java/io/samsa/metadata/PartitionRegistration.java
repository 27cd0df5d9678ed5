package io.samsa.metadata;

import io.samsa.metadata.record.PartitionRecord;

import java.util.List;
import java.util.UUID;

/**
 * The state of one partition in a {@link MetadataImage}: replicas (in order of preference: the first is the
 * preferred leader), in-sync replicas, leader (-1 for none), leader epoch, partition epoch, and, while a
 * reassignment runs, the replicas it is removing and adding (KIP-455: {@code replicas} then holds the target
 * replicas followed by those being removed). {@code leaderRecoveryState} is 1 while a leader chosen by unclean
 * election recovers (KIP-704), else 0. {@code eligibleLeaderReplicas} (ELR, KIP-966) are the replicas that left the
 * ISR while it was below {@code min.insync.replicas} and still hold every committed record: one may lead cleanly
 * when the ISR is empty; {@code lastKnownElr} the replicas that left the ISR or the ELR in that state without being
 * eligible (an unclean shutdown). Both are empty unless the {@code eligible.leader.replicas.version} feature is on.
 * Immutable.
 */
public record PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                    int leaderEpoch, int partitionEpoch, List<Integer> removingReplicas,
                                    List<Integer> addingReplicas, byte leaderRecoveryState,
                                    List<Integer> eligibleLeaderReplicas, List<Integer> lastKnownElr) {
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
        eligibleLeaderReplicas = eligibleLeaderReplicas == null ? List.of() : List.copyOf(eligibleLeaderReplicas);
        lastKnownElr = lastKnownElr == null ? List.of() : List.copyOf(lastKnownElr);
    }

    /** A partition without eligible leader replicas. */
    public PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                 int leaderEpoch, int partitionEpoch, List<Integer> removingReplicas,
                                 List<Integer> addingReplicas, byte leaderRecoveryState) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, removingReplicas, addingReplicas,
            leaderRecoveryState, List.of(), List.of());
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
        PartitionRecord r = new PartitionRecord().setTopicId(topicId).setPartitionId(partition).setReplicas(replicas)
            .setIsr(isr).setRemovingReplicas(removingReplicas).setAddingReplicas(addingReplicas).setLeader(leader)
            .setLeaderRecoveryState(leaderRecoveryState).setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch);
        if (!eligibleLeaderReplicas.isEmpty() || !lastKnownElr.isEmpty()) {
            r.setEligibleLeaderReplicas(eligibleLeaderReplicas).setLastKnownElr(lastKnownElr);
        }
        return r;
    }
}
