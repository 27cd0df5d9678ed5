package io.samsa.raft;

import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * A small quorum on a reliable simulated network, for the replica's scenario tests: voters {@code 1..voters} and
 * observers after them, KRaft's timings scaled down (election timeout 100 ms, fetch timeout 200 ms). Every
 * committed batch is checked against a {@link CommitModel}. Not thread-safe: the test's thread.
 */
final class SimQuorum {
    static final long ELECTION_TIMEOUT_MS = 100;
    static final long FETCH_TIMEOUT_MS = 200;

    final SimScheduler scheduler;
    final SimNetwork<SimRaftChannel.Envelope> network;
    final CommitModel model = new CommitModel();
    final Map<Integer, SimRaftNode> nodes = new TreeMap<>();

    SimQuorum(long seed, int voters, int observers, RaftLogConfig logConfig) throws Exception {
        this(seed, voters, observers, logConfig, false);
    }

    /** With {@code closesConnections}: requests to a crashed node fail at once (see {@link SimRaftChannel}). */
    SimQuorum(long seed, int voters, int observers, RaftLogConfig logConfig, boolean closesConnections)
            throws Exception {
        scheduler = new SimScheduler(Simulation.random(seed), 1_700_000_000_000L);
        network = new SimNetwork<>(scheduler, SimNetwork.Config.RELIABLE);
        Set<Integer> voterIds = new TreeSet<>();
        for (int i = 1; i <= voters; i++) {
            voterIds.add(i);
        }
        for (int id = 1; id <= voters + observers; id++) {
            RaftConfig config = RaftConfig.of(id, voterIds).withTimeouts(ELECTION_TIMEOUT_MS, ELECTION_TIMEOUT_MS,
                FETCH_TIMEOUT_MS, 40, 10).withMaxBatchBytes(logConfig.maxBatchBytes());
            SimRaftNode n = new SimRaftNode(id, config, scheduler, network, model, logConfig, 150, false);
            n.closesConnections = closesConnections;
            nodes.put(id, n);
            n.start();
        }
    }

    private SimQuorum(long seed) {
        scheduler = new SimScheduler(Simulation.random(seed), 1_700_000_000_000L);
        network = new SimNetwork<>(scheduler, SimNetwork.Config.RELIABLE);
    }

    /**
     * A dynamic quorum (KIP-853): nodes {@code 1..nodes}, each with a directory id and endpoints and every node's
     * address as bootstrap servers; nodes {@code 1..firstVoters} are formatted with themselves as the first voters,
     * the others start unformatted, as observers that find the leader through the bootstrap servers.
     */
    static SimQuorum dynamic(long seed, int firstVoters, int nodes, RaftLogConfig logConfig, String clusterId)
            throws Exception {
        SimQuorum q = new SimQuorum(seed);
        List<String> bootstrap = new java.util.ArrayList<>();
        for (int id = 1; id <= nodes; id++) {
            bootstrap.add(SimRaftChannel.address(id));
        }
        List<VoterSet.Voter> first = new java.util.ArrayList<>();
        for (int id = 1; id <= nodes; id++) {
            RaftConfig config = q.dynamicConfig(id, bootstrap, logConfig).withClusterId(clusterId);
            if (id <= firstVoters) {
                first.add(VoterSet.Voter.of(config.key(), config.endpoints()));
            }
            q.nodes.put(id, new SimRaftNode(id, config, q.scheduler, q.network, q.model, logConfig, 150, false));
        }
        for (int id = 1; id <= nodes; id++) {
            SimRaftNode n = q.nodes.get(id);
            if (id <= firstVoters) {
                n.formatWith = VoterSet.of(first);
            }
            n.start();
        }
        return q;
    }

    /** A dynamic replica's config: directory id from the seed, its address as endpoint. */
    RaftConfig dynamicConfig(int id, List<String> bootstrap, RaftLogConfig logConfig) {
        String host = SimRaftChannel.address(id);
        return RaftConfig.of(id, Set.of()).withTimeouts(ELECTION_TIMEOUT_MS, ELECTION_TIMEOUT_MS, FETCH_TIMEOUT_MS, 40,
            10).withMaxBatchBytes(logConfig.maxBatchBytes()).withDynamic(directoryId(),
            List.of(new VoterSet.Endpoint("CONTROLLER", host.substring(0, host.indexOf(':')), 9093)), bootstrap);
    }

    java.util.UUID directoryId() {
        return new java.util.UUID(scheduler.random().nextLong(), scheduler.random().nextLong());
    }

    SimRaftNode node(int id) {
        return nodes.get(id);
    }

    /** Runs until {@code condition} holds, failing after {@code maxMs} of simulated time. */
    void runUntil(BooleanSupplier condition, long maxMs, String what) {
        long deadline = scheduler.nowMillis() + maxMs;
        while (!condition.getAsBoolean()) {
            if (scheduler.nowMillis() >= deadline) {
                throw new AssertionError("Not within " + maxMs + " ms: " + what + "; " + nodes.values().stream()
                    .map(n -> n.id + ":" + n.raft).toList());
            }
            scheduler.runFor(1);
        }
    }

    /** The leader every live replica follows, or null. */
    SimRaftNode stableLeader() {
        SimRaftNode leader = null;
        for (SimRaftNode n : nodes.values()) {
            if (n.isLeader()) {
                leader = n;
            }
        }
        if (leader == null) {
            return null;
        }
        LeaderAndEpoch l = leader.raft.leaderAndEpoch();
        for (SimRaftNode n : nodes.values()) {
            if (n.up && !n.raft.leaderAndEpoch().equals(l)) {
                return null;
            }
        }
        return leader;
    }

    SimRaftNode awaitLeader(long maxMs) {
        runUntil(() -> stableLeader() != null, maxMs, "a leader every live replica follows");
        return stableLeader();
    }

    /** Appends {@code records} at {@code leader} and waits until every live replica applied them. */
    long appendAndAwait(SimRaftNode leader, List<String> records, long maxMs) {
        long last = leader.raft.append(leader.raft.leaderAndEpoch().epoch(), records);
        runUntil(() -> nodes.values().stream().filter(n -> n.up).allMatch(n -> n.machine.next > last), maxMs,
            "batch " + last + " applied everywhere");
        return last;
    }
}
