package io.samsa.raft;

/**
 * What a voter must remember across restarts (Raft's persistent state): the latest epoch it knows, the leader
 * of that epoch ({@link LeaderAndEpoch#NO_LEADER} when unknown) and the voter it voted for in that epoch (-1
 * for none). Immutable.
 */
public record ElectionState(int epoch, int leaderId, int votedId) {
    /** Nothing known: before the first election. */
    public static final ElectionState NONE = new ElectionState(0, LeaderAndEpoch.NO_LEADER, -1);
}
