package io.samsa.controller;

import java.util.List;

/**
 * One partition of AlterPartitionReassignments (KIP-455): its new replicas, in order of preference, or null to
 * cancel the reassignment in progress. Immutable.
 */
public record Reassignment(TopicPartition partition, List<Integer> replicas) {
    public Reassignment {
        replicas = replicas == null ? null : List.copyOf(replicas);
    }
}
