package io.samsa.controller;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One fact in the metadata log. Every change to the cluster is one or more of these records,
 * appended to the metadata log and applied, once committed, by {@link MetadataDelta}. The binary
 * encoding (a type id, a version, then the fields) lives in
 * {@code io.samsa.controller.log.RecordCodec}; a field is added by bumping the record's version.
 *
 * <p>Values are immutable and safe to share between threads.
 */
public sealed interface MetadataRecord {

    /** A broker registers (or re-registers) its listeners. KRaft's RegisterBrokerRecord. */
    record RegisterBroker(int nodeId, long brokerEpoch, UUID incarnationId, String rack, List<Endpoint> listeners)
            implements MetadataRecord {
        public RegisterBroker {
            Objects.requireNonNull(incarnationId, "incarnationId");
            listeners = List.copyOf(listeners);
        }
    }

    /** A topic exists with this name and id. Its partitions follow as {@link Partition} records. */
    record Topic(String name, UUID topicId) implements MetadataRecord {
        public Topic {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(topicId, "topicId");
        }
    }

    /** The full state of one partition. */
    record Partition(UUID topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader,
                     int leaderEpoch, int partitionEpoch) implements MetadataRecord {
        public Partition {
            Objects.requireNonNull(topicId, "topicId");
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /**
     * A change to one partition: a new leader ({@link #NO_LEADER_CHANGE} keeps it), a new ISR
     * and/or a new replica list (null keeps them). Applying it bumps the partition epoch, and the
     * leader epoch when the leader changes.
     */
    record PartitionChange(UUID topicId, int partition, int leader, List<Integer> isr, List<Integer> replicas)
            implements MetadataRecord {
        /** The {@code leader} value that means "the leader does not change". */
        public static final int NO_LEADER_CHANGE = -2;

        public PartitionChange {
            Objects.requireNonNull(topicId, "topicId");
            isr = isr == null ? null : List.copyOf(isr);
            replicas = replicas == null ? null : List.copyOf(replicas);
        }
    }

    /** The topic with this id is deleted, with its partitions and configs. */
    record RemoveTopic(UUID topicId) implements MetadataRecord {
        public RemoveTopic {
            Objects.requireNonNull(topicId, "topicId");
        }
    }

    /**
     * A dynamic config is set ({@code value} non-null) or deleted ({@code value} null) on a
     * resource: a topic, or a broker ({@code resourceName} is the node id, or empty for the
     * cluster-wide default).
     */
    record Config(ConfigResource.Type resourceType, String resourceName, String key, String value)
            implements MetadataRecord {
        public Config {
            Objects.requireNonNull(resourceType, "resourceType");
            Objects.requireNonNull(resourceName, "resourceName");
            Objects.requireNonNull(key, "key");
        }
    }

    /** The bootstrap record that formats the log: the cluster id (22-character URL-safe base64). */
    record ClusterId(String clusterId) implements MetadataRecord {
        public ClusterId {
            Objects.requireNonNull(clusterId, "clusterId");
        }
    }

    /** A finalized feature level (e.g. {@code metadata.version}); level 0 removes the feature. */
    record FeatureLevel(String name, short level) implements MetadataRecord {
        public FeatureLevel {
            Objects.requireNonNull(name, "name");
        }
    }
}
