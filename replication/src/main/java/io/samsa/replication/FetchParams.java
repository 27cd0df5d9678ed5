package io.samsa.replication;

/**
 * What a fetch request asks of every partition it reads: who fetches ({@code replicaId}: a broker's node id for a
 * follower, negative for a consumer; Fetch v0-14 carry it as {@code replica_id}, v15+ as
 * {@code replica_state.replica_id}, KIP-903, with its broker epoch {@code replicaEpoch}, -1 when unknown), how long it may wait for {@code minBytes} ({@code maxWaitMs}), how
 * many bytes the whole response may carry ({@code maxBytes}, the broker's cap applied), how far it may read, and whether
 * only the leader may serve it ({@code fetchOnlyFromLeader}: false for a consumer that may read from a follower,
 * Fetch v11+, KIP-392). Immutable.
 */
public record FetchParams(int replicaId, long replicaEpoch, int maxWaitMs, int minBytes, int maxBytes,
                          FetchIsolation isolation, boolean fetchOnlyFromLeader) {

    /** A fetch served by the leader only (followers, and consumers below Fetch v11). */
    public FetchParams(int replicaId, long replicaEpoch, int maxWaitMs, int minBytes, int maxBytes,
                       FetchIsolation isolation) {
        this(replicaId, replicaEpoch, maxWaitMs, minBytes, maxBytes, isolation, true);
    }

    /** A fetch whose fetcher's broker epoch is unknown (a consumer, or a follower's fetch below v15). */
    public FetchParams(int replicaId, int maxWaitMs, int minBytes, int maxBytes, FetchIsolation isolation) {
        this(replicaId, -1, maxWaitMs, minBytes, maxBytes, isolation);
    }

    /** True for a follower's fetch (a broker replicating the partition), false for a consumer's. */
    public boolean isFromFollower() {
        return replicaId >= 0;
    }
}
