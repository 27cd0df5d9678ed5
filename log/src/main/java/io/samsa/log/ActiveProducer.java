package io.samsa.log;

/**
 * What the log knows of one idempotent or transactional producer, as DescribeProducers (KIP-664) reports it:
 * its id and epoch, the last sequence it wrote ({@code -1} when no batch of the current epoch is remembered),
 * the largest timestamp it wrote, the coordinator epoch of its last transaction marker ({@code -1} when none),
 * and the first offset of its ongoing transaction ({@code -1} when none). An immutable copy, safe on any thread.
 */
public record ActiveProducer(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                             int coordinatorEpoch, long currentTxnStartOffset) {
}
