package io.samsa.raft;

import java.util.List;

/**
 * A leader that stepped down in its epoch (KIP-595): on shutdown, or when check-quorum found that a majority had
 * not fetched within 1.5 fetch timeouts. It takes no appends and serves no fetches; it told the voters with
 * EndQuorumEpoch, naming the most caught-up voters first as preferred successors, and waits for a new leader or
 * its election timer. Its {@code quorum-state} still names it leader of the epoch. Immutable.
 */
record ResignedState(int epoch, int self, List<Integer> preferredSuccessors) implements EpochState {
    ResignedState {
        preferredSuccessors = List.copyOf(preferredSuccessors);
    }

    @Override
    public int leaderId() {
        return self;
    }

    @Override
    public int votedId() {
        return self;
    }

    /** Listeners see no leader: nothing may be appended in this epoch any more. */
    @Override
    public LeaderAndEpoch leaderAndEpoch() {
        return new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, epoch);
    }
}
