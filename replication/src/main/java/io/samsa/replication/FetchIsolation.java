package io.samsa.replication;

/**
 * How far a fetch may read: a follower up to the log end offset (it replicates what the leader has), a consumer
 * up to the high watermark, or, at READ_COMMITTED, up to the last stable offset.
 */
public enum FetchIsolation {
    /** A follower's fetch (replica id >= 0): everything the leader has. */
    LOG_END,
    /** A consumer at READ_UNCOMMITTED: what every in-sync replica has. */
    HIGH_WATERMARK,
    /** A consumer at READ_COMMITTED: below the first open transaction, too. */
    TXN_COMMITTED;

    /** The isolation of a fetch from {@code replicaId} (>= 0: a broker) at the request's isolation level. */
    public static FetchIsolation of(int replicaId, boolean readCommitted) {
        if (replicaId >= 0) {
            return LOG_END;
        }
        return readCommitted ? TXN_COMMITTED : HIGH_WATERMARK;
    }
}
