package io.samsa.server.handler.controller;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.server.cluster.Envelopes;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeQuorumResponse;
import io.samsa.wire.protocol.Message;

/**
 * DescribeQuorum (key 55) on a broker listener ({@code kafka-metadata-quorum.sh --bootstrap-server}): Kafka's broker
 * forwards it to the active controller. When this node leads the metadata log (a combined node, or Samsa's one-node
 * mode) its own {@link DescribeQuorumHandler} answers; otherwise the request goes, as it came, to the leader this
 * node's replica knows, over the controller network, and its answer comes back unchanged. Without a known leader,
 * or when the leader cannot be reached, the answer is the error at the top ({@code NOT_LEADER_OR_FOLLOWER},
 * {@code REQUEST_TIMED_OUT}, ...), which the admin client retries. Runs on the connection's event loop.
 */
public final class ForwardedDescribeQuorumHandler implements ApiHandler {
    private final int nodeId;
    private final RaftClient<?> raft;
    private final DescribeQuorumHandler local;
    private final BrokerChannel controllers;

    /**
     * @param local       answers when this node leads (null on a broker-only node)
     * @param controllers the network to the controllers (null in Samsa's one-node mode)
     */
    public ForwardedDescribeQuorumHandler(int nodeId, RaftClient<?> raft, DescribeQuorumHandler local,
                                          BrokerChannel controllers) {
        this.nodeId = nodeId;
        this.raft = raft;
        this.local = local;
        this.controllers = controllers;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        LeaderAndEpoch leader = raft.leaderAndEpoch();
        if (local != null && (leader.isLeader(nodeId) || controllers == null)) {
            local.handle(ctx, request, sink);
            return;
        }
        if (!leader.hasLeader() || controllers == null) {
            sink.send(new DescribeQuorumResponse().setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER.code())
                    .setErrorMessage("No leader of the metadata quorum is known"));
            return;
        }
        short version = ctx.apiVersion();
        controllers.send(leader.leaderId(), request, version).whenComplete((resp, e) -> {
            if (e != null) {
                ApiError error = ApiError.of(e, ctx.logPrefix());
                sink.send(new DescribeQuorumResponse().setErrorCode(error.codeValue())
                        .setErrorMessage(error.message()));
                return;
            }
            try (BrokerResponse r = resp) {
                sink.send(Envelopes.detach(r.body(), version, true));
            }
        });
    }
}
