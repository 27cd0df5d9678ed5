package io.samsa.server.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.LogConfig;
import io.samsa.replication.Partition;
import io.samsa.replication.ReplicaManager;
import io.samsa.server.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link ReplicaManager} (fed by the {@link HostingPublisher}) follows the metadata image: partitions (and
 * their logs) appear with new topics and partitions, topic config changes made through the Admin client reach the
 * live logs (and change what they accept and keep), and a deleted topic's logs are deleted with it.
 */
@Timeout(60)
class ReplicaManagerIT {
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false",
                "log.retention.check.interval.ms", "100"));
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        admin = Admin.create(ap);
    }

    @AfterAll
    static void stop() throws Exception {
        admin.close();
        broker.close();
    }

    private static ReplicaManager replicas() {
        return broker.broker().services().replicas();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = broker.producerProps();
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p);
    }

    private static void alter(String topic, Map<String, String> configs) throws Exception {
        Collection<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void newTopicsAndPartitionsGetPartitionsWithLogs() throws Exception {
        admin.createTopics(List.of(new NewTopic("rm-new", 3, (short) 1)
                .configs(Map.of(LogConfig.RETENTION_MS, "4096000")))).all().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            Partition p = replicas().partition("rm-new", i);
            assertNotNull(p, "partition " + i);
            assertTrue(p.isLeader());
            assertTrue(Files.isDirectory(p.log().dir()));
            assertEquals(4096000, p.log().config().retentionMs());
        }
        assertNull(replicas().partition("rm-new", 3));
        admin.createPartitions(Map.of("rm-new", NewPartitions.increaseTo(4))).all().get(10, TimeUnit.SECONDS);
        Partition added = replicas().partition("rm-new", 3);
        assertNotNull(added);
        assertEquals(4096000, added.log().config().retentionMs(), "created with the topic's config");
        assertEquals(0, replicas().partition("rm-new", 0).logEndOffset());
    }

    @Test
    void configChangesReachTheLiveLogs() throws Exception {
        admin.createTopics(List.of(new NewTopic("rm-config", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        Partition p = replicas().partition("rm-config", 0);
        assertFalse(p.isDurableMode());
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            assertEquals(0, producer.send(new ProducerRecord<>("rm-config", 0, null, new byte[3000]))
                    .get(10, TimeUnit.SECONDS).offset());
            alter("rm-config", Map.of(LogConfig.MAX_MESSAGE_BYTES, "2000", LogConfig.RETENTION_MS, "12345678",
                    LogConfig.FLUSH_MESSAGES, "1"));
            // The change reached the partition's shard before the alter was answered; appends queue behind it.
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>("rm-config", 0, null, new byte[3000])).get(10, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause(), e.toString());
            assertEquals(1, producer.send(new ProducerRecord<>("rm-config", 0, null, new byte[1000]))
                    .get(10, TimeUnit.SECONDS).offset());
        }
        LogConfig cfg = p.log().config();
        assertEquals(2000, cfg.maxMessageBytes());
        assertEquals(12345678, cfg.retentionMs());
        assertEquals(1, cfg.flushMessages());
        assertTrue(p.isDurableMode(), "flush.messages=1 makes the partition fsync before acknowledging");
        assertEquals(p.logEndOffset(), p.log().recoveryPoint(), "the acknowledged append was fsynced");
    }

    @Test
    void lowerRetentionDeletesOldSegments() throws Exception {
        admin.createTopics(List.of(new NewTopic("rm-retention", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        Partition p = replicas().partition("rm-retention", 0);
        long old = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>("rm-retention", 0, old + i, null, new byte[200]))
                        .get(10, TimeUnit.SECONDS);
            }
        }
        assertEquals(0, p.logStartOffset(), "a week's retention keeps the hour-old records");
        alter("rm-retention", Map.of(LogConfig.RETENTION_MS, "60000"));
        // The retention task runs every 100 ms on the background scheduler: wait for its effect.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (p.logStartOffset() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(20, p.logStartOffset(), "every record is older than a minute");
        assertEquals(List.of(20L), p.log().segmentBaseOffsets(), "the expired active segment was rolled and deleted");
    }

    @Test
    void deletingATopicDeletesItsLogs() throws Exception {
        admin.createTopics(List.of(new NewTopic("rm-delete", 2, (short) 1))).all().get(10, TimeUnit.SECONDS);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            dirs.add(replicas().partition("rm-delete", i).log().dir());
            assertTrue(Files.isDirectory(dirs.get(i)));
        }
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>("rm-delete", 0, null, new byte[10])).get(10, TimeUnit.SECONDS);
        }
        admin.deleteTopics(List.of("rm-delete")).all().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 2; i++) {
            assertNull(replicas().partition("rm-delete", i));
            assertFalse(Files.exists(dirs.get(i)), "directory " + dirs.get(i) + " is gone");
            assertNull(broker.broker().services().logs().get("rm-delete", i));
        }
        // A new topic of the same name starts empty.
        admin.createTopics(List.of(new NewTopic("rm-delete", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
        assertEquals(0, replicas().partition("rm-delete", 0).logEndOffset());
    }
}
