package io.samsa.raft;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.BeginQuorumEpochRequest;
import io.samsa.wire.message.BeginQuorumEpochResponse;
import io.samsa.wire.message.EndQuorumEpochRequest;
import io.samsa.wire.message.EndQuorumEpochResponse;
import io.samsa.wire.message.VoteRequest;
import io.samsa.wire.message.VoteResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The elections of a {@link RaftReplica} (KIP-595 with pre-vote, KIP-996): both sides of Vote, BeginQuorumEpoch and
 * EndQuorumEpoch, and the timers that start elections.
 *
 * <ul>
 *   <li>A voter without a live leader waits a random election timeout ({@code [t, 2t)}; {@code [0, t)} in a new
 *       quorum's first epoch, see {@link #electionTimeoutMs}), then asks for pre-votes in its epoch. A voter grants a
 *       pre-vote when the candidate's log is at least as up to date as its own, it could vote for it one epoch later,
 *       and it has not heard from a leader within the fetch timeout; granting changes nothing on its side.</li>
 *   <li>With a majority of pre-votes the voter becomes a candidate one epoch later, votes for itself (durably)
 *       and asks for votes. A voter grants at most one vote per epoch (written durably before it answers), only
 *       to a candidate whose log is at least as up to date as its own; a request of a higher epoch first moves
 *       it to that epoch.</li>
 *   <li>The winner tells the voters with BeginQuorumEpoch (again until they answer or fetch). A leader that
 *       resigns sends EndQuorumEpoch with its preferred successors, most caught-up first: the first starts its
 *       election at once, the others after a backoff that grows with their position.</li>
 * </ul>
 *
 * <p>Not thread-safe: the replica's executor.
 */
final class Elections<T> {
    private static final Logger log = LoggerFactory.getLogger(Elections.class);

    private final RaftReplica<T> r;
    private final int self;
    private final RaftConfig config;

    Elections(RaftReplica<T> replica) {
        this.r = replica;
        this.self = replica.nodeId;
        this.config = replica.config;
    }

    private boolean onlyVoter() {
        return r.voters().size() == 1 && r.isVoter();
    }

    /**
     * The voters of the current set among {@code ids} (grants of replicas the set no longer names do not count; this
     * replica's own only when its directory id is the set's).
     */
    private int countVoters(java.util.Set<Integer> ids) {
        VoterSet voters = r.voters();
        int n = 0;
        for (int id : ids) {
            if (voters.voter(id) != null && (id != self || r.isVoter())) {
                n++;
            }
        }
        return n;
    }

    /** The other voters, in id order. */
    private java.util.List<Integer> otherVoters() {
        java.util.List<Integer> out = new java.util.ArrayList<>(r.voters().ids());
        out.remove((Integer) self);
        return out;
    }

    /**
     * A random election timeout in {@code [t, 2t)}; none for the only voter, which has nobody to wait for.
     *
     * <p>A voter that has never left epoch 0 nor voted (a new quorum's first start, Samsa's departure from Kafka, which
     * waits {@code [t, 2t)} here too) waits {@code [0, t)}: there is no leader of an earlier epoch to give time to, so
     * the first election comes about a second sooner. Standing early is safe as any election is: the pre-vote of a
     * replica that joins a quorum already led is refused by the voters that hear from the leader, and their answers
     * name it. The spread keeps the voters from standing together.
     */
    long electionTimeoutMs() {
        if (onlyVoter()) {
            return 0;
        }
        long t = config.electionTimeoutMs();
        if (r.state() instanceof UnattachedState u && u.epoch() == 0 && !u.hasVoted()) {
            return (long) (r.random.nextDouble() * t);
        }
        return t + (long) (r.random.nextDouble() * t);
    }

    private long backoffMs() {
        return onlyVoter() ? 0 : (long) (r.random.nextDouble() * config.electionBackoffMaxMs());
    }

    /** The election timer fired (unattached, following a dead leader, resigned, or a leaderless pre-vote undecided). */
    void electionTimeout() {
        EpochState s = r.state();
        if (s instanceof LeaderState || s instanceof CandidateState) {
            return;
        }
        if (!r.mayStandForElection()) {
            // Not (or no longer) a voter: look for the leader as an observer does.
            if (!(s instanceof UnattachedState)) {
                r.transition(new UnattachedState(s.epoch(), s.votedId()));
            } else {
                r.followerFetches.discoverLeader((UnattachedState) s);
            }
            return;
        }
        int leaderId = s instanceof FollowerState || s instanceof ProspectiveState ? s.leaderId()
            : LeaderAndEpoch.NO_LEADER;
        if (leaderId == self) {
            leaderId = LeaderAndEpoch.NO_LEADER;
        }
        r.transition(new ProspectiveState(s.epoch(), leaderId, s.votedId(), self));
    }

    // ---------------------------------------------------------------- asking for votes

    void startPreVote(ProspectiveState p) {
        r.armTimer(electionTimeoutMs(), () -> preVoteUndecided(p));
        p.grant(self);
        if (countVoters(p.granted()) >= r.voters().majority()) {
            r.transition(new CandidateState(p.epoch() + 1, self));
            return;
        }
        for (int v : otherVoters()) {
            sendVote(p, v, true);
        }
    }

    /**
     * The pre-vote neither won nor lost within an election timeout: a voter of its set is down or unreachable and the
     * others are split. One that knows the leader of its epoch follows it again and fetches from it (KIP-996: a
     * prospective replica that knew the leader goes back to following it): a voter removed while it was away, whose
     * set names voters that are down or no longer vote, would otherwise ask for pre-votes for good without ever
     * fetching the VotersRecord that removed it. If the leader does not answer, the fetch timeout starts the next
     * pre-vote, so an isolated voter still never raises the epoch. One that knows no leader asks again at once.
     */
    private void preVoteUndecided(ProspectiveState p) {
        if (p.leaderId() >= 0) {
            log.debug("{}The pre-vote in epoch {} is undecided: following leader {} again", r.prefix, p.epoch(),
                p.leaderId());
            r.transition(new FollowerState(p.epoch(), p.leaderId(), p.votedId(), r.now()));
        } else {
            electionTimeout();
        }
    }

    void startElection(CandidateState c) {
        r.armTimer(electionTimeoutMs(), () -> r.transition(new ProspectiveState(c.epoch(), LeaderAndEpoch.NO_LEADER,
            self, self)));
        if (countVoters(c.granted()) >= r.voters().majority()) {
            becomeLeader(c);
            return;
        }
        for (int v : otherVoters()) {
            sendVote(c, v, false);
        }
    }

    private void sendVote(EpochState in, int voter, boolean preVote) {
        VoterSet.Voter target = r.voters().voter(voter);
        VoteRequest req = RaftMessages.voteRequest(in.epoch(), self, voter, r.lastEpoch(), r.raftLog.endOffset(),
            preVote);
        VoteRequest.PartitionData pd = req.topics().get(0).partitions().get(0);
        pd.setReplicaDirectoryId(config.directoryId());
        if (target != null) {
            pd.setVoterDirectoryId(target.key().directoryId());
        }
        r.send(voter, req, RaftMessages.VOTE_VERSION, VoteResponse.class,
            (resp, err) -> onVoteResponse(in, voter, preVote, resp, err));
    }

    private void retryVote(EpochState in, int voter, boolean preVote) {
        r.later(config.retryBackoffMs(), in, () -> {
            boolean answered = in instanceof ProspectiveState p ? p.hasAnswered(voter)
                : ((CandidateState) in).hasAnswered(voter);
            if (!answered) {
                sendVote(in, voter, preVote);
            }
        });
    }

    private void onVoteResponse(EpochState in, int voter, boolean preVote, VoteResponse resp, Throwable err) {
        if (err != null || resp.errorCode() != ErrorCode.NONE.code()) {
            retryVote(in, voter, preVote);
            return;
        }
        VoteResponse.PartitionData p;
        try {
            p = RaftMessages.partition(resp);
        } catch (RuntimeException e) {
            retryVote(in, voter, preVote);
            return;
        }
        if (r.learn(p.leaderId(), p.leaderEpoch()) || r.state() != in) {
            return;
        }
        if (p.errorCode() != ErrorCode.NONE.code()) {
            retryVote(in, voter, preVote);
            return;
        }
        VoterSet voters = r.voters();
        if (voters.voter(voter) == null) {
            return;
        }
        int refusalsToLose = voters.size() - voters.majority() + 1;
        if (in instanceof ProspectiveState ps) {
            if (p.voteGranted()) {
                ps.grant(voter);
                if (countVoters(ps.granted()) >= voters.majority()) {
                    r.transition(new CandidateState(ps.epoch() + 1, self));
                }
            } else if (ps.refuse(voter) >= refusalsToLose) {
                // A majority still hears from a leader or has a longer log: back to what it was.
                r.transition(ps.leaderId() >= 0 ? new FollowerState(ps.epoch(), ps.leaderId(), ps.votedId(), r.now())
                    : new UnattachedState(ps.epoch(), ps.votedId()));
            }
        } else if (in instanceof CandidateState c) {
            if (p.voteGranted()) {
                c.grant(voter);
                if (countVoters(c.granted()) >= voters.majority()) {
                    becomeLeader(c);
                }
            } else if (c.refuse(voter) >= refusalsToLose && !c.lost()) {
                c.markLost();
                r.armTimer(backoffMs(), () -> r.transition(new ProspectiveState(c.epoch(), LeaderAndEpoch.NO_LEADER,
                    self, self)));
            }
        }
    }

    private void becomeLeader(CandidateState c) {
        r.transition(new LeaderState(c.epoch(), self, r.voters(), c.granted(), r.raftLog.endOffset(),
            r.now()));
    }

    // ---------------------------------------------------------------- answering votes

    VoteResponse handleVote(VoteRequest req) {
        VoteRequest.PartitionData p = RaftMessages.partition(req);
        int candidate = p.replicaId();
        int epoch = p.replicaEpoch();
        EpochState s = r.state();
        if (p.voterDirectoryId() != null && !ReplicaKey.NO_DIRECTORY.equals(p.voterDirectoryId())
                && !p.voterDirectoryId().equals(config.directoryId())) {
            // Meant for this id's replica of another directory (this node's disk was replaced): not this one's vote.
            return RaftMessages.voteResponse(ErrorCode.INVALID_VOTER_KEY, r.leaderForOthers(), false);
        }
        // A static quorum knows its voters; a dynamic one's sets may differ for a while (a replica that has not yet
        // seen a VotersRecord), so any candidate may ask: it counts only the grants of its own set (KIP-853).
        boolean candidateKnown = r.kraftVersion() > 0 || r.voters().voter(candidate) != null;
        // A replica the candidate's set names by id and directory id votes even before it has the VotersRecord
        // that made it a voter (KIP-853): else a new voter that a majority needs could block every election.
        boolean named = req.voterId() == self && config.directoryId().equals(p.voterDirectoryId())
            && !ReplicaKey.NO_DIRECTORY.equals(config.directoryId());
        if ((!r.isVoter() && !named) || !candidateKnown || candidate == self) {
            return RaftMessages.voteResponse(ErrorCode.NONE, r.leaderForOthers(), false);
        }
        if (p.preVote() && epoch > s.epoch() && s instanceof LeaderState) {
            // A replica in a later epoch that this leader never reached: a voter removed while it was cut off, which
            // the leader sends no BeginQuorumEpoch and which ignores answers naming an older epoch, would never find
            // the leader. The leader steps down to that epoch; the next election's leader is then one it follows.
            log.info("{}A pre-vote from {} names epoch {}, later than this leader's {}: stepping down", r.prefix,
                candidate, epoch, s.epoch());
            r.transition(new UnattachedState(epoch, -1));
            s = r.state();
        }
        boolean upToDate = r.isUpToDate(p.lastOffsetEpoch(), p.lastOffset());
        if (named && !upToDate && !r.isVoter()) {
            // Its set needs this replica, which cannot vote for it: this log may have to lead (standsAsNamed).
            r.namedByCandidateBehind();
        }
        if (p.preVote()) {
            // Would this voter vote for the candidate one epoch later? Nothing changes here either way.
            int target = epoch + 1;
            boolean grant = target > s.epoch() ? upToDate && !hasLiveLeader(s)
                : target == s.epoch() && canVoteFor(s, candidate) && upToDate && !hasLiveLeader(s);
            return RaftMessages.voteResponse(ErrorCode.NONE, r.leaderForOthers(), grant);
        }
        if (epoch < s.epoch()) {
            return RaftMessages.voteResponse(ErrorCode.NONE, r.leaderForOthers(), false);
        }
        if (epoch > s.epoch()) {
            r.transition(new UnattachedState(epoch, -1));
            s = r.state();
            if (s.epoch() != epoch) {
                return RaftMessages.voteResponse(ErrorCode.NONE, r.leaderForOthers(), false);
            }
        }
        boolean grant = canVoteFor(s, candidate) && upToDate;
        if (grant) {
            if (s instanceof UnattachedState u && u.votedId() == candidate) {
                r.armTimer(electionTimeoutMs(), this::electionTimeout);
            } else {
                r.transition(new UnattachedState(epoch, candidate));
                grant = r.state() instanceof UnattachedState u && u.votedId() == candidate;
            }
        }
        return RaftMessages.voteResponse(ErrorCode.NONE, r.leaderForOthers(), grant);
    }

    /** Whether a vote for {@code candidate} in the current epoch is still free (or already its). */
    private static boolean canVoteFor(EpochState s, int candidate) {
        if (s instanceof UnattachedState u) {
            return !u.hasVoted() || u.votedId() == candidate;
        }
        if (s instanceof ProspectiveState p) {
            return p.leaderId() == LeaderAndEpoch.NO_LEADER && (p.votedId() < 0 || p.votedId() == candidate);
        }
        return false;
    }

    /** KIP-996: a voter that heard from its leader within the fetch timeout refuses pre-votes. */
    private boolean hasLiveLeader(EpochState s) {
        if (s instanceof LeaderState) {
            return true;
        }
        return s instanceof FollowerState f && f.hasLiveLeader(r.now(), config.fetchTimeoutMs());
    }

    // ---------------------------------------------------------------- BeginQuorumEpoch

    /** Tells the voters that have not shown they know it that this replica leads. */
    void beginQuorumEpoch(LeaderState l) {
        for (int v : l.votersNotKnowingLeader(r.now(), config.fetchTimeoutMs() / 2)) {
            r.send(v, RaftMessages.beginQuorumEpochRequest(l.epoch(), self, v),
                RaftMessages.BEGIN_QUORUM_EPOCH_VERSION, BeginQuorumEpochResponse.class, (resp, err) -> {
                    if (err != null || resp.errorCode() != ErrorCode.NONE.code()) {
                        return;
                    }
                    BeginQuorumEpochResponse.PartitionData p = RaftMessages.partition(resp);
                    if (!r.learn(p.leaderId(), p.leaderEpoch()) && r.state() == l
                            && p.errorCode() == ErrorCode.NONE.code()) {
                        l.beganEpoch(v);
                    }
                });
        }
    }

    BeginQuorumEpochResponse handleBeginQuorumEpoch(BeginQuorumEpochRequest req) {
        BeginQuorumEpochRequest.PartitionData p = RaftMessages.partition(req);
        int epoch = p.leaderEpoch();
        int leaderId = p.leaderId();
        EpochState s = r.state();
        if (epoch < s.epoch()) {
            return RaftMessages.beginQuorumEpochResponse(ErrorCode.FENCED_LEADER_EPOCH, r.leaderForOthers());
        }
        if (leaderId == self || leaderId < 0) {
            return RaftMessages.beginQuorumEpochResponse(ErrorCode.INVALID_REQUEST, r.leaderForOthers());
        }
        if (epoch == s.epoch() && s.leaderId() != LeaderAndEpoch.NO_LEADER && s.leaderId() != leaderId) {
            log.error("{}Node {} claims epoch {}, which node {} leads", r.prefix, leaderId, epoch, s.leaderId());
            return RaftMessages.beginQuorumEpochResponse(ErrorCode.INVALID_REQUEST, r.leaderForOthers());
        }
        if (epoch > s.epoch() || s.leaderId() == LeaderAndEpoch.NO_LEADER || s instanceof ProspectiveState) {
            r.transition(new FollowerState(epoch, leaderId, epoch == s.epoch() ? s.votedId() : -1, r.now()));
        }
        if (r.state() instanceof FollowerState f && f.leaderId() == leaderId && f.epoch() == epoch) {
            f.heardFromLeader(r.now());
        }
        return RaftMessages.beginQuorumEpochResponse(ErrorCode.NONE, r.leaderForOthers());
    }

    // ---------------------------------------------------------------- EndQuorumEpoch

    /** A resigned leader tells the voters, then waits for a successor or its own election timeout. */
    void resigned(ResignedState s) {
        for (int v : otherVoters()) {
            r.send(v, RaftMessages.endQuorumEpochRequest(s.epoch(), self, s.preferredSuccessors()),
                RaftMessages.END_QUORUM_EPOCH_VERSION, EndQuorumEpochResponse.class, (resp, err) -> {
                    if (err == null && resp.errorCode() == ErrorCode.NONE.code() && !resp.topics().isEmpty()
                            && !resp.topics().get(0).partitions().isEmpty()) {
                        EndQuorumEpochResponse.PartitionData p = resp.topics().get(0).partitions().get(0);
                        r.learn(p.leaderId(), p.leaderEpoch());
                    }
                });
        }
        r.armTimer(electionTimeoutMs(), this::electionTimeout);
    }

    EndQuorumEpochResponse handleEndQuorumEpoch(EndQuorumEpochRequest req) {
        EndQuorumEpochRequest.PartitionData p = RaftMessages.partition(req);
        int epoch = p.leaderEpoch();
        EpochState s = r.state();
        if (epoch < s.epoch()) {
            return RaftMessages.endQuorumEpochResponse(ErrorCode.FENCED_LEADER_EPOCH, r.leaderForOthers());
        }
        List<Integer> successors = RaftMessages.successors(p);
        if (epoch > s.epoch()) {
            r.transition(new UnattachedState(epoch, -1));
            electAfterResignation(successors);
        } else if (s instanceof FollowerState f && f.leaderId() == p.leaderId()) {
            r.transition(new UnattachedState(epoch, f.votedId()));
            electAfterResignation(successors);
        }
        return RaftMessages.endQuorumEpochResponse(ErrorCode.NONE, r.leaderForOthers());
    }

    /** The first preferred successor starts at once; the n-th after a backoff growing with n; others as usual. */
    private void electAfterResignation(List<Integer> successors) {
        if (!r.mayStandForElection() || !(r.state() instanceof UnattachedState)) {
            return;
        }
        int position = successors.indexOf(self);
        long delay = position < 0 ? electionTimeoutMs() : position == 0 ? 0
            : Math.min(config.electionBackoffMaxMs(), config.retryBackoffMs() << Math.min(position, 20))
                + (long) (r.random.nextDouble() * config.retryBackoffMs());
        r.armTimer(delay, this::electionTimeout);
    }
}
