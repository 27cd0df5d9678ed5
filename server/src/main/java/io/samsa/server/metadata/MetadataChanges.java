package io.samsa.server.metadata;

import io.samsa.controller.AlterConfigOp;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import java.util.List;
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

    /**
     * Checks that this node can apply {@code ops} to broker {@code broker}'s dynamic configs ({@code ""}: the cluster
     * default), as Kafka's broker validates a dynamic config change before it is sent to the controller (a new TLS
     * key store that cannot be read is refused, not accepted and then ignored). Completes with null when it can, else
     * with why not; runs off the event loops (it may read files). None by default.
     */
    default CompletableFuture<String> checkBrokerConfigs(String broker, List<AlterConfigOp> ops) {
        return CompletableFuture.completedFuture(null);
    }
}
