package io.samsa.coordinator;

import java.util.concurrent.CompletableFuture;

/**
 * Where the transaction coordinator gets new producer ids: a transactional id seen for the first time, a producer
 * whose epochs are exhausted, a producer without a transactional id. The server implements it on the controller's
 * producer-id blocks (a block at hand, the next one fetched ahead). Thread-safe; must not block the caller.
 */
public interface ProducerIdSource {

    /**
     * A producer id never handed out before. Completes at once when one is at hand, later when a block must be
     * fetched first, or exceptionally with a {@link io.samsa.wire.SamsaException} whose code the client gets (Kafka
     * answers COORDINATOR_LOAD_IN_PROGRESS while a block is on its way). May complete on any thread.
     */
    CompletableFuture<Long> nextProducerId();
}
