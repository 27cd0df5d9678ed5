package io.samsa.controller;

import io.samsa.metadata.ConfigDescription;
import io.samsa.wire.ErrorCode;

import java.util.List;
import java.util.UUID;

/**
 * The outcome of creating one topic: error (NONE on success) and message, and on success the topic
 * id (null when validateOnly), partition count, replication factor and effective configs (for
 * CreateTopics v5+). Immutable.
 */
public record CreateTopicResult(String name, UUID topicId, ErrorCode error, String errorMessage, int numPartitions,
                                int replicationFactor, List<ConfigDescription> configs) {
    public CreateTopicResult {
        configs = List.copyOf(configs);
    }

    static CreateTopicResult failed(String name, ErrorCode error, String message) {
        return new CreateTopicResult(name, null, error, message, -1, -1, List.of());
    }
}
