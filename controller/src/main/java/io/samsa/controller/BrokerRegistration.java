package io.samsa.controller;

import java.util.List;
import java.util.UUID;

/**
 * A registered broker in a {@link MetadataImage}: node id, broker epoch (the offset of its
 * registration record), incarnation id, rack (or null) and listeners. Immutable.
 */
public record BrokerRegistration(int nodeId, long brokerEpoch, UUID incarnationId, String rack,
                                 List<Endpoint> listeners) {
    public BrokerRegistration {
        listeners = List.copyOf(listeners);
    }

    /** The listener with this name, or null. */
    public Endpoint listener(String name) {
        for (Endpoint e : listeners) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    public MetadataRecord.RegisterBroker toRecord() {
        return new MetadataRecord.RegisterBroker(nodeId, brokerEpoch, incarnationId, rack, listeners);
    }
}
