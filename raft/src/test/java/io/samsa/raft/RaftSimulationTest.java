package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import io.samsa.wire.record.RecordBatchView;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Raft quorum in the deterministic simulation: 3 or 5 voters and up to two observers, each with its own
 * simulated disk, on one simulated network that delays, drops, duplicates and reorders messages, with partitions,
 * cut links, crashes (between operations or at a seeded disk operation: mid-append, mid-force, mid-snapshot,
 * mid-truncation, mid-quorum-state write), graceful shutdowns and restarts. Clients append at whoever leads;
 * replicas take snapshots, which trim their logs (so lagging replicas fetch snapshots).
 *
 * <p>Invariants after every event: at most one leader per epoch; a committed entry is never lost or changed (every
 * replica, in every incarnation, is told the same batch at each offset: the {@link CommitModel}), so every
 * replica's committed log is a prefix of the one log; a new leader's log holds the last committed batch; the high
 * watermark never goes back within an incarnation; listeners are told each committed batch once, in order, with
 * only control batches between two consecutive ones, and their state equals the log's at every batch and snapshot.
 * Liveness: after each stormy phase the network heals and every replica but a minority of the voters restarts;
 * within {@value #LIVENESS_MS} ms (simulated) a leader followed by every live replica must exist and commit a new
 * batch on each of them.
 *
 * <p>{@code mvn verify} runs {@value #CI_SEEDS} seeds; {@code -Dsim.seeds=N} more, {@code -Dsim.seed=S} replays one;
 * {@code scripts/simulate} runs them from the command line. See docs/simulation.md.
 */
class RaftSimulationTest {
    static final int CI_SEEDS = 200;
    static final long LIVENESS_MS = 10_000;
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void quorumKeepsItsInvariantsUnderFaults() {
        Stats stats = new Stats();
        long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        Simulation.Summary summary = Simulation.forEachSeed("RaftSimulationTest", CI_SEEDS,
            seed -> new Run(seed, stats).run());
        cpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu) / 1_000_000;
        System.out.println("RaftSimulationTest: " + summary.seeds() + " seeds from " + summary.firstSeed() + " in "
            + summary.elapsedMs() + " ms (" + cpu + " ms of CPU); " + stats);
    }

    /** What the runs did, over all seeds. */
    static final class Stats {
        long elections;
        long committedBatches;
        long crashes;
        long diskCrashes;
        long snapshotsLoaded;
        long truncations;
        long messages;
        long dropped;
        long calmPhases;
        long dynamicRuns;
        long votersAdded;
        long votersRemoved;
        long wipes;
        /** The longest time from the end of a storm to a leader followed by every live replica. */
        long maxElectionMs;
        /** The longest time from the end of a storm to a new batch applied on every live replica. */
        long maxCommitMs;

        @Override
        public String toString() {
            return elections + " leaders elected, " + committedBatches + " batches committed, " + crashes
                + " crashes (" + diskCrashes + " at a disk operation), " + snapshotsLoaded
                + " snapshots fetched by followers, " + truncations + " truncations, " + messages + " messages ("
                + dropped + " dropped), " + calmPhases + " liveness checks (a leader within " + maxElectionMs
                + " ms at most, a batch committed everywhere within " + maxCommitMs + " ms); " + dynamicRuns
                + " runs with dynamic voters: " + votersAdded + " voters added, " + votersRemoved + " removed, "
                + wipes + " disks wiped";
        }
    }

    /** One seed's run. */
    static final class Run {
        final Stats stats;
        final Random random;
        final SimScheduler scheduler;
        final SimNetwork<SimRaftChannel.Envelope> network;
        final CommitModel model = new CommitModel();
        final Map<Integer, SimRaftNode> nodes = new TreeMap<>();
        final Set<Integer> voters = new TreeSet<>();
        /** The leader of each epoch seen. */
        final Map<Integer, Integer> leaders = new HashMap<>();
        final long electionTimeoutMs;
        final long fetchTimeoutMs;
        /** Voters change (KIP-853): formatted with the first voters, spares join through bootstrap servers. */
        final boolean dynamic;
        /**
         * What each replica (id and directory id) had on disk when last seen: a wiped disk's old key keeps what it had
         * (a leader may have counted it before the disk was lost); its new key starts from nothing.
         */
        final Map<ReplicaKey, Long> durableByKey = new TreeMap<>();
        /** The largest high watermark any replica had: everything below it is committed. */
        long committedEnd;
        /**
         * For each epoch, the largest high watermark first seen while its holder was in that epoch (an upper bound of
         * the epoch whose leader committed it). Raft promises a leader of epoch E only what was committed in epochs
         * below E: a candidate whose epoch-E votes arrive late may win after epoch E+1 has committed more.
         */
        final TreeMap<Integer, Long> committedByEpoch = new TreeMap<>();
        int appended;

        Run(long seed, Stats stats) {
            this.stats = stats;
            this.random = Simulation.random(seed);
            this.scheduler = new SimScheduler(random, T0);
            long maxDelay = pick(2, 10, 50);
            this.network = new SimNetwork<>(scheduler, new SimNetwork.Config(1, maxDelay,
                pick(0, 1, 5) / 100.0, pick(0, 1, 3) / 100.0, random.nextBoolean()));
            this.dynamic = random.nextBoolean();
            int voterCount = dynamic ? 3 : random.nextBoolean() ? 3 : 5;
            int observers = dynamic ? 2 : random.nextInt(3);
            for (int i = 1; i <= voterCount; i++) {
                voters.add(i);
            }
            this.electionTimeoutMs = pick(100, 300);
            this.fetchTimeoutMs = electionTimeoutMs * 2 + 4 * maxDelay;
            long fetchMaxWait = pick((int) electionTimeoutMs / 4, (int) electionTimeoutMs / 2);
            long requestTimeout = fetchMaxWait + 4 * maxDelay + 50;
            int segment = pick(512, 2048, 65536);
            RaftLogConfig logConfig = new RaftLogConfig(segment, segment, 1 + random.nextInt(2), pick(20, 100));
            boolean strict = random.nextInt(4) == 0;
            List<String> bootstrap = new ArrayList<>();
            List<VoterSet.Voter> first = new ArrayList<>();
            for (int id = 1; id <= voterCount + observers; id++) {
                bootstrap.add(SimRaftChannel.address(id));
            }
            for (int id = 1; id <= voterCount + observers; id++) {
                RaftConfig config = RaftConfig.of(id, dynamic ? Set.of() : voters).withTimeouts(electionTimeoutMs,
                    electionTimeoutMs, fetchTimeoutMs, fetchMaxWait, pick(5, 20))
                    .withMaxFetchBytes(pick(300, 4096, 1 << 20)).withMaxBatchBytes(segment);
                if (dynamic) {
                    config = config.withDynamic(newDirectoryId(), endpoints(id), bootstrap);
                    if (id <= voterCount) {
                        first.add(VoterSet.Voter.of(config.key(), endpoints(id)));
                    }
                }
                SimRaftNode n = new SimRaftNode(id, config, scheduler, network, model, logConfig, requestTimeout,
                    strict);
                // Odd seeds model connections: requests to a crashed node fail at once, and followers stand for
                // election without waiting out the fetch timeout. (From the seed, not the random stream: earlier
                // seeds replay as before.)
                n.closesConnections = (seed & 1) == 1;
                nodes.put(id, n);
            }
            if (dynamic) {
                for (int id : voters) {
                    nodes.get(id).formatWith = VoterSet.of(first);
                }
                stats.dynamicRuns++;
            }
            scheduler.addInvariant(this::invariants);
        }

        private java.util.UUID newDirectoryId() {
            return new java.util.UUID(random.nextLong(), random.nextLong());
        }

        private static List<VoterSet.Endpoint> endpoints(int id) {
            String a = SimRaftChannel.address(id);
            return List.of(new VoterSet.Endpoint("CONTROLLER", a.substring(0, a.indexOf(':')), 9093));
        }

        private int pick(int... options) {
            return options[random.nextInt(options.length)];
        }

        void run() throws Exception {
            for (SimRaftNode n : nodes.values()) {
                n.start();
            }
            int phases = 2 + random.nextInt(3);
            for (int phase = 0; phase < phases; phase++) {
                storm(60 + random.nextInt(150));
                calm();
            }
            stats.messages += network.sent();
            stats.dropped += network.dropped();
            for (SimRaftNode n : nodes.values()) {
                stats.snapshotsLoaded += n.snapshotsLoaded;
                stats.truncations += n.truncations + (n.raft != null ? n.raft.truncations() : 0);
            }
            stats.committedBatches += model.size();
        }

        // ---------------------------------------------------------------- invariants (after every task)

        private void invariants() {
            for (SimRaftNode n : nodes.values()) {
                if (n.up && n.raft != null) {
                    n.durable = n.raft.durableEnd();
                    durableByKey.put(n.key(), n.durable);
                    long hw = n.raft.highWatermark();
                    if (hw > committedEnd) {
                        committedByEpoch.merge(n.raft.leaderAndEpoch().epoch(), hw, Math::max);
                        committedEnd = hw;
                    }
                }
            }
            for (SimRaftNode n : nodes.values()) {
                if (!n.up || n.raft == null) {
                    continue;
                }
                long hw = n.raft.highWatermark();
                if (n.raft.state() instanceof LeaderState leaderState) {
                    checkVoterChanges(n, leaderState, hw);
                }
                if (hw < n.lastHighWatermark) {
                    throw new AssertionError("Node " + n.id + "'s high watermark went back from " + n.lastHighWatermark
                        + " to " + hw);
                }
                n.lastHighWatermark = hw;
                LeaderAndEpoch l = n.raft.leaderAndEpoch();
                if (l.isLeader(n.id)) {
                    Integer before = leaders.putIfAbsent(l.epoch(), n.id);
                    if (before == null) {
                        stats.elections++;
                        checkLeaderHoldsCommitted(n);
                    } else if (before != n.id) {
                        throw new AssertionError("Two leaders in epoch " + l.epoch() + ": " + before + " and "
                            + n.id);
                    }
                    // A leader that removed itself leads on as a non-voter until the removal is committed; one that
                    // restarted before it was may even be elected again, as a voter of the set before (see
                    // RaftReplica.mayStandForElection), and so may a replica that a candidate named as a voter and
                    // had to refuse (RaftReplica.standsAsNamed).
                    if (before == null ? !n.raft.mayStandForElection() && !n.raft.wasNamed()
                            : !dynamic && !n.isVoter()) {
                        throw new AssertionError("Observer " + n.id + " leads epoch " + l.epoch());
                    }
                }
            }
        }

        /**
         * KIP-853 on the leader: at most one voter change in flight (not committed), and the high watermark is on
         * disk on a majority of the current voters, each as the replica with that id and directory id had it (a
         * removed voter, or a wiped disk's new replica, never counts towards a commit). Checked when the leader's high
         * watermark moves.
         */
        private void checkVoterChanges(SimRaftNode n, LeaderState l, long hw) {
            // Committed is what any replica's high watermark ever passed (a restarted leader learns it again).
            int inFlight = n.raft.voterHistory.changesFrom(committedEnd);
            if (inFlight > 1) {
                throw new AssertionError("Leader " + n.id + " has " + inFlight + " voter changes in flight above the"
                    + " committed offset " + committedEnd + ": " + n.raft.voterHistory);
            }
            if (hw <= n.lastHighWatermark || hw <= l.epochStartOffset()) {
                return;
            }
            VoterSet set = l.voterSet();
            int holding = 0;
            for (VoterSet.Voter v : set.voters()) {
                if (durableByKey.getOrDefault(v.key(), -1L) >= hw) {
                    holding++;
                }
            }
            if (holding < set.majority()) {
                StringBuilder sb = new StringBuilder();
                for (VoterSet.Voter v : set.voters()) {
                    SimRaftNode holder = nodes.get(v.id());
                    sb.append("\n  voter ").append(v.key()).append(": node key ").append(holder.key())
                        .append(holder.up ? " up" : " down").append(", on disk up to ")
                        .append(durableByKey.get(v.key()))
                        .append(holder.raft == null ? "" : ", log end " + holder.raft.raftLog.endOffset() + ", "
                            + holder.raft.state());
                }
                throw new AssertionError("Leader " + n.id + " moved its high watermark to " + hw + " but only "
                    + holding + " of its voters " + set + " have it on disk (the leader's view: "
                    + l.describe(hw) + ")" + sb);
            }
        }

        /**
         * A new leader's log holds the last batch committed in an epoch before its own, at its offset, in its epoch,
         * with its records (Raft's leader completeness).
         */
        private void checkLeaderHoldsCommitted(SimRaftNode n) {
            int epoch = n.raft.leaderAndEpoch().epoch();
            long end = 0;
            for (long hw : committedByEpoch.headMap(epoch, false).values()) {
                end = Math.max(end, hw);
            }
            Batch<String> last = end == 0 ? null : model.containing(end - 1);
            RaftLog log = n.raft.raftLog;
            if (last == null || last.baseOffset() < log.startOffset()) {
                return;
            }
            ByteBuf buf = log.read(last.baseOffset(), log.endOffset(), 1 << 20);
            try {
                RecordBatchView view = new RecordBatchView();
                for (int pos = 0; pos < buf.writerIndex(); pos += view.sizeInBytes()) {
                    view.wrap(buf, pos);
                    if (view.baseOffset() == last.baseOffset()) {
                        Batch<String> b = BatchCodec.decode(view, StringSerde.INSTANCE,
                            io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
                        if (b.epoch() != last.epoch() || !b.records().equals(last.records())) {
                            throw new AssertionError("New leader " + n.id + " holds " + CommitModel.describe(b)
                                + " where " + CommitModel.describe(last) + " was committed");
                        }
                        return;
                    }
                }
            } finally {
                buf.release();
            }
            throw new AssertionError("New leader " + n.id + " in epoch " + epoch + " lacks "
                + CommitModel.describe(last) + ", committed before its epoch (log " + log.startOffset() + ".."
                + log.endOffset() + ")");
        }

        // ---------------------------------------------------------------- faults

        private void storm(int steps) throws Exception {
            for (int i = 0; i < steps; i++) {
                int r = random.nextInt(100);
                if (r < 30) {
                    append();
                } else if (r < 34) {
                    crashSomeNode();
                } else if (r < 40) {
                    restartSomeNode();
                } else if (r < 43) {
                    partition();
                } else if (r < 46) {
                    cutLink();
                } else if (r < 50) {
                    network.heal();
                } else if (r < 55) {
                    snapshot();
                } else if (r < 57) {
                    stopSomeNode();
                } else if (dynamic && r < 61) {
                    addVoter();
                } else if (dynamic && r < 64) {
                    removeVoter();
                } else if (dynamic && r < 65) {
                    wipeVoter();
                }
                scheduler.runFor(random.nextInt((int) electionTimeoutMs));
            }
        }

        private SimRaftNode anyNode() {
            List<SimRaftNode> all = new ArrayList<>(nodes.values());
            return all.get(random.nextInt(all.size()));
        }

        private void crashSomeNode() {
            SimRaftNode n = anyNode();
            if (!n.up) {
                return;
            }
            stats.crashes++;
            if (random.nextBoolean()) {
                n.crash();
            } else {
                // At one of its next disk operations: inside an append, a force, a snapshot, a truncation, a
                // quorum-state write.
                n.disk.crashAtOperation(n.disk.operations() + 1 + random.nextInt(pick(3, 20, 100)));
                stats.diskCrashes++;
            }
        }

        private void restartSomeNode() throws Exception {
            SimRaftNode n = anyNode();
            if (n.up) {
                return;
            }
            n.disk.crashAtOperation(-1);
            n.start();
        }

        private void stopSomeNode() {
            SimRaftNode n = anyNode();
            if (n.up) {
                n.stop();
                scheduler.runFor(random.nextInt(50));
                n.crash();
                stats.crashes++;
            }
        }

        private SimRaftNode leader() {
            for (SimRaftNode n : nodes.values()) {
                if (n.isLeader()) {
                    return n;
                }
            }
            return null;
        }

        /** AddRaftVoter at the leader for a replica that is not a voter (it may not be caught up: then refused). */
        private void addVoter() {
            SimRaftNode leader = leader();
            if (leader == null) {
                return;
            }
            VoterSet current = leader.raft.voters();
            List<SimRaftNode> candidates = new ArrayList<>();
            for (SimRaftNode n : nodes.values()) {
                if (current.voter(n.id) == null) {
                    candidates.add(n);
                }
            }
            if (candidates.isEmpty()) {
                return;
            }
            SimRaftNode n = candidates.get(random.nextInt(candidates.size()));
            leader.raft.addVoter(null, VoterSet.Voter.of(n.key(), endpoints(n.id))).whenComplete((v, e) -> {
                if (e == null) {
                    stats.votersAdded++;
                }
            });
        }

        /** RemoveRaftVoter at the leader: a voter whose disk was wiped if there is one, else any (the leader too). */
        private void removeVoter() {
            SimRaftNode leader = leader();
            if (leader == null) {
                return;
            }
            List<ReplicaKey> keys = new ArrayList<>();
            List<ReplicaKey> dead = new ArrayList<>();
            for (VoterSet.Voter v : leader.raft.voters().voters()) {
                keys.add(v.key());
                if (!v.key().matches(nodes.get(v.id()).key())) {
                    dead.add(v.key());
                }
            }
            if (keys.size() < 2 || (dead.isEmpty() && deadKeys() > 0)) {
                return;
            }
            // While a wiped disk's key is a voter, only such keys go (as an operator would do it): removing a live
            // voter first could leave the dead key a voter that a majority needs.
            List<ReplicaKey> from = !dead.isEmpty() ? dead : keys;
            ReplicaKey key = from.get(random.nextInt(from.size()));
            leader.raft.removeVoter(null, key).whenComplete((v, e) -> {
                if (e == null) {
                    stats.votersRemoved++;
                }
            });
        }

        /**
         * A voter's disk is lost: it comes back empty with a new directory id, as a new replica (an observer until
         * it is added again; its old key stays a voter, down for good, until removed). Only while every voter set a
         * replica knows has three voters or more and no other lost one, so that a majority can still be up.
         */
        private void wipeVoter() {
            SimRaftNode leader = leader();
            if (leader == null || deadKeys() > 0) {
                return;
            }
            for (SimRaftNode n : nodes.values()) {
                if (n.raft != null && n.raft.voters().size() < 3) {
                    return;
                }
            }
            List<Integer> ids = new ArrayList<>(leader.raft.voters().ids());
            SimRaftNode n = nodes.get(ids.get(random.nextInt(ids.size())));
            n.wipe(newDirectoryId());
            stats.wipes++;
            stats.crashes++;
        }

        /** Voter keys (in any set a replica knows) whose node has lost its disk since. */
        private int deadKeys() {
            Set<ReplicaKey> dead = new TreeSet<>();
            for (VoterSet set : knownVoterSets()) {
                for (VoterSet.Voter v : set.voters()) {
                    if (!v.key().matches(nodes.get(v.id()).key())) {
                        dead.add(v.key());
                    }
                }
            }
            return dead.size();
        }

        /** The voter sets the replicas know (in their logs, committed or not). */
        private List<VoterSet> knownVoterSets() {
            List<VoterSet> out = new ArrayList<>();
            if (!dynamic) {
                out.add(VoterSet.ofIds(voters));
                return out;
            }
            for (SimRaftNode n : nodes.values()) {
                if (n.raft != null && n.raft.kraftVersion() > 0 && !out.contains(n.raft.voters())) {
                    out.add(n.raft.voters());
                }
            }
            return out;
        }

        private void partition() {
            List<Integer> ids = new ArrayList<>(nodes.keySet());
            Set<Integer> a = new LinkedHashSet<>();
            Set<Integer> b = new LinkedHashSet<>();
            for (int id : ids) {
                (random.nextBoolean() ? a : b).add(id);
            }
            network.heal();
            network.partition(a, b);
        }

        private void cutLink() {
            int a = anyNode().id;
            int b = anyNode().id;
            if (a != b) {
                network.cut(a, b);
            }
        }

        private void append() {
            for (SimRaftNode n : nodes.values()) {
                if (n.isLeader()) {
                    int count = 1 + random.nextInt(3);
                    List<String> records = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        records.add("r" + appended++ + "-n" + n.id);
                    }
                    try {
                        n.raft.append(n.raft.leaderAndEpoch().epoch(), records);
                    } catch (RuntimeException e) {
                        // Not leading any more (the state moved between the check and the append): fine.
                    }
                }
            }
        }

        private void snapshot() {
            SimRaftNode n = anyNode();
            if (!n.up || n.machine == null || n.machine.next <= 0) {
                return;
            }
            SnapshotId latest = n.raft.latestSnapshot();
            SimRaftNode.StateMachine m = n.machine;
            if (latest != null && latest.endOffset() >= m.next) {
                return;
            }
            n.raft.createSnapshot(new Snapshot<>(new SnapshotId(m.next, m.lastEpoch), scheduler.nowMillis(),
                m.state.toRecords()));
        }

        // ---------------------------------------------------------------- liveness

        /**
         * Heals the network and brings up every node but a minority of the voters (kept down, or crashed now), and
         * expects a leader followed by every live replica that commits a batch on each of them.
         */
        private void calm() throws Exception {
            stats.calmPhases++;
            network.heal();
            // A minority of every voter set a replica knows (a lost disk's old key counting as down) stays down.
            List<VoterSet> sets = knownVoterSets();
            int minSize = Integer.MAX_VALUE;
            Set<Integer> ids = new TreeSet<>();
            for (VoterSet set : sets) {
                minSize = Math.min(minSize, set.size());
                ids.addAll(set.ids());
            }
            int mayFail = sets.isEmpty() ? 0 : Math.max(0, (minSize - 1) / 2 - deadKeys());
            List<Integer> down = new ArrayList<>(ids);
            java.util.Collections.shuffle(down, random);
            down = down.subList(0, random.nextInt(mayFail + 1));
            for (SimRaftNode n : nodes.values()) {
                n.disk.crashAtOperation(-1);
                if (down.contains(n.id)) {
                    n.crash();
                } else if (!n.up) {
                    n.start();
                }
            }
            long started = scheduler.nowMillis();
            long deadline = started + LIVENESS_MS;
            while (scheduler.nowMillis() < deadline) {
                SimRaftNode leader = stableLeader();
                if (leader == null) {
                    scheduler.runFor(10);
                    continue;
                }
                // A batch appended now is committed everywhere, unless the leadership moves first (then it may be
                // lost, which Raft allows: try again with the next leader).
                stats.maxElectionMs = Math.max(stats.maxElectionMs, scheduler.nowMillis() - started);
                LeaderAndEpoch l = leader.raft.leaderAndEpoch();
                String marker = "marker-" + appended++;
                long last = leader.raft.append(l.epoch(), List.of(marker));
                while (scheduler.nowMillis() < deadline && leader.raft.leaderAndEpoch().equals(l) && leader.up) {
                    scheduler.runFor(10);
                    if (allApplied(last, marker)) {
                        stats.maxCommitMs = Math.max(stats.maxCommitMs, scheduler.nowMillis() - started);
                        return;
                    }
                }
            }
            throw new AssertionError("No leader followed by every voter committed a batch on every replica within "
                + LIVENESS_MS + " ms: " + describeNodes());
        }

        private SimRaftNode stableLeader() {
            for (SimRaftNode n : nodes.values()) {
                if (n.isLeader()) {
                    LeaderAndEpoch l = n.raft.leaderAndEpoch();
                    for (SimRaftNode other : nodes.values()) {
                        if (other.up && (other.raft == null || !other.raft.leaderAndEpoch().equals(l))) {
                            return null;
                        }
                    }
                    return n;
                }
            }
            return null;
        }

        private boolean allApplied(long offset, String marker) {
            Batch<String> b = model.between(offset, offset + 1).get(offset);
            if (b == null || !b.records().contains(marker)) {
                return false;
            }
            for (SimRaftNode n : nodes.values()) {
                if (n.up && (n.machine == null || n.machine.next <= offset)) {
                    return false;
                }
            }
            return true;
        }

        private String describeNodes() {
            StringBuilder sb = new StringBuilder();
            for (SimRaftNode n : nodes.values()) {
                sb.append("\n  node ").append(n.id).append(n.isVoter() ? " voter" : " observer").append(n.up ? " up "
                    : " down ").append(n.raft).append(" log ").append(n.raft == null ? "-" : n.raft.raftLog
                    .startOffset() + ".." + n.raft.raftLog.endOffset()).append(" applied ")
                    .append(n.machine == null ? -1 : n.machine.next).append(" key ").append(n.key())
                    .append(n.raft == null ? "" : " voters " + n.raft.voterHistory);
            }
            return sb.toString();
        }
    }
}
