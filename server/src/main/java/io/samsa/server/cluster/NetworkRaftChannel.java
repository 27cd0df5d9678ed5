package io.samsa.server.cluster;

import io.samsa.raft.RaftChannel;
import io.samsa.raft.VoterSet;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The production {@link RaftChannel}: Raft's requests to another voter go over the controller network (a
 * {@link BrokerChannel}, Netty, to the voters' controller listeners, addressed by {@link ControllerEndpoints}); the
 * controller listener hands Raft's inbound requests (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch,
 * FetchSnapshot) to {@link #receive}. A response is detached from the bytes it arrived in (records of a Fetch are
 * copied to the heap) before Raft gets it, so Raft may keep it as long as it likes.
 *
 * <p>Thread-safe: {@link #send} from any thread; futures complete on the channel's event loops.
 */
public final class NetworkRaftChannel implements RaftChannel {
    private final BrokerChannel channel;
    private final ControllerEndpoints endpoints;
    private volatile InboundHandler inbound;

    public NetworkRaftChannel(BrokerChannel channel) {
        this(channel, null);
    }

    /**
     * @param endpoints the addresses {@code channel} sends to: a dynamic quorum's replica adds the voters it learns
     *                  and sends to the bootstrap servers through them (null: a static quorum's channel)
     */
    public NetworkRaftChannel(BrokerChannel channel, ControllerEndpoints endpoints) {
        this.channel = channel;
        this.endpoints = endpoints;
    }

    @Override
    public CompletableFuture<Message> sendToBootstrap(String server, Message request, short version) {
        int id = endpoints == null ? 0 : endpoints.bootstrapId(server);
        if (id == 0) {
            return CompletableFuture.failedFuture(new SamsaException(ErrorCode.INVALID_REQUEST, server
                    + " is not one of controller.quorum.bootstrap.servers"));
        }
        return send(id, request, version);
    }

    @Override
    public void endpoints(int nodeId, List<VoterSet.Endpoint> eps) {
        if (endpoints != null && !eps.isEmpty()) {
            VoterSet.Endpoint e = eps.get(0);
            endpoints.learn(nodeId, e.host(), e.port());
        }
    }

    @Override
    public CompletableFuture<Message> send(int voterId, Message request, short version) {
        return channel.send(voterId, request, version).thenApply(resp -> {
            try (BrokerResponse r = resp) {
                return Envelopes.detach(r.body(), version, true);
            }
        });
    }

    @Override
    public void onRequest(InboundHandler handler) {
        this.inbound = handler;
    }

    /**
     * A request from voter (or observer) {@code fromId} at {@code version}, for the local replica. Fails with
     * {@code NOT_CONTROLLER} while no replica takes requests (a single voter never does).
     */
    public CompletableFuture<Message> receive(int fromId, Message request, short version) {
        InboundHandler h = inbound;
        if (h == null) {
            return CompletableFuture.failedFuture(new SamsaException(ErrorCode.NOT_CONTROLLER,
                    "This node's metadata log takes no requests from other replicas"));
        }
        return h.handle(fromId, request, version);
    }

    /** Whether the local replica takes requests from others (it set its handler). */
    public boolean serving() {
        return inbound != null;
    }
}
