package io.samsa.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader of an epoch (KIP-595): it appended a LeaderChange control record at {@link #epochStartOffset()} when
 * elected, takes appends, answers fetches, and tracks each replica's progress: the fetch offset of its last valid
 * fetch (the end of its log on disk), when it last fetched and when it was last caught up. The high watermark is
 * the largest offset that a majority of voters (the leader counting its own log as far as it is on disk) have
 * reached, once that includes the epoch's start: only then is an entry of its own epoch committed, and with it
 * everything before. Not thread-safe: the replica's executor.
 */
final class LeaderState implements EpochState {
    private final int epoch;
    private final int self;
    private final long epochStartOffset;
    private final long electedMs;
    private final Set<Integer> grantingVoters;
    private final Map<Integer, Progress> voters = new TreeMap<>();
    private final Map<Integer, Progress> observers = new TreeMap<>();
    /** Voters that acknowledged BeginQuorumEpoch or fetched in this epoch. */
    private final Set<Integer> knowLeader = new HashSet<>();

    /** One replica's progress as this leader learned it from its fetches. */
    static final class Progress {
        long endOffset = -1;
        long lastFetchMs = -1;
        long lastCaughtUpMs = -1;

        QuorumInfo.ReplicaState describe(int id) {
            return new QuorumInfo.ReplicaState(id, endOffset, lastFetchMs, lastCaughtUpMs);
        }
    }

    LeaderState(int epoch, int self, Set<Integer> voterIds, Set<Integer> grantingVoters, long epochStartOffset,
                long nowMs) {
        this.epoch = epoch;
        this.self = self;
        this.epochStartOffset = epochStartOffset;
        this.electedMs = nowMs;
        this.grantingVoters = Collections.unmodifiableSortedSet(new TreeSet<>(grantingVoters));
        for (int v : voterIds) {
            voters.put(v, new Progress());
        }
        knowLeader.add(self);
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public int leaderId() {
        return self;
    }

    @Override
    public int votedId() {
        return self;
    }

    /** The offset of this epoch's LeaderChange record: the high watermark must pass it. */
    long epochStartOffset() {
        return epochStartOffset;
    }

    long electedMs() {
        return electedMs;
    }

    Set<Integer> grantingVoters() {
        return grantingVoters;
    }

    boolean isVoter(int id) {
        return voters.containsKey(id);
    }

    /** The progress of replica {@code id} (an observer's is created on its first fetch). */
    Progress progress(int id) {
        Progress p = voters.get(id);
        if (p == null) {
            p = observers.computeIfAbsent(id, k -> new Progress());
        }
        return p;
    }

    /** Records a valid fetch from {@code id} at {@code fetchOffset}, with the leader's log ending at {@code logEnd}. */
    void fetched(int id, long fetchOffset, long logEnd, long nowMs) {
        Progress p = progress(id);
        p.endOffset = fetchOffset;
        p.lastFetchMs = nowMs;
        if (fetchOffset >= logEnd) {
            p.lastCaughtUpMs = nowMs;
        }
        if (voters.containsKey(id)) {
            knowLeader.add(id);
        }
    }

    /** The leader's own log is on disk up to {@code durableEnd}. */
    void localDurable(long durableEnd, long nowMs) {
        Progress p = voters.get(self);
        p.endOffset = durableEnd;
        p.lastFetchMs = nowMs;
        p.lastCaughtUpMs = nowMs;
    }

    void beganEpoch(int voter) {
        knowLeader.add(voter);
    }

    /** Voters that have not yet shown that they know this leader (BeginQuorumEpoch goes to them again). */
    List<Integer> votersNotKnowingLeader() {
        List<Integer> out = new ArrayList<>();
        for (int v : voters.keySet()) {
            if (!knowLeader.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * The high watermark the voters' progress supports: the end offset a majority has reached, or -1 while that
     * does not include this epoch's LeaderChange record.
     */
    long majorityEndOffset() {
        List<Long> ends = new ArrayList<>(voters.size());
        for (Progress p : voters.values()) {
            ends.add(p.endOffset);
        }
        ends.sort(Comparator.reverseOrder());
        long end = ends.get(voters.size() / 2);
        return end > epochStartOffset ? end : -1;
    }

    /** Check-quorum: whether a majority of voters (this one included) fetched within {@code windowMs}. */
    boolean majorityFetchedWithin(long nowMs, long windowMs) {
        int alive = 0;
        for (Map.Entry<Integer, Progress> e : voters.entrySet()) {
            if (e.getKey() == self || nowMs - e.getValue().lastFetchMs <= windowMs) {
                alive++;
            }
        }
        return alive >= voters.size() / 2 + 1;
    }

    /** The voters other than this one, most caught-up first: the preferred successors when it resigns. */
    List<Integer> successorsByProgress() {
        List<Integer> out = new ArrayList<>();
        for (int v : voters.keySet()) {
            if (v != self) {
                out.add(v);
            }
        }
        out.sort(Comparator.comparingLong((Integer v) -> voters.get(v).endOffset).reversed()
            .thenComparing(Comparator.naturalOrder()));
        return out;
    }

    QuorumInfo describe(long highWatermark) {
        List<QuorumInfo.ReplicaState> v = new ArrayList<>();
        voters.forEach((id, p) -> v.add(p.describe(id)));
        List<QuorumInfo.ReplicaState> o = new ArrayList<>();
        observers.forEach((id, p) -> o.add(p.describe(id)));
        return new QuorumInfo(self, epoch, highWatermark, v, o);
    }

    @Override
    public String toString() {
        return "Leader(epoch=" + epoch + ", start=" + epochStartOffset + ")";
    }
}
