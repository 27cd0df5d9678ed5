package io.samsa.metadata;

import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.ConfigRecord;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.metadata.record.ProducerIdsRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.metadata.record.UserScramCredentialRecord;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The cluster's metadata as of one committed offset: cluster id, finalized features, registered
 * brokers, topics by name and by id (with partitions and config overrides), dynamic broker
 * configs (by node id, "" for the cluster-wide default), the next unallocated producer id and the
 * client quotas.
 * Built only by {@link MetadataDelta}.
 *
 * <p>Immutable: each new image is published through a volatile reference, and any thread may read
 * it without locks.
 */
public final class MetadataImage {
    /** The image before any record: offset -1, no cluster id. */
    public static final MetadataImage EMPTY = new MetadataImage(-1, -1, null, Map.of(), new TreeMap<>(), Map.of(),
        Map.of(), Map.of(), 0, Map.of(), Map.of(), Map.of());

    private final long offset;
    private final int epoch;
    private final String clusterId;
    private final Map<String, Short> features;
    private final SortedMap<Integer, BrokerRegistration> brokers;
    private final Map<String, TopicImage> topicsByName;
    private final Map<UUID, TopicImage> topicsById;
    private final Map<String, Map<String, String>> brokerConfigs;
    private final long nextProducerId;
    /** SCRAM credentials by user, then mechanism type (1 SCRAM-SHA-256, 2 SCRAM-SHA-512). */
    private final Map<String, Map<Byte, ScramCredentialData>> scramCredentials;
    private final Map<UUID, AclBinding> acls;
    private final Map<ClientQuotaEntity, Map<String, Double>> clientQuotas;
    /** Names with '.' or '_', keyed by their unified form; built on first use (benign race). */
    private volatile Map<String, String> collisionIndex;

    MetadataImage(long offset, int epoch, String clusterId, Map<String, Short> features,
                  SortedMap<Integer, BrokerRegistration> brokers, Map<String, TopicImage> topicsByName,
                  Map<UUID, TopicImage> topicsById, Map<String, Map<String, String>> brokerConfigs,
                  long nextProducerId, Map<String, Map<Byte, ScramCredentialData>> scramCredentials,
                  Map<UUID, AclBinding> acls,
                  Map<ClientQuotaEntity, Map<String, Double>> clientQuotas) {
        this.offset = offset;
        this.epoch = epoch;
        this.clusterId = clusterId;
        this.features = Collections.unmodifiableMap(features);
        this.brokers = Collections.unmodifiableSortedMap(brokers);
        this.topicsByName = Collections.unmodifiableMap(topicsByName);
        this.topicsById = Collections.unmodifiableMap(topicsById);
        this.brokerConfigs = Collections.unmodifiableMap(brokerConfigs);
        this.nextProducerId = nextProducerId;
        this.scramCredentials = Collections.unmodifiableMap(scramCredentials);
        this.acls = acls;
        this.clientQuotas = Collections.unmodifiableMap(clientQuotas);
    }

    /**
     * This state as of {@code laterOffset}: the records between are ones an image does not hold (the Raft log's
     * control records, such as the LeaderChange record that opens a leader's epoch, or a VotersRecord).
     */
    public MetadataImage atOffset(long laterOffset) {
        if (laterOffset < offset) {
            throw new IllegalArgumentException("Offset " + laterOffset + " is before the image's " + offset);
        }
        if (laterOffset == offset) {
            return this;
        }
        return new MetadataImage(laterOffset, epoch, clusterId, features, new TreeMap<>(brokers), topicsByName,
            topicsById, brokerConfigs, nextProducerId, scramCredentials, acls,
            clientQuotas);
    }

    /** The offset of the last record applied, -1 for the empty image. */
    public long offset() {
        return offset;
    }

    /** The leader epoch of the last record applied. */
    public int epoch() {
        return epoch;
    }

    /** The cluster id, or null before the log is formatted. */
    public String clusterId() {
        return clusterId;
    }

    public Map<String, Short> features() {
        return features;
    }

    public SortedMap<Integer, BrokerRegistration> brokers() {
        return brokers;
    }

    public BrokerRegistration broker(int nodeId) {
        return brokers.get(nodeId);
    }

    /** Whether broker {@code nodeId} is registered and unfenced: what clients are told of. */
    public boolean isLive(int nodeId) {
        BrokerRegistration b = brokers.get(nodeId);
        return b != null && !b.fenced();
    }

    /** The number of registered, unfenced brokers. */
    public int liveBrokerCount() {
        int n = 0;
        for (BrokerRegistration b : brokers.values()) {
            if (!b.fenced()) {
                n++;
            }
        }
        return n;
    }

    public Map<String, TopicImage> topicsByName() {
        return topicsByName;
    }

    public Map<UUID, TopicImage> topicsById() {
        return topicsById;
    }

    /** The topic with this name, or null. */
    public TopicImage topic(String name) {
        return topicsByName.get(name);
    }

    /** The topic with this id, or null. */
    public TopicImage topic(UUID id) {
        return topicsById.get(id);
    }

    /**
     * The existing topic whose name collides with {@code name} ('.' and '_' treated alike) and
     * differs from it, or null.
     */
    public String collidingTopic(String name) {
        if (!TopicNames.hasCollisionChars(name)) {
            return null;
        }
        Map<String, String> index = collisionIndex;
        if (index == null) {
            index = new java.util.HashMap<>();
            for (String existing : topicsByName.keySet()) {
                if (TopicNames.hasCollisionChars(existing)) {
                    index.put(TopicNames.unifyCollisionChars(existing), existing);
                }
            }
            collisionIndex = index;
        }
        String other = index.get(TopicNames.unifyCollisionChars(name));
        return other == null || other.equals(name) ? null : other;
    }

    /** Dynamic broker configs: by node id as a string, and "" for the cluster-wide default. */
    public Map<String, Map<String, String>> brokerConfigs() {
        return brokerConfigs;
    }

    /** The dynamic configs of one broker resource ("" = cluster default); empty when none. */
    public Map<String, String> brokerConfigs(String resourceName) {
        return brokerConfigs.getOrDefault(resourceName, Map.of());
    }

    /**
     * The first producer id not yet given to a broker: every id below it belongs to a block a ProducerIdsRecord
     * handed out (0 before the first).
     */
    public long nextProducerId() {
        return nextProducerId;
    }

    /** SCRAM credentials by user, then mechanism type (1 SCRAM-SHA-256, 2 SCRAM-SHA-512). */
    public Map<String, Map<Byte, ScramCredentialData>> scramCredentials() {
        return scramCredentials;
    }

    /** The credential of {@code user} for mechanism type {@code mechanism}, or null. */
    public ScramCredentialData scramCredential(String user, byte mechanism) {
        Map<Byte, ScramCredentialData> byMechanism = scramCredentials.get(user);
        return byMechanism == null ? null : byMechanism.get(mechanism);
    }

    /** The ACLs (AccessControlEntryRecords) by id: unmodifiable, the same map in every image until they change. */
    public Map<UUID, AclBinding> acls() {
        return acls;
    }

    /** Client quotas by entity (KIP-546), each a map of quota key to value; empty when none is set. */
    public Map<ClientQuotaEntity, Map<String, Double>> clientQuotas() {
        return clientQuotas;
    }

    /** The whole image as records, in an order that rebuilds it from {@link #EMPTY}: for snapshots. */
    public List<Message> toRecords() {
        List<Message> out = new ArrayList<>();
        if (clusterId != null) {
            out.add(new ClusterIdRecord().setClusterId(clusterId));
        }
        new TreeMap<>(features).forEach((name, level) ->
            out.add(new FeatureLevelRecord().setName(name).setFeatureLevel(level)));
        for (BrokerRegistration b : brokers.values()) {
            out.add(b.toRecord());
        }
        new TreeMap<>(brokerConfigs).forEach((name, configs) -> new TreeMap<>(configs).forEach((k, v) ->
            out.add(configRecord(ConfigResource.Type.BROKER, name, k, v))));
        for (TopicImage t : new TreeMap<>(topicsByName).values()) {
            out.add(new TopicRecord().setName(t.name()).setTopicId(t.id()));
            new TreeMap<>(t.configs()).forEach((k, v) -> out.add(configRecord(ConfigResource.Type.TOPIC, t.name(), k, v)));
            for (PartitionRegistration p : t.partitions().values()) {
                out.add(p.toRecord(t.id()));
            }
        }
        new TreeMap<>(scramCredentials).forEach((user, byMechanism) -> new TreeMap<>(byMechanism).forEach((m, c) ->
            out.add(new UserScramCredentialRecord().setName(user).setMechanism(m).setSalt(c.salt())
                .setStoredKey(c.storedKey()).setServerKey(c.serverKey()).setIterations(c.iterations()))));
        new TreeMap<>(acls).forEach((id, acl) -> out.add(acl.toRecord(id)));
        clientQuotas.forEach((entity, quotas) -> new TreeMap<>(quotas).forEach((k, v) ->
            out.add(entity.toRecord(k, v))));
        if (nextProducerId > 0) {
            out.add(new ProducerIdsRecord().setBrokerId(-1).setBrokerEpoch(-1).setNextProducerId(nextProducerId));
        }
        return out;
    }

    /** A ConfigRecord that sets ({@code value} not null) or deletes a config of a resource. */
    public static ConfigRecord configRecord(ConfigResource.Type type, String resourceName, String key, String value) {
        return new ConfigRecord().setResourceType(type.id()).setResourceName(resourceName).setName(key)
            .setValue(value);
    }

    /** Same content (offsets and epochs aside): for tests and consistency checks. */
    public boolean sameContent(MetadataImage other) {
        return java.util.Objects.equals(clusterId, other.clusterId) && features.equals(other.features)
            && brokers.equals(other.brokers) && topicsByName.equals(other.topicsByName)
            && topicsById.equals(other.topicsById) && brokerConfigs.equals(other.brokerConfigs)
            && nextProducerId == other.nextProducerId && scramCredentials.equals(other.scramCredentials)
            && acls.equals(other.acls) && clientQuotas.equals(other.clientQuotas);
    }

    @Override
    public String toString() {
        return "MetadataImage(offset=" + offset + ", epoch=" + epoch + ", clusterId=" + clusterId + ", brokers="
            + brokers.keySet() + ", topics=" + topicsByName.size() + ")";
    }
}
