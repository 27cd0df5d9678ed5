package io.samsa.replication;

import java.util.List;

/**
 * Leadership of one partition as the metadata image states it: leader node (-1 for none), leader epoch,
 * in-sync replicas and all replicas. {@code server} builds it from the controller's image; this module owns
 * the type so that it need not know the controller. Immutable.
 */
public record PartitionState(int leader, int leaderEpoch, List<Integer> isr, List<Integer> replicas) {
    public PartitionState {
        isr = List.copyOf(isr);
        replicas = List.copyOf(replicas);
    }
}
