package io.samsa.server.handler.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Groups and committed offsets survive a broker restart (replayed from __consumer_offsets): after the restart
 * each group resumes exactly at its last commit, and reads what was produced since, nothing lost or repeated.
 */
@Timeout(90)
class GroupRestartIT {

    /** Reads until {@code expected} messages, or for {@code seconds} when fewer exist. */
    private static List<Integer> consume(KafkaConsumer<byte[], byte[]> c, int expected, int seconds) {
        List<Integer> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (out.size() < expected && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(GroupTestSupport.poll())) {
                out.add(Integer.parseInt(new String(r.value())));
            }
        }
        return out;
    }

    @Test
    void consumersResumeAtTheirCommittedOffsetsAfterARestart() throws Exception {
        try (EmbeddedBroker broker = GroupTestSupport.startBroker()) {
            GroupTestSupport.createTopic(broker, "orders", 1);
            GroupTestSupport.produce(broker, "orders", 1, 0, 50);
            for (String group : List.of("a", "b")) {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                        GroupTestSupport.consumerProps(broker, group, "classic"))) {
                    c.subscribe(List.of("orders"));
                    List<Integer> got = consume(c, 50, 20);
                    assertEquals(50, got.size(), "each group reads every message");
                    int upTo = group.equals("a") ? 30 : 50;
                    c.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(upTo, "m-" + group)));
                }
            }
            broker.restart();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(), AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"))) {
                List<String> groups = new ArrayList<>();
                for (GroupListing l : admin.listGroups().all().get(10, TimeUnit.SECONDS)) {
                    groups.add(l.groupId());
                }
                assertTrue(groups.containsAll(List.of("a", "b")), "groups after restart: " + groups);
                OffsetAndMetadata om = admin.listConsumerGroupOffsets("a").partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS).get(new TopicPartition("orders", 0));
                assertEquals(30, om.offset());
                assertEquals("m-a", om.metadata());
            }
            GroupTestSupport.produce(broker, "orders", 1, 50, 10);
            for (String group : List.of("a", "b")) {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                        GroupTestSupport.consumerProps(broker, group, "classic"))) {
                    c.subscribe(List.of("orders"));
                    int from = group.equals("a") ? 30 : 50;
                    List<Integer> expected = new ArrayList<>();
                    for (int i = from; i < 60; i++) {
                        expected.add(i);
                    }
                    // Ask for one more than there is: a repeated or extra message would show up here.
                    assertEquals(expected, consume(c, expected.size() + 1, 3),
                            "group " + group + " resumes exactly at its commit, nothing lost or repeated");
                }
            }
        }
    }
}
