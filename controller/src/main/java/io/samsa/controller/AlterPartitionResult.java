package io.samsa.controller;

import io.samsa.wire.ErrorCode;

import java.util.List;
import java.util.UUID;

/**
 * The controller's answer for one partition of an AlterPartition request: an error (Kafka's per-partition codes), or
 * the partition's state as committed (leader, leader epoch, ISR, leader recovery state, partition epoch). Immutable.
 */
public record AlterPartitionResult(UUID topicId, int partition, ErrorCode error, int leader, int leaderEpoch,
                                   List<Integer> isr, byte leaderRecoveryState, int partitionEpoch) {
    public AlterPartitionResult {
        isr = List.copyOf(isr);
    }

    /** A refusal: the partition's code alone. */
    public static AlterPartitionResult error(UUID topicId, int partition, ErrorCode error) {
        return new AlterPartitionResult(topicId, partition, error, -1, -1, List.of(), (byte) 0, -1);
    }
}
