package io.samsa.replication;

import java.util.List;

/**
 * One partition's assignment as the metadata states it: its index, leader (-1 for none), leader epoch, partition
 * epoch, in-sync replicas and replicas. This broker hosts the partition when it is one of the replicas or the
 * leader. Immutable.
 */
public record PartitionAssignment(int partition, int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr,
                                  List<Integer> replicas) {
    public PartitionAssignment {
        isr = List.copyOf(isr);
        replicas = List.copyOf(replicas);
    }

    /** True when node {@code nodeId} hosts this partition. */
    public boolean hostedBy(int nodeId) {
        return leader == nodeId || replicas.contains(nodeId);
    }

    /** The leadership part, as a {@link Partition} holds it. */
    public PartitionState state() {
        return new PartitionState(leader, leaderEpoch, isr, replicas, partitionEpoch);
    }
}
