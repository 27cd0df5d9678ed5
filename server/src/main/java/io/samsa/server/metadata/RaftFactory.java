package io.samsa.server.metadata;

import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;
import io.samsa.controller.MetadataLogSerde;
import io.samsa.raft.RaftChannel;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftConfig;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumTimeouts;
import io.samsa.wire.protocol.Message;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Opens this node's {@link RaftClient} of the metadata log. The node's {@link QuorumPlan} says whether it is the only
 * voter, one voter of several, or an observer (a broker-only node following the log):
 *
 * <ul>
 *   <li>Samsa's one-node mode (both roles, neither voters nor bootstrap servers): the single voter, which elects
 *       itself in a new epoch at every start and has no network.
 *   <li>Any other node: a replica of the Raft quorum over the {@link RaftChannel}, a voter when
 *       {@code controller.quorum.voters} names it, an observer otherwise. A controller that is the only voter runs
 *       the quorum of one (it elects itself at once) so that broker-only nodes can follow it.
 * </ul>
 *
 * A dynamic quorum ({@code controller.quorum.bootstrap.servers} without voters, KIP-853; {@link DynamicQuorum}) keeps
 * its voters in the log: an empty log of a controller with initial voters is formatted with them (the bootstrap
 * checkpoint), any other replica starts as an observer that finds the leader through the bootstrap servers, and
 * becomes a voter once AddRaftVoter adds it.
 */
@FunctionalInterface
public interface RaftFactory {

    /**
     * Everything a replica of the metadata log needs.
     *
     * @param log      the durable log, in {@code <data dir>/metadata} (the replica owns it from now on)
     * @param channel  the network to the other replicas; null for Samsa's one-node mode (no peers)
     * @param executor the replica's own thread ({@code samsa-raft-<node>})
     * @param dynamic  the node's part in a dynamic quorum, or null for static voters (and the one-node mode)
     */
    record Context(QuorumPlan plan, RaftLog log, RaftLogConfig logConfig, RaftChannel channel,
                   SerialExecutor executor, Clock clock, QuorumTimeouts timeouts, DynamicQuorum dynamic) {
        public Context(QuorumPlan plan, RaftLog log, RaftLogConfig logConfig, RaftChannel channel,
                       SerialExecutor executor, Clock clock, QuorumTimeouts timeouts) {
            this(plan, log, logConfig, channel, executor, clock, timeouts, null);
        }
    }

    RaftClient<Message> open(Context context) throws IOException;

    /** Samsa's one-node mode: the plan names neither voters nor bootstrap servers. */
    static boolean oneNodeMode(QuorumPlan plan) {
        return plan.kind() == QuorumPlan.Kind.SINGLE_VOTER && plan.voters().isEmpty()
                && plan.bootstrapServers().isEmpty();
    }

    /** The single voter for Samsa's one-node mode, a replica of the Raft quorum for every other node. */
    RaftFactory DEFAULT = ctx -> oneNodeMode(ctx.plan()) || ctx.channel() == null ? singleVoter(ctx) : quorum(ctx);

    /** The single voter, whatever the plan (a node with no peers; tests). */
    RaftFactory SINGLE_VOTER = RaftFactory::singleVoter;

    private static RaftClient<Message> singleVoter(Context ctx) throws IOException {
        return RaftClient.singleVoter(ctx.plan().nodeId(), ctx.log(), MetadataLogSerde.INSTANCE, ctx.executor(),
                ctx.clock(), ctx.logConfig().maxBatchBytes());
    }

    private static RaftClient<Message> quorum(Context ctx) throws IOException {
        QuorumPlan plan = ctx.plan();
        DynamicQuorum dynamic = ctx.dynamic();
        Set<Integer> voters;
        if (!plan.voters().isEmpty()) {
            voters = plan.voters().keySet();
        } else if (dynamic != null) {
            voters = Set.of();
        } else if (plan.kind() == QuorumPlan.Kind.SINGLE_VOTER) {
            // A log from before directory ids whose only voter is this controller: it stays a static quorum of one.
            voters = Set.of(plan.nodeId());
        } else {
            throw new ConfigException(BrokerConfig.QUORUM_BOOTSTRAP_SERVERS, "Node " + plan.nodeId() + " names the "
                    + "quorum by " + BrokerConfig.QUORUM_BOOTSTRAP_SERVERS + " only, and its data directory has a "
                    + "metadata log but no meta.properties with a directory id. Name the voters with "
                    + BrokerConfig.QUORUM_VOTERS + " (id@host:port,...), or start it on an empty directory.");
        }
        QuorumTimeouts t = ctx.timeouts();
        RaftConfig defaults = RaftConfig.of(plan.nodeId(), voters);
        RaftConfig config = defaults.withTimeouts(t.electionTimeoutMs(), t.electionBackoffMaxMs(), t.fetchTimeoutMs(),
                Math.min(defaults.fetchMaxWaitMs(), Math.max(0, t.requestTimeoutMs() / 2)), t.retryBackoffMs())
                .withMaxBatchBytes(ctx.logConfig().maxBatchBytes());
        if (dynamic != null) {
            config = config.withDynamic(dynamic.directoryId(), dynamic.endpoints(), dynamic.bootstrapServers())
                    .withClusterId(dynamic.clusterId());
            RaftLog log = ctx.log();
            if (dynamic.initialVoters() != null && log.endOffset() == 0 && log.snapshots().isEmpty()) {
                RaftClient.formatVoters(log, dynamic.initialVoters());
            }
        }
        return RaftClient.quorum(config, ctx.log(), MetadataLogSerde.INSTANCE, ctx.channel(), ctx.executor(),
                ctx.clock(), new SecureRandom());
    }
}
