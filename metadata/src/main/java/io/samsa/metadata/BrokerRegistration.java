package io.samsa.metadata;

import io.samsa.metadata.record.RegisterBrokerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A registered broker in a {@link MetadataImage}: node id, broker epoch (the offset of its registration
 * record), incarnation id, rack (or null), listeners, and whether it is fenced. Immutable.
 */
public record BrokerRegistration(int nodeId, long brokerEpoch, UUID incarnationId, String rack,
                                 List<Endpoint> listeners, boolean fenced) {
    public BrokerRegistration {
        listeners = List.copyOf(listeners);
    }

    /** An unfenced registration (a broker that may lead partitions). */
    public BrokerRegistration(int nodeId, long brokerEpoch, UUID incarnationId, String rack,
                              List<Endpoint> listeners) {
        this(nodeId, brokerEpoch, incarnationId, rack, listeners, false);
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

    /** This registration with {@code fenced} changed. */
    public BrokerRegistration withFenced(boolean newFenced) {
        return new BrokerRegistration(nodeId, brokerEpoch, incarnationId, rack, listeners, newFenced);
    }

    /** The registration as a record. */
    public RegisterBrokerRecord toRecord() {
        List<RegisterBrokerRecord.BrokerEndpoint> endpoints = new ArrayList<>(listeners.size());
        for (Endpoint e : listeners) {
            endpoints.add(new RegisterBrokerRecord.BrokerEndpoint().setName(e.name()).setHost(e.host())
                .setPort(e.port()).setSecurityProtocol(Endpoint.protocolId(e.securityProtocol())));
        }
        return new RegisterBrokerRecord().setBrokerId(nodeId).setBrokerEpoch(brokerEpoch)
            .setIncarnationId(incarnationId).setRack(rack).setEndPoints(endpoints).setFenced(fenced);
    }

    /** The registration a record describes. */
    public static BrokerRegistration fromRecord(RegisterBrokerRecord r) {
        List<Endpoint> endpoints = new ArrayList<>(r.endPoints().size());
        for (RegisterBrokerRecord.BrokerEndpoint e : r.endPoints()) {
            endpoints.add(new Endpoint(e.name(), e.host(), e.port(), Endpoint.protocolName(e.securityProtocol())));
        }
        return new BrokerRegistration(r.brokerId(), r.brokerEpoch(), r.incarnationId(), r.rack(), endpoints,
            r.fenced());
    }
}
