package io.samsa.metadata;

import io.samsa.metadata.record.AccessControlEntryRecord;
import io.samsa.metadata.record.BrokerRegistrationChangeRecord;
import io.samsa.metadata.record.ClientQuotaRecord;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.ConfigRecord;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.metadata.record.FenceBrokerRecord;
import io.samsa.metadata.record.NoOpRecord;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.ProducerIdsRecord;
import io.samsa.metadata.record.RegisterBrokerRecord;
import io.samsa.metadata.record.RemoveAccessControlEntryRecord;
import io.samsa.metadata.record.RemoveTopicRecord;
import io.samsa.metadata.record.RemoveUserScramCredentialRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.metadata.record.UnfenceBrokerRecord;
import io.samsa.metadata.record.UnregisterBrokerRecord;
import io.samsa.metadata.record.UserScramCredentialRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Builds the next {@link MetadataImage} from a base image and committed metadata records (the
 * generated messages of {@code io.samsa.metadata.record}), and tells publishers what changed (topics
 * created, deleted or changed, with the changed partitions; brokers; broker configs).
 * Records are applied in offset order with {@link #replay}; {@link #apply()} builds the image once,
 * so a long replay costs one copy of the topic maps, not one per record.
 *
 * <p>A record that does not fit the state (a partition of an unknown topic, a duplicate topic id)
 * throws {@link SamsaException} with {@code UNKNOWN_SERVER_ERROR}: the controller never writes
 * one, so it means a bug or a log from elsewhere. Not thread-safe: used by one thread, then handed
 * (read-only) to listeners.
 */
public final class MetadataDelta {
    /** The PartitionChangeRecord leader that means "the leader does not change". */
    public static final int NO_LEADER_CHANGE = -2;

    private final MetadataImage base;
    private long offset;
    private int epoch;
    private String clusterId;
    private final Map<String, Short> features = new HashMap<>();
    /** Registrations added or changed by the delta; a null value is a broker that was unregistered. */
    private final Map<Integer, BrokerRegistration> brokers = new HashMap<>();
    private final Map<UUID, TopicBuilder> changed = new LinkedHashMap<>();
    private final Map<String, UUID> createdNames = new HashMap<>();
    private final Map<UUID, TopicImage> deleted = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> brokerConfigs = new HashMap<>();
    private long nextProducerId;
    /** The SCRAM credentials once a record changed them (a copy of the base's), else null. */
    private Map<String, Map<Byte, ScramCredentialData>> scramCredentials;
    /** ACLs created by the delta; a null value is an ACL of the base image that was removed. */
    private final Map<UUID, AclBinding> acls = new HashMap<>();
    /** Client quota entities changed by the delta, with all their quotas (empty: none left). */
    private final Map<ClientQuotaEntity, Map<String, Double>> clientQuotas = new HashMap<>();
    private int recordCount;

    public MetadataDelta(MetadataImage base) {
        this.base = base;
        this.offset = base.offset();
        this.epoch = base.epoch();
        this.nextProducerId = base.nextProducerId();
    }

    /** The image this delta starts from. */
    public MetadataImage base() {
        return base;
    }

    /** Applies records with consecutive offsets from {@code baseOffset}, written in {@code epoch}. */
    public void replay(List<? extends Message> records, long baseOffset, int epoch) {
        long o = baseOffset;
        for (Message r : records) {
            replay(r, o++, epoch);
        }
    }

    /** Applies one record at {@code offset}. */
    public void replay(Message record, long offset, int epoch) {
        if (offset <= this.offset) {
            throw error(offset, "offset is not after the image's " + this.offset);
        }
        applyRecord(record, offset);
        this.offset = offset;
        this.epoch = epoch;
    }

    /**
     * Applies the records of a snapshot that holds everything before {@code endOffset}: the records
     * carry no offsets of their own, and the image ends at {@code endOffset - 1}.
     */
    public void replaySnapshot(List<? extends Message> records, long endOffset, int epoch) {
        if (endOffset - 1 < this.offset) {
            throw error(endOffset, "snapshot end is not after the image's offset " + this.offset);
        }
        for (Message r : records) {
            applyRecord(r, endOffset - 1);
        }
        this.offset = endOffset - 1;
        this.epoch = epoch;
    }

    private void applyRecord(Message record, long offset) {
        if (record instanceof TopicRecord r) {
            if (topicById(r.topicId()) != null || topicIdByName(r.name()) != null) {
                throw error(offset, "topic " + r.name() + " (" + r.topicId() + ") already exists");
            }
            changed.put(r.topicId(), new TopicBuilder(null, r.name(), r.topicId()));
            createdNames.put(r.name(), r.topicId());
        } else if (record instanceof PartitionRecord r) {
            TopicBuilder t = mutableTopic(r.topicId(), offset);
            if (r.partitionId() < 0) {
                throw error(offset, "negative partition " + r.partitionId());
            }
            t.partitions.put(r.partitionId(), new PartitionRegistration(r.partitionId(), r.replicas(), r.isr(),
                r.leader(), r.leaderEpoch(), r.partitionEpoch(), r.removingReplicas(), r.addingReplicas(),
                r.leaderRecoveryState(), r.eligibleLeaderReplicas(), r.lastKnownElr()));
        } else if (record instanceof PartitionChangeRecord r) {
            replayPartitionChange(r, offset);
        } else if (record instanceof RemoveTopicRecord r) {
            TopicBuilder t = changed.remove(r.topicId());
            if (t != null && t.base == null) {
                createdNames.remove(t.name);
            } else {
                TopicImage existing = base.topic(r.topicId());
                if (existing == null || deleted.containsKey(r.topicId())) {
                    throw error(offset, "no topic with id " + r.topicId() + " to remove");
                }
                deleted.put(r.topicId(), existing);
            }
        } else if (record instanceof ConfigRecord r) {
            replayConfig(r, offset);
        } else if (record instanceof RegisterBrokerRecord r) {
            brokers.put(r.brokerId(), BrokerRegistration.fromRecord(r));
        } else if (record instanceof UnregisterBrokerRecord r) {
            registered(r.brokerId(), r.brokerEpoch(), offset);
            brokers.put(r.brokerId(), null);
        } else if (record instanceof FenceBrokerRecord r) {
            brokers.put(r.id(), registered(r.id(), r.epoch(), offset).withFenced(true));
        } else if (record instanceof UnfenceBrokerRecord r) {
            brokers.put(r.id(), registered(r.id(), r.epoch(), offset).withFenced(false));
        } else if (record instanceof BrokerRegistrationChangeRecord r) {
            BrokerRegistration b = registered(r.brokerId(), r.brokerEpoch(), offset);
            if (r.fenced() != 0) {
                b = b.withFenced(r.fenced() > 0);
            }
            if (r.inControlledShutdown() == 1) {
                b = b.withInControlledShutdown(true);
            }
            brokers.put(r.brokerId(), b);
        } else if (record instanceof ProducerIdsRecord r) {
            if (r.nextProducerId() <= nextProducerId) {
                throw error(offset, "next producer id " + r.nextProducerId() + " is not above " + nextProducerId);
            }
            nextProducerId = r.nextProducerId();
        } else if (record instanceof ClusterIdRecord r) {
            String current = clusterId != null ? clusterId : base.clusterId();
            if (current != null && !current.equals(r.clusterId())) {
                throw error(offset, "cluster id " + r.clusterId() + " differs from " + current);
            }
            clusterId = r.clusterId();
        } else if (record instanceof ClientQuotaRecord r) {
            ClientQuotaEntity entity = ClientQuotaEntity.fromRecord(r);
            Map<String, Double> quotas = clientQuotas.computeIfAbsent(entity,
                e -> new HashMap<>(base.clientQuotas().getOrDefault(e, Map.of())));
            if (r.remove()) {
                quotas.remove(r.key());
            } else {
                quotas.put(r.key(), r.value());
            }
        } else if (record instanceof FeatureLevelRecord r) {
            features.put(r.name(), r.featureLevel());
        } else if (record instanceof UserScramCredentialRecord r) {
            mutableScram().computeIfAbsent(r.name(), n -> new HashMap<>()).put(r.mechanism(),
                new ScramCredentialData(r.salt(), r.storedKey(), r.serverKey(), r.iterations()));
        } else if (record instanceof RemoveUserScramCredentialRecord r) {
            Map<Byte, ScramCredentialData> byMechanism = mutableScram().get(r.name());
            if (byMechanism != null) {
                byMechanism.remove(r.mechanism());
            }
        } else if (record instanceof AccessControlEntryRecord r) {
            if (acl(r.id()) != null) {
                throw error(offset, "ACL " + r.id() + " already exists");
            }
            acls.put(r.id(), AclBinding.fromRecord(r));
        } else if (record instanceof RemoveAccessControlEntryRecord r) {
            if (acl(r.id()) == null) {
                throw error(offset, "no ACL with id " + r.id() + " to remove");
            }
            if (base.acls().containsKey(r.id())) {
                acls.put(r.id(), null);
            } else {
                acls.remove(r.id());
            }
        } else if (!(record instanceof NoOpRecord)) {
            throw error(offset, "not a metadata record: " + record.getClass().getSimpleName());
        }
        recordCount++;
    }

    private Map<String, Map<Byte, ScramCredentialData>> mutableScram() {
        if (scramCredentials == null) {
            scramCredentials = new HashMap<>();
            base.scramCredentials().forEach((user, m) -> scramCredentials.put(user, new HashMap<>(m)));
        }
        return scramCredentials;
    }

    private AclBinding acl(UUID id) {
        return acls.containsKey(id) ? acls.get(id) : base.acls().get(id);
    }

    /** The current registration of broker {@code id}, which must have epoch {@code epoch}. */
    private BrokerRegistration registered(int id, long brokerEpoch, long offset) {
        BrokerRegistration b = brokers.containsKey(id) ? brokers.get(id) : base.broker(id);
        if (b == null) {
            throw error(offset, "broker " + id + " is not registered");
        }
        if (b.brokerEpoch() != brokerEpoch) {
            throw error(offset, "broker " + id + " has epoch " + b.brokerEpoch() + ", not " + brokerEpoch);
        }
        return b;
    }

    private void replayPartitionChange(PartitionChangeRecord r, long offset) {
        TopicBuilder t = mutableTopic(r.topicId(), offset);
        PartitionRegistration p = t.partition(r.partitionId());
        if (p == null) {
            throw error(offset, "no partition " + r.partitionId() + " in topic " + t.name);
        }
        boolean leaderChanged = r.leader() != NO_LEADER_CHANGE && r.leader() != p.leader();
        t.partitions.put(p.partition(), new PartitionRegistration(p.partition(),
            r.replicas() != null ? r.replicas() : p.replicas(),
            r.isr() != null ? r.isr() : p.isr(),
            leaderChanged ? r.leader() : p.leader(),
            leaderChanged ? p.leaderEpoch() + 1 : p.leaderEpoch(),
            p.partitionEpoch() + 1,
            r.removingReplicas() != null ? r.removingReplicas() : p.removingReplicas(),
            r.addingReplicas() != null ? r.addingReplicas() : p.addingReplicas(),
            r.leaderRecoveryState() >= 0 ? r.leaderRecoveryState() : p.leaderRecoveryState(),
            r.eligibleLeaderReplicas() != null ? r.eligibleLeaderReplicas() : p.eligibleLeaderReplicas(),
            r.lastKnownElr() != null ? r.lastKnownElr() : p.lastKnownElr()));
    }

    private void replayConfig(ConfigRecord r, long offset) {
        ConfigResource.Type type = ConfigResource.Type.forId(r.resourceType());
        if (type == null) {
            throw error(offset, "config for unknown resource type " + r.resourceType());
        }
        Map<String, String> target;
        if (type == ConfigResource.Type.TOPIC) {
            UUID id = topicIdByName(r.resourceName());
            if (id == null) {
                throw error(offset, "config for unknown topic " + r.resourceName());
            }
            TopicBuilder t = mutableTopic(id, offset);
            if (t.configs == null) {
                t.configs = new HashMap<>(t.base == null ? Map.of() : t.base.configs());
            }
            target = t.configs;
        } else {
            target = brokerConfigs.computeIfAbsent(r.resourceName(),
                n -> new HashMap<>(base.brokerConfigs(n)));
        }
        if (r.value() == null) {
            target.remove(r.name());
        } else {
            target.put(r.name(), r.value());
        }
    }

    private TopicBuilder mutableTopic(UUID id, long offset) {
        TopicBuilder t = changed.get(id);
        if (t != null) {
            return t;
        }
        TopicImage existing = deleted.containsKey(id) ? null : base.topic(id);
        if (existing == null) {
            throw error(offset, "unknown topic id " + id);
        }
        t = new TopicBuilder(existing, existing.name(), id);
        changed.put(id, t);
        return t;
    }

    private Object topicById(UUID id) {
        if (changed.containsKey(id)) {
            return changed.get(id);
        }
        return deleted.containsKey(id) ? null : base.topic(id);
    }

    private UUID topicIdByName(String name) {
        UUID id = createdNames.get(name);
        if (id != null) {
            return id;
        }
        TopicImage t = base.topic(name);
        return t == null || deleted.containsKey(t.id()) ? null : t.id();
    }

    private static SamsaException error(long offset, String message) {
        return new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
            "Cannot apply the metadata record at offset " + offset + ": " + message);
    }

    /** The number of records replayed into this delta. */
    public int recordCount() {
        return recordCount;
    }

    /** Builds the image that results from the base and every record replayed so far. */
    public MetadataImage apply() {
        SortedMap<Integer, BrokerRegistration> newBrokers = new TreeMap<>(base.brokers());
        brokers.forEach((id, b) -> {
            if (b == null) {
                newBrokers.remove(id);
            } else {
                newBrokers.put(id, b);
            }
        });
        Map<String, Short> newFeatures = new HashMap<>(base.features());
        features.forEach((name, level) -> {
            if (level == 0) {
                newFeatures.remove(name);
            } else {
                newFeatures.put(name, level);
            }
        });
        Map<String, Map<String, String>> newBrokerConfigs = new HashMap<>(base.brokerConfigs());
        brokerConfigs.forEach((name, configs) -> {
            if (configs.isEmpty()) {
                newBrokerConfigs.remove(name);
            } else {
                newBrokerConfigs.put(name, Map.copyOf(configs));
            }
        });
        Map<UUID, AclBinding> newAcls = base.acls();
        if (!acls.isEmpty()) {
            newAcls = new HashMap<>(newAcls);
            for (Map.Entry<UUID, AclBinding> e : acls.entrySet()) {
                if (e.getValue() == null) {
                    newAcls.remove(e.getKey());
                } else {
                    newAcls.put(e.getKey(), e.getValue());
                }
            }
            newAcls = java.util.Collections.unmodifiableMap(newAcls);
        }
        Map<ClientQuotaEntity, Map<String, Double>> newQuotas = base.clientQuotas();
        if (!clientQuotas.isEmpty()) {
            newQuotas = new HashMap<>(newQuotas);
            for (Map.Entry<ClientQuotaEntity, Map<String, Double>> e : clientQuotas.entrySet()) {
                if (e.getValue().isEmpty()) {
                    newQuotas.remove(e.getKey());
                } else {
                    newQuotas.put(e.getKey(), Map.copyOf(e.getValue()));
                }
            }
        }
        Map<String, TopicImage> byName = base.topicsByName();
        Map<UUID, TopicImage> byId = base.topicsById();
        if (!changed.isEmpty() || !deleted.isEmpty()) {
            byName = new HashMap<>(byName);
            byId = new HashMap<>(byId);
            for (TopicImage t : deleted.values()) {
                byName.remove(t.name());
                byId.remove(t.id());
            }
            for (TopicBuilder b : changed.values()) {
                TopicImage t = b.build();
                byName.put(t.name(), t);
                byId.put(t.id(), t);
            }
        }
        return new MetadataImage(offset, epoch, clusterId != null ? clusterId : base.clusterId(), newFeatures,
            newBrokers, byName, byId, newBrokerConfigs, nextProducerId, scramImage(), newAcls,
            newQuotas);
    }

    private Map<String, Map<Byte, ScramCredentialData>> scramImage() {
        if (scramCredentials == null) {
            return base.scramCredentials();
        }
        Map<String, Map<Byte, ScramCredentialData>> out = new HashMap<>();
        scramCredentials.forEach((user, m) -> {
            if (!m.isEmpty()) {
                out.put(user, Map.copyOf(m));
            }
        });
        return out;
    }

    /** Ids of the topics this delta creates (they were not in the base image). */
    public Set<UUID> createdTopicIds() {
        Set<UUID> out = new LinkedHashSet<>();
        changed.forEach((id, b) -> {
            if (b.base == null) {
                out.add(id);
            }
        });
        return out;
    }

    /** The topics of the base image that this delta deletes, as they were. */
    public Collection<TopicImage> deletedTopics() {
        return List.copyOf(deleted.values());
    }

    /** Ids of the topics created or changed (partitions or configs) by this delta. */
    public Set<UUID> changedTopicIds() {
        return Set.copyOf(changed.keySet());
    }

    /** The partitions of topic {@code id} that this delta adds or changes, with their new state. */
    public Map<Integer, PartitionRegistration> changedPartitions(UUID id) {
        TopicBuilder b = changed.get(id);
        return b == null ? Map.of() : Map.copyOf(b.partitions);
    }

    /** Node ids of the brokers (re-)registered or changed (fenced, unfenced) by this delta. */
    public Set<Integer> registeredBrokers() {
        Set<Integer> out = new HashSet<>();
        brokers.forEach((id, b) -> {
            if (b != null) {
                out.add(id);
            }
        });
        return Set.copyOf(out);
    }

    /** Node ids of the brokers unregistered by this delta. */
    public Set<Integer> unregisteredBrokers() {
        Set<Integer> out = new HashSet<>();
        brokers.forEach((id, b) -> {
            if (b == null && base.broker(id) != null) {
                out.add(id);
            }
        });
        return Set.copyOf(out);
    }

    /** Whether this delta hands out producer ids (a ProducerIdsRecord). */
    public boolean producerIdsChanged() {
        return nextProducerId != base.nextProducerId();
    }

    /** Whether this delta creates or removes ACLs. */
    public boolean aclsChanged() {
        return !acls.isEmpty();
    }

    /** Broker config resources ("" = cluster default) changed by this delta. */
    public Set<String> changedBrokerConfigs() {
        return Set.copyOf(brokerConfigs.keySet());
    }

    /** Whether this delta sets or removes a client quota (a ClientQuotaRecord). */
    public boolean clientQuotasChanged() {
        return !clientQuotas.isEmpty();
    }

    /** A topic being changed by the delta: the base topic (null if created here) plus changes. */
    private static final class TopicBuilder {
        final TopicImage base;
        final String name;
        final UUID id;
        final TreeMap<Integer, PartitionRegistration> partitions = new TreeMap<>();
        Map<String, String> configs;

        TopicBuilder(TopicImage base, String name, UUID id) {
            this.base = base;
            this.name = name;
            this.id = id;
        }

        PartitionRegistration partition(int index) {
            PartitionRegistration p = partitions.get(index);
            return p != null || base == null ? p : base.partition(index);
        }

        TopicImage build() {
            SortedMap<Integer, PartitionRegistration> all;
            if (base == null) {
                all = partitions;
            } else if (partitions.isEmpty()) {
                all = base.partitions();
            } else {
                all = new TreeMap<>(base.partitions());
                all.putAll(partitions);
            }
            Map<String, String> c = configs != null ? configs : base == null ? Map.of() : base.configs();
            return new TopicImage(name, id, all, c);
        }
    }

    /** A delta from the empty image to {@code image}: the whole image as a change, for a first update. */
    public static MetadataDelta ofImage(MetadataImage image) {
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
        d.replaySnapshot(image.toRecords(), image.offset() + 1, image.epoch());
        return d;
    }

    /** Replays {@code records} on top of {@code image}: convenience for tests and snapshot loading. */
    public static MetadataImage replayAll(MetadataImage image, List<? extends Message> records, long baseOffset,
                                          int epoch) {
        MetadataDelta d = new MetadataDelta(image);
        d.replay(records, baseOffset, epoch);
        return d.apply();
    }

    @Override
    public String toString() {
        return "MetadataDelta(records=" + recordCount + ", created=" + createdTopicIds().size() + ", deleted="
            + deleted.size() + ", changed=" + changed.size() + ")";
    }
}
