package io.samsa.raft;

/**
 * The state of a replica of the quorum in one epoch (KIP-595, KIP-996): exactly one at a time, each a class of its
 * own. What a state must survive a restart (the epoch, its leader if known, the vote cast in it) is its
 * {@link #election()}, written to {@code quorum-state} before the replica acts on the state.
 *
 * <pre>
 *   Unattached --election timeout--> Prospective --pre-vote majority--> Candidate --vote majority--> Leader
 *       ^  |                             |                                   |                          |
 *       |  +--BeginQuorumEpoch / a leader learned--> Follower <--------------+-- a higher epoch --------+
 *       |                                   |  fetch timeout -> Prospective                            |
 *       +------ a higher epoch ------------+                          check-quorum or shutdown -> Resigned
 * </pre>
 * A Prospective replica that knew the leader of its epoch goes back to following it on a majority of refusals, or
 * when its pre-vote is still undecided at its election timer (KIP-996).
 *
 * <p>Not thread-safe: states live on the replica's executor.
 */
sealed interface EpochState permits UnattachedState, ProspectiveState, CandidateState, LeaderState, FollowerState,
        ResignedState {

    int epoch();

    /** The leader of {@link #epoch()}, or {@link LeaderAndEpoch#NO_LEADER}. */
    int leaderId();

    /** The voter this replica voted for in {@link #epoch()}, or -1. */
    int votedId();

    /** What must be durable before the replica acts in this state. */
    default ElectionState election() {
        return new ElectionState(epoch(), leaderId(), votedId());
    }

    /** The leader and epoch as listeners see them. */
    default LeaderAndEpoch leaderAndEpoch() {
        return new LeaderAndEpoch(leaderId(), epoch());
    }
}
