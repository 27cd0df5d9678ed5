package io.samsa.controller;

/**
 * A block of producer ids handed to one broker (AllocateProducerIds, KIP-730): {@code size} ids from
 * {@code firstProducerId}. The broker gives them out to idempotent producers; no other broker ever gets them,
 * and a restarted broker asks for a new block. Immutable.
 */
public record ProducerIdBlock(int brokerId, long firstProducerId, int size) {
    /** The block size, as KRaft's controller hands them out. */
    public static final int SIZE = 1000;

    /** The id after the last one in the block. */
    public long nextBlockStart() {
        return firstProducerId + size;
    }
}
