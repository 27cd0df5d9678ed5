package io.samsa.replication;

import java.util.List;

/**
 * Leadership of one partition as the metadata states it: leader node (-1 for none), leader epoch, in-sync
 * replicas, all replicas and the partition epoch (bumped by every change of the partition). This module owns the
 * type so that it need not know the metadata's. Immutable.
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, List<Integer> replicas,
                             int partitionEpoch) {
    public PartitionState {
        isr = List.copyOf(isr);
        replicas = List.copyOf(replicas);
    }

    /** A state whose partition epoch is not known (0). */
    public PartitionState(int leader, int leaderEpoch, List<Integer> isr, List<Integer> replicas) {
        this(leader, leaderEpoch, isr, replicas, 0);
    }
}
