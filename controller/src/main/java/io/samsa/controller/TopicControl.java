package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.RemoveTopicRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The topic admin logic: validates CreateTopics, DeleteTopics and CreatePartitions against an
 * image with Kafka's rules and error codes, and turns what is valid into records. It changes
 * nothing itself: the controller appends the records and applies them.
 *
 * <p>Not thread-safe: runs on the controller thread.
 */
final class TopicControl {
    private final ControllerConfig config;

    TopicControl(ControllerConfig config) {
        this.config = config;
    }

    ControllerResult<List<CreateTopicResult>> createTopics(MetadataImage image, List<CreateTopicRequest> topics,
                                                           boolean validateOnly) {
        Map<String, Integer> counts = new HashMap<>();
        for (CreateTopicRequest t : topics) {
            counts.merge(t.name(), 1, Integer::sum);
        }
        List<Message> records = new ArrayList<>();
        List<CreateTopicResult> results = new ArrayList<>(topics.size());
        Map<String, String> createdUnified = new HashMap<>();
        for (CreateTopicRequest t : topics) {
            if (counts.get(t.name()) > 1) {
                results.add(CreateTopicResult.failed(t.name(), ErrorCode.INVALID_REQUEST, "Duplicate topic name."));
                continue;
            }
            try {
                results.add(createTopic(image, t, validateOnly, records, createdUnified));
            } catch (SamsaException e) {
                results.add(CreateTopicResult.failed(t.name(), e.errorCode(), e.getMessage()));
            }
        }
        return new ControllerResult<>(validateOnly ? List.of() : records, results);
    }

    private CreateTopicResult createTopic(MetadataImage image, CreateTopicRequest t, boolean validateOnly,
                                          List<Message> records, Map<String, String> createdUnified) {
        String name = t.name();
        TopicNames.validate(name);
        if (image.topic(name) != null) {
            throw new SamsaException(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        String collision = image.collidingTopic(name);
        if (collision == null && TopicNames.hasCollisionChars(name)) {
            collision = createdUnified.get(TopicNames.unifyCollisionChars(name));
        }
        if (collision != null) {
            throw new SamsaException(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic '" + name
                + "' collides with existing topic: " + collision);
        }
        List<List<Integer>> assignment;
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Both numPartitions or replicationFactor and "
                    + "replicasAssignments were set. Both cannot be used at the same time.");
            }
            assignment = explicitAssignment(image, t.assignments());
        } else {
            int partitions = t.numPartitions() == -1 ? config.defaultPartitions() : t.numPartitions();
            if (partitions <= 0) {
                throw new SamsaException(ErrorCode.INVALID_PARTITIONS,
                    "Number of partitions was set to an invalid non-positive value.");
            }
            checkPartitionLimit(partitions);
            int rf = t.replicationFactor() == -1 ? config.defaultReplicationFactor() : t.replicationFactor();
            if (rf <= 0) {
                throw new SamsaException(ErrorCode.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value.");
            }
            assignment = place(image, name, 0, partitions, rf);
        }
        for (Map.Entry<String, String> c : new TreeMap<>(t.configs()).entrySet()) {
            TopicConfigs.validate(c.getKey(), c.getValue());
        }
        UUID id = validateOnly ? null : newTopicId(image);
        List<Message> partitionRecords = new ArrayList<>(assignment.size());
        for (int p = 0; p < assignment.size(); p++) {
            partitionRecords.add(newPartition(image, id, p, assignment.get(p)));
        }
        if (!validateOnly) {
            records.add(new TopicRecord().setName(name).setTopicId(id));
            new TreeMap<>(t.configs()).forEach((k, v) ->
                records.add(MetadataImage.configRecord(ConfigResource.Type.TOPIC, name, k, v)));
            records.addAll(partitionRecords);
        }
        if (TopicNames.hasCollisionChars(name)) {
            createdUnified.put(TopicNames.unifyCollisionChars(name), name);
        }
        List<ConfigDescription> configs = TopicConfigs.describe(t.configs(),
            image.brokerConfigs(Integer.toString(config.nodeId())), image.brokerConfigs(""), config.staticProps());
        return new CreateTopicResult(name, id, ErrorCode.NONE, null, assignment.size(), assignment.get(0).size(),
            configs);
    }

    private UUID newTopicId(MetadataImage image) {
        while (true) {
            UUID id = config.uuids().get();
            if (image.topic(id) == null) {
                return id;
            }
        }
    }

    private void checkPartitionLimit(int partitions) {
        if (partitions > config.maxPartitionsPerTopic()) {
            throw new SamsaException(ErrorCode.INVALID_PARTITIONS, "Number of partitions " + partitions
                + " exceeds this cluster's limit of " + config.maxPartitionsPerTopic() + " per topic.");
        }
    }

    /**
     * A new partition at epoch 0: its usable replicas are in sync and the first of them leads (every replica, led by
     * the first, when placed by the controller; a manual assignment may name fenced brokers).
     */
    private static PartitionRecord newPartition(MetadataImage image, UUID id, int partition, List<Integer> replicas) {
        List<Integer> isr = new ArrayList<>(replicas.size());
        for (int r : replicas) {
            if (LeaderMoves.usable(image, r)) {
                isr.add(r);
            }
        }
        if (isr.isEmpty()) {
            throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "All brokers specified in the partition"
                + " assignment of partition " + partition + " " + replicas + " are currently fenced.");
        }
        return new PartitionRecord().setTopicId(id).setPartitionId(partition).setReplicas(replicas).setIsr(isr)
            .setLeader(isr.get(0)).setLeaderEpoch(0).setPartitionEpoch(0);
    }

    /** Validates manual assignments: partitions 0..n-1, non-empty, same size, no duplicates, known brokers. */
    private List<List<Integer>> explicitAssignment(MetadataImage image, Map<Integer, List<Integer>> assignments) {
        checkPartitionLimit(assignments.size());
        List<List<Integer>> out = new ArrayList<>(assignments.size());
        for (int p = 0; p < assignments.size(); p++) {
            List<Integer> replicas = assignments.get(p);
            if (replicas == null) {
                throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    "Partitions should be a consecutive 0-based integer sequence");
            }
            checkReplicas(image, replicas, out.isEmpty() ? -1 : out.get(0).size());
            out.add(replicas);
        }
        return out;
    }

    private static void checkReplicas(MetadataImage image, List<Integer> replicas, int expectedSize) {
        if (replicas.isEmpty()) {
            throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                "The manual partition assignment includes an empty replica list.");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer b : replicas) {
            if (!seen.add(b)) {
                throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment includes the broker " + b + " more than once.");
            }
            if (image.broker(b) == null) {
                throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment includes broker " + b + ", but no such broker is registered.");
            }
        }
        if (expectedSize >= 0 && replicas.size() != expectedSize) {
            throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                "The manual partition assignment includes a partition with " + replicas.size()
                    + " replica(s), but this is not consistent with previous partitions, which have " + expectedSize
                    + " replica(s).");
        }
    }

    /** Places {@code count} partitions from index {@code first} on the usable brokers ({@link ReplicaPlacer}). */
    private static List<List<Integer>> place(MetadataImage image, String topic, int first, int count, int rf) {
        List<BrokerRegistration> usable = new ArrayList<>();
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.usable()) {
                usable.add(b);
            }
        }
        return ReplicaPlacer.place(usable, topic, first, count, rf);
    }

    ControllerResult<List<DeleteTopicResult>> deleteTopics(MetadataImage image, List<TopicRef> topics) {
        List<Message> records = new ArrayList<>();
        List<DeleteTopicResult> results = new ArrayList<>(topics.size());
        Set<UUID> seenIds = new HashSet<>();
        Map<String, Integer> nameCounts = new HashMap<>();
        Map<UUID, Integer> idCounts = new HashMap<>();
        for (TopicRef t : topics) {
            if (t.name() != null) {
                nameCounts.merge(t.name(), 1, Integer::sum);
            }
            if (t.id() != null) {
                idCounts.merge(t.id(), 1, Integer::sum);
            }
        }
        for (TopicRef t : topics) {
            if ((t.name() == null) == (t.id() == null)) {
                results.add(new DeleteTopicResult(t.name(), t.id(), ErrorCode.INVALID_REQUEST,
                    "Exactly one of the topic name and the topic id must be set."));
                continue;
            }
            if (t.name() != null ? nameCounts.get(t.name()) > 1 : idCounts.get(t.id()) > 1) {
                results.add(new DeleteTopicResult(t.name(), t.id(), ErrorCode.INVALID_REQUEST,
                    t.name() != null ? "Duplicate topic name." : "Duplicate topic id."));
                continue;
            }
            TopicImage topic = t.name() != null ? image.topic(t.name()) : image.topic(t.id());
            if (topic == null) {
                results.add(t.name() != null
                    ? new DeleteTopicResult(t.name(), null, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                        "This server does not host this topic-partition.")
                    : new DeleteTopicResult(null, t.id(), ErrorCode.UNKNOWN_TOPIC_ID,
                        "This server does not host this topic ID."));
                continue;
            }
            if (!seenIds.add(topic.id())) {
                results.add(new DeleteTopicResult(topic.name(), topic.id(), ErrorCode.INVALID_REQUEST,
                    "The topic is named twice in the request, by name and by id."));
                continue;
            }
            if (TopicNames.isInternal(topic.name())) {
                results.add(new DeleteTopicResult(topic.name(), topic.id(), ErrorCode.INVALID_REQUEST,
                    "Topic " + topic.name() + " is an internal topic and cannot be deleted."));
                continue;
            }
            if (!config.deleteTopicEnable()) {
                results.add(new DeleteTopicResult(topic.name(), topic.id(), ErrorCode.TOPIC_DELETION_DISABLED,
                    "Topic deletion is disabled."));
                continue;
            }
            records.add(new RemoveTopicRecord().setTopicId(topic.id()));
            results.add(new DeleteTopicResult(topic.name(), topic.id(), ErrorCode.NONE, null));
        }
        return new ControllerResult<>(records, results);
    }

    ControllerResult<List<ApiResult<String>>> createPartitions(MetadataImage image,
                                                               List<CreatePartitionsRequest> topics,
                                                               boolean validateOnly) {
        Map<String, Integer> counts = new HashMap<>();
        for (CreatePartitionsRequest t : topics) {
            counts.merge(t.topic(), 1, Integer::sum);
        }
        List<Message> records = new ArrayList<>();
        List<ApiResult<String>> results = new ArrayList<>(topics.size());
        for (CreatePartitionsRequest t : topics) {
            if (counts.get(t.topic()) > 1) {
                results.add(new ApiResult<>(t.topic(), ErrorCode.INVALID_REQUEST, "Duplicate topic name."));
                continue;
            }
            try {
                List<Message> topicRecords = createPartitions(image, t);
                records.addAll(topicRecords);
                results.add(ApiResult.ok(t.topic()));
            } catch (SamsaException e) {
                results.add(new ApiResult<>(t.topic(), e.errorCode(), e.getMessage()));
            }
        }
        return new ControllerResult<>(validateOnly ? List.of() : records, results);
    }

    private List<Message> createPartitions(MetadataImage image, CreatePartitionsRequest t) {
        TopicImage topic = image.topic(t.topic());
        if (topic == null) {
            throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                "The topic '" + t.topic() + "' does not exist.");
        }
        if (TopicNames.isInternal(topic.name())) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST,
                "The number of partitions of internal topic " + topic.name() + " cannot be changed.");
        }
        int current = topic.numPartitions();
        if (t.count() < current) {
            throw new SamsaException(ErrorCode.INVALID_PARTITIONS, "The topic " + topic.name() + " currently has "
                + current + " partition(s); " + t.count() + " would not be an increase.");
        }
        if (t.count() == current) {
            throw new SamsaException(ErrorCode.INVALID_PARTITIONS,
                "Topic already has " + current + " partition(s).");
        }
        checkPartitionLimit(t.count());
        int added = t.count() - current;
        List<List<Integer>> assignment;
        if (t.assignments() != null) {
            if (t.assignments().size() != added) {
                throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + added
                    + " additional partition(s), but only " + t.assignments().size() + " assignment(s) were specified.");
            }
            for (List<Integer> replicas : t.assignments()) {
                checkReplicas(image, replicas, topic.replicationFactor());
            }
            assignment = t.assignments();
        } else {
            assignment = place(image, topic.name(), current, added, topic.replicationFactor());
        }
        List<Message> records = new ArrayList<>(added);
        for (int i = 0; i < added; i++) {
            records.add(newPartition(image, topic.id(), current + i, assignment.get(i)));
        }
        return records;
    }
}
