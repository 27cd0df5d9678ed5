package io.samsa.raft;

/** The leader of the replicated log in an epoch, or {@link #NO_LEADER}. Immutable. */
public record LeaderAndEpoch(int leaderId, int epoch) {
    /** The leader id when no voter leads (an election runs, or the log failed). */
    public static final int NO_LEADER = -1;

    public boolean hasLeader() {
        return leaderId != NO_LEADER;
    }

    /** Whether {@code nodeId} leads in this epoch. */
    public boolean isLeader(int nodeId) {
        return leaderId == nodeId;
    }
}
