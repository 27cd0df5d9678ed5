package io.samsa.metadata;

import io.samsa.metadata.record.RegisterBrokerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A registered broker in a {@link MetadataImage} (KIP-631): node id, broker epoch (the offset of its registration
 * record), incarnation id (a random id of the process that registered), rack (or null), listeners, the feature
 * levels it supports, whether it is fenced (it may not lead partitions or be in an ISR; a broker registers fenced
 * and is unfenced once it has caught up with the metadata log), and whether it is in controlled shutdown (it asked
 * to shut down; leadership moves off it). Immutable.
 */
public record BrokerRegistration(int nodeId, long brokerEpoch, UUID incarnationId, String rack,
                                 List<Endpoint> listeners, Map<String, VersionRange> features, boolean fenced,
                                 boolean inControlledShutdown) {
    /** The levels of a feature a broker supports, both inclusive. */
    public record VersionRange(short min, short max) {
        public boolean contains(short level) {
            return level >= min && level <= max;
        }
    }

    public BrokerRegistration {
        listeners = List.copyOf(listeners);
        features = Map.copyOf(features);
    }

    /** A registration without features, not in controlled shutdown. */
    public BrokerRegistration(int nodeId, long brokerEpoch, UUID incarnationId, String rack,
                              List<Endpoint> listeners, boolean fenced) {
        this(nodeId, brokerEpoch, incarnationId, rack, listeners, Map.of(), fenced, false);
    }

    /** An unfenced registration without features (a broker that may lead partitions). */
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

    /** Whether it may lead partitions and hold new replicas: unfenced and not shutting down. */
    public boolean usable() {
        return !fenced && !inControlledShutdown;
    }

    /** This registration with {@code fenced} changed. */
    public BrokerRegistration withFenced(boolean newFenced) {
        return new BrokerRegistration(nodeId, brokerEpoch, incarnationId, rack, listeners, features, newFenced,
            inControlledShutdown);
    }

    /** This registration with {@code inControlledShutdown} changed. */
    public BrokerRegistration withInControlledShutdown(boolean shuttingDown) {
        return new BrokerRegistration(nodeId, brokerEpoch, incarnationId, rack, listeners, features, fenced,
            shuttingDown);
    }

    /** The registration as a record. */
    public RegisterBrokerRecord toRecord() {
        List<RegisterBrokerRecord.BrokerEndpoint> endpoints = new ArrayList<>(listeners.size());
        for (Endpoint e : listeners) {
            endpoints.add(new RegisterBrokerRecord.BrokerEndpoint().setName(e.name()).setHost(e.host())
                .setPort(e.port()).setSecurityProtocol(Endpoint.protocolId(e.securityProtocol())));
        }
        List<RegisterBrokerRecord.BrokerFeature> fs = new ArrayList<>(features.size());
        new TreeMap<>(features).forEach((name, range) -> fs.add(new RegisterBrokerRecord.BrokerFeature()
            .setName(name).setMinSupportedVersion(range.min()).setMaxSupportedVersion(range.max())));
        return new RegisterBrokerRecord().setBrokerId(nodeId).setBrokerEpoch(brokerEpoch)
            .setIncarnationId(incarnationId).setRack(rack).setEndPoints(endpoints).setFeatures(fs).setFenced(fenced)
            .setInControlledShutdown(inControlledShutdown);
    }

    /** The registration a record describes. */
    public static BrokerRegistration fromRecord(RegisterBrokerRecord r) {
        List<Endpoint> endpoints = new ArrayList<>(r.endPoints().size());
        for (RegisterBrokerRecord.BrokerEndpoint e : r.endPoints()) {
            endpoints.add(new Endpoint(e.name(), e.host(), e.port(), Endpoint.protocolName(e.securityProtocol())));
        }
        Map<String, VersionRange> features = new TreeMap<>();
        for (RegisterBrokerRecord.BrokerFeature f : r.features()) {
            features.put(f.name(), new VersionRange(f.minSupportedVersion(), f.maxSupportedVersion()));
        }
        return new BrokerRegistration(r.brokerId(), r.brokerEpoch(), r.incarnationId(), r.rack(), endpoints,
            features, r.fenced(), r.inControlledShutdown());
    }
}
