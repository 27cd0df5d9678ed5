package io.samsa.controller;

import java.util.Objects;

/** One partition of a topic, by name and index. Immutable. */
public record TopicPartition(String topic, int partition) {
    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
