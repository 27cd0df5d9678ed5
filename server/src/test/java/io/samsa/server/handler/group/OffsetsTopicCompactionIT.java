package io.samsa.server.handler.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.Log;
import io.samsa.server.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code __consumer_offsets} is compacted and never deleted by time: the offsets of a group idle for longer than the
 * log retention survive retention and restarts (they go only when {@code offsets.retention.minutes} expires them, with
 * a tombstone), and committing the same offsets again and again keeps the topic's size on disk bounded.
 */
@Timeout(180)
class OffsetsTopicCompactionIT {
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 0);

    private static Admin admin(EmbeddedBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"));
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    }

    private static long earliest(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get(10, TimeUnit.SECONDS)
                .offset();
    }

    @Test
    void aGroupIdleLongerThanTheRetentionKeepsItsOffsetsAcrossRestarts() throws Exception {
        try (EmbeddedBroker broker = GroupTestSupport.startBroker(Map.of("log.retention.ms", "1000",
                "log.retention.check.interval.ms", "100", "log.roll.ms", "100",
                "offsets.topic.num.partitions", "1"))) {
            GroupTestSupport.createTopic(broker, "orders", 1);
            GroupTestSupport.createTopic(broker, "expiring", 1);
            TopicPartition orders = new TopicPartition("orders", 0);
            try (Admin admin = admin(broker)) {
                admin.alterConsumerGroupOffsets("idle", Map.of(orders, new OffsetAndMetadata(42, "kept")))
                        .all().get(10, TimeUnit.SECONDS);
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                        OFFSETS.topic()))).all().get(10, TimeUnit.SECONDS).values().iterator().next();
                assertEquals("compact", config.get("cleanup.policy").value());
                // A topic with the same retention, written after the commit, loses its data: retention has run
                // over everything as old as the commit.
                TopicPartition expiring = new TopicPartition("expiring", 0);
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProps())) {
                    p.send(new ProducerRecord<>("expiring", 0, null, "old".getBytes())).get(10, TimeUnit.SECONDS);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (earliest(admin, expiring) == 0) {
                    assertTrue(System.nanoTime() < deadline, "retention never deleted the expiring topic");
                    Thread.sleep(100);
                }
                assertEquals(0, earliest(admin, OFFSETS), "__consumer_offsets lost nothing to retention");
                assertEquals(new OffsetAndMetadata(42, "kept"), committed(admin, "idle").get(orders));
            }
            broker.restart();
            try (Admin admin = admin(broker)) {
                assertEquals(new OffsetAndMetadata(42, "kept"), committed(admin, "idle").get(orders),
                        "the idle group's offsets after a restart");
            }
        }
    }

    @Test
    void committingTheSameOffsetsAgainAndAgainStaysBoundedOnDisk() throws Exception {
        try (EmbeddedBroker broker = GroupTestSupport.startBroker(Map.of("log.roll.ms", "200",
                "offsets.topic.num.partitions", "1", "log.cleaner.backoff.ms", "100",
                "log.cleaner.min.cleanable.ratio", "0.2"))) {
            GroupTestSupport.createTopic(broker, "orders", 10);
            Map<String, Map<TopicPartition, OffsetAndMetadata>> last = new HashMap<>();
            long maxSize = 0;
            long maxSizeSecondHalf = 0;
            long maxSizeFirstHalf = 0;
            Log offsets = null;
            try (Admin admin = admin(broker)) {
                long start = System.nanoTime();
                long seconds = 20;
                long end = start + TimeUnit.SECONDS.toNanos(seconds);
                // At least 20 s (segments roll by time) and at least 150 rounds (a loaded machine commits slower),
                // within two minutes.
                long cap = start + TimeUnit.SECONDS.toNanos(120);
                int minRounds = 150;
                int round = 0;
                while (System.nanoTime() < end || (round < minRounds && System.nanoTime() < cap)) {
                    for (int g = 0; g < 5; g++) {
                        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                        for (int p = 0; p < 10; p++) {
                            commit.put(new TopicPartition("orders", p), new OffsetAndMetadata(round, "r" + round));
                        }
                        admin.alterConsumerGroupOffsets("group-" + g, commit).all().get(10, TimeUnit.SECONDS);
                        last.put("group-" + g, commit);
                    }
                    round++;
                    if (offsets == null) {
                        offsets = broker.broker().services().logs().get(OFFSETS.topic(), 0);
                    }
                    if (offsets != null && round % 20 == 0) {
                        long size = offsets.sizeInBytes();
                        maxSize = Math.max(maxSize, size);
                        if (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds / 2)) {
                            maxSizeFirstHalf = Math.max(maxSizeFirstHalf, size);
                        } else {
                            maxSizeSecondHalf = Math.max(maxSizeSecondHalf, size);
                        }
                    }
                }
                long written = offsets.logEndOffset();
                long passes = broker.broker().services().logs().cleanerStats().snapshot().passes();
                long bytesPerRecord = 120;
                assertTrue(round >= minRounds, "rounds of commits in two minutes: " + round);
                assertTrue(passes > 0, "the cleaner cleaned __consumer_offsets");
                assertTrue(maxSize < written * bytesPerRecord / 4, "__consumer_offsets reached " + maxSize
                        + " bytes after " + written + " records");
                assertTrue(maxSizeSecondHalf <= 2 * maxSizeFirstHalf + 256 * 1024, "the size does not keep growing: "
                        + maxSizeFirstHalf + " then " + maxSizeSecondHalf);
                try (Stream<Path> files = Files.list(offsets.dir())) {
                    long count = files.count();
                    assertTrue(count < 400, "files in the partition directory: " + count);
                }
            }
            broker.restart();
            try (Admin admin = admin(broker)) {
                for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> e : last.entrySet()) {
                    assertEquals(e.getValue(), committed(admin, e.getKey()), "the last commit of " + e.getKey());
                }
            }
        }
    }
}
