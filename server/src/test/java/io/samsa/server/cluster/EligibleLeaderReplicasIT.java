package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.server.KafkaTool;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eligible leader replicas (KIP-966) across a cluster in one JVM (one controller, three broker-only nodes,
 * {@code min.insync.replicas=2}): one follower dies, the other shuts down cleanly while the ISR is at the minimum, so
 * it becomes an eligible leader replica; the leader dies and the ISR empties; the eligible replica comes back and is
 * elected. Alone in the ISR, below the minimum, it serves its checkpointed high watermark and no further (KIP-966's
 * strict min ISR rule); once the old leader is back in the ISR it serves every record acknowledged with acks=all at
 * its offset. DescribeTopicPartitions (the Admin client and {@code kafka-topics.sh --describe}) shows the ELR;
 * Metadata does not carry it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EligibleLeaderReplicasIT {
    private static final String TOPIC = "elr";

    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-elr");
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

    private static SamsaBroker startNode(Map<String, String> config) {
        try {
            return SamsaBroker.start(BrokerConfig.from(config));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30000));
    }

    /** Waits (bounded) until {@code broker}'s published image satisfies {@code condition}; returns that image. */
    private static MetadataImage awaitImage(SamsaBroker broker, Predicate<MetadataImage> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        MetadataImage image = broker.services().metadata().image();
        while (!condition.test(image)) {
            assertTrue(System.nanoTime() < deadline, "node " + broker.config().nodeId() + " never saw the change: "
                    + partition(image));
            Thread.sleep(20);
            image = broker.services().metadata().image();
        }
        return image;
    }

    private static PartitionRegistration partition(MetadataImage image) {
        TopicImage t = image.topic(TOPIC);
        return t == null ? null : t.partition(0);
    }

    private static Map<String, String> brokerConfig(int id, String voters, Path logDir) {
        Map<String, String> c = new HashMap<>(Map.of("node.id", Integer.toString(id), "process.roles", "broker",
                "controller.quorum.voters", voters, "listeners", "PLAINTEXT://127.0.0.1:0",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name", "PLAINTEXT", "controller.listener.names", "CONTROLLER",
                "log.dirs", logDir.toString(), "offsets.topic.replication.factor", "1"));
        c.put("offsets.topic.num.partitions", "1");
        c.put("broker.heartbeat.interval.ms", "300");
        return c;
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000),
                new StringSerializer(), new StringSerializer());
    }

    /** Sends {@code count} records acks=all; adds each acknowledged one to {@code acked} by offset. */
    private static void produce(String bootstrap, String prefix, int count, Map<Long, String> acked)
            throws Exception {
        try (KafkaProducer<String, String> p = producer(bootstrap)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String v = prefix + "-" + i;
                values.add(v);
                sent.add(p.send(new ProducerRecord<>(TOPIC, 0, null, v)));
            }
            for (int i = 0; i < count; i++) {
                acked.put(sent.get(i).get(30, TimeUnit.SECONDS).offset(), values.get(i));
            }
        }
    }

    private static TopicPartitionInfo describe(Admin admin) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        return d.partitions().get(0);
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    @Test
    void aCleanlyStoppedEligibleReplicaLeadsAfterTheIsrEmptiesAndLosesNothingAcknowledged() throws Exception {
        int controllerPort = freePort();
        String voters = "1@127.0.0.1:" + controllerPort;
        nodes.add(startNode(Map.of("node.id", "1", "process.roles", "controller", "controller.quorum.voters", voters,
                "controller.listener.names", "CONTROLLER", "listeners", "CONTROLLER://127.0.0.1:" + controllerPort,
                "log.dirs", dir.resolve("controller1").toString(), "broker.session.timeout.ms", "2000")));
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 2; id <= 4; id++) {
            Map<String, String> c = brokerConfig(id, voters, dir.resolve("broker" + id));
            starting.add(CompletableFuture.supplyAsync(() -> startNode(c)));
        }
        List<SamsaBroker> brokers = new ArrayList<>();
        for (CompletableFuture<SamsaBroker> f : starting) {
            SamsaBroker b = f.get(60, TimeUnit.SECONDS);
            nodes.add(b);
            brokers.add(b);
        }
        SamsaBroker two = brokers.get(0);
        SamsaBroker three = brokers.get(1);
        SamsaBroker four = brokers.get(2);
        for (SamsaBroker b : brokers) {
            awaitImage(b, image -> image.liveBrokerCount() == 3);
        }
        assertEquals((short) 1, two.services().metadata().image().features()
                .get("eligible.leader.replicas.version"), "a new cluster is formatted with ELR on, as Kafka 4.4");
        try (Admin admin = admin(two.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(2, 3, 4)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        for (SamsaBroker b : brokers) {
            awaitImage(b, i -> partition(i) != null && partition(i).leader() == 2);
        }
        Map<Long, String> acked = new TreeMap<>();
        produce(two.bootstrapServers(), "all-three", 50, acked);

        // Follower 4 dies: fenced when its session expires, it leaves the ISR at the minimum (not eligible).
        four.halt();
        nodes.remove(four);
        awaitImage(two, i -> partition(i).isr().equals(List.of(2, 3)));
        assertEquals(List.of(), partition(two.services().metadata().image()).eligibleLeaderReplicas());
        produce(two.bootstrapServers(), "two-of-three", 50, acked);

        // Follower 3 stops cleanly (controlled shutdown): the ISR falls below the minimum, 3 is eligible.
        three.close();
        nodes.remove(three);
        MetadataImage image = awaitImage(two, i -> partition(i).isr().equals(List.of(2)));
        assertEquals(List.of(3), partition(image).eligibleLeaderReplicas());
        try (Admin admin = admin(two.bootstrapServers())) {
            TopicPartitionInfo info = describe(admin);
            assertEquals(List.of(2), ids(info.isr()));
            assertEquals(List.of(3), ids(info.elr()));
        }
        // acks=all is refused below min.insync.replicas: nothing is acknowledged that 3 does not have.
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, two.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0),
                new StringSerializer(), new StringSerializer())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(TOPIC, 0, null, "refused")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(NotEnoughReplicasException.class, e.getCause());
        }

        // The leader dies: fenced when its session expires, the ISR empties and 2 joins 3 as eligible; nobody can lead
        // until an eligible replica is back (4 is not clean, and no broker is left to ask).
        two.halt();
        nodes.remove(two);

        // 3 comes back with the epoch of its clean shutdown: still eligible, it is elected (at once, or when 2's
        // session expires if 3 is back first) and leads alone; 2, the last leader, stays eligible.
        SamsaBroker back = startNode(brokerConfig(3, voters, dir.resolve("broker3")));
        nodes.add(back);
        image = awaitImage(back, i -> partition(i).leader() == 3);
        assertEquals(List.of(3), partition(image).isr());
        assertEquals(List.of(2), partition(image).eligibleLeaderReplicas());
        assertEquals(PartitionRegistration.RECOVERED, partition(image).leaderRecoveryState());
        try (Admin admin = admin(back.bootstrapServers())) {
            TopicPartitionInfo info = describe(admin);
            assertEquals(3, info.leader().id());
            assertEquals(List.of(3), ids(info.isr()));
            assertEquals(List.of(2), ids(info.elr()));
        }
        KafkaTool topics = new KafkaTool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                back.bootstrapServers());
        List<String> out = topics.ok("--describe", "--topic", TOPIC).out();
        String line = out.stream().filter(l -> l.contains("Partition: 0")).findFirst().orElseThrow();
        assertTrue(line.contains("Leader: 3") && line.contains("Isr: 3") && line.matches(".*\\bElr: 2\\b.*"),
                line);

        // Alone in the ISR, below min.insync.replicas: consumers see what 3 knew to be committed when it stopped (its
        // high watermark checkpoint, which lags the leader's by up to a fetch), at the offsets acknowledged.
        Map<Long, String> visible = read(back.bootstrapServers(), Integer.MAX_VALUE, 5);
        assertTrue(visible.size() >= 50, "at least the records every replica had: " + visible.size());
        assertEquals(new TreeMap<>(acked).headMap((long) visible.size()), visible);

        // 2 comes back (after an unclean shutdown: not eligible), catches up with 3 and joins the ISR: at the
        // minimum again, the high watermark moves and every acknowledged record is there, at its offset, once.
        SamsaBroker two2 = startNode(brokerConfig(2, voters, dir.resolve("broker2")));
        nodes.add(two2);
        awaitImage(back, i -> partition(i).isr().size() == 2);
        assertEquals(100, acked.size());
        assertEquals(acked, read(back.bootstrapServers(), acked.size(), 30));
    }

    /** Reads the partition from the start until {@code expected} records came or {@code seconds} passed. */
    private static Map<Long, String> read(String bootstrap, int expected, int seconds) {
        Map<Long, String> read = new TreeMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (read.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    assertEquals(null, read.put(r.offset(), r.value()), "offset " + r.offset() + " twice");
                }
            }
        }
        return read;
    }
}
