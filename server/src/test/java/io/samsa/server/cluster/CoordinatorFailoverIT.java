package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coordinators move with leadership, on three combined nodes in one JVM with Kafka's defaults for the internal
 * topics (replication factor 3, a transaction log min ISR of 2): the group coordinator's node is stopped with a
 * controlled shutdown, leadership of its {@code __consumer_offsets} partition moves, and the Kafka clients find the
 * new coordinator; the committed offsets, and a transactional producer's state, are there once followers copy the
 * internal topics' logs.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CoordinatorFailoverIT {
    private static final String TOPIC = "orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("samsa-coordinator-failover");
        int[] ports = {freePort(), freePort(), freePort()};
        String voters = "1@127.0.0.1:" + ports[0] + ",2@127.0.0.1:" + ports[1] + ",3@127.0.0.1:" + ports[2];
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            Map<String, String> c = node(id, voters, ports[id - 1], dir.resolve("node" + id));
            starting.add(CompletableFuture.supplyAsync(() -> start(c)));
        }
        for (CompletableFuture<SamsaBroker> f : starting) {
            nodes.add(f.get(60, TimeUnit.SECONDS));
        }
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get();
        }
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static SamsaBroker start(Map<String, String> config) {
        try {
            return SamsaBroker.start(BrokerConfig.from(config));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A combined node with Kafka's internal-topic replication defaults (nothing set), few partitions. */
    private static Map<String, String> node(int id, String voters, int controllerPort, Path data) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", "broker,controller");
        c.put("controller.quorum.voters", voters);
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("log.dirs", data.toString());
        c.put("offsets.topic.num.partitions", "3");
        c.put("transaction.state.log.num.partitions", "3");
        c.put("group.initial.rebalance.delay.ms", "0");
        c.put("broker.session.timeout.ms", "3000");
        c.put("broker.heartbeat.interval.ms", "500");
        return c;
    }

    private String bootstrap() {
        return String.join(",", nodes.stream().map(SamsaBroker::bootstrapServers).toList());
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                60000));
    }

    private KafkaConsumer<String, String> consumer(String group, boolean readCommitted) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60000);
        return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    /** Stops node {@code id} as an operator does (controlled shutdown: leadership moves off it first). */
    private void stop(int id) {
        SamsaBroker node = nodes.stream().filter(n -> n.config().nodeId() == id).findFirst().orElseThrow();
        node.close();
        nodes.remove(node);
    }

    /** Commits offset 42 of orders-0 for {@code group}; returns the group coordinator's node. */
    private int commitAndFindCoordinator(Admin admin, String group) throws Exception {
        try (KafkaConsumer<String, String> consumer = consumer(group, false)) {
            consumer.assign(List.of(TP));
            consumer.commitSync(Map.of(TP, new OffsetAndMetadata(42)), Duration.ofSeconds(60));
        }
        TopicDescription offsets = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
                .get("__consumer_offsets");
        offsets.partitions().forEach(p -> assertEquals(3, p.replicas().size(),
                "offsets.topic.replication.factor takes Kafka's default on a cluster"));
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group).coordinator().id();
    }

    @Test
    void theGroupFindsItsNewCoordinatorAfterAControlledShutdown() throws Exception {
        try (Admin admin = admin()) {
            int before = commitAndFindCoordinator(admin, "moving");
            stop(before);
            // The client finds the new coordinator (the old one is gone; the others answer FindCoordinator with the
            // partition's new leader) and it serves the group.
            try (KafkaConsumer<String, String> consumer = consumer("moving", false)) {
                consumer.assign(List.of(TP));
                consumer.commitSync(Map.of(TP, new OffsetAndMetadata(43)), Duration.ofSeconds(60));
                assertEquals(43, consumer.committed(java.util.Set.of(TP), Duration.ofSeconds(60)).get(TP).offset());
            }
            int after = admin.describeConsumerGroups(List.of("moving")).all().get().get("moving").coordinator().id();
            assertNotEquals(before, after, "the coordinator moved with the leadership of its partition");
            assertTrue(nodes.stream().anyMatch(n -> n.config().nodeId() == after));
        }
    }

    @Test
    void committedOffsetsSurviveTheCoordinatorsNode() throws Exception {
        try (Admin admin = admin()) {
            int before = commitAndFindCoordinator(admin, "kept");
            stop(before);
            assertEquals(42, admin.listConsumerGroupOffsets("kept").partitionsToOffsetAndMetadata().get().get(TP)
                    .offset());
            try (KafkaConsumer<String, String> consumer = consumer("kept", false)) {
                assertEquals(42, consumer.committed(java.util.Set.of(TP), Duration.ofSeconds(60)).get(TP).offset());
            }
        }
    }

    @Disabled("The committed transaction is not read back after the coordinator's node stops (read_committed sees "
            + "nothing): open, see the issue-12 note")
    @Test
    void aTransactionalProducerFailsOverToTheNewCoordinator() throws Exception {
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "moving-txn");
        pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60000);
        pc.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60000);
        try (Admin admin = admin();
             KafkaProducer<String, String> producer = new KafkaProducer<>(pc, new StringSerializer(),
                     new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "before"));
            producer.commitTransaction();
            int before = admin.describeTransactions(List.of("moving-txn")).description("moving-txn").get()
                    .coordinatorId();
            stop(before);

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "after"));
            producer.commitTransaction();
            int after = admin.describeTransactions(List.of("moving-txn")).description("moving-txn").get()
                    .coordinatorId();
            assertNotEquals(before, after);
        }
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer("reader", true)) {
            consumer.assign(List.of(TP));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(new String(r.value().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
                }
            }
        }
        assertEquals(List.of("before", "after"), values, "both transactions committed, once each, in order");
    }
}
