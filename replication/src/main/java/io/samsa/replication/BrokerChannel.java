package io.samsa.replication;

import io.samsa.wire.protocol.Message;
import java.util.concurrent.CompletableFuture;

/**
 * This broker's requests to other brokers (a follower's Fetch to its leader, later OffsetForLeaderEpoch and the
 * like): send a generated request {@link Message} to node {@code N} at version {@code V}, get the response. In
 * production {@link NettyBrokerChannel} (one connection per destination node, pipelined); in a simulation a
 * simulated network. Node ids are resolved to addresses by the {@link BrokerEndpoints} the server supplies from
 * the metadata.
 *
 * <p>Failures come back in the future as a {@link io.samsa.wire.SamsaException} with Kafka's code:
 * BROKER_NOT_AVAILABLE (the node has no known address), NETWORK_EXCEPTION (cannot connect, or the connection
 * closed before the response), REQUEST_TIMED_OUT (no response in time), UNSUPPORTED_VERSION (the request cannot be
 * written at that version). The future completes on a network thread: hand real work off from it.
 *
 * <p>Thread-safe: {@link #send} from any thread, never blocking.
 */
public interface BrokerChannel extends AutoCloseable {

    /**
     * Sends {@code request} to node {@code nodeId} at {@code version}. The request must not be changed afterwards.
     * The caller owns the response and must {@link BrokerResponse#close() close} it (it may hold the bytes that
     * records fields point into).
     */
    CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version);

    /** Closes every connection; requests in flight fail with NETWORK_EXCEPTION. Idempotent; never blocks. */
    @Override
    void close();
}
