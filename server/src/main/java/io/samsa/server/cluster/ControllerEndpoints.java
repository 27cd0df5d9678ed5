package io.samsa.server.cluster;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.replication.BrokerEndpoints;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumVoter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the controllers listen, from the configuration: each voter of {@code controller.quorum.voters} by its id,
 * and each of {@code controller.quorum.bootstrap.servers} by a made-up id from {@link #BOOTSTRAP_BASE} down (they
 * have no id of their own until they answer). {@link #locator} names the node a request to the active controller
 * goes to. Immutable; thread-safe.
 */
public final class ControllerEndpoints implements BrokerEndpoints {
    /** Bootstrap server {@code i} has id {@code BOOTSTRAP_BASE - i}. */
    public static final int BOOTSTRAP_BASE = -1000;

    private final Map<Integer, QuorumVoter> voters;
    private final List<QuorumVoter> bootstrap;

    public ControllerEndpoints(QuorumPlan plan) {
        this.voters = plan.voters();
        this.bootstrap = plan.bootstrapServers();
    }

    @Override
    public BrokerAddress addressOf(int nodeId) {
        QuorumVoter v = voters.get(nodeId);
        if (v == null && nodeId <= BOOTSTRAP_BASE && BOOTSTRAP_BASE - nodeId < bootstrap.size()) {
            v = bootstrap.get(BOOTSTRAP_BASE - nodeId);
        }
        return v == null ? null : new BrokerAddress(v.host(), v.port());
    }

    /**
     * The Raft leader {@code raft} knows when it can be reached, else the voters (or the bootstrap servers) in turn,
     * skipping the last one that failed.
     */
    public RemoteController.ControllerLocator locator(RaftClient<?> raft) {
        List<Integer> candidates = new ArrayList<>(voters.keySet());
        if (candidates.isEmpty()) {
            for (int i = 0; i < bootstrap.size(); i++) {
                candidates.add(BOOTSTRAP_BASE - i);
            }
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger avoid = new AtomicInteger(Integer.MIN_VALUE);
        return new RemoteController.ControllerLocator() {
            @Override
            public int target() {
                LeaderAndEpoch leader = raft.leaderAndEpoch();
                if (leader.hasLeader() && addressOf(leader.leaderId()) != null && leader.leaderId() != avoid.get()) {
                    return leader.leaderId();
                }
                if (candidates.isEmpty()) {
                    return -1;
                }
                return candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
            }

            @Override
            public void failed(int node) {
                avoid.set(node);
            }
        };
    }
}
