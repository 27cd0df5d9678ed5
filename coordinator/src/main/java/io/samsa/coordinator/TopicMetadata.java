package io.samsa.coordinator;

import java.util.Collection;
import java.util.UUID;

/**
 * The topics the group coordinator may see: names, ids and partition counts, read by the KIP-848
 * assignors and to translate between topic names and ids (OffsetCommit/OffsetFetch v10+, ConsumerGroup
 * APIs). The server implements it from its current metadata image. Thread-safe; each call sees a
 * consistent snapshot.
 */
public interface TopicMetadata {

    /** One topic. */
    record Topic(String name, UUID id, int numPartitions) {
    }

    /** The topic called {@code name}, or null. */
    Topic topic(String name);

    /** The topic with id {@code id}, or null. */
    Topic topic(UUID id);

    /** Every topic (for regular-expression subscriptions). */
    Collection<Topic> topics();
}
