package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.TopicImage;
import io.samsa.replication.Partition;
import io.samsa.replication.ReplicationQuota;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, part 5, between real brokers: three combined nodes in one JVM, each in its own rack
 * ({@code broker.rack} r1..r3) with Kafka's {@code RackAwareReplicaSelector}; a topic with replication factor 3 is
 * produced to with acks=all, and Kafka's consumer with {@code client.rack} set to a follower's rack reads every record
 * from that follower (KIP-392): the follower's partition counts the consumer reads it served, the other follower's
 * none. And the replication throttles set live through Kafka's Admin API, as {@code kafka-configs.sh} and
 * {@code kafka-reassign-partitions.sh --throttle} set them, reach every broker's quotas.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FollowerFetchClusterIT {
    private static final String TOPIC = "closest";
    private static final int RECORDS = 300;

    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-follower-fetch");
    }

    @AfterEach
    void tearDown() throws Exception {
        QuorumClusterIT.quiesceReplication(nodes);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).halt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void startCluster() throws Exception {
        int[] ports = {QuorumClusterIT.freePort(), QuorumClusterIT.freePort(), QuorumClusterIT.freePort()};
        String voters = "1@127.0.0.1:" + ports[0] + ",2@127.0.0.1:" + ports[1] + ",3@127.0.0.1:" + ports[2];
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            Map<String, String> c = new LinkedHashMap<>(QuorumClusterIT.combinedNode(id, voters, ports[id - 1],
                    dir.resolve("node" + id)));
            c.put("replica.fetch.wait.max.ms", "100");
            c.put("broker.rack", "r" + id);
            c.put("replica.selector.class", "org.apache.kafka.common.replica.RackAwareReplicaSelector");
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return SamsaBroker.start(BrokerConfig.from(c));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<SamsaBroker> f : starting) {
            nodes.add(f.get(60, TimeUnit.SECONDS));
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.get(0).bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000));
    }

    private void createTopic(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.describeCluster().nodes().get().size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
        long offset = -1;
        for (SamsaBroker n : nodes) {
            offset = Math.max(offset, n.services().metadata().loader().publishedOffset());
        }
        for (SamsaBroker n : nodes) {
            n.services().metadata().loader().awaitPublished(offset).get(30, TimeUnit.SECONDS);
        }
    }

    private void produce(String topic, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.get(0).bootstrapServers(), ProducerConfig.ACKS_CONFIG,
                "all", ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, ("k" + i).getBytes(),
                        ("value-" + i).getBytes())));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    private Partition replica(int nodeId, String topic) {
        return nodes.get(nodeId - 1).services().replicas().partition(topic, 0);
    }

    @Test
    void aConsumerReadsFromTheFollowerInItsRack() throws Exception {
        startCluster();
        try (Admin admin = admin()) {
            createTopic(admin, TOPIC);
        }
        produce(TOPIC, RECORDS);
        TopicImage topic = nodes.get(0).services().metadata().image().topic(TOPIC);
        assertNotNull(topic);
        int leader = topic.partition(0).leader();
        int follower = leader % 3 + 1;
        int other = follower % 3 + 1;
        assertNotEquals(leader, other);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.get(0).bootstrapServers(),
                ConsumerConfig.CLIENT_RACK_CONFIG, "r" + follower,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024, ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<Long> offsets = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (offsets.size() < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    assertEquals("value-" + r.offset(), new String(r.value()));
                    offsets.add(r.offset());
                }
            }
            assertEquals(RECORDS, offsets.size(), "every record read once");
            for (int i = 0; i < RECORDS; i++) {
                assertEquals(i, offsets.get(i));
            }
        }
        // Small fetches (1 KiB): most of the log came from the follower in the consumer's rack.
        assertTrue(replica(follower, TOPIC).followerReads() > 1, "reads served by node " + follower);
        assertEquals(0, replica(other, TOPIC).followerReads(), "reads served by node " + other);
        assertEquals(0, replica(leader, TOPIC).followerReads(), "the leader reads as leader");

        // DescribeLogDirs: every broker lists its replica, leader or follower, with its size and no lag.
        try (Admin admin = admin()) {
            Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(List.of(1, 2, 3))
                    .allDescriptions().get(30, TimeUnit.SECONDS);
            long leaderSize = replica(leader, TOPIC).log().sizeInBytes();
            for (int id = 1; id <= 3; id++) {
                LogDirDescription dir = dirs.get(id).values().iterator().next();
                ReplicaInfo info = dir.replicaInfos().get(new TopicPartition(TOPIC, 0));
                assertNotNull(info, "node " + id + " lists its replica");
                assertEquals(leaderSize, info.size(), "node " + id + ": the same bytes as the leader");
                assertEquals(0, info.offsetLag());
                assertFalse(info.isFuture());
            }
        }
    }

    @Test
    void replicationThrottlesAreSetLiveAsKafkaConfigsSetsThem() throws Exception {
        startCluster();
        try (Admin admin = admin()) {
            createTopic(admin, "throttled");
            // What kafka-reassign-partitions.sh --throttle sets: the rates on the brokers, the replicas on the topic.
            admin.incrementalAlterConfigs(Map.of(
                    new ConfigResource(ConfigResource.Type.BROKER, "1"), List.of(
                            set("leader.replication.throttled.rate", "1000000"),
                            set("follower.replication.throttled.rate", "2000000")),
                    new ConfigResource(ConfigResource.Type.BROKER, ""), List.of(
                            set("leader.replication.throttled.rate", "5000")),
                    new ConfigResource(ConfigResource.Type.TOPIC, "throttled"), List.of(
                            set("leader.replication.throttled.replicas", "0:1,0:2"),
                            set("follower.replication.throttled.replicas", "*")))).all().get(30, TimeUnit.SECONDS);
            awaitPublishedEverywhere();
            ReplicationQuota leader1 = nodes.get(0).services().replicas().leaderQuota();
            assertEquals(1_000_000, leader1.rateBound());
            assertEquals(2_000_000, nodes.get(0).services().replicas().followerQuota().rateBound());
            assertEquals(5_000, nodes.get(1).services().replicas().leaderQuota().rateBound(), "the cluster default");
            assertEquals(ReplicationQuota.UNBOUNDED, nodes.get(1).services().replicas().followerQuota().rateBound());
            assertTrue(leader1.isThrottled("throttled", 0));
            assertTrue(nodes.get(1).services().replicas().leaderQuota().isThrottled("throttled", 0));
            assertFalse(nodes.get(2).services().replicas().leaderQuota().isThrottled("throttled", 0),
                    "0:3 is not listed");
            for (SamsaBroker n : nodes) {
                assertTrue(n.services().replicas().followerQuota().isThrottled("throttled", 0), "*");
            }
            Config described = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "1")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next();
            ConfigEntry rate = described.get("leader.replication.throttled.rate");
            assertEquals("1000000", rate.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, rate.source());

            // Replication goes on under the throttle, and removing it lifts the bounds.
            produce("throttled", 50);
            admin.incrementalAlterConfigs(Map.of(
                    new ConfigResource(ConfigResource.Type.BROKER, "1"), List.of(
                            delete("leader.replication.throttled.rate"),
                            delete("follower.replication.throttled.rate")),
                    new ConfigResource(ConfigResource.Type.TOPIC, "throttled"), List.of(
                            delete("leader.replication.throttled.replicas")))).all().get(30, TimeUnit.SECONDS);
            awaitPublishedEverywhere();
            assertEquals(5_000, leader1.rateBound(), "back to the cluster default");
            assertEquals(ReplicationQuota.UNBOUNDED, nodes.get(0).services().replicas().followerQuota().rateBound());
            assertFalse(leader1.isThrottled("throttled", 0));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int id = 1; id <= 3; id++) {
                while (replica(id, "throttled").logEndOffset() < 50 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(50, replica(id, "throttled").logEndOffset(), "node " + id + " replicated");
            }
        }
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    private static AlterConfigOp delete(String key) {
        return new AlterConfigOp(new ConfigEntry(key, null), AlterConfigOp.OpType.DELETE);
    }

    private void awaitPublishedEverywhere() throws Exception {
        long offset = -1;
        for (SamsaBroker n : nodes) {
            offset = Math.max(offset, n.services().metadata().loader().publishedOffset());
        }
        for (SamsaBroker n : nodes) {
            n.services().metadata().loader().awaitPublished(offset).get(30, TimeUnit.SECONDS);
        }
    }
}
