package io.samsa.raft;

import java.util.List;

/**
 * What DescribeQuorum answers (KIP-595, KIP-836): the leader, its epoch and high watermark, and for each voter and
 * observer its log end offset as the leader last learned it from a fetch, when it last fetched and when it was
 * last caught up with the leader's log end (-1 when never). Taken on the leader; immutable.
 */
public record QuorumInfo(int leaderId, int leaderEpoch, long highWatermark, List<ReplicaState> voters,
                         List<ReplicaState> observers) {
    public QuorumInfo {
        voters = List.copyOf(voters);
        observers = List.copyOf(observers);
    }

    /** One replica as the leader sees it. */
    public record ReplicaState(int replicaId, long logEndOffset, long lastFetchTimestamp,
                               long lastCaughtUpTimestamp) {
    }
}
