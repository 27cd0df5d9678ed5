package io.samsa.server.metadata;

import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import java.util.concurrent.CompletableFuture;

/**
 * Where the admin handlers send a change of the metadata, and when they may answer: on a broker, the controller
 * (in-process or forwarded to the active one) and the moment this broker has published the change
 * ({@link BrokerMetadata}); on a controller's own listener, the local controller and its commit. Thread-safe.
 */
public interface MetadataChanges {

    /** Every change of the metadata goes through it. */
    Controller controller();

    /** The value of {@code operation} once the handler may answer with it. */
    <T> CompletableFuture<T> whenPublished(CompletableFuture<Committed<T>> operation);
}
