package io.samsa.server.handler.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transactions end to end with the official Java client 4.4.0, under both protocols (transaction.version 1 and 2,
 * switched with UpdateFeatures as kafka-features.sh does): commit and abort seen exactly by read_committed consumers,
 * the last stable offset held by an open transaction, zombie fencing of two producers with one transactional id, and
 * a consume-transform-produce loop with sendOffsetsToTransaction and aborts whose output has every input exactly once.
 */
@Timeout(180)
class TransactionsIT {
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("transaction.state.log.num.partitions", "3"));
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        admin = Admin.create(p);
    }

    @AfterAll
    static void stop() throws Exception {
        admin.close();
        broker.close();
    }

    static void transactionVersion(Admin admin, int level) throws Exception {
        short current = admin.describeFeatures().featureMetadata().get(10, TimeUnit.SECONDS).finalizedFeatures()
                .entrySet().stream().filter(e -> e.getKey().equals("transaction.version"))
                .map(e -> e.getValue().maxVersionLevel()).findFirst().orElse((short) 0);
        if (current == level) {
            return;
        }
        admin.updateFeatures(Map.of("transaction.version", new FeatureUpdate((short) level, level < current
                ? FeatureUpdate.UpgradeType.SAFE_DOWNGRADE : FeatureUpdate.UpgradeType.UPGRADE)),
                new UpdateFeaturesOptions()).all().get(10, TimeUnit.SECONDS);
    }

    private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Properties p = broker.producerProps();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String isolation, String group) {
        Properties p = broker.consumerProps();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(p);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String value) {
        return new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Every value of {@code topic} (assigned, from the start) until the end offsets at the isolation are reached. */
    static List<String> readAll(String topic, int partitions, String isolation) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(isolation, null)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 1})
    void committedRecordsAreReadOnceAndAbortedOnesNever(int tv) throws Exception {
        transactionVersion(admin, tv);
        String topic = "txn-commit-abort-tv" + tv;
        broker.createTopic(topic, 2, Map.of());
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer("commit-abort-" + tv)) {
            p.initTransactions();
            for (int round = 0; round < 4; round++) {
                p.beginTransaction();
                boolean commit = round != 1;
                for (int i = 0; i < 10; i++) {
                    String v = (commit ? "c" : "a") + round + "-" + i;
                    p.send(record(topic, i % 2, v));
                    if (commit) {
                        committed.add(v);
                    }
                }
                if (commit) {
                    p.commitTransaction();
                } else {
                    p.flush();
                    p.abortTransaction();
                }
            }
        }
        List<String> readCommitted = readAll(topic, 2, "read_committed");
        assertEquals(Set.copyOf(committed), Set.copyOf(readCommitted));
        assertEquals(committed.size(), readCommitted.size(), "each committed record once");
        assertEquals(40, readAll(topic, 2, "read_uncommitted").size(), "read_uncommitted sees the aborted ones too");
    }

    @Test
    void anOpenTransactionHoldsTheLastStableOffset() throws Exception {
        String topic = "txn-lso";
        broker.createTopic(topic, 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<byte[], byte[]> p = producer("lso");
             KafkaConsumer<byte[], byte[]> committed = consumer("read_committed", null);
             KafkaConsumer<byte[], byte[]> uncommitted = consumer("read_uncommitted", null)) {
            p.initTransactions();
            p.beginTransaction();
            for (int i = 0; i < 3; i++) {
                p.send(record(topic, 0, "open-" + i));
            }
            p.flush();
            assertEquals(0L, committed.endOffsets(List.of(tp)).get(tp), "the LSO is the open transaction's start");
            assertEquals(3L, uncommitted.endOffsets(List.of(tp)).get(tp), "the high watermark");
            committed.assign(List.of(tp));
            committed.seekToBeginning(List.of(tp));
            assertTrue(committed.poll(Duration.ofMillis(500)).isEmpty(), "nothing readable below the LSO");
            p.commitTransaction();
            // EndTxn answers once the commit is prepared; the markers are written after it (as in Kafka), so the
            // LSO reaches the marker's end a moment later.
            long lsoDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long lso = committed.endOffsets(List.of(tp)).get(tp);
            while (lso < 4L && System.nanoTime() < lsoDeadline) {
                Thread.sleep(20);
                lso = committed.endOffsets(List.of(tp)).get(tp);
            }
            assertEquals(4L, lso, "3 records and the commit marker");
            List<String> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (got.size() < 3 && System.nanoTime() < deadline) {
                committed.poll(Duration.ofMillis(200)).forEach(r -> got.add(new String(r.value(),
                        StandardCharsets.UTF_8)));
            }
            assertEquals(List.of("open-0", "open-1", "open-2"), got);
        }
    }

    @Test
    void pipelinedRequestsOfOneTransactionAppendInOrder() throws Exception {
        // Small batches, several requests in flight: a transaction's first batches in a partition (sequence 0)
        // and the next ones (sequence 1, ...) travel in different requests, verified separately; each partition
        // must take them in order, however the coordinator's answers come back.
        String topic = "txn-pipelined";
        broker.createTopic(topic, 8, Map.of());
        Properties p = broker.producerProps();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "pipelined");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "1024");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            for (int t = 0; t < 20; t++) {
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    producer.send(record(topic, i % 8, "t" + t + "-" + i + "-" + "x".repeat(600)));
                }
                producer.commitTransaction();
            }
        }
        assertEquals(2000, readAll(topic, 8, "read_committed").size());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 1})
    void aSecondProducerWithTheSameIdFencesTheFirst(int tv) throws Exception {
        transactionVersion(admin, tv);
        String topic = "txn-zombie-tv" + tv;
        broker.createTopic(topic, 1, Map.of());
        String id = "zombie-" + tv;
        try (KafkaProducer<byte[], byte[]> zombie = producer(id)) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(record(topic, 0, "zombie-open")).get(20, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> fresh = producer(id)) {
                // The new producer's InitProducerId aborts the zombie's open transaction and fences its epoch.
                fresh.initTransactions();
                // The zombie's next batch is refused by the partition (its epoch is old), and its transaction can
                // only end by the coordinator fencing it.
                ExecutionException late = assertThrows(ExecutionException.class,
                        () -> zombie.send(record(topic, 0, "zombie-late")).get(20, TimeUnit.SECONDS));
                assertInstanceOf(InvalidProducerEpochException.class, late.getCause());
                KafkaException end = assertThrows(KafkaException.class, zombie::abortTransaction);
                assertTrue(end instanceof ProducerFencedException || end.getCause() instanceof ProducerFencedException,
                        "fenced: " + end);
                fresh.beginTransaction();
                fresh.send(record(topic, 0, "fresh"));
                fresh.commitTransaction();
            }
        }
        assertEquals(List.of("fresh"), readAll(topic, 1, "read_committed"));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 1})
    void consumeTransformProduceWithAbortsCopiesEveryInputOnce(int tv) throws Exception {
        transactionVersion(admin, tv);
        String in = "ctp-in-tv" + tv;
        String out = "ctp-out-tv" + tv;
        String group = "ctp-tv" + tv;
        broker.createTopic(in, 2, Map.of());
        broker.createTopic(out, 2, Map.of());
        int n = 60;
        try (KafkaProducer<byte[], byte[]> seed = new KafkaProducer<>(broker.producerProps())) {
            for (int i = 0; i < n; i++) {
                seed.send(record(in, i % 2, "v" + i));
            }
        }
        int rounds = 0;
        int aborts = 0;
        try (KafkaConsumer<byte[], byte[]> c = consumer("read_committed", group);
             KafkaProducer<byte[], byte[]> p = producer("ctp-" + tv)) {
            c.subscribe(List.of(in));
            p.initTransactions();
            int copied = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (copied < n && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                rounds++;
                p.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    p.send(record(out, r.partition(), new String(r.value(), StandardCharsets.UTF_8)));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                p.sendOffsetsToTransaction(offsets, c.groupMetadata());
                if (rounds % 3 == 2) {
                    p.abortTransaction();
                    aborts++;
                    // Rewind to the last committed offsets: the aborted records are processed again.
                    Map<TopicPartition, OffsetAndMetadata> committed = c.committed(offsets.keySet());
                    for (TopicPartition tp : offsets.keySet()) {
                        OffsetAndMetadata om = committed.get(tp);
                        c.seek(tp, om == null ? 0 : om.offset());
                    }
                } else {
                    p.commitTransaction();
                    copied += records.count();
                }
            }
        }
        List<String> output = readAll(out, 2, "read_committed");
        assertEquals(n, output.size(), "every input once in the committed output (" + aborts + " aborts)");
        assertEquals(n, Set.copyOf(output).size());
        try (KafkaConsumer<byte[], byte[]> c = consumer("read_committed", group)) {
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(new TopicPartition(in, 0),
                    new TopicPartition(in, 1)));
            assertEquals(n, committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum(),
                    "the group's offsets committed with the transactions");
        }
    }
}
