package io.samsa.server.metadata;

import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;
import io.samsa.raft.RaftChannel;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.controller.MetadataLogSerde;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.QuorumPlan;
import io.samsa.wire.protocol.Message;
import java.io.IOException;

/**
 * Opens this node's {@link RaftClient} of the metadata log: the seam where the Raft quorum plugs in. The node's
 * {@link QuorumPlan} says whether it is the only voter, one voter of several, or an observer (a broker-only node
 * following the log). {@link #SINGLE_VOTER} serves the only voter and refuses the rest with a clear start-up error;
 * the quorum's factory (issue 11) serves them all over the {@link RaftChannel}.
 */
@FunctionalInterface
public interface RaftFactory {

    /**
     * Everything a replica of the metadata log needs.
     *
     * @param log      the durable log, in {@code <data dir>/metadata} (the replica owns it from now on)
     * @param channel  the network to the other controllers; null for Samsa's one-node mode (no peers)
     * @param executor the replica's own thread ({@code samsa-raft-<node>})
     */
    record Context(QuorumPlan plan, RaftLog log, RaftLogConfig logConfig, RaftChannel channel,
                   SerialExecutor executor, Clock clock) {
    }

    RaftClient<Message> open(Context context) throws IOException;

    /** The single voter, for a node that is the quorum's only voter; any other plan fails start-up. */
    RaftFactory SINGLE_VOTER = ctx -> {
        QuorumPlan plan = ctx.plan();
        switch (plan.kind()) {
            case SINGLE_VOTER -> {
                return RaftClient.singleVoter(plan.nodeId(), ctx.log(), MetadataLogSerde.INSTANCE, ctx.executor(),
                        ctx.clock(), ctx.logConfig().maxBatchBytes());
            }
            case OBSERVER -> throw new ConfigException(BrokerConfig.PROCESS_ROLES, "Node " + plan.nodeId()
                    + " is a broker-only node: it must follow the metadata log of the controllers (" + plan.describe()
                    + ") as a Raft observer, and this build of Samsa has no Raft quorum yet (its metadata log runs "
                    + "with a single voter). Run the node with process.roles=broker,controller as the only voter.");
            default -> throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "Node " + plan.nodeId() + " is one "
                    + "of several controllers (" + plan.describe() + "), and this build of Samsa has no Raft quorum "
                    + "yet (its metadata log runs with a single voter). Name this node as the only voter.");
        }
    };
}
