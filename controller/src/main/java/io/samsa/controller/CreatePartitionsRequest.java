package io.samsa.controller;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One topic of a CreatePartitions request: the new total partition count, and optionally the
 * replica list of each new partition (null for automatic placement). Immutable.
 */
public record CreatePartitionsRequest(String topic, int count, List<List<Integer>> assignments) {
    public CreatePartitionsRequest {
        Objects.requireNonNull(topic, "topic");
        if (assignments != null) {
            List<List<Integer>> copy = new ArrayList<>(assignments.size());
            for (List<Integer> replicas : assignments) {
                copy.add(List.copyOf(replicas));
            }
            assignments = Collections.unmodifiableList(copy);
        }
    }
}
