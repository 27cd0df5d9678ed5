package io.samsa.compat.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.compat.SamsaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.FutureCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka Connect 4.4 in distributed mode with {@code exactly.once.source.support=enabled} (KIP-618) against a Samsa
 * process. The worker's leader writes the config topic through its own transactional producer and every worker reads
 * it with read_committed; before a task generation starts, the leader fences the previous generation's producers
 * (Admin fenceProducers: InitProducerId on each task's transactional id); the task then writes each poll's records
 * and its source offsets in one transaction ({@code transaction.boundary=poll}). A connector with
 * {@code exactly.once.support=required} counts 0, 1, 2, ... while its worker is stopped and a new one started, and
 * while the broker is killed with SIGKILL and started again on the same data directory; read with read_committed, the
 * output holds every number exactly once, in order.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConnectExactlyOnceIT {
    private static final int PORT = 24311; // below the ephemeral range (32768-60999): no outgoing connection can hold it
    private static final String GROUP = "connect-eos";
    private static final String OUT = "counted-eos";
    private static final String CONNECTOR = "counter";
    /** The task's transactional id: the worker group, the connector and the task number (KIP-618). */
    private static final String TASK_TXN_ID = GROUP + "-" + CONNECTOR + "-0";
    private static final long MAX = 7000;
    /** Numbers the task must write after each step before the next one. */
    private static final int PROGRESS = 800;

    private static Map<String, String> workerProps(String bootstrap) {
        Map<String, String> p = ConnectWorkers.props(bootstrap, GROUP, GROUP, "http://127.0.0.1:0");
        p.put("exactly.once.source.support", "enabled");
        return p;
    }

    private static Map<String, String> connectorConfig() {
        return Map.of("name", CONNECTOR, "connector.class", CountingSourceConnector.class.getName(),
                "tasks.max", "1", "topic", OUT, "max", Long.toString(MAX), "batch", "20", "pause.ms", "40",
                "exactly.once.support", "required", "transaction.boundary", "poll");
    }

    @Test
    void everyNumberOnceAcrossAWorkerRestartAndAKill9OfTheBroker() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "eos")), "connect");
        SamsaProcess broker = SamsaProcess.of(dir, PORT, Map.of("offsets.topic.num.partitions", "5",
                "transaction.state.log.num.partitions", "5")).start();
        try (CommittedNumbers out = new CommittedNumbers(broker.bootstrap())) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(OUT, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Connect<DistributedHerder> first = ConnectWorkers.start(workerProps(broker.bootstrap()));
            int epoch;
            try {
                ConnectWorkers.putConnector(first.herder(), CONNECTOR, connectorConfig());
                out.awaitAtLeast(PROGRESS);
                epoch = taskTransaction(broker.bootstrap()).producerEpoch();
            } finally {
                first.stop();
            }
            int atStop = out.drain();
            System.out.printf("worker stopped after %d numbers; the task's producer epoch %d%n", atStop, epoch);

            Connect<DistributedHerder> second = ConnectWorkers.start(workerProps(broker.bootstrap()));
            try {
                ConnectWorkers.await("the connector is back from the config topic and running",
                        () -> ConnectWorkers.running(second.herder(), CONNECTOR));
                out.awaitAtLeast(atStop + PROGRESS);
                int after = taskTransaction(broker.bootstrap()).producerEpoch();
                assertTrue(after > epoch, "the task's producer epoch " + epoch + " then " + after);

                // A zombie's fate: fence the running task's producer as a new leader would (InitProducerId on its
                // transactional id). Its open transaction is aborted, its next write refused, the task fails; a
                // restarted task resumes from the last committed offset.
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                    admin.fenceProducers(List.of(TASK_TXN_ID)).all().get(30, TimeUnit.SECONDS);
                }
                ConnectWorkers.await("the fenced task fails",
                        () -> "FAILED".equals(ConnectWorkers.taskState(second.herder(), CONNECTOR)));
                int atFence = out.drain();
                FutureCallback<Void> restarted = new FutureCallback<>();
                second.herder().restartTask(new ConnectorTaskId(CONNECTOR, 0), restarted);
                restarted.get(30, TimeUnit.SECONDS);
                out.awaitAtLeast(atFence + PROGRESS);
                System.out.printf("the fenced task failed after %d numbers and resumed after its restart%n",
                        atFence);

                broker.kill();
                int atKill = out.size();
                long t0 = System.nanoTime();
                broker.start();
                System.out.printf("kill -9 of the broker after %d numbers read; back after %d ms%n", atKill,
                        (System.nanoTime() - t0) / 1_000_000);
                out.awaitAtLeast(atKill + PROGRESS);
                System.out.printf("%d numbers read %d ms after the kill%n", out.size(),
                        (System.nanoTime() - t0) / 1_000_000);
                out.awaitAtLeast(MAX);
                assertTrue(ConnectWorkers.running(second.herder(), CONNECTOR), "the connector and task run");
            } finally {
                second.stop();
            }
            out.drain();
            List<String> expected = new ArrayList<>();
            for (long n = 0; n < MAX; n++) {
                expected.add(Long.toString(n));
            }
            assertEquals(expected, out.values, "every number once, in order, under read_committed");
            // The leader's fencing rounds are recorded, transactionally, in the config topic.
            List<String> configKeys = committedKeys(broker.bootstrap(), GROUP + "-configs");
            assertTrue(configKeys.contains("tasks-fencing-" + CONNECTOR), "config topic keys " + configKeys);
        } finally {
            broker.close();
        }
    }

    /** The keys of single-partition {@code topic} read with read_committed to its last stable offset. */
    private static List<String> committedKeys(String bootstrap, String topic) throws InterruptedException {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            ConnectWorkers.await(topic + " is read to its last stable offset " + end, () -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> keys.add(r.key()));
                return c.position(tp) >= end;
            });
        }
        return keys;
    }

    private static TransactionDescription taskTransaction(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.describeTransactions(List.of(TASK_TXN_ID)).description(TASK_TXN_ID)
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** The output topic read from its beginning with read_committed. */
    private static final class CommittedNumbers implements AutoCloseable {
        final List<String> values = new ArrayList<>();
        private final KafkaConsumer<String, String> consumer;
        private final TopicPartition tp = new TopicPartition(OUT, 0);

        CommittedNumbers(String bootstrap) {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("isolation.level", "read_committed");
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
        }

        int size() {
            return values.size();
        }

        private void poll() {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                values.add(r.value());
            }
        }

        void awaitAtLeast(long n) throws InterruptedException {
            ConnectWorkers.await(n + " numbers are committed", () -> {
                poll();
                return values.size() >= n;
            });
        }

        /** Reads to the last stable offset; returns how many numbers it has read. */
        int drain() throws InterruptedException {
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            ConnectWorkers.await("the output is read to its last stable offset " + end, () -> {
                poll();
                return consumer.position(tp) >= end;
            });
            return values.size();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
