package io.samsa.raft;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.VoteRequest;
import io.samsa.wire.message.VoteResponse;
import io.samsa.wire.protocol.Message;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Dynamic voters (KIP-853) in scenarios, on a reliable simulated network: a formatted first voter, replicas that
 * join through their bootstrap servers and are added one at a time, a leader that removes itself, a wiped disk
 * re-added under a new directory id, the voter set in snapshots, Kafka's error codes, and the cluster id check.
 * The randomized runs with voter changes are part of {@link RaftSimulationTest}.
 */
class RaftVotersTest {
    private static final RaftLogConfig LOG = new RaftLogConfig(1 << 16, 1 << 16, 2, 20);

    private static <T> T await(SimQuorum q, CompletableFuture<T> f) {
        q.runUntil(f::isDone, 3_000, "the future");
        return f.join();
    }

    private static ErrorCode errorOf(SimQuorum q, CompletableFuture<?> f) {
        q.runUntil(f::isDone, 3_000, "the future");
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return ((SamsaException) e.getCause()).errorCode();
    }

    private static VoterSet.Voter voterOf(SimRaftNode n) {
        return VoterSet.Voter.of(n.key(), n.config.endpoints());
    }

    /** AddRaftVoter at whoever leads, again while the new voter is not caught up yet. */
    private static void add(SimQuorum q, SimRaftNode n) {
        change(q, "add voter " + n.id, leader -> leader.raft.addVoter(null, voterOf(n)));
    }

    /** A voter change at whoever leads, again while it is refused (not caught up, the epoch not committed yet). */
    private static void change(SimQuorum q, String what, Function<SimRaftNode, CompletableFuture<Void>> change) {
        for (int i = 0; i < 50; i++) {
            SimRaftNode leader = q.awaitLeader(3_000);
            CompletableFuture<Void> f = change.apply(leader);
            q.runUntil(f::isDone, 3_000, what);
            if (!f.isCompletedExceptionally()) {
                return;
            }
            q.scheduler.runFor(50);
        }
        fail("Never done: " + what);
    }

    @Test
    void aStandaloneVoterGrowsToThreeThroughBootstrapServers() throws Exception {
        SimQuorum q = SimQuorum.dynamic(11, 1, 3, LOG, "cluster-a");
        SimRaftNode first = q.awaitLeader(2_000);
        assertEquals(1, first.id);
        assertEquals(1, first.raft.kraftVersion());
        // Every replica applies it: the unformatted ones found the leader through the bootstrap servers.
        q.appendAndAwait(first, List.of("a"), 2_000);
        assertFalse(q.node(2).raft.isVoter());
        assertEquals(Set.of(1), q.node(2).raft.voters().ids());
        add(q, q.node(2));
        add(q, q.node(3));
        SimRaftNode leader = q.awaitLeader(2_000);
        q.appendAndAwait(leader, List.of("b"), 2_000);
        for (SimRaftNode n : q.nodes.values()) {
            assertEquals(Set.of(1, 2, 3), n.raft.voters().ids(), "node " + n.id);
            assertTrue(n.raft.isVoter(), "node " + n.id);
            assertEquals(n.key(), leader.raft.voters().voter(n.id).key());
        }
        CompletableFuture<QuorumInfo> described = leader.raft.describeQuorum();
        QuorumInfo info = await(q, described);
        assertEquals(List.of(1, 2, 3), info.voters().stream().map(QuorumInfo.ReplicaState::replicaId).toList());
        for (QuorumInfo.ReplicaState r : info.voters()) {
            assertEquals(q.node(r.replicaId()).key().directoryId(), r.directoryId());
        }
        assertEquals(List.of(), info.observers());
        assertEquals(q.node(2).config.endpoints(), info.voterSet().voter(2).endpoints());
        // Three voters survive the loss of the first one.
        first.crash();
        SimRaftNode next = q.awaitLeader(3_000);
        assertNotEquals(1, next.id);
        q.appendAndAwait(next, List.of("c"), 2_000);
    }

    @Test
    void aLeaderThatRemovesItselfResignsOnceTheRemovalIsCommitted() throws Exception {
        SimQuorum q = SimQuorum.dynamic(12, 3, 3, LOG, null);
        SimRaftNode leader = q.awaitLeader(3_000);
        q.appendAndAwait(leader, List.of("a"), 2_000);
        await(q, leader.raft.removeVoter(null, leader.key()));
        SimRaftNode next = q.awaitLeader(3_000);
        assertNotEquals(leader.id, next.id);
        assertEquals(2, next.raft.voters().size());
        assertFalse(leader.raft.isVoter());
        // The removed replica follows on as an observer.
        q.appendAndAwait(next, List.of("b"), 2_000);
        assertEquals(next.id, leader.raft.leaderAndEpoch().leaderId());
        assertFalse(leader.raft.voters().ids().contains(leader.id));
    }

    @Test
    void aWipedVoterComesBackAsANewVoterWithANewDirectoryId() throws Exception {
        SimQuorum q = SimQuorum.dynamic(13, 3, 3, LOG, null);
        SimRaftNode leader = q.awaitLeader(3_000);
        q.appendAndAwait(leader, List.of("a"), 2_000);
        SimRaftNode victim = q.nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
        ReplicaKey old = victim.key();
        victim.wipe(q.directoryId());
        victim.start();
        // It replicates from offset 0 as an observer: its old key is still the voter, and does not match it.
        q.appendAndAwait(leader, List.of("b"), 2_000);
        assertFalse(victim.raft.isVoter());
        assertEquals(ErrorCode.DUPLICATE_VOTER, errorOf(q, leader.raft.addVoter(null, voterOf(victim))));
        await(q, leader.raft.removeVoter(null, old));
        add(q, victim);
        SimRaftNode now = q.awaitLeader(2_000);
        q.appendAndAwait(now, List.of("c"), 2_000);
        assertTrue(victim.raft.isVoter());
        assertEquals(victim.key(), now.raft.voters().voter(victim.id).key());
        assertNotEquals(old, victim.key());
    }

    /**
     * The liveness gap of docs/simulation.md (seed 3630 of an earlier build), built step by step: leader P appends
     * a VotersRecord adding observer 4 that only it ever holds; W wins the next epoch with L's vote and writes its
     * LeaderChange, which observer 4 fetches and L does not; then W's disk is wiped. P counts {P, W's old key, L, 4}
     * and needs 4, whose log is ahead of P's; L counts {P, W's old key, L} and needs P, whose log is ahead of L's;
     * 4, whose log is the most up to date, is no voter in its own log. Named by P's Vote, 4 stands, wins with the
     * votes of its own set (not its own), commits its epoch (P's uncommitted add is cut) and resigns.
     */
    @Test
    void aReplicaNamedByACandidateWithAShorterLogStandsWhenItsLogIsNeeded() throws Exception {
        SimQuorum q = SimQuorum.dynamic(18, 3, 4, LOG, null);
        SimRaftNode p = q.awaitLeader(3_000);
        q.appendAndAwait(p, List.of("a"), 2_000);
        SimRaftNode added = q.node(4);
        List<Integer> others = q.nodes.keySet().stream().filter(id -> id != p.id).toList();
        p.raft.addVoter(null, voterOf(added));
        q.scheduler.runUntil(() -> p.raft.voters().ids().contains(4), 10_000);
        q.network.partition(List.of(p.id), others);
        long pEnd = p.raft.raftLog.endOffset();
        int pEpoch = p.raft.leaderAndEpoch().epoch();

        List<SimRaftNode> rest = q.nodes.values().stream().filter(n -> n.id != p.id && n.id != 4).toList();
        q.scheduler.runUntil(() -> rest.stream().anyMatch(SimRaftNode::isLeader), 100_000);
        SimRaftNode w = rest.get(0).isLeader() ? rest.get(0) : rest.get(1);
        SimRaftNode l = w == rest.get(0) ? rest.get(1) : rest.get(0);
        q.network.cut(w.id, l.id);
        q.network.cut(l.id, w.id);
        int wEpoch = w.raft.leaderAndEpoch().epoch();
        q.runUntil(() -> added.raft.lastEpoch() == wEpoch, 3_000, "observer 4 fetched the LeaderChange");
        ReplicaKey wOld = w.key();
        w.wipe(q.directoryId());
        w.start();
        q.network.heal();

        assertEquals(pEpoch, p.raft.lastEpoch());
        assertTrue(pEnd > l.raft.raftLog.endOffset(), "P's log is ahead of L's");
        assertTrue(l.raft.lastEpoch() < wEpoch, "L never fetched W's LeaderChange");
        assertEquals(Set.of(1, 2, 3, 4), p.raft.voters().ids());
        assertFalse(added.raft.isVoter());

        // Only 4's log can win: it leads first, as a non-voter, and resigns once its epoch is committed.
        q.runUntil(() -> added.isLeader(), 5_000, "node 4 leads");
        assertFalse(added.raft.isVoter());
        q.runUntil(() -> q.stableLeader() != null && q.stableLeader().raft.isVoter(), 3_000, "a voter leads");
        SimRaftNode leader = q.stableLeader();
        assertTrue(leader == p || leader == l, "leader " + leader.id);
        q.appendAndAwait(leader, List.of("b"), 3_000);
        // The add that only P held is gone; the set is the one committed before it, W's old key included.
        for (SimRaftNode n : List.of(p, l, added)) {
            assertEquals(Set.of(1, 2, 3), n.raft.voters().ids(), "node " + n.id);
            assertEquals(wOld, n.raft.voters().voter(w.id).key(), "node " + n.id);
        }
        assertFalse(added.raft.isVoter());
        // With W's old key removed and its new one added, the quorum has three live voters again.
        await(q, leader.raft.removeVoter(null, wOld));
        add(q, w);
        SimRaftNode now = q.awaitLeader(3_000);
        q.appendAndAwait(now, List.of("c"), 3_000);
        assertEquals(w.key(), now.raft.voters().voter(w.id).key());
    }

    /**
     * Seed 2246 of the 10,000-seed run: a voter removed while it was cut off had moved to a later epoch than the
     * leader's. The leader sends it no BeginQuorumEpoch (it is no voter of the leader's set), and the answers to its
     * pre-votes name the leader's older epoch, which it ignores: it never found the leader. Now the leader steps down
     * to the epoch such a pre-vote names, and the next leader is one the removed replica learns and follows.
     */
    @Test
    void aRemovedVoterInALaterEpochFindsTheLeader() throws Exception {
        SimQuorum q = SimQuorum.dynamic(19, 3, 4, LOG, null);
        SimRaftNode first = q.awaitLeader(3_000);
        q.appendAndAwait(first, List.of("a"), 2_000);
        SimRaftNode four = q.node(4);
        add(q, four);
        SimRaftNode leader = q.awaitLeader(3_000);
        q.appendAndAwait(leader, List.of("b"), 2_000);
        q.network.partition(List.of(4), List.of(1, 2, 3));
        await(q, leader.raft.removeVoter(null, four.key()));
        int epoch = leader.raft.leaderAndEpoch().epoch();
        // A Vote of a later epoch (from a candidate the others never heard) moves node 4 there.
        VoteRequest vote = RaftMessages.voteRequest(epoch + 5, 9, 4, 0, 0, false);
        vote.topics().get(0).partitions().get(0).setVoterDirectoryId(four.key().directoryId());
        await(q, four.raft.onRequest(9, vote, RaftMessages.VOTE_VERSION));
        assertEquals(epoch + 5, four.raft.leaderAndEpoch().epoch());
        assertTrue(four.raft.isVoter());
        q.network.heal();

        SimRaftNode now = q.awaitLeader(5_000);
        assertTrue(now.raft.leaderAndEpoch().epoch() > epoch + 5);
        q.appendAndAwait(now, List.of("c"), 3_000);
        assertFalse(four.raft.isVoter());
        assertEquals(Set.of(1, 2, 3), four.raft.voters().ids());
    }

    /**
     * Seed 6348 of the 10,000-seed run, step by step: voter 2, removed while it was down (its log ends before the
     * VotersRecord that removed it: its set is {1, 2, 3}), comes back cut off from the leader, learns from node 3 who
     * leads the current epoch, and starts a pre-vote when its fetches time out; then the links heal. Node 1 is down
     * and node 3, removed since, refuses as an observer: one refusal, one short of the majority of its set that would
     * send it back to following. Before, every election timeout started another pre-vote and it never fetched from
     * the leader it knew; now a pre-vote still undecided at its timer follows that leader again (KIP-996), and the
     * fetch brings the removal.
     */
    @Test
    void aRemovedVoterWhosePreVoteStaysUndecidedFollowsTheLeaderItKnows() throws Exception {
        SimQuorum q = SimQuorum.dynamic(20, 3, 5, LOG, null);
        SimRaftNode first = q.awaitLeader(3_000);
        q.appendAndAwait(first, List.of("a"), 2_000);
        SimRaftNode two = q.node(2);
        SimRaftNode three = q.node(3);
        two.crash();
        change(q, "remove voter 2", l -> l.raft.removeVoter(null, two.key()));
        add(q, q.node(5));
        add(q, q.node(4));
        change(q, "remove voter 3", l -> l.raft.removeVoter(null, three.key()));
        q.node(1).crash();
        SimRaftNode leader = q.awaitLeader(3_000);
        q.appendAndAwait(leader, List.of("b"), 3_000);
        LeaderAndEpoch current = leader.raft.leaderAndEpoch();
        assertEquals(Set.of(1, 4, 5), leader.raft.voters().ids());
        assertFalse(three.raft.isVoter());

        // Node 2 restarts cut off from 4 and 5; node 3 names the leader, whose fetches then time out.
        for (int other : List.of(4, 5)) {
            q.network.cut(2, other);
            q.network.cut(other, 2);
        }
        two.start();
        q.runUntil(() -> two.raft.state() instanceof ProspectiveState p && p.leaderAndEpoch().equals(current),
            5_000, "node 2 in a pre-vote in the leader's epoch");
        assertEquals(Set.of(1, 2, 3), two.raft.voters().ids());
        assertTrue(two.raft.isVoter());
        q.network.heal();

        q.runUntil(() -> !two.raft.isVoter() && two.raft.state() instanceof FollowerState, 3_000,
            "node 2 learns its removal from the leader it knows");
        assertEquals(Set.of(1, 4, 5), two.raft.voters().ids());
        assertEquals(current, two.raft.leaderAndEpoch());
        assertEquals(current, leader.raft.leaderAndEpoch(), "the leader was not disturbed");
        q.appendAndAwait(leader, List.of("c"), 3_000);
    }

    @Test
    void voterChangesAreRefusedWithKafkasErrors() throws Exception {
        SimQuorum s = new SimQuorum(14, 3, 0, LOG);
        SimRaftNode staticLeader = s.awaitLeader(2_000);
        VoterSet.Voter stranger = VoterSet.Voter.of(new ReplicaKey(9, new UUID(1, 2)),
            List.of(new VoterSet.Endpoint("CONTROLLER", "sim-9", 9093)));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, errorOf(s, staticLeader.raft.addVoter(null, stranger)));
        assertEquals(0, staticLeader.raft.kraftVersion());
        assertEquals(Set.of(1, 2, 3), staticLeader.raft.voters().ids());

        SimQuorum q = SimQuorum.dynamic(15, 3, 4, LOG, "cluster-a");
        SimRaftNode leader = q.awaitLeader(3_000);
        q.appendAndAwait(leader, List.of("a"), 2_000);
        SimRaftNode follower = q.nodes.values().stream().filter(n -> n != leader && n.id <= 3).findFirst()
            .orElseThrow();
        SimRaftNode observer = q.node(4);
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, errorOf(q, follower.raft.addVoter(null, voterOf(observer))));
        assertEquals(ErrorCode.DUPLICATE_VOTER, errorOf(q, leader.raft.addVoter(null, voterOf(follower))));
        assertEquals(ErrorCode.VOTER_NOT_FOUND, errorOf(q, leader.raft.removeVoter(null,
            new ReplicaKey(follower.id, new UUID(3, 4)))));
        assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID, errorOf(q, leader.raft.addVoter("cluster-b",
            voterOf(observer))));
        // Never fetched: not caught up.
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, errorOf(q, leader.raft.addVoter(null, stranger)));
        // One change at a time: the second is refused while the first is not committed.
        CompletableFuture<Void> adding = leader.raft.addVoter("cluster-a", voterOf(observer));
        CompletableFuture<Void> removing = leader.raft.removeVoter(null, follower.key());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, errorOf(q, removing));
        await(q, adding);
        assertEquals(Set.of(1, 2, 3, 4), leader.raft.voters().ids());
        // UpdateRaftVoter is a voter change too; the voter, seeing other endpoints than its own in the set, sends
        // its own to the leader (UpdateRaftVoter over the channel) and puts them back.
        List<VoterSet.Endpoint> moved = List.of(new VoterSet.Endpoint("CONTROLLER", "elsewhere", 19093));
        await(q, leader.raft.updateVoter(null, VoterSet.Voter.of(follower.key(), moved)));
        assertEquals(moved, leader.raft.voters().voter(follower.id).endpoints());
        q.runUntil(() -> follower.config.endpoints().equals(leader.raft.voters().voter(follower.id).endpoints()),
            3_000, "the voter's own endpoints back in the set");
        q.appendAndAwait(leader, List.of("b"), 2_000);
        assertEquals(follower.config.endpoints(), follower.raft.voters().voter(follower.id).endpoints());
    }

    @Test
    void requestsOfAnotherClusterAreRefused() throws Exception {
        SimQuorum q = SimQuorum.dynamic(16, 1, 1, LOG, "cluster-a");
        SimRaftNode leader = q.awaitLeader(2_000);
        int epoch = leader.raft.leaderAndEpoch().epoch();
        FetchRequest fetch = RaftMessages.fetchRequest(9, epoch, 0, 0, 0, 1000);
        fetch.setClusterId("cluster-b");
        assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID.code(),
            ((FetchResponse) answer(q, leader, fetch, RaftMessages.FETCH_VERSION)).errorCode());
        fetch.setClusterId("cluster-a");
        assertEquals(ErrorCode.NONE.code(),
            ((FetchResponse) answer(q, leader, fetch, RaftMessages.FETCH_VERSION)).errorCode());
        fetch.setClusterId(null);
        assertEquals(ErrorCode.NONE.code(),
            ((FetchResponse) answer(q, leader, fetch, RaftMessages.FETCH_VERSION)).errorCode());
        VoteRequest vote = RaftMessages.voteRequest(epoch, 9, 1, 0, 0, true).setClusterId("cluster-b");
        assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID.code(),
            ((VoteResponse) answer(q, leader, vote, RaftMessages.VOTE_VERSION)).errorCode());

        // A replica configured for another cluster never learns the leader, and the leader never counts it.
        List<String> bootstrap = List.of(SimRaftChannel.address(1));
        RaftConfig other = q.dynamicConfig(2, bootstrap, LOG).withClusterId("cluster-b");
        SimRaftNode stranger = new SimRaftNode(2, other, q.scheduler, q.network, q.model, LOG, 150, false);
        q.nodes.put(2, stranger);
        stranger.start();
        q.scheduler.runFor(1_000);
        assertFalse(stranger.raft.leaderAndEpoch().hasLeader());
        // (Replica 9 is this test's own fetch above, made with the right cluster id.)
        assertEquals(List.of(9), await(q, leader.raft.describeQuorum()).observers().stream()
            .map(QuorumInfo.ReplicaState::replicaId).toList());
    }

    private static Message answer(SimQuorum q, SimRaftNode node, Message request, short version) {
        return await(q, node.raft.onRequest(9, request, version));
    }

    @Test
    void snapshotsCarryTheVoterSet() throws Exception {
        RaftLogConfig small = new RaftLogConfig(512, 512, 1, 20);
        SimQuorum q = SimQuorum.dynamic(17, 1, 3, small, null);
        SimRaftNode leader = q.awaitLeader(2_000);
        q.appendAndAwait(leader, List.of("a"), 2_000);
        add(q, q.node(2));
        leader = q.awaitLeader(2_000);
        for (int i = 0; i < 40; i++) {
            q.appendAndAwait(leader, List.of("record-" + i), 2_000);
        }
        for (SimRaftNode n : q.nodes.values()) {
            SimRaftNode.StateMachine m = n.machine;
            await(q, n.raft.createSnapshot(new Snapshot<>(new SnapshotId(m.next, m.lastEpoch), q.scheduler.nowMillis(),
                m.state.toRecords())));
            assertTrue(n.raft.raftLog.startOffset() > 0, "node " + n.id + " trimmed its log");
        }
        VoterSet voters = leader.raft.voters();
        assertEquals(Set.of(1, 2), voters.ids());
        // A wiped observer downloads the snapshot and learns the voters from it.
        SimRaftNode three = q.node(3);
        three.wipe(q.directoryId());
        three.start();
        q.appendAndAwait(leader, List.of("after"), 3_000);
        assertEquals(voters, three.raft.voters());
        assertTrue(three.snapshotsLoaded > 0 || three.raft.latestSnapshot() != null);
        // A restarted voter finds them in its snapshot too.
        SimRaftNode two = q.node(2);
        two.crash();
        two.start();
        SimRaftNode now = q.awaitLeader(3_000);
        q.appendAndAwait(now, List.of("again"), 3_000);
        assertEquals(voters, two.raft.voters());
        assertEquals(1, two.raft.kraftVersion());
    }
}
