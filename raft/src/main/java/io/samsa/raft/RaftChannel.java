package io.samsa.raft;

import io.samsa.wire.protocol.Message;

import java.util.concurrent.CompletableFuture;

/**
 * The network of a Raft quorum, as the replica sees it: send one of KRaft's requests (KIP-595, KIP-630) to a
 * voter and get its response, and receive the requests other voters send. The messages are the generated
 * {@code io.samsa.wire.message} classes: {@code VoteRequest}, {@code BeginQuorumEpochRequest},
 * {@code EndQuorumEpochRequest}, {@code FetchRequest} and {@code FetchSnapshotRequest}, with their responses.
 *
 * <p>The single voter has no peers and never uses a channel; a quorum (the next issue) gets one over the
 * broker-to-broker network in production and over the simulated network in tests. Implementations are
 * thread-safe; their futures and inbound calls complete on the channel's threads, so the replica hands them to
 * its own executor.
 */
public interface RaftChannel {

    /** Handles requests from other voters. */
    @FunctionalInterface
    interface InboundHandler {
        /** Answers {@code request} (sent at {@code version} by voter {@code fromId}); the future carries the response. */
        CompletableFuture<Message> handle(int fromId, Message request, short version);
    }

    /**
     * Sends {@code request} at {@code version} to voter {@code voterId}. The future fails when the voter cannot be
     * reached or does not answer within the channel's request timeout.
     */
    CompletableFuture<Message> send(int voterId, Message request, short version);

    /** Sets the handler of inbound requests (once, before the replica starts). */
    void onRequest(InboundHandler handler);

    /**
     * Sends {@code request} to one of {@code controller.quorum.bootstrap.servers} ({@code host:port}, as configured):
     * a replica that knows no voters, or no leader, asks there who leads (KIP-853). A channel without bootstrap
     * servers fails the request.
     */
    default CompletableFuture<Message> sendToBootstrap(String server, Message request, short version) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("No bootstrap servers"));
    }

    /**
     * Where replica {@code nodeId} listens, as the replica learned it (the voter set of a dynamic quorum, the leader's
     * endpoints in an answer): a dynamic quorum's channel addresses voters with it. Called on the replica's executor
     * whenever it learns something new; a static quorum's channel may ignore it.
     */
    default void endpoints(int nodeId, java.util.List<VoterSet.Endpoint> endpoints) {
    }
}
