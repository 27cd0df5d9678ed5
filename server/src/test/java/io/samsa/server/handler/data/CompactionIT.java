package io.samsa.server.handler.data;

import static io.samsa.server.handler.data.DataTestSupport.consumerProps;
import static io.samsa.server.handler.data.DataTestSupport.createTopic;
import static io.samsa.server.handler.data.DataTestSupport.producerProps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.Log;
import io.samsa.log.CleanerStats;
import io.samsa.server.EmbeddedBroker;
import io.samsa.server.metrics.JmxMetrics;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.InvalidRecordException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A compacted topic behaves as on Kafka for the official clients: keyed updates are compacted to the latest value per
 * key at their offsets, tombstones are delivered and then disappear after {@code delete.retention.ms}, DescribeLogDirs
 * sizes shrink, a record without a key is refused, and a policy change takes effect live.
 */
@Timeout(120)
class CompactionIT {
    private static final int KEYS = 100;
    private static final byte[] PAD = new byte[2000];

    private static Map<String, String> brokerProps() {
        return Map.of("log.cleaner.backoff.ms", "100", "log.retention.check.interval.ms", "100",
                "auto.create.topics.enable", "false");
    }

    private static Map<String, String> compacted() {
        return Map.of("cleanup.policy", "compact", "segment.bytes", "1048576", "min.cleanable.dirty.ratio", "0.01",
                "delete.retention.ms", "10000");
    }

    private static byte[] value(String v) {
        byte[] s = v.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(s, s.length + PAD.length);
    }

    private static String text(byte[] v) {
        return v == null ? null : new String(v, 0, indexOfPad(v), StandardCharsets.UTF_8);
    }

    private static int indexOfPad(byte[] v) {
        int i = 0;
        while (i < v.length && v[i] != 0) {
            i++;
        }
        return i;
    }

    /**
     * Writes {@code rounds} values for each key ("round-k") but those of {@code tombstones}, then tombstones for those.
     */
    private static void produce(EmbeddedBroker broker, String topic, int from, int rounds, List<String> tombstones)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(broker))) {
            for (int r = from; r < from + rounds; r++) {
                for (int k = 0; k < KEYS; k++) {
                    if (tombstones.contains("key-" + k) && from > 0) {
                        continue;
                    }
                    p.send(new ProducerRecord<>(topic, 0, ("key-" + k).getBytes(StandardCharsets.UTF_8),
                            value(r + "-" + k)));
                }
            }
            for (String key : from > 0 ? List.<String>of() : tombstones) {
                p.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), null));
            }
            p.flush();
        }
    }

    /** Every record from the beginning as offset, key, value (null for a tombstone). */
    private static List<String[]> consumeAll(EmbeddedBroker broker, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(broker))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<String[]> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(new String[] {Long.toString(r.offset()), new String(r.key(), StandardCharsets.UTF_8),
                        text(r.value())});
                }
            }
            assertEquals(end, c.position(tp), "consumed to the end of " + topic);
            return out;
        }
    }

    private static CleanerStats.Snapshot stats(EmbeddedBroker broker) {
        return broker.broker().services().logs().cleanerStats().snapshot();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    private static long partitionSize(Admin admin, String topic) throws Exception {
        Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(List.of(1)).allDescriptions()
                .get(10, TimeUnit.SECONDS);
        long size = -1;
        for (LogDirDescription d : dirs.get(1).values()) {
            var info = d.replicaInfos().get(new TopicPartition(topic, 0));
            if (info != null) {
                size = info.size();
            }
        }
        return size;
    }

    private static Admin admin(EmbeddedBroker broker) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return Admin.create(p);
    }

    @Test
    void keyedUpdatesCompactToTheLatestValuePerKeyAndTombstonesGo() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerProps()); Admin admin = admin(broker)) {
            createTopic(broker, "table", 1, compacted());
            List<String> deleted = List.of("key-0", "key-1", "key-2");
            produce(broker, "table", 0, 20, deleted);
            long written = partitionSize(admin, "table");
            Log log = broker.broker().services().logs().get("table", 0);
            assertTrue(log.segmentCount() >= 3, "segments " + log.segmentCount());
            // Roll the last update out of the active segment: a compacted log's active segment is never cleaned.
            produce(broker, "table", 20, 6, deleted);
            await("the cleaner cleaned the table up to its active segment", () -> stats(broker).passes() > 0
                    && broker.broker().services().logs().cleaner().checkpoint("table-0")
                    == log.segmentBaseOffsets().get(log.segmentCount() - 1));
            long cleaned = partitionSize(admin, "table");
            assertTrue(cleaned < written / 2, "DescribeLogDirs: " + written + " bytes became " + cleaned);

            long activeBase = log.segmentBaseOffsets().get(log.segmentCount() - 1);
            Map<String, String[]> latestBelowActive = new HashMap<>();
            List<String[]> all = consumeAll(broker, "table");
            for (String[] r : all) {
                if (Long.parseLong(r[0]) < activeBase) {
                    assertNull(latestBelowActive.put(r[1], r), "one record per key below the active segment: "
                            + r[1]);
                }
            }
            Map<String, String[]> latest = new HashMap<>();
            for (String[] r : all) {
                latest.put(r[1], r);
            }
            for (int k = 3; k < KEYS; k++) {
                assertEquals("25-" + k, latest.get("key-" + k)[2], "the latest value of key-" + k);
            }
            assertTrue(all.size() < 26 * KEYS / 2, "records left: " + all.size());

            // The tombstones were cleaned into the clean section: delivered until delete.retention.ms passes.
            long offsetOfTombstone = -1;
            for (String[] r : all) {
                if (deleted.contains(r[1])) {
                    assertNull(r[2], "only the tombstone of " + r[1] + " is left, not what it deleted");
                    offsetOfTombstone = Long.parseLong(r[0]);
                }
            }
            assertTrue(offsetOfTombstone >= 0, "the tombstones are still there right after cleaning");
            await("the tombstones are gone", () -> consumeAll(broker, "table").stream()
                    .noneMatch(r -> deleted.contains(r[1])));
            for (String[] r : consumeAll(broker, "table")) {
                assertTrue(r[2] != null, "no tombstone left: " + r[1]);
            }
        }
    }

    @Test
    void aRecordWithoutAKeyIsRefusedOnACompactedTopic() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerProps())) {
            createTopic(broker, "keyed", 1, compacted());
            Properties props = producerProps(broker);
            props.put(ProducerConfig.RETRIES_CONFIG, "0");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> p.send(
                        new ProducerRecord<>("keyed", 0, null, "no key".getBytes(StandardCharsets.UTF_8)))
                        .get(10, TimeUnit.SECONDS));
                assertInstanceOf(InvalidRecordException.class, e.getCause(), e.toString());
                assertTrue(e.getCause().getMessage().contains("without a key"), e.getCause().getMessage());
                assertEquals(0, p.send(new ProducerRecord<>("keyed", 0, "k".getBytes(StandardCharsets.UTF_8),
                        "v".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS).offset());
            }
        }
    }

    @Test
    void aPolicyChangeToCompactTakesEffectLive() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerProps()); Admin admin = admin(broker)) {
            Map<String, String> plain = Map.of("segment.bytes", "1048576", "min.cleanable.dirty.ratio", "0.01");
            createTopic(broker, "switch", 1, plain);
            produce(broker, "switch", 0, 12, List.of());
            assertEquals(12 * KEYS, consumeAll(broker, "switch").size(), "cleanup.policy=delete: nothing compacted");
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "switch");
            Collection<AlterConfigOp> ops = List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"),
                    AlterConfigOp.OpType.SET));
            admin.incrementalAlterConfigs(Map.of(topic, ops)).all().get(10, TimeUnit.SECONDS);
            await("the cleaner cleaned the topic after the change", () -> stats(broker).passes() > 0);
            List<String[]> all = consumeAll(broker, "switch");
            assertTrue(all.size() < 12 * KEYS, "records left: " + all.size());
            assertFalse(all.isEmpty());
        }
    }

    private static Object value(ObjectName name) throws Exception {
        return ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Value");
    }

    @Test
    void theCleanersGaugesAreReadThroughJmxUnderKafkasNames() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName dirty;
        ObjectName uncleanable;
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerProps())) {
            JmxMetrics metrics = broker.broker().metrics();
            dirty = metrics.name("kafka.log", "LogCleanerManager", "max-dirty-percent");
            assertEquals(new ObjectName("kafka.log:type=LogCleanerManager,name=max-dirty-percent"), dirty);
            ObjectName utilization = metrics.name("kafka.log", "LogCleaner", "max-buffer-utilization-percent");
            ObjectName cleanTime = metrics.name("kafka.log", "LogCleaner", "max-clean-time-secs");
            ObjectName sinceLastRun = metrics.name("kafka.log", "LogCleanerManager", "time-since-last-run-ms");
            ObjectName read = metrics.name("io.samsa.log", "LogCleaner", "bytes-read-total");
            ObjectName written = metrics.name("io.samsa.log", "LogCleaner", "bytes-written-total");
            ObjectName removed = metrics.name("io.samsa.log", "LogCleaner", "records-removed-total");
            ObjectName passes = metrics.name("io.samsa.log", "LogCleaner", "passes-total");
            uncleanable = new ObjectName("kafka.log:type=LogCleanerManager,name=uncleanable-partitions-count,"
                    + "logDirectory=" + broker.dataDir().toAbsolutePath());
            assertTrue(metrics.names().contains(uncleanable), metrics.names().toString());
            assertEquals(0L, value(written));

            createTopic(broker, "gauged", 1, compacted());
            produce(broker, "gauged", 0, 12, List.of());
            await("a cleaning pass", () -> stats(broker).passes() > 0);

            CleanerStats.Snapshot st = stats(broker);
            long bytesWritten = (Long) value(written);
            long bytesRead = (Long) value(read);
            assertTrue(bytesWritten > 0, "bytes written " + bytesWritten);
            assertTrue(bytesRead > bytesWritten, "read " + bytesRead + ", written " + bytesWritten);
            assertTrue((Long) value(removed) > 0, "records removed");
            assertTrue((Long) value(passes) >= 1, "passes");
            assertTrue(st.bytesWritten() <= bytesWritten, "a counter only grows");
            int dirtyPercent = (Integer) value(dirty);
            assertTrue(dirtyPercent >= 0 && dirtyPercent <= 100, "max-dirty-percent " + dirtyPercent);
            int fill = (Integer) value(utilization);
            assertTrue(fill >= 0 && fill <= 100, "max-buffer-utilization-percent " + fill);
            assertTrue((Integer) value(cleanTime) >= 0);
            long since = (Long) value(sinceLastRun);
            assertTrue(since >= 0 && since < 60_000, "time-since-last-run-ms " + since);
            assertEquals(0, value(uncleanable));

            // A second node in the JVM: its names carry its node id; closing it removes its names only.
            ObjectName other;
            try (EmbeddedBroker second = EmbeddedBroker.start(brokerProps())) {
                other = second.broker().metrics().name("kafka.log", "LogCleanerManager", "max-dirty-percent");
                assertNotNull(other);
                assertEquals("1", other.getKeyProperty("node"), other.toString());
                assertEquals(0, value(other));
                assertTrue(jmx.isRegistered(dirty));
            }
            assertFalse(jmx.isRegistered(other));
            assertTrue(jmx.isRegistered(dirty));
        }
        assertFalse(jmx.isRegistered(dirty), "unregistered when the broker closes");
        assertFalse(jmx.isRegistered(uncleanable));
    }
}
