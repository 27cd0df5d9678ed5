package io.samsa.server.handler.controller;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.ReplicaKey;
import io.samsa.raft.VoterSet;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.server.cluster.Envelopes;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddRaftVoterRequest;
import io.samsa.wire.message.AddRaftVoterResponse;
import io.samsa.wire.message.RemoveRaftVoterRequest;
import io.samsa.wire.message.RemoveRaftVoterResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * AddRaftVoter (key 80) and RemoveRaftVoter (key 81), KIP-853: {@code kafka-metadata-quorum.sh add-controller} and
 * {@code remove-controller}. The admin client sends them to the active controller (with
 * {@code --bootstrap-controller}, the controller DescribeCluster names: the Raft leader) or to any broker (with
 * {@code --bootstrap-server}), which forwards them as Kafka's brokers do. On the leader the local replica answers
 * through {@link RaftClient#addVoter} and {@link RaftClient#removeVoter}, once the new voter set is committed; a
 * controller that does not lead answers {@code NOT_LEADER_OR_FOLLOWER}, which the admin client retries after
 * looking up the controller again. On a broker listener ({@code forward} set) a node that does not lead sends the
 * request, as it came, to the leader its replica knows, and returns the answer. Runs on the connection's event loop;
 * the replica answers on its own thread.
 */
public final class RaftVoterHandler implements ApiHandler {
    private final int nodeId;
    private final RaftClient<?> raft;
    private final boolean local;
    private final BrokerChannel forward;

    /**
     * @param local   whether the local replica may answer (a controller's)
     * @param forward the network to the controllers, to forward through when this node does not lead; null on a
     *                controller listener (never forwards) and in Samsa's one-node mode
     */
    public RaftVoterHandler(int nodeId, RaftClient<?> raft, boolean local, BrokerChannel forward) {
        this.nodeId = nodeId;
        this.raft = raft;
        this.local = local;
        this.forward = forward;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        LeaderAndEpoch leader = raft.leaderAndEpoch();
        if (forward != null && !(local && leader.isLeader(nodeId))) {
            if (!leader.hasLeader()) {
                sink.send(error(request, ApiError.of(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "No leader of the metadata quorum is known")));
                return;
            }
            short version = ctx.apiVersion();
            forward.send(leader.leaderId(), request, version).whenComplete((resp, e) -> {
                if (e != null) {
                    sink.send(error(request, ApiError.of(e, ctx.logPrefix())));
                    return;
                }
                try (BrokerResponse r = resp) {
                    sink.send(Envelopes.detach(r.body(), version, true));
                }
            });
            return;
        }
        if (!local) {
            sink.send(error(request, ApiError.of(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                    "Node " + nodeId + " has no controller")));
            return;
        }
        CompletableFuture<Void> done;
        if (request instanceof AddRaftVoterRequest add) {
            List<VoterSet.Endpoint> endpoints = new ArrayList<>();
            for (AddRaftVoterRequest.Listener l : add.listeners()) {
                endpoints.add(new VoterSet.Endpoint(l.name(), l.host(), l.port()));
            }
            done = raft.addVoter(add.clusterId(), VoterSet.Voter.of(new ReplicaKey(add.voterId(),
                    add.voterDirectoryId()), endpoints));
        } else {
            RemoveRaftVoterRequest remove = (RemoveRaftVoterRequest) request;
            done = raft.removeVoter(remove.clusterId(), new ReplicaKey(remove.voterId(),
                    remove.voterDirectoryId()));
        }
        done.whenComplete((v, e) -> sink.send(error(request, e == null ? ApiError.NONE
                : ApiError.of(e, ctx.logPrefix()))));
    }

    private static Message error(Message request, ApiError error) {
        if (request instanceof AddRaftVoterRequest) {
            return new AddRaftVoterResponse().setErrorCode(error.codeValue()).setErrorMessage(error.message());
        }
        return new RemoveRaftVoterResponse().setErrorCode(error.codeValue()).setErrorMessage(error.message());
    }
}
