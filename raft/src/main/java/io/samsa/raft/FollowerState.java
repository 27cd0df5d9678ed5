package io.samsa.raft;

/**
 * A replica that knows the leader of its epoch and replicates from it with Fetch (KIP-595): the fetch offset is
 * its log end once that is on disk, with the epoch of its last batch; the leader answers with records, a diverging
 * epoch to truncate to, or a snapshot to download (FetchSnapshot, KIP-630). A voter whose fetches have failed for
 * the fetch timeout starts a pre-vote; an observer goes back to looking for the leader. Not thread-safe: the
 * replica's executor.
 */
final class FollowerState implements EpochState {
    private final int epoch;
    private final int leaderId;
    private final int votedId;
    /** When following began. */
    private final long startedMs;
    /** When the leader last answered a fetch (or sent BeginQuorumEpoch), -1 before it did in this state. */
    private long lastContactMs = -1;
    /** The connection to the leader failed since it last answered. */
    private boolean unreachable;
    /** A Fetch or FetchSnapshot is on its way, or an append waits for its force: no other fetch is sent. */
    boolean fetching;
    /** The snapshot being downloaded, or null. */
    SnapshotDownload download;
    /** An UpdateRaftVoter for this replica's endpoints is on its way to the leader (KIP-853). */
    boolean updatingVoter;

    FollowerState(int epoch, int leaderId, int votedId, long nowMs) {
        this.epoch = epoch;
        this.leaderId = leaderId;
        this.votedId = votedId;
        this.startedMs = nowMs;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public int leaderId() {
        return leaderId;
    }

    @Override
    public int votedId() {
        return votedId;
    }

    /** When the fetch timeout runs out, unless the leader answers before. */
    long fetchTimeoutDueMs(long timeoutMs) {
        return Math.max(startedMs, lastContactMs) + timeoutMs;
    }

    /** The leader answered a fetch, or announced itself. */
    void heardFromLeader(long nowMs) {
        lastContactMs = nowMs;
        unreachable = false;
    }

    /**
     * The connection to the leader failed: it no longer counts as heard. Returns true the first time since the
     * leader last answered.
     */
    boolean leaderUnreachable() {
        if (unreachable) {
            return false;
        }
        unreachable = true;
        lastContactMs = -1;
        return true;
    }

    /**
     * Whether the leader answered within {@code timeoutMs}: such a follower refuses pre-votes (KIP-996). Following
     * a leader that has not answered yet (after a restart, or a pre-vote that others refused) is not hearing it.
     */
    boolean hasLiveLeader(long nowMs, long timeoutMs) {
        return lastContactMs >= 0 && nowMs - lastContactMs < timeoutMs;
    }

    @Override
    public String toString() {
        return "Follower(epoch=" + epoch + ", leader=" + leaderId + ", voted=" + votedId + ")";
    }
}
