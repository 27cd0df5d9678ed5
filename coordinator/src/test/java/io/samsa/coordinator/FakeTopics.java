package io.samsa.coordinator;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** Topic metadata for tests: add topics, grow them. */
public final class FakeTopics implements TopicMetadata {
    private final Map<String, Topic> byName = new TreeMap<>();

    public Topic add(String name, int partitions) {
        Topic old = byName.get(name);
        Topic t = new Topic(name, old == null ? UUID.nameUUIDFromBytes(name.getBytes()) : old.id(), partitions);
        byName.put(name, t);
        return t;
    }

    @Override
    public Topic topic(String name) {
        return byName.get(name);
    }

    @Override
    public Topic topic(UUID id) {
        for (Topic t : byName.values()) {
            if (t.id().equals(id)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public Collection<Topic> topics() {
        return List.copyOf(byName.values());
    }
}
