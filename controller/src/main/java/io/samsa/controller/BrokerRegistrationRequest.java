package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration.VersionRange;
import io.samsa.metadata.Endpoint;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A broker's registration (BrokerRegistration, KIP-631): its node id, the cluster id it belongs to (null: not
 * checked), the incarnation id of the process (a random id a broker draws at start-up, so that the controller
 * can tell a retry from another process with the same id), the listeners it advertises, the feature levels it
 * supports and its rack (or null). Immutable.
 */
public record BrokerRegistrationRequest(int brokerId, String clusterId, UUID incarnationId, List<Endpoint> listeners,
                                        Map<String, VersionRange> features, String rack) {
    public BrokerRegistrationRequest {
        Objects.requireNonNull(incarnationId, "incarnationId");
        listeners = List.copyOf(listeners);
        features = Map.copyOf(features);
    }
}
