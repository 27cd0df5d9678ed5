package io.samsa.controller;

import java.util.List;
import java.util.UUID;

/**
 * One partition of an AlterPartition request (KIP-497, KIP-903): the ISR its leader proposes, with the leader epoch
 * and partition epoch the leader last saw and each proposed member's broker epoch ({@code -1} when the leader does not
 * know it). The topic is named by id (AlterPartition v2+), or by name with a null id (v0-1).
 * {@code leaderRecoveryState} is 1 while a leader elected uncleanly still recovers (KIP-704), else 0.
 * Immutable.
 */
public record AlterPartitionItem(UUID topicId, String topicName, int partition, int leaderEpoch, int partitionEpoch,
                                 List<IsrMember> newIsr, byte leaderRecoveryState) {
    public AlterPartitionItem {
        newIsr = List.copyOf(newIsr);
    }

    /** A proposed ISR member and the broker epoch the leader saw it with (-1: unknown). */
    public record IsrMember(int brokerId, long brokerEpoch) {
    }

    /** The proposed members' ids, in order. */
    public List<Integer> brokerIds() {
        return newIsr.stream().map(IsrMember::brokerId).toList();
    }
}
