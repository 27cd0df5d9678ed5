package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.samsa.metadata.TopicImage;
import io.samsa.replication.Partition;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.security.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three combined nodes whose every listener is TLS: the broker listener (also the inter-broker one, so replica
 * fetchers and forwarding go over TLS) and the controller listener (Raft between the voters and the brokers'
 * controller clients), which requires client certificates. The quorum elects a leader, brokers register, a topic
 * with replication factor 3 is replicated to every follower, and when a partition's leader halts another replica
 * is elected and takes writes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TlsClusterIT {
    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("samsa-tls-cluster");
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

    private static Map<String, String> node(int id, String voters, int controllerPort, Path data,
                                            TestCertificates certs) {
        Map<String, String> c = new LinkedHashMap<>(QuorumClusterIT.combinedNode(id, voters, controllerPort, data));
        c.put("listeners", "SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("listener.security.protocol.map", "CONTROLLER:SSL,SSL:SSL");
        c.put("inter.broker.listener.name", "SSL");
        c.putAll(certs.brokerStores("JKS"));
        c.put("listener.name.controller.ssl.client.auth", "required");
        c.put("replica.fetch.wait.max.ms", "100");
        c.put("offsets.topic.replication.factor", "3");
        return c;
    }

    private Map<String, Object> client(TestCertificates certs) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, nodes.get(0).bootstrapServers() + ","
                + nodes.get(1).bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "JKS");
        c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.keyStore("truststore", "JKS").toString());
        c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        c.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return c;
    }

    @Test
    void replicatesAndElectsOverTls() throws Exception {
        TestCertificates certs = TestCertificates.get();
        int[] ports = {QuorumClusterIT.freePort(), QuorumClusterIT.freePort(), QuorumClusterIT.freePort()};
        String voters = "1@127.0.0.1:" + ports[0] + ",2@127.0.0.1:" + ports[1] + ",3@127.0.0.1:" + ports[2];
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            Map<String, String> c = node(id, voters, ports[id - 1], dir.resolve("node" + id), certs);
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return SamsaBroker.start(BrokerConfig.from(c));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<SamsaBroker> f : starting) {
            nodes.add(f.get(90, TimeUnit.SECONDS));
        }
        Map<String, Object> conf = client(certs);
        try (Admin admin = Admin.create(conf)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (admin.describeCluster().nodes().get().size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(3, admin.describeCluster().nodes().get().size(), "every broker registered over TLS");
            admin.createTopics(List.of(new NewTopic("tls-replicated", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> pc = new HashMap<>(conf);
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pc, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("tls-replicated", 0, null, ("v" + i).getBytes()));
            }
            producer.flush();
            int leaderId = awaitLeader(nodes.get(0), -1);
            Partition leader = nodes.get(leaderId - 1).services().replicas().partition("tls-replicated", 0);
            assertEquals(100, leader.logEndOffset());
            for (SamsaBroker n : nodes) {
                Partition p = n.services().replicas().partition("tls-replicated", 0);
                assertNotNull(p, "node " + n.config().nodeId() + " hosts the partition");
                awaitEnd(p, 100);
                assertEquals(100, p.highWatermark(), "node " + n.config().nodeId() + " replicated over TLS");
            }

            // The leader halts; the others elect a new one from the ISR and take writes.
            SamsaBroker survivor = nodes.get(leaderId == 1 ? 1 : 0);
            nodes.get(leaderId - 1).halt();
            int newLeader = awaitLeader(survivor, leaderId);
            assertNotEquals(leaderId, newLeader);
            producer.send(new ProducerRecord<>("tls-replicated", 0, null, "after".getBytes()))
                    .get(90, TimeUnit.SECONDS);
            Partition p = nodes.get(newLeader - 1).services().replicas().partition("tls-replicated", 0);
            awaitEnd(p, 101);
            assertEquals(101, p.logEndOffset());
        }
    }

    /** The partition's leader in {@code node}'s image once it is neither none nor {@code not}. */
    private static int awaitLeader(SamsaBroker node, int not) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int leader = -1;
        while (System.nanoTime() < deadline) {
            TopicImage t = node.services().metadata().image().topic("tls-replicated");
            leader = t == null ? -1 : t.partition(0).leader();
            if (leader > 0 && leader != not) {
                return leader;
            }
            Thread.sleep(50);
        }
        return leader;
    }

    private static void awaitEnd(Partition p, long end) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((p.logEndOffset() < end || p.highWatermark() < end) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
