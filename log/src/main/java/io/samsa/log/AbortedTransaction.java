package io.samsa.log;

/**
 * One aborted transaction, as a fetch response lists it (producer id and first offset) and as the
 * transaction index stores it: the offsets of its first data batch and of its abort marker, and the last
 * stable offset when the marker was written.
 */
public record AbortedTransaction(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
