package io.samsa.server.handler.data;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.Partition;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.wire.ErrorCode;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the data handlers look up: the hosted partitions (replication's {@link ReplicaManager}), the shards that own
 * them, and the image handlers read (its partitions are hosted), which tells a partition another broker hosts (NOT_LEADER_OR_FOLLOWER)
 * from one that does not exist (UNKNOWN_TOPIC_OR_PARTITION). Thread-safe.
 */
final class PartitionLookup {
    private final ReplicaManager replicas;
    private final Supplier<MetadataImage> image;

    PartitionLookup(ReplicaManager replicas, Supplier<MetadataImage> image) {
        this.replicas = replicas;
        this.image = image;
    }

    /** The partition if this broker hosts it, else null. */
    Partition partition(String topic, int index) {
        return replicas.partition(topic, index);
    }

    /** The name of a hosted topic, else null. */
    String topicName(UUID topicId) {
        return replicas.topicName(topicId);
    }

    /** The error for a partition this broker does not host: does it exist elsewhere? */
    ErrorCode notHosted(String topic, int index) {
        TopicImage t = image.get().topic(topic);
        return t != null && t.partition(index) != null ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    }

    MetadataImage image() {
        return image.get();
    }

    /** The leader's replication throttle ({@code leader.replication.throttled.rate}). */
    io.samsa.replication.ReplicationQuota leaderQuota() {
        return replicas.leaderQuota();
    }

    ShardProxy shards() {
        return replicas.shards();
    }
}
