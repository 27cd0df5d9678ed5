package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigSource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;

import io.samsa.wire.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 2,000 topics x 10 partitions: created, then reloaded from the log and from a snapshot. */
class QuorumControllerScaleTest {
    private static final int TOPICS = 2_000;
    private static final int PARTITIONS = 10;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void manyTopicsCreateAndReload() throws IOException {
        MetadataImage created;
        try (TestController c = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build())) {
            c.registerUnfenced(1, null);
            // Half in requests of 100 topics, half one topic per request (pipelined, group-committed).
            for (int batch = 0; batch < TOPICS / 200; batch++) {
                List<CreateTopicRequest> topics = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    topics.add(CreateTopicRequest.of("bulk-" + batch + "-" + i, PARTITIONS, 1));
                }
                for (CreateTopicResult r : get(c.createTopics(topics, false))) {
                    assertEquals(ErrorCode.NONE, r.error());
                }
            }
            List<CompletableFuture<List<CreateTopicResult>>> singles = new ArrayList<>();
            for (int i = 0; i < TOPICS / 2; i++) {
                singles.add(c.createTopics(List.of(CreateTopicRequest.of("single." + i, PARTITIONS, 1)), false));
            }
            for (CompletableFuture<List<CreateTopicResult>> f : singles) {
                assertEquals(ErrorCode.NONE, get(f).get(0).error());
            }
            created = c.image();
            assertEquals(TOPICS, created.topicsByName().size());
            assertEquals(TOPICS * PARTITIONS, created.topicsByName().values().stream()
                .mapToInt(TopicImage::numPartitions).sum());
        }
        try (TestController c = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build())) {
            assertTrue(created.sameContent(c.image()));
            get(c.snapshot());
        }
        try (TestController c = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build())) {
            assertTrue(created.sameContent(c.image()));
            assertEquals(created.offset(), c.image().offset());
        }
    }
}
