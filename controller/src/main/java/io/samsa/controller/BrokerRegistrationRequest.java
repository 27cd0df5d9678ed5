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
 * supports, its rack (or null) and its previous broker epoch (KIP-966: the epoch it had when it last shut down
 * cleanly, -1 after an unclean shutdown or when unknown). Immutable.
 */
public record BrokerRegistrationRequest(int brokerId, String clusterId, UUID incarnationId, List<Endpoint> listeners,
                                        Map<String, VersionRange> features, String rack, long previousBrokerEpoch) {
    public BrokerRegistrationRequest {
        Objects.requireNonNull(incarnationId, "incarnationId");
        listeners = List.copyOf(listeners);
        features = Map.copyOf(features);
    }

    /** A registration that does not know its previous broker epoch (as after an unclean shutdown). */
    public BrokerRegistrationRequest(int brokerId, String clusterId, UUID incarnationId, List<Endpoint> listeners,
                                     Map<String, VersionRange> features, String rack) {
        this(brokerId, clusterId, incarnationId, listeners, features, rack, -1);
    }
}
