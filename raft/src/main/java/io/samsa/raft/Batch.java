package io.samsa.raft;

import java.util.List;

/**
 * Committed records of one batch of the replicated log: the records take consecutive offsets from
 * {@code baseOffset}, were appended by the leader of {@code epoch} at {@code appendTimestamp}, and took
 * {@code sizeInBytes} bytes in the log. Immutable; the records themselves must not be changed by anyone.
 */
public record Batch<T>(long baseOffset, int epoch, long appendTimestamp, int sizeInBytes, List<T> records) {
    public Batch {
        records = List.copyOf(records);
    }

    /** The offset of the last record. */
    public long lastOffset() {
        return baseOffset + records.size() - 1;
    }
}
