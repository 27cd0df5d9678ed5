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
import java.util.UUID;

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
    /** The current voter set (the newest in the log, committed or not: KIP-853). */
    private VoterSet voterSet;
    private final Map<Integer, Progress> voters = new TreeMap<>();
    private final Map<ReplicaKey, Progress> observers = new TreeMap<>();
    /** Voters that acknowledged BeginQuorumEpoch or fetched in this epoch. */
    private final Set<Integer> knowLeader = new HashSet<>();

    /** One replica's progress as this leader learned it from its fetches. */
    static final class Progress {
        long endOffset = -1;
        long lastFetchMs = -1;
        long lastCaughtUpMs = -1;
        UUID directoryId = ReplicaKey.NO_DIRECTORY;

        QuorumInfo.ReplicaState describe(int id) {
            return new QuorumInfo.ReplicaState(id, endOffset, lastFetchMs, lastCaughtUpMs, directoryId);
        }
    }

    LeaderState(int epoch, int self, VoterSet voterSet, Set<Integer> grantingVoters, long epochStartOffset,
                long nowMs) {
        this.epoch = epoch;
        this.self = self;
        this.epochStartOffset = epochStartOffset;
        this.electedMs = nowMs;
        this.grantingVoters = Collections.unmodifiableSortedSet(new TreeSet<>(grantingVoters));
        this.voterSet = voterSet;
        for (VoterSet.Voter v : voterSet.voters()) {
            Progress p = new Progress();
            p.directoryId = v.key().directoryId();
            voters.put(v.id(), p);
        }
        knowLeader.add(self);
    }

    /**
     * The voter set changed (a VotersRecord was appended, or the log was cut below one): a new voter keeps the
     * progress it made as an observer, a removed one becomes an observer and no longer counts.
     */
    void updateVoters(VoterSet next) {
        Map<Integer, Progress> old = new TreeMap<>(voters);
        voters.clear();
        for (VoterSet.Voter v : next.voters()) {
            Progress p = old.remove(v.id());
            if (p != null && !v.key().matches(new ReplicaKey(v.id(), p.directoryId))) {
                observers.put(new ReplicaKey(v.id(), p.directoryId), p);
                p = null;
            }
            if (p == null) {
                p = observers.remove(v.key());
            }
            if (p == null) {
                p = new Progress();
            }
            p.directoryId = v.key().directoryId();
            voters.put(v.id(), p);
        }
        for (Map.Entry<Integer, Progress> e : old.entrySet()) {
            if (e.getKey() != self) {
                observers.put(new ReplicaKey(e.getKey(), e.getValue().directoryId), e.getValue());
            }
        }
        voterSet = next;
    }

    VoterSet voterSet() {
        return voterSet;
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

    /** Whether {@code key} is a voter: its id, and its directory id when both are known. */
    boolean isVoter(ReplicaKey key) {
        return voterSet.contains(key);
    }

    /** The progress of replica {@code key} (an observer's is created on its first fetch). */
    Progress progress(ReplicaKey key) {
        if (isVoter(key)) {
            return voters.get(key.id());
        }
        return observers.computeIfAbsent(key, k -> {
            Progress p = new Progress();
            p.directoryId = k.directoryId();
            return p;
        });
    }

    /** The progress the leader has of {@code key} as an observer, or null. */
    Progress observer(ReplicaKey key) {
        return observers.get(key);
    }

    /** Records a valid fetch from {@code key} at {@code fetchOffset}, with the leader's log ending at {@code logEnd}. */
    void fetched(ReplicaKey key, long fetchOffset, long logEnd, long nowMs) {
        Progress p = progress(key);
        p.endOffset = fetchOffset;
        p.lastFetchMs = nowMs;
        if (fetchOffset >= logEnd) {
            p.lastCaughtUpMs = nowMs;
        }
        if (isVoter(key)) {
            knowLeader.add(key.id());
        }
    }

    /** The leader's own log is on disk up to {@code durableEnd} (it counts only while the leader is a voter). */
    void localDurable(long durableEnd, long nowMs) {
        Progress p = voters.get(self);
        if (p == null) {
            return;
        }
        p.endOffset = durableEnd;
        p.lastFetchMs = nowMs;
        p.lastCaughtUpMs = nowMs;
    }

    void beganEpoch(int voter) {
        knowLeader.add(voter);
    }

    /**
     * Voters that have not yet shown that they know this leader, or have not fetched within {@code quietMs}
     * (BeginQuorumEpoch goes to them again).
     */
    List<Integer> votersNotKnowingLeader(long nowMs, long quietMs) {
        List<Integer> out = new ArrayList<>();
        for (Map.Entry<Integer, Progress> e : voters.entrySet()) {
            int v = e.getKey();
            // Also a voter that knew it but has not fetched for a while: it may have moved to a later epoch (a lost
            // election behind a partition) and, refused its pre-votes, never hear of this leader again. Its answer
            // names its epoch, and this leader steps down to it.
            if (v != self && (!knowLeader.contains(v) || nowMs - e.getValue().lastFetchMs > quietMs)) {
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
        if (voters.isEmpty()) {
            return -1;
        }
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
            if ((e.getKey() == self && voters.containsKey(self)) || nowMs - e.getValue().lastFetchMs <= windowMs) {
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
        observers.forEach((key, p) -> o.add(p.describe(key.id())));
        return new QuorumInfo(self, epoch, highWatermark, v, o, voterSet);
    }

    @Override
    public String toString() {
        return "Leader(epoch=" + epoch + ", start=" + epochStartOffset + ")";
    }
}
