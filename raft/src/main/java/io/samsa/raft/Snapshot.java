package io.samsa.raft;

import java.util.List;

/**
 * The whole state below {@code id.endOffset()} as records (in an order that rebuilds it from nothing), and the
 * append time of the last record it covers. Immutable; the records themselves must not be changed.
 */
public record Snapshot<T>(SnapshotId id, long lastContainedTimestamp, List<T> records) {
    public Snapshot {
        records = List.copyOf(records);
    }
}
