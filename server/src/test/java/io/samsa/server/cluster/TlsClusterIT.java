package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.samsa.replication.Partition;
import io.samsa.server.SamsaBroker;
import io.samsa.server.security.tls.TestCertificates;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private TestCluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void tls(Map<String, String> c, TestCertificates certs) {
        c.put("listeners", c.get("listeners").replace("PLAINTEXT://", "SSL://"));
        c.put("listener.security.protocol.map", "CONTROLLER:SSL,SSL:SSL");
        c.put("inter.broker.listener.name", "SSL");
        c.putAll(certs.brokerStores("JKS"));
        c.put("listener.name.controller.ssl.client.auth", "required");
        c.put("replica.fetch.wait.max.ms", "100");
        c.put("offsets.topic.replication.factor", "3");
    }

    private Map<String, Object> client(TestCertificates certs) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.node(1).bootstrapServers() + ","
                + cluster.node(2).bootstrapServers());
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
        cluster = new TestCluster("samsa-tls-cluster", 3).start((id, c) -> tls(c, certs));
        List<SamsaBroker> nodes = cluster.nodes;
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
            int leaderId = TestCluster.awaitLeader(nodes.get(0), "tls-replicated", -1);
            Partition leader = nodes.get(leaderId - 1).services().replicas().partition("tls-replicated", 0);
            assertEquals(100, leader.logEndOffset());
            for (SamsaBroker n : nodes) {
                Partition p = n.services().replicas().partition("tls-replicated", 0);
                assertNotNull(p, "node " + n.config().nodeId() + " hosts the partition");
                TestCluster.awaitEnd(p, 100);
                assertEquals(100, p.highWatermark(), "node " + n.config().nodeId() + " replicated over TLS");
            }

            // The leader halts; the others elect a new one from the ISR and take writes.
            SamsaBroker survivor = nodes.get(leaderId == 1 ? 1 : 0);
            nodes.get(leaderId - 1).halt();
            int newLeader = TestCluster.awaitLeader(survivor, "tls-replicated", leaderId);
            assertNotEquals(leaderId, newLeader);
            producer.send(new ProducerRecord<>("tls-replicated", 0, null, "after".getBytes()))
                    .get(90, TimeUnit.SECONDS);
            Partition p = nodes.get(newLeader - 1).services().replicas().partition("tls-replicated", 0);
            TestCluster.awaitEnd(p, 101);
            assertEquals(101, p.logEndOffset());
        }
    }
}
