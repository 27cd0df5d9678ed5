package io.samsa.server.handler.data;

import java.util.UUID;

/**
 * A partition as a fetch request names it: by topic name (v4-12, {@code topicId} null) or by topic id (v13+,
 * KIP-516, {@code topic} null). Immutable; a key of fetch sessions.
 */
record FetchKey(String topic, UUID topicId, int partition) {
}
