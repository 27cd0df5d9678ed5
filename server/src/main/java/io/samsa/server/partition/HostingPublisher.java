package io.samsa.server.partition;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;
import io.samsa.log.LogConfig;
import io.samsa.replication.HostingChange;
import io.samsa.replication.PartitionAssignment;
import io.samsa.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter between the metadata image and partition hosting, the broker's first metadata publisher: turns each
 * metadata delta into a {@link HostingChange} (deleted topics; created or changed topics with their effective
 * {@link LogConfig}, {@code min.insync.replicas} and changed partition assignments; every hosted topic again when
 * broker configs changed) and hands it to replication's {@link ReplicaManager}. Never blocks: the loader gets the
 * replica manager's future, publishes the image to the handlers only once it completed (the partitions it names
 * are hosted), and retries the same delta when it failed.
 *
 * <p>Called on the metadata loader's executor, one delta at a time.
 */
public final class HostingPublisher implements MetadataPublisher {
    private static final Logger log = LoggerFactory.getLogger(HostingPublisher.class);
    private final ReplicaManager replicas;
    private final TopicConfigResolver topicConfigs;
    private final int nodeId;
    private final UUID incarnationId;
    private boolean first = true;
    /** Whether the image holds this process's own registration (always, without an incarnation id to check). */
    private boolean registered;

    /** Hosting that takes the leadership the image gives this broker as it is (tests without registrations). */
    public HostingPublisher(ReplicaManager replicas, TopicConfigResolver topicConfigs) {
        this(replicas, topicConfigs, -1, null);
    }

    /**
     * Hosting for the process of broker {@code nodeId} that registers with {@code incarnationId}. Until the image
     * holds that registration, what the image says this broker leads was led by its previous process (a restart):
     * those partitions are hosted without a leader, so that this process never serves as leader in an epoch its
     * predecessor led (its log may lack what that one acknowledged, after a power loss, or hold what it never
     * replicated). The registration's own records move that leadership away (as Kafka's controller does), and the
     * next leader election makes it this broker's again in a new epoch.
     */
    public HostingPublisher(ReplicaManager replicas, TopicConfigResolver topicConfigs, int nodeId,
                            UUID incarnationId) {
        this.replicas = replicas;
        this.topicConfigs = topicConfigs;
        this.nodeId = nodeId;
        this.incarnationId = incarnationId;
        this.registered = incarnationId == null;
    }

    @Override
    public String name() {
        return "partition-hosting";
    }

    /**
     * Hosts what {@code delta} changes (the first call: the whole image, whose missing partitions' logs are then
     * deleted). The future completes once every shard applied the change, or fails (the loader retries).
     */
    @Override
    public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        boolean whole = first && newImage.clusterId() != null;
        first = false;
        return replicas.apply(toChange(delta, newImage, whole));
    }

    private HostingChange toChange(MetadataDelta delta, MetadataImage img, boolean whole) {
        List<HostingChange.Deleted> deleted = new ArrayList<>();
        for (TopicImage t : delta.deletedTopics()) {
            deleted.add(new HostingChange.Deleted(t.name(), t.id()));
        }
        boolean justRegistered = false;
        if (!registered) {
            BrokerRegistration own = img.broker(nodeId);
            registered = own != null && incarnationId.equals(own.incarnationId());
            justRegistered = registered;
            if (whole && !registered) {
                log.info("Node {} hosts the partitions its previous process led without a leader until its "
                        + "registration (incarnation {}) is in the metadata", nodeId, incarnationId);
            }
        }
        Map<UUID, Map<Integer, PartitionRegistration>> changed = new LinkedHashMap<>();
        for (UUID id : delta.changedTopicIds()) {
            changed.put(id, new TreeMap<>(delta.changedPartitions(id)));
        }
        if (justRegistered && !whole) {
            // The partitions hosted without their leader so far get their state as it is now.
            for (TopicImage t : img.topicsById().values()) {
                for (PartitionRegistration r : t.partitions().values()) {
                    if (r.leader() == nodeId) {
                        changed.computeIfAbsent(t.id(), i -> new TreeMap<>()).putIfAbsent(r.partition(), r);
                    }
                }
            }
        }
        List<HostingChange.Topic> topics = new ArrayList<>();
        Set<String> named = new HashSet<>();
        for (Map.Entry<UUID, Map<Integer, PartitionRegistration>> e : changed.entrySet()) {
            TopicImage t = img.topic(e.getKey());
            if (t != null) {
                named.add(t.name());
                topics.add(topic(t, img, e.getValue().values()));
            }
        }
        if (!delta.changedBrokerConfigs().isEmpty()) {
            // Broker configs feed every topic's effective config: re-apply it to the hosted ones.
            for (String name : replicas.hostedTopics()) {
                TopicImage t = img.topic(name);
                if (t != null && named.add(name)) {
                    topics.add(topic(t, img, List.of()));
                }
            }
        }
        return new HostingChange(deleted, topics, whole);
    }

    private HostingChange.Topic topic(TopicImage t, MetadataImage img, Iterable<PartitionRegistration> changed) {
        Map<String, String> effective = topicConfigs.effective(img, t.name());
        String policy = effective.getOrDefault("cleanup.policy", "");
        if (TopicNames.isInternal(t.name()) && !policy.contains("compact")) {
            log.warn("Internal topic {} has cleanup.policy={}: time retention may delete the state it holds; set it "
                    + "to compact (kafka-configs.sh --alter --entity-type topics --entity-name {} --add-config "
                    + "cleanup.policy=compact)", t.name(), policy, t.name());
        }
        List<PartitionAssignment> assignments = new ArrayList<>();
        for (PartitionRegistration r : changed) {
            int leader = !registered && r.leader() == nodeId ? -1 : r.leader();
            assignments.add(new PartitionAssignment(r.partition(), leader, r.leaderEpoch(), r.partitionEpoch(),
                    r.isr(), r.replicas()));
        }
        return new HostingChange.Topic(t.name(), t.id(), t.numPartitions(), LogConfig.fromMap(effective),
                parseInt(effective.get("min.insync.replicas"), 1), assignments);
    }

    private static int parseInt(String s, int dflt) {
        try {
            return s == null ? dflt : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
