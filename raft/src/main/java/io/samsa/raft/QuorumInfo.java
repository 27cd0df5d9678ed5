package io.samsa.raft;

import java.util.List;

/**
 * What DescribeQuorum answers (KIP-595, KIP-836): the leader, its epoch and high watermark, and for each voter and
 * observer its log end offset as the leader last learned it from a fetch, when it last fetched and when it was
 * last caught up with the leader's log end (-1 when never). Taken on the leader; immutable.
 */
public record QuorumInfo(int leaderId, int leaderEpoch, long highWatermark, List<ReplicaState> voters,
                         List<ReplicaState> observers, VoterSet voterSet) {
    public QuorumInfo {
        voters = List.copyOf(voters);
        observers = List.copyOf(observers);
    }

    public QuorumInfo(int leaderId, int leaderEpoch, long highWatermark, List<ReplicaState> voters,
                      List<ReplicaState> observers) {
        this(leaderId, leaderEpoch, highWatermark, voters, observers, VoterSet.EMPTY);
    }

    /**
     * One replica as the leader sees it, with its directory id (KIP-853; {@link ReplicaKey#NO_DIRECTORY} when
     * unknown). {@code voterSet} of the QuorumInfo gives the voters' endpoints (DescribeQuorum's Nodes).
     */
    public record ReplicaState(int replicaId, long logEndOffset, long lastFetchTimestamp,
                               long lastCaughtUpTimestamp, java.util.UUID directoryId) {
        public ReplicaState(int replicaId, long logEndOffset, long lastFetchTimestamp, long lastCaughtUpTimestamp) {
            this(replicaId, logEndOffset, lastFetchTimestamp, lastCaughtUpTimestamp, ReplicaKey.NO_DIRECTORY);
        }
    }
}
