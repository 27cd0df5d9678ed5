package io.samsa.controller;

import java.util.List;

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
    public MetadataRecord.Partition toRecord(java.util.UUID topicId) {
        return new MetadataRecord.Partition(topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch);
    }
}
