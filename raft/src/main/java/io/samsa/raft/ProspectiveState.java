package io.samsa.raft;

import java.util.HashSet;
import java.util.Set;

/**
 * A voter asking whether it could win an election, without changing anyone's epoch (pre-vote, KIP-996): it sends
 * Vote requests with {@code PreVote} set in its current epoch; the voters answer as they would for a real vote one
 * epoch later, and refuse while they still hear from a leader. A majority of grants (counting its own) makes it a
 * candidate; a majority of refusals sends it back to what it was. When its election timer fires first, it follows
 * the leader of its epoch again if it knows one (and fetches from it), else it asks again. It keeps the leader and
 * the vote it had in this epoch, so its {@code quorum-state} does not change. Not thread-safe: the replica's executor.
 */
final class ProspectiveState implements EpochState {
    private final int epoch;
    private final int leaderId;
    private final int votedId;
    private final Set<Integer> granted = new HashSet<>();
    private final Set<Integer> refused = new HashSet<>();

    ProspectiveState(int epoch, int leaderId, int votedId, int self) {
        this.epoch = epoch;
        this.leaderId = leaderId;
        this.votedId = votedId;
        this.granted.add(self);
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

    /** Counts a grant; returns the grants so far. */
    int grant(int voter) {
        refused.remove(voter);
        granted.add(voter);
        return granted.size();
    }

    /** Counts a refusal; returns the refusals so far. */
    int refuse(int voter) {
        if (!granted.contains(voter)) {
            refused.add(voter);
        }
        return refused.size();
    }

    Set<Integer> granted() {
        return granted;
    }

    boolean hasAnswered(int voter) {
        return granted.contains(voter) || refused.contains(voter);
    }

    @Override
    public String toString() {
        return "Prospective(epoch=" + epoch + ", leader=" + leaderId + ", voted=" + votedId + ", granted=" + granted
            + ")";
    }
}
