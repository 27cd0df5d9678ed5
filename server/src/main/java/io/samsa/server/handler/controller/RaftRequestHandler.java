package io.samsa.server.handler.controller;

import io.samsa.server.cluster.NetworkRaftChannel;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.message.BeginQuorumEpochRequest;
import io.samsa.wire.message.BeginQuorumEpochResponse;
import io.samsa.wire.message.EndQuorumEpochRequest;
import io.samsa.wire.message.EndQuorumEpochResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FetchSnapshotRequest;
import io.samsa.wire.message.FetchSnapshotResponse;
import io.samsa.wire.message.UpdateRaftVoterRequest;
import io.samsa.wire.message.UpdateRaftVoterResponse;
import io.samsa.wire.message.VoteRequest;
import io.samsa.wire.message.VoteResponse;
import io.samsa.wire.protocol.Message;

/**
 * Raft's requests between the replicas of the metadata log (KIP-595, KIP-630), on the controller listener: Vote,
 * BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot and UpdateRaftVoter go to the local replica through the
 * {@link NetworkRaftChannel}, which answers them. When the replica takes no requests (the single voter), or it fails
 * one, the answer is the response with that error at the top. Runs on the connection's event loop; the replica
 * answers from its own thread.
 */
public final class RaftRequestHandler implements ApiHandler {
    private final NetworkRaftChannel channel;

    public RaftRequestHandler(NetworkRaftChannel channel) {
        this.channel = channel;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        channel.receive(senderOf(request, ctx.apiVersion()), request, ctx.apiVersion()).whenComplete((resp, e) ->
                sink.send(e == null ? resp : failed(request, ApiError.of(e, ctx.logPrefix()).codeValue())));
    }

    /** The replica that sent {@code request}, from its fields; -1 when it does not say. */
    static int senderOf(Message request, short version) {
        if (request instanceof FetchRequest f) {
            // v15+ (KIP-903): the replica's id moved into ReplicaState.
            return version >= 15 ? f.replicaState().replicaId() : f.replicaId();
        } else if (request instanceof FetchSnapshotRequest f) {
            return f.replicaId();
        } else if (request instanceof VoteRequest v) {
            return v.topics().isEmpty() || v.topics().get(0).partitions().isEmpty() ? -1
                    : v.topics().get(0).partitions().get(0).replicaId();
        } else if (request instanceof BeginQuorumEpochRequest b) {
            return b.topics().isEmpty() || b.topics().get(0).partitions().isEmpty() ? -1
                    : b.topics().get(0).partitions().get(0).leaderId();
        } else if (request instanceof EndQuorumEpochRequest q) {
            return q.topics().isEmpty() || q.topics().get(0).partitions().isEmpty() ? -1
                    : q.topics().get(0).partitions().get(0).leaderId();
        } else if (request instanceof UpdateRaftVoterRequest u) {
            return u.voterId();
        }
        return -1;
    }

    static Message failed(Message request, short code) {
        if (request instanceof FetchRequest) {
            return new FetchResponse().setErrorCode(code);
        } else if (request instanceof FetchSnapshotRequest) {
            return new FetchSnapshotResponse().setErrorCode(code);
        } else if (request instanceof VoteRequest) {
            return new VoteResponse().setErrorCode(code);
        } else if (request instanceof BeginQuorumEpochRequest) {
            return new BeginQuorumEpochResponse().setErrorCode(code);
        } else if (request instanceof UpdateRaftVoterRequest) {
            return new UpdateRaftVoterResponse().setErrorCode(code);
        }
        return new EndQuorumEpochResponse().setErrorCode(code);
    }
}
