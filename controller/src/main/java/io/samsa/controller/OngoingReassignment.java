package io.samsa.controller;

import java.util.List;

/**
 * A reassignment in progress, as ListPartitionReassignments shows it (KIP-455): the partition's replicas (the
 * target followed by those being removed), and the replicas being added and removed. Immutable.
 */
public record OngoingReassignment(TopicPartition partition, List<Integer> replicas, List<Integer> addingReplicas,
                                  List<Integer> removingReplicas) {
    public OngoingReassignment {
        replicas = List.copyOf(replicas);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }
}
