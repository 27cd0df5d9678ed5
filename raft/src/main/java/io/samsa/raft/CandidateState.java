package io.samsa.raft;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A voter campaigning in a new epoch (KIP-595): it voted for itself (durable before it asks anyone) and sends Vote
 * requests; a majority of grants makes it leader. A majority of refusals means it lost: it waits a random backoff
 * and goes back to pre-vote. Not thread-safe: the replica's executor.
 */
final class CandidateState implements EpochState {
    private final int epoch;
    private final int self;
    private final Set<Integer> granted = new TreeSet<>();
    private final Set<Integer> refused = new HashSet<>();
    private boolean lost;

    CandidateState(int epoch, int self) {
        this.epoch = epoch;
        this.self = self;
        this.granted.add(self);
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public int leaderId() {
        return LeaderAndEpoch.NO_LEADER;
    }

    @Override
    public int votedId() {
        return self;
    }

    int grant(int voter) {
        refused.remove(voter);
        granted.add(voter);
        return granted.size();
    }

    int refuse(int voter) {
        if (!granted.contains(voter)) {
            refused.add(voter);
        }
        return refused.size();
    }

    boolean hasAnswered(int voter) {
        return granted.contains(voter) || refused.contains(voter);
    }

    /** The voters that granted their vote (for the LeaderChange record). */
    Set<Integer> granted() {
        return granted;
    }

    /** True once a majority refused: the candidate waits out its backoff. */
    boolean lost() {
        return lost;
    }

    void markLost() {
        lost = true;
    }

    @Override
    public String toString() {
        return "Candidate(epoch=" + epoch + ", granted=" + granted + ", refused=" + refused + ")";
    }
}
