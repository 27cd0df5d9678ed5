package io.samsa.controller;

import java.util.UUID;

/**
 * A topic named in a request by name or by id (DeleteTopics v6+, KIP-516); exactly one should be
 * set, and the controller answers INVALID_REQUEST otherwise. Immutable.
 */
public record TopicRef(String name, UUID id) {
    public static TopicRef byName(String name) {
        return new TopicRef(name, null);
    }

    public static TopicRef byId(UUID id) {
        return new TopicRef(null, id);
    }
}
