package io.samsa.replication;

import io.samsa.log.LogConfig;
import java.util.List;
import java.util.UUID;

/**
 * One change of what this broker hosts, in this module's own terms (it knows nothing of the metadata image): the
 * topics deleted, and the topics created or changed with their log config, {@code min.insync.replicas} and the
 * partitions whose assignment changed. {@code server} builds one from each metadata delta and hands it to
 * {@link ReplicaManager#apply}. A change is idempotent: applying it again (a retry after a failure) does no harm.
 *
 * <p>{@code wholeImage}: the change lists every topic and partition that exists (the first change after start-up);
 * the replica manager then deletes the logs on disk of partitions that no longer exist. Immutable.
 *
 * @param deleted    topics to stop hosting and whose logs to delete, before anything else of the change
 * @param topics     topics created or changed (a topic's config may change with no partition changing)
 * @param wholeImage every existing topic and partition is listed
 */
public record HostingChange(List<Deleted> deleted, List<Topic> topics, boolean wholeImage) {
    public HostingChange {
        deleted = List.copyOf(deleted);
        topics = List.copyOf(topics);
    }

    /** A deleted topic. */
    public record Deleted(String name, UUID id) {
    }

    /**
     * A topic created or changed: its partition count, its effective log config and {@code min.insync.replicas}
     * (applied to every hosted partition of it), and the partitions whose assignment is new or changed (all of them
     * for a new topic; none when only a config changed).
     */
    public record Topic(String name, UUID id, int partitionCount, LogConfig logConfig, int minInsyncReplicas,
                        List<PartitionAssignment> changedPartitions) {
        public Topic {
            changedPartitions = List.copyOf(changedPartitions);
        }
    }
}
