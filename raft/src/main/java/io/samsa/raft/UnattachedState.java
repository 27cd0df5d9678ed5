package io.samsa.raft;

/**
 * An epoch whose leader this replica does not know (KIP-595): after a restart without a leader, after granting a
 * vote (then {@code votedId} is the candidate), after learning of a higher epoch, or after the leader resigned
 * (EndQuorumEpoch). A voter starts a pre-vote when its election timer fires; an observer looks for the leader by
 * fetching from the voters. Immutable.
 */
record UnattachedState(int epoch, int votedId) implements EpochState {
    @Override
    public int leaderId() {
        return LeaderAndEpoch.NO_LEADER;
    }

    boolean hasVoted() {
        return votedId >= 0;
    }
}
