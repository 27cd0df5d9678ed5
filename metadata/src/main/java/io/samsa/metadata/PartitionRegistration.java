package io.samsa.metadata;

import io.samsa.metadata.record.PartitionRecord;

import java.util.List;
import java.util.UUID;

/**
 * The state of one partition in a {@link MetadataImage}: replicas, in-sync replicas, leader (-1
 * for none), leader epoch and partition epoch. Immutable.
 */
public record PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                    int leaderEpoch, int partitionEpoch) {
    /** The leader value when no replica leads. */
    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    /** This partition's state as a record, for snapshots. */
    public PartitionRecord toRecord(UUID topicId) {
        return new PartitionRecord().setTopicId(topicId).setPartitionId(partition).setReplicas(replicas)
            .setIsr(isr).setLeader(leader).setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch);
    }
}
