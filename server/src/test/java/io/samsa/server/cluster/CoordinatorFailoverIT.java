package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.WriteTxnMarkersRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coordinators move with leadership, on three combined nodes in one JVM with Kafka's defaults for the internal
 * topics (replication factor 3, a transaction log min ISR of 2): the group coordinator's node is stopped with a
 * controlled shutdown, leadership of its {@code __consumer_offsets} partition moves, and the Kafka clients find the
 * new coordinator; the committed offsets, and a transactional producer's state, are there once followers copy the
 * internal topics' logs. Transactions stay whole across failures: a coordinator killed between PrepareCommit and its
 * markers, and a data partition's leader killed mid-transaction, leave every partition with the same outcome
 * (read_committed consumers without a group: with a node gone, {@code __consumer_offsets} cannot be created).
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
        SamsaBroker node = node(id);
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

    @Test
    void aTransactionalProducerFailsOverToTheNewCoordinator() throws Exception {
        try (Admin admin = admin();
             KafkaProducer<String, String> producer = transactional("moving-txn")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "before"));
            producer.commitTransaction();
            int before = coordinatorOf(admin, "moving-txn");
            stop(before);

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "after"));
            producer.commitTransaction();
            int after = coordinatorOf(admin, "moving-txn");
            assertNotEquals(before, after);
        }
        // Read without a group: __consumer_offsets was never created here, and with two of three brokers left it
        // cannot be (replication factor 3; Kafka refuses too), so a group's consumer would find no coordinator.
        assertEquals(List.of("before@0", "after@2"), valuesAt(readCommitted(List.of(TP), 2)),
                "both transactions committed, once each, in order (a marker after each)");
        assertEquals(4, lastStableOffset(TP));
    }

    /**
     * The transaction coordinator's node dies after EndTxn wrote PREPARE_COMMIT (the producer's commit returned) but
     * before any marker reached the data partitions: the coordinator that loads the partition next finds the
     * transaction preparing and writes its markers, so every partition commits it.
     */
    @Test
    void aPreparedCommitIsCompletedByTheNextCoordinator() throws Exception {
        String id = "prepared-txn";
        String topic = "prepared";
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (Admin admin = admin()) {
            int coordinator;
            List<Integer> others;
            try (KafkaProducer<String, String> producer = transactional(id)) {
                producer.initTransactions();
                coordinator = coordinatorOf(admin, id);
                others = othersThan(coordinator);
                // Both data partitions are led away from the coordinator, so every marker is a WriteTxnMarkers request.
                createAwayFrom(admin, topic, others, coordinator);
                for (int node : others) {
                    node(node).faults().failNext(WriteTxnMarkersRequest.API_KEY, Integer.MAX_VALUE,
                            ErrorCode.NOT_ENOUGH_REPLICAS);
                }
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, "k", "a0"));
                producer.send(new ProducerRecord<>(topic, 0, "k", "a1"));
                producer.send(new ProducerRecord<>(topic, 1, "k", "b0"));
                producer.commitTransaction();
            }
            assertEquals(TransactionState.PREPARE_COMMIT, describe(admin, id).state(),
                    "EndTxn is answered once PREPARE_COMMIT is written; the markers are refused (retriable) until it dies");
            assertEquals(0, lastStableOffset(p0), "no marker yet: the transaction is open on the partition");
            assertEquals(0, lastStableOffset(p1));

            halt(coordinator);
            for (int node : others) {
                node(node).faults().clear();
            }
            assertEquals(List.of("a0@0", "a1@1"), valuesAt(readCommitted(List.of(p0), 2)));
            assertEquals(List.of("b0@0"), valuesAt(readCommitted(List.of(p1), 1)));
            for (TopicPartition tp : List.of(p0, p1)) {
                assertEquals(endOffset(admin, tp, IsolationLevel.READ_UNCOMMITTED), lastStableOffset(tp),
                        "the commit marker closed the transaction on " + tp);
            }
            TransactionDescription after = awaitState(admin, id, TransactionState.COMPLETE_COMMIT);
            assertNotEquals(coordinator, after.coordinatorId());
        }
    }

    /**
     * The leader of one of a transaction's partitions dies while the transaction is open: its new leader keeps the
     * transaction open (the last stable offset stays below its records), then takes the commit marker; a second
     * transaction over both partitions is aborted. Every partition ends the same way: the committed records once each
     * at their offsets, nothing of the aborted one.
     */
    @Test
    void aTransactionOutlivesTheLeaderOfItsPartition() throws Exception {
        String id = "orphaned-txn";
        String topic = "moved";
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (Admin admin = admin();
             KafkaProducer<String, String> producer = transactional(id)) {
            producer.initTransactions();
            int coordinator = coordinatorOf(admin, id);
            List<Integer> others = othersThan(coordinator);
            createAwayFrom(admin, topic, others, coordinator);
            int deadLeader = others.get(0);

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "x0"));
            producer.send(new ProducerRecord<>(topic, 0, "k", "x1"));
            producer.send(new ProducerRecord<>(topic, 1, "k", "y0"));
            producer.flush();
            halt(deadLeader);
            awaitLeaderOtherThan(admin, p0, deadLeader);
            // The new leader's high watermark reaches the records once its follower fetched; its last stable offset
            // stays below them: it knows the transaction is open.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (endOffset(admin, p0, IsolationLevel.READ_UNCOMMITTED) < 2) {
                assertTrue(System.nanoTime() < deadline, "the new leader's high watermark reaches 2");
                Thread.sleep(100);
            }
            assertEquals(2, endOffset(admin, p0, IsolationLevel.READ_UNCOMMITTED));
            assertEquals(0, lastStableOffset(p0), "the new leader knows the transaction is open");
            producer.send(new ProducerRecord<>(topic, 0, "k", "x2"));
            long committing = System.nanoTime();
            producer.commitTransaction();
            awaitState(admin, id, TransactionState.COMPLETE_COMMIT);
            // Markers wait for their followers (acks=all); a follower whose fetch answers queue behind the marker
            // requests on one connection would hold both until the ISR shrinks (replica.lag.time.max.ms, 30 s).
            long commitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committing);
            assertTrue(commitMs < 20_000, "committed everywhere after " + commitMs + " ms");

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "z0"));
            producer.send(new ProducerRecord<>(topic, 1, "k", "w0"));
            producer.flush();
            producer.abortTransaction();
            awaitState(admin, id, TransactionState.COMPLETE_ABORT);
        }
        // p0: x0 x1 x2 commit z0 abort; p1: y0 commit w0 abort (a marker may be written twice when its answer is
        // lost and the coordinator sends it again, as in Kafka: offsets after the first marker are not fixed).
        assertEquals(List.of("x0@0", "x1@1", "x2@2"), valuesAt(readCommitted(List.of(p0), 3)));
        assertEquals(List.of("y0@0"), valuesAt(readCommitted(List.of(p1), 1)));
        List<String> p0All = values(read(List.of(p0), 4, false));
        List<String> p1All = values(read(List.of(p1), 2, false));
        assertEquals(List.of("x0", "x1", "x2", "z0"), p0All, "the aborted records are in the log, once");
        assertEquals(List.of("y0", "w0"), p1All);
        for (TopicPartition tp : List.of(p0, p1)) {
            try (Admin admin = admin()) {
                assertEquals(endOffset(admin, tp, IsolationLevel.READ_UNCOMMITTED), lastStableOffset(tp),
                        "no transaction is left open on " + tp);
            }
        }
    }

    // ---- helpers

    private SamsaBroker node(int id) {
        return nodes.stream().filter(n -> n.config().nodeId() == id).findFirst().orElseThrow();
    }

    /** Stops node {@code id} abruptly, as a crash (no controlled shutdown: its leaderships move once it is fenced). */
    private void halt(int id) {
        SamsaBroker node = node(id);
        node.halt();
        nodes.remove(node);
    }

    private List<Integer> othersThan(int id) {
        return nodes.stream().map(n -> n.config().nodeId()).filter(n -> n != id).sorted().toList();
    }

    private KafkaProducer<String, String> transactional(String id) {
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60000);
        pc.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60000);
        return new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer());
    }

    private static TransactionDescription describe(Admin admin, String id) throws Exception {
        return admin.describeTransactions(List.of(id)).description(id).get();
    }

    private static int coordinatorOf(Admin admin, String id) throws Exception {
        return describe(admin, id).coordinatorId();
    }

    /** Waits (up to 60 s) until {@code id}'s transaction is in {@code state}, asking whichever coordinator serves. */
    private static TransactionDescription awaitState(Admin admin, String id, TransactionState state)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        TransactionDescription d = null;
        while (System.nanoTime() < deadline) {
            try {
                d = describe(admin, id);
                if (d.state() == state) {
                    return d;
                }
            } catch (ExecutionException e) {
                // The coordinator is moving: asked again.
            }
            Thread.sleep(100);
        }
        throw new AssertionError(id + " never reached " + state + "; last: " + (d == null ? null : d.state()));
    }

    /** Two partitions, partition 0 led by {@code leaders[0]}, partition 1 by {@code leaders[1]}, both on all nodes. */
    private static void createAwayFrom(Admin admin, String topic, List<Integer> leaders, int last) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, Map.of(
                0, List.of(leaders.get(0), leaders.get(1), last),
                1, List.of(leaders.get(1), leaders.get(0), last))))).all().get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            TopicDescription d = null;
            try {
                d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            } catch (ExecutionException e) {
                // Not in every node's metadata yet: asked again.
            }
            boolean placed = d != null && d.partitions().size() == 2
                    && d.partitions().get(0).leader() != null && d.partitions().get(0).leader().id() == leaders.get(0)
                    && d.partitions().get(1).leader() != null && d.partitions().get(1).leader().id() == leaders.get(1)
                    && d.partitions().stream().allMatch(p -> p.isr().size() == 3);
            if (placed) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "leaders as assigned: " + d);
            Thread.sleep(100);
        }
    }

    private static void awaitLeaderOtherThan(Admin admin, TopicPartition tp, int old) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                var p = admin.describeTopics(List.of(tp.topic())).allTopicNames().get().get(tp.topic()).partitions()
                        .get(tp.partition());
                if (p.leader() != null && p.leader().id() != old) {
                    return;
                }
            } catch (ExecutionException e) {
                // A node that is gone: asked again.
            }
            assertTrue(System.nanoTime() < deadline, "a new leader for " + tp);
            Thread.sleep(100);
        }
    }

    private long lastStableOffset(TopicPartition tp) throws Exception {
        try (Admin admin = admin()) {
            return endOffset(admin, tp, IsolationLevel.READ_COMMITTED);
        }
    }

    private static long endOffset(Admin admin, TopicPartition tp, IsolationLevel isolation) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).all()
                        .get().get(tp).offset();
            } catch (ExecutionException e) {
                // Leadership is moving: asked again.
                assertTrue(System.nanoTime() < deadline, "the end offset of " + tp + ": " + e);
                Thread.sleep(100);
            }
        }
    }

    private List<ConsumerRecord<String, String>> readCommitted(List<TopicPartition> partitions, int count) {
        return read(partitions, count, true);
    }

    /**
     * Reads {@code partitions} from the start with a consumer without a group until {@code count} records came (60 s
     * at most), then once more briefly to catch any extra.
     */
    private List<ConsumerRecord<String, String>> read(List<TopicPartition> partitions, int count,
                                                      boolean readCommitted) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60000);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** "value@offset" of each record, in the order read. */
    private static List<String> valuesAt(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> r.value() + "@" + r.offset()).toList();
    }
}
