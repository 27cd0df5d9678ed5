package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.FileSlice;
import io.samsa.log.ReadResult;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.Partition;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.handler.data.DataApis;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replication between real brokers: three combined nodes in one JVM on loopback ports; a topic with replication
 * factor 3 is produced to by Kafka's producer (idempotent, acks=all), and each follower's replica fetcher copies its
 * leader over the inter-broker listener until every replica's log ends at the leader's log end with the same bytes
 * (read straight from the brokers' logs), the followers' high watermarks reach the leader's, and the leader epochs
 * are the leader's; and the followers fetch in sessions (KIP-227), which the leaders' fetch session gauges show.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplicationClusterIT {
    private static final String TOPIC = "replicated";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 600;

    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-replication");
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

    private static Map<String, String> node(int id, String voters, int controllerPort, Path data) {
        Map<String, String> c = new LinkedHashMap<>(QuorumClusterIT.combinedNode(id, voters, controllerPort, data));
        c.put("replica.fetch.wait.max.ms", "100");
        return c;
    }

    @Test
    void followersEndAtTheLeadersLogEndWithTheSameBytes() throws Exception {
        int[] ports = {QuorumClusterIT.freePort(), QuorumClusterIT.freePort(), QuorumClusterIT.freePort()};
        String voters = "1@127.0.0.1:" + ports[0] + ",2@127.0.0.1:" + ports[1] + ",3@127.0.0.1:" + ports[2];
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            Map<String, String> c = node(id, voters, ports[id - 1], dir.resolve("node" + id));
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
        String bootstrap = nodes.get(0).bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000))) {
            awaitRegistered(admin);
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get(30, TimeUnit.SECONDS);
        }
        long offset = -1;
        for (SamsaBroker n : nodes) {
            offset = Math.max(offset, n.services().metadata().loader().publishedOffset());
        }
        for (SamsaBroker n : nodes) {
            n.services().metadata().loader().awaitPublished(offset).get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, ("k" + i).getBytes(),
                        ("value-" + i + "-" + "x".repeat(i % 97)).getBytes())));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        TopicImage topic = nodes.get(0).services().metadata().image().topic(TOPIC);
        assertNotNull(topic);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int p = 0; p < PARTITIONS; p++) {
            int leaderId = topic.partition(p).leader();
            Partition leader = nodes.get(leaderId - 1).services().replicas().partition(TOPIC, p);
            assertEquals(RECORDS / PARTITIONS, leader.logEndOffset(), "every record on its partition's leader");
            for (SamsaBroker n : nodes) {
                if (n.config().nodeId() == leaderId) {
                    continue;
                }
                Partition follower = n.services().replicas().partition(TOPIC, p);
                assertNotNull(follower, "node " + n.config().nodeId() + " hosts " + TOPIC + "-" + p);
                while ((follower.logEndOffset() != leader.logEndOffset()
                        || follower.highWatermark() != leader.highWatermark()) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(leader.logEndOffset(), follower.logEndOffset(), follower.name() + " on node "
                        + n.config().nodeId());
                assertEquals(leader.highWatermark(), follower.highWatermark(), "the follower's high watermark");
                assertEquals(leader.log().latestEpoch(), follower.log().latestEpoch());
                assertArrayEquals(bytes(leader), bytes(follower), "the same bytes on node " + n.config().nodeId());
                assertTrue(!follower.isLeader());
            }
        }
        // The followers fetch in sessions (KIP-227): each leader holds a session for each follower fetching from it,
        // caching the partitions that follower replicates (no consumer fetched here).
        for (SamsaBroker n : nodes) {
            int led = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                led += topic.partition(p).leader() == n.config().nodeId() ? 1 : 0;
            }
            if (led > 0) {
                assertTrue(gauge(n, DataApis.SESSIONS_GAUGE) >= 2, "node " + n.config().nodeId() + " leads " + led
                        + " partitions, followed by 2 brokers: " + gauge(n, DataApis.SESSIONS_GAUGE) + " sessions");
                assertTrue(gauge(n, DataApis.PARTITIONS_CACHED_GAUGE) >= 2L * led, gauge(n,
                        DataApis.PARTITIONS_CACHED_GAUGE) + " partitions cached on node " + n.config().nodeId());
            }
        }
    }

    /** A gauge of the node's fetch session cache, read through JMX as an operator would. */
    private static long gauge(SamsaBroker n, String name) throws Exception {
        ObjectName on = n.metrics().name("kafka.server", DataApis.FETCH_SESSION_CACHE, name);
        assertNotNull(on, name);
        return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(on, "Value")).longValue();
    }

    private static void awaitRegistered(Admin admin) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.describeCluster().nodes().get().size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(3, admin.describeCluster().nodes().get().size());
    }

    /** The whole log of a replica, as on disk. */
    private static byte[] bytes(Partition p) throws IOException {
        ReadResult r = p.log().read(p.logStartOffset(), Integer.MAX_VALUE, Long.MAX_VALUE, true);
        try {
            FileSlice s = r.records();
            ByteBuffer b = ByteBuffer.allocate(s.length());
            while (b.hasRemaining()) {
                if (s.channel().read(b, s.position() + b.position()) < 0) {
                    throw new IOException("A short read of " + s);
                }
            }
            return b.array();
        } finally {
            r.release();
        }
    }
}
