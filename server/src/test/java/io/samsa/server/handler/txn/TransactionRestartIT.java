package io.samsa.server.handler.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transactions across a restart of the broker, with the official Java client: committed records stay readable under
 * read_committed and aborted ones stay hidden (the producer state, the last stable offset and the aborted-transaction
 * index are recovered from the log), and a transaction left open by a producer that went quiet is aborted by the
 * coordinator that loads it from {@code __transaction_state} once its timeout has passed, which moves the last stable
 * offset past it; the transactional id goes on with a new epoch.
 */
@Timeout(180)
class TransactionRestartIT {
    private static final String TOPIC = "txn-restart";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private static ProducerRecord<byte[], byte[]> record(String value) {
        return new ProducerRecord<>(TOPIC, 0, null, value.getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedBroker broker, String id, int timeoutMs) {
        Properties p = broker.producerProps();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(timeoutMs));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedBroker broker, String isolation) {
        Properties p = broker.consumerProps();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(p);
    }

    /** The values of the partition from its start up to the end offset at {@code isolation}. */
    private static List<String> read(EmbeddedBroker broker, String isolation) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(broker, isolation)) {
            c.assign(List.of(TP));
            c.seekToBeginning(List.of(TP));
            long end = c.endOffsets(List.of(TP)).get(TP);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(TP) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static long lastStableOffset(EmbeddedBroker broker) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(broker, "read_committed")) {
            return c.endOffsets(List.of(TP)).get(TP);
        }
    }

    @Test
    void committedAbortedAndTimedOutTransactionsAfterARestart() throws Exception {
        // The coordinator looks for timed-out transactions every 200 ms.
        try (EmbeddedBroker broker = EmbeddedBroker.start(Map.of("transaction.state.log.num.partitions", "2",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200"))) {
            broker.createTopic(TOPIC, 1, Map.of());
            try (KafkaProducer<byte[], byte[]> p = producer(broker, "restart-done", 60_000)) {
                p.initTransactions();
                p.beginTransaction();
                p.send(record("c0"));
                p.send(record("c1"));
                p.commitTransaction();
                p.beginTransaction();
                p.send(record("a0"));
                p.flush();
                p.abortTransaction();
            }
            // Offsets 0-1 committed, 2 their marker, 3 aborted, 4 its marker; then an open transaction from 5.
            KafkaProducer<byte[], byte[]> quiet = producer(broker, "restart-open", 3_000);
            try {
                quiet.initTransactions();
                quiet.beginTransaction();
                quiet.send(record("open0")).get(20, TimeUnit.SECONDS);
                quiet.send(record("open1")).get(20, TimeUnit.SECONDS);
                assertEquals(5L, lastStableOffset(broker), "the open transaction holds the last stable offset");

                broker.restart();

                assertEquals(List.of("c0", "c1"), read(broker, "read_committed").subList(0, 2));
                // The coordinator loaded the open transaction and aborts it once its 3 s timeout has passed: its
                // abort marker (offset 7) moves the last stable offset to the end of the log.
                try (KafkaConsumer<byte[], byte[]> c = consumer(broker, "read_committed")) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    long lso = c.endOffsets(List.of(TP)).get(TP);
                    while (lso < 8 && System.nanoTime() < deadline) {
                        lso = c.endOffsets(List.of(TP)).get(TP);
                    }
                    assertEquals(8L, lso, "the timed-out transaction was aborted");
                }
                assertEquals(List.of("c0", "c1"), read(broker, "read_committed"));
                assertEquals(List.of("c0", "c1", "a0", "open0", "open1"), read(broker, "read_uncommitted"));
            } finally {
                quiet.close(Duration.ZERO);
            }
            Properties ap = new Properties();
            ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Admin admin = Admin.create(ap)) {
                TransactionDescription d = admin.describeTransactions(List.of("restart-open")).description(
                        "restart-open").get(10, TimeUnit.SECONDS);
                assertEquals(TransactionState.COMPLETE_ABORT, d.state());
                assertTrue(d.topicPartitions().isEmpty(), "no partition left: " + d.topicPartitions());
            }
            // The transactional id goes on: a new producer gets a new epoch and commits.
            try (KafkaProducer<byte[], byte[]> p = producer(broker, "restart-open", 60_000)) {
                p.initTransactions();
                p.beginTransaction();
                p.send(record("after"));
                p.commitTransaction();
            }
            assertEquals(List.of("c0", "c1", "after"), read(broker, "read_committed"));
        }
    }
}
