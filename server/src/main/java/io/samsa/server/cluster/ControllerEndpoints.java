package io.samsa.server.cluster;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.replication.BrokerEndpoints;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumVoter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where the controllers listen, from the configuration: each voter of {@code controller.quorum.voters} by its id,
 * and each of {@code controller.quorum.bootstrap.servers} by a made-up id from {@link #BOOTSTRAP_BASE} down (they
 * have no id of their own until they answer), and the voters of a dynamic quorum where the Raft replica learned them
 * ({@link #learn}). {@link #locator} names the node a request to the active controller goes to. Thread-safe.
 */
public final class ControllerEndpoints implements BrokerEndpoints {
    /** Bootstrap server {@code i} has id {@code BOOTSTRAP_BASE - i}. */
    public static final int BOOTSTRAP_BASE = -1000;

    private final Map<Integer, QuorumVoter> voters;
    private final List<QuorumVoter> bootstrap;
    /** Where the voters of a dynamic quorum listen, as the Raft replica learned it (its voter set, the leader's). */
    private final Map<Integer, BrokerAddress> learned = new ConcurrentHashMap<>();

    public ControllerEndpoints(QuorumPlan plan) {
        this.voters = plan.voters();
        this.bootstrap = plan.bootstrapServers();
    }

    /** Controller {@code nodeId} listens at {@code host:port} (a dynamic quorum's voter set or leader says so). */
    public void learn(int nodeId, String host, int port) {
        learned.put(nodeId, new BrokerAddress(host, port));
    }

    /** The made-up id of bootstrap server {@code hostPort} ({@code host:port} as configured), or 0 if not one. */
    public int bootstrapId(String hostPort) {
        for (int i = 0; i < bootstrap.size(); i++) {
            QuorumVoter b = bootstrap.get(i);
            if (hostPort.equals(b.host() + ":" + b.port()) || hostPort.equals("[" + b.host() + "]:" + b.port())) {
                return BOOTSTRAP_BASE - i;
            }
        }
        return 0;
    }

    @Override
    public BrokerAddress addressOf(int nodeId) {
        BrokerAddress known = learned.get(nodeId);
        if (known != null) {
            return known;
        }
        QuorumVoter v = voters.get(nodeId);
        if (v == null && nodeId <= BOOTSTRAP_BASE && BOOTSTRAP_BASE - nodeId < bootstrap.size()) {
            v = bootstrap.get(BOOTSTRAP_BASE - nodeId);
        }
        return v == null ? null : new BrokerAddress(v.host(), v.port());
    }

    /**
     * The Raft leader {@code raft} knows when it can be reached; while a quorum of configured voters has no leader
     * (an election runs), nobody; else the voters (or the bootstrap servers) in turn, skipping the last one that
     * failed.
     */
    public RemoteController.ControllerLocator locator(RaftClient<?> raft) {
        return locator(raft::leaderAndEpoch);
    }

    /** As {@link #locator(RaftClient)}, with the leader from {@code leader}. */
    RemoteController.ControllerLocator locator(Supplier<LeaderAndEpoch> leader) {
        List<Integer> candidates = new ArrayList<>(voters.keySet());
        if (candidates.isEmpty()) {
            for (int i = 0; i < bootstrap.size(); i++) {
                candidates.add(BOOTSTRAP_BASE - i);
            }
        }
        boolean staticVoters = !voters.isEmpty();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger avoid = new AtomicInteger(Integer.MIN_VALUE);
        return new RemoteController.ControllerLocator() {
            @Override
            public int target() {
                LeaderAndEpoch known = leader.get();
                if (known.hasLeader() && addressOf(known.leaderId()) != null && known.leaderId() != avoid.get()) {
                    return known.leaderId();
                }
                if (!known.hasLeader() && staticVoters) {
                    // The leader resigned or was lost and the voters elect another: wait for it, as Kafka's brokers
                    // do, rather than guess. A guess may be the voter that just stopped, whose address may not even
                    // refuse a connection: a heartbeat stuck connecting to it outlives the broker's session at the
                    // controller elected meanwhile, which then fences the broker.
                    return -1;
                }
                for (int i = 0; i < candidates.size(); i++) {
                    int c = candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
                    if (c != avoid.get() || candidates.size() == 1) {
                        return c;
                    }
                }
                return -1;
            }

            @Override
            public void failed(int node) {
                avoid.set(node);
            }
        };
    }
}
