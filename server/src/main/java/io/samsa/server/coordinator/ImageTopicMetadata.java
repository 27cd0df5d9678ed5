package io.samsa.server.coordinator;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.coordinator.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/** The group coordinator's view of topics, read from the broker's current metadata image. Thread-safe. */
public final class ImageTopicMetadata implements TopicMetadata {
    private final Supplier<MetadataImage> image;

    /** Reads {@code image} (the broker's current image: {@code BrokerMetadata::image}) at every call. */
    public ImageTopicMetadata(Supplier<MetadataImage> image) {
        this.image = image;
    }

    private static Topic of(TopicImage t) {
        return t == null ? null : new Topic(t.name(), t.id(), t.numPartitions());
    }

    @Override
    public Topic topic(String name) {
        return of(image.get().topic(name));
    }

    @Override
    public Topic topic(UUID id) {
        return of(image.get().topic(id));
    }

    @Override
    public Collection<Topic> topics() {
        List<Topic> out = new ArrayList<>();
        for (TopicImage t : image.get().topicsByName().values()) {
            out.add(of(t));
        }
        return out;
    }
}
