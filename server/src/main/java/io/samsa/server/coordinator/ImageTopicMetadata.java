package io.samsa.server.coordinator;

import io.samsa.metadata.MetadataImage;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.metadata.TopicImage;
import io.samsa.coordinator.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** The group coordinator's view of topics, read from the broker's current metadata image. Thread-safe. */
public final class ImageTopicMetadata implements TopicMetadata {
    private final BrokerMetadata metadata;

    public ImageTopicMetadata(BrokerMetadata metadata) {
        this.metadata = metadata;
    }

    private static Topic of(TopicImage t) {
        return t == null ? null : new Topic(t.name(), t.id(), t.numPartitions());
    }

    @Override
    public Topic topic(String name) {
        return of(metadata.image().topic(name));
    }

    @Override
    public Topic topic(UUID id) {
        return of(metadata.image().topic(id));
    }

    @Override
    public Collection<Topic> topics() {
        MetadataImage image = metadata.image();
        List<Topic> out = new ArrayList<>();
        for (TopicImage t : image.topicsByName().values()) {
            out.add(of(t));
        }
        return out;
    }
}
