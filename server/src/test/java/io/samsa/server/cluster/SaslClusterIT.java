package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.replication.Partition;
import io.samsa.server.SamsaBroker;
import io.samsa.server.security.acl.AclAuthorizer;
import io.samsa.server.security.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three combined nodes whose every listener is SASL_PLAINTEXT with PLAIN, the authorizer on and only the nodes'
 * own user {@code broker} a super user: Raft between the voters, registration and heartbeats, forwarding and the
 * replica fetchers all log in as {@code broker}, and pass the CLUSTER_ACTION checks only because they do. A
 * topic with replication factor 3 takes acks=all writes, its followers join the ISR, and after its leader halts a
 * consumer reads everything from the new leader. A fourth node (a broker) with a wrong password never registers,
 * and its log says why.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SaslClusterIT {
    private static final String TOPIC = "sasl-replicated";
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"broker\" password=\"%s\" user_broker=\"broker-secret\" user_alice=\"alice-secret\";";

    private TestCluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void sasl(Map<String, String> c, String password) {
        c.put("listeners", c.get("listeners").replace("PLAINTEXT://", "SASL_PLAINTEXT://"));
        c.put("listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        c.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        c.put("sasl.enabled.mechanisms", "PLAIN");
        c.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        c.put("sasl.mechanism.controller.protocol", "PLAIN");
        c.put("sasl.jaas.config", String.format(JAAS, password));
        c.put("authorizer.class.name", AclAuthorizer.STANDARD_AUTHORIZER);
        c.put("super.users", "User:broker");
        c.put("replica.fetch.wait.max.ms", "100");
        c.put("offsets.topic.replication.factor", "3");
    }

    private Map<String, Object> client() {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.node(1).bootstrapServers() + ","
                + cluster.node(2).bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        c.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"broker\" password=\"broker-secret\";");
        c.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return c;
    }

    @Test
    void nodesLogInWithSaslReplicateAndFailOverAndAWrongPasswordIsRefused() throws Exception {
        cluster = new TestCluster("samsa-sasl-cluster", 3).start((id, c) -> sasl(c, "broker-secret"));
        List<SamsaBroker> nodes = cluster.nodes;
        Map<String, Object> conf = client();
        try (Admin admin = Admin.create(conf)) {
            awaitBrokers(admin, 3);
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas",
                    "2")))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> pc = new HashMap<>(conf);
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pc, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, ("v" + i).getBytes()));
            }
            producer.flush();
            int leaderId = TestCluster.awaitLeader(nodes.get(0), TOPIC, -1);
            assertEquals(100, nodes.get(leaderId - 1).services().replicas().partition(TOPIC, 0).logEndOffset());
            for (SamsaBroker n : nodes) {
                Partition p = n.services().replicas().partition(TOPIC, 0);
                assertNotNull(p, "node " + n.config().nodeId() + " hosts the partition");
                TestCluster.awaitEnd(p, 100);
                assertEquals(100, p.highWatermark(), "node " + n.config().nodeId() + " replicated over SASL");
            }
            int follower = leaderId == 1 ? 2 : 1;
            assertTrue(awaitInIsr(cluster.node(leaderId), follower), "follower " + follower + " is in the ISR");

            // The leader halts; a follower from the ISR leads, takes an acks=all write, and serves every record.
            SamsaBroker survivor = cluster.node(follower);
            cluster.node(leaderId).halt();
            int newLeader = TestCluster.awaitLeader(survivor, TOPIC, leaderId);
            assertNotEquals(leaderId, newLeader);
            producer.send(new ProducerRecord<>(TOPIC, 0, null, "after".getBytes())).get(90, TimeUnit.SECONDS);
        }
        assertEquals(101, consumeAll(conf));

        wrongPasswordNeverJoins(conf);
    }

    /**
     * The inter-broker listener is SASL_SSL with SCRAM-SHA-512 (PLAIN too, for the first admin), the controller
     * listener SASL_PLAINTEXT with PLAIN: the nodes register, and once the {@code broker} user's SCRAM credential is
     * created the replica fetchers log in with it over TLS and replicate an acks=all write to every replica.
     */
    @Test
    void interBrokerScramOverTls() throws Exception {
        TestCertificates certs = TestCertificates.get();
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" "
                + "password=\"scram-secret\";";
        cluster = new TestCluster("samsa-sasl-ssl-cluster", 3).start((id, c) -> {
            sasl(c, "broker-secret");
            c.put("listeners", c.get("listeners").replace("SASL_PLAINTEXT://127.0.0.1:0", "BROKER://127.0.0.1:0"));
            c.put("listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,BROKER:SASL_SSL");
            c.put("inter.broker.listener.name", "BROKER");
            c.put("listener.name.broker.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
            c.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512");
            c.put("listener.name.broker.scram-sha-512.sasl.jaas.config", scram);
            c.putAll(certs.brokerStores("JKS"));
        });
        Map<String, Object> conf = client();
        conf.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        conf.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "JKS");
        conf.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.keyStore("truststore", "JKS").toString());
        conf.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        try (Admin admin = Admin.create(conf)) {
            awaitBrokers(admin, 3);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("broker",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "scram-secret"))).all()
                    .get(30, TimeUnit.SECONDS);
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> pc = new HashMap<>(conf);
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pc, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, ("v" + i).getBytes()));
            }
            producer.flush();
        }
        for (SamsaBroker n : cluster.nodes) {
            Partition p = n.services().replicas().partition(TOPIC, 0);
            assertNotNull(p, "node " + n.config().nodeId() + " hosts the partition");
            TestCluster.awaitEnd(p, 20);
            assertEquals(20, p.highWatermark(), "node " + n.config().nodeId() + " replicated over SCRAM and TLS");
        }
    }

    /** A broker whose JAAS password is wrong: the controllers refuse it, it never registers, its log says why. */
    private void wrongPasswordNeverJoins(Map<String, Object> conf) throws Exception {
        Map<String, String> c = new LinkedHashMap<>(cluster.config(1));
        sasl(c, "not-the-secret");
        c.put("node.id", "4");
        c.put("process.roles", "broker");
        c.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        c.put("log.dirs", cluster.dir.resolve("node4").toString());
        // Only this node's logins fail: the others' password is right.
        String expected = " as broker with PLAIN failed: Authentication failed: Invalid username or password";
        try (LogTee log = new LogTee()) {
            CompletableFuture<SamsaBroker> started = new CompletableFuture<>();
            Thread starting = new Thread(() -> {
                try {
                    started.complete(TestCluster.start(c));
                } catch (RuntimeException e) {
                    started.completeExceptionally(e);
                }
            }, "starting-node-4");
            starting.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!log.text().contains(expected) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(log.text().contains(expected), "the log names the refused login");
            try (Admin admin = Admin.create(conf)) {
                assertEquals(2, admin.describeCluster().nodes().get().size(), "the refused broker is not there");
            }
            // Its start waits for the metadata it cannot fetch; interrupted, it gives up and closes what it opened.
            assertFalse(started.isDone(), "the refused broker never finishes starting");
            starting.interrupt();
            starting.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(starting.isAlive());
            assertThrows(ExecutionException.class, started::get);
        }
    }

    private int consumeAll(Map<String, Object> conf) {
        Map<String, Object> cc = new HashMap<>(conf);
        cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cc, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < 101 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        for (int i = 0; i < 100; i++) {
            assertEquals("v" + i, new String(read.get(i).value(), StandardCharsets.UTF_8));
        }
        assertEquals("after", new String(read.get(100).value(), StandardCharsets.UTF_8));
        return read.size();
    }

    private static void awaitBrokers(Admin admin, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.describeCluster().nodes().get().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(count, admin.describeCluster().nodes().get().size(), "every broker registered over SASL");
    }

    private static boolean awaitInIsr(SamsaBroker node, int follower) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (node.services().metadata().image().topic(TOPIC).partition(0).isr().contains(follower)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * Copies what is written to {@code System.err} (where slf4j-simple logs) while open, passing it through.
     */
    private static final class LogTee implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        LogTee() {
            System.setErr(new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    original.write(b);
                    synchronized (copy) {
                        copy.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    original.write(b, off, len);
                    synchronized (copy) {
                        copy.write(b, off, len);
                    }
                }
            }, true, StandardCharsets.UTF_8));
        }

        String text() {
            synchronized (copy) {
                return copy.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
