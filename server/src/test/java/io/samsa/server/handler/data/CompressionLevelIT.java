package io.samsa.server.handler.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * KIP-390's compression levels end to end with the official clients: {@code compression.gzip.level},
 * {@code compression.lz4.level} and {@code compression.zstd.level} are validated as Kafka validates them
 * (INVALID_CONFIG), reported by DescribeConfigs with their source, and are the levels the broker recompresses at
 * when a topic's {@code compression.type} differs from the producer's. The broker's static {@code
 * compression.gzip.level} is the default of topics that set none. Stored sizes are the partitions' sizes on disk
 * (DescribeLogDirs), of the same records sent uncompressed, one record per batch so that batching cannot differ.
 */
@Timeout(120)
class CompressionLevelIT {
    private static final int RECORDS = 4;
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false", "compression.gzip.level", "4"));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stop() throws Exception {
        admin.close();
        broker.close();
    }

    @Test
    void levelsOutsideTheirRangeAreRefusedWithInvalidConfig() throws Exception {
        String[][] invalid = {{"compression.gzip.level", "0"}, {"compression.gzip.level", "10"},
            {"compression.lz4.level", "0"}, {"compression.lz4.level", "18"}, {"compression.zstd.level", "23"},
            {"compression.zstd.level", "-131073"}};
        for (String[] kv : invalid) {
            NewTopic t = new NewTopic("bad-level", 1, (short) 1).configs(Map.of(kv[0], kv[1]));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS), String.join("=", kv));
            assertInstanceOf(InvalidConfigurationException.class, e.getCause(), String.join("=", kv));
            assertTrue(e.getCause().getMessage().contains(kv[0]), e.getCause().getMessage());
        }
        assertTrue(!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("bad-level"));
        admin.createTopics(List.of(new NewTopic("alter-level", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "alter-level");
        ExecutionException e = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(Map.of(
                topic, List.of(new AlterConfigOp(new ConfigEntry("compression.lz4.level", "18"),
                        AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS));
        assertInstanceOf(InvalidConfigurationException.class, e.getCause());
        // The limits themselves are valid.
        admin.incrementalAlterConfigs(Map.of(topic, List.of(
                new AlterConfigOp(new ConfigEntry("compression.zstd.level", "-131072"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("compression.lz4.level", "17"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("compression.gzip.level", "-1"), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        Config config = describe("alter-level");
        assertEquals("-131072", config.get("compression.zstd.level").value());
        assertEquals("17", config.get("compression.lz4.level").value());
        assertEquals("-1", config.get("compression.gzip.level").value());
    }

    @Test
    void theLevelIsTheOneTheBrokerRecompressesAt() throws Exception {
        Map<String, Long> sizes = new LinkedHashMap<>();
        String[][] topics = {{"zstd-1", "zstd", "compression.zstd.level", "1"},
            {"zstd-19", "zstd", "compression.zstd.level", "19"}, {"zstd-default", "zstd", null, null},
            {"gzip-1", "gzip", "compression.gzip.level", "1"}, {"gzip-9", "gzip", "compression.gzip.level", "9"},
            {"gzip-4", "gzip", "compression.gzip.level", "4"}, {"gzip-broker-default", "gzip", null, null},
            {"lz4-1", "lz4", "compression.lz4.level", "1"}, {"lz4-17", "lz4", "compression.lz4.level", "17"}};
        List<byte[]> values = compressibleValues();
        for (String[] t : topics) {
            Map<String, String> configs = new HashMap<>(Map.of("compression.type", t[1]));
            if (t[2] != null) {
                configs.put(t[2], t[3]);
            }
            admin.createTopics(List.of(new NewTopic(t[0], 1, (short) 1).configs(configs))).all()
                    .get(30, TimeUnit.SECONDS);
            produceUncompressed(t[0], values);
            assertEquals(values.size(), consume(t[0], values.size()), t[0]);
            sizes.put(t[0], partitionSize(t[0]));
        }
        assertTrue(sizes.get("zstd-19") < sizes.get("zstd-1"), sizes.toString());
        assertTrue(sizes.get("gzip-9") < sizes.get("gzip-1"), sizes.toString());
        assertTrue(sizes.get("lz4-17") < sizes.get("lz4-1"), sizes.toString());
        assertNotEquals(sizes.get("zstd-default"), sizes.get("zstd-1"), sizes.toString());
        // No topic level: the broker's static compression.gzip.level=4, byte for byte what the explicit 4 stores.
        assertEquals(sizes.get("gzip-4"), sizes.get("gzip-broker-default"), sizes.toString());
        assertNotEquals(sizes.get("gzip-1"), sizes.get("gzip-4"), sizes.toString());

        Config zstd19 = describe("zstd-19");
        assertEquals("19", zstd19.get("compression.zstd.level").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, zstd19.get("compression.zstd.level").source());
        Config fallback = describe("gzip-broker-default");
        assertEquals("4", fallback.get("compression.gzip.level").value());
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, fallback.get("compression.gzip.level").source());
        assertEquals("3", fallback.get("compression.zstd.level").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, fallback.get("compression.zstd.level").source());
        assertEquals("9", fallback.get("compression.lz4.level").value());

        // A level changed by AlterConfigs applies to the next append: zstd-1 now stores as zstd-19 did.
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "zstd-1"), List.of(
                new AlterConfigOp(new ConfigEntry("compression.zstd.level", "19"), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        long before = sizes.get("zstd-1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"19".equals(describe("zstd-1").get("compression.zstd.level").value())
                && System.nanoTime() < deadline) {
            Thread.sleep(50); // the change reaches the broker's metadata image asynchronously
        }
        produceUncompressed("zstd-1", values);
        assertEquals(sizes.get("zstd-19"), partitionSize("zstd-1") - before, sizes.toString());
    }

    private static Config describe(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }

    /** One record per batch (each send awaited), uncompressed: the batches are the same for every topic. */
    private static void produceUncompressed(String topic, List<byte[]> values) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(broker.producerProps())) {
            for (int i = 0; i < values.size(); i++) {
                p.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8), values.get(i)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static int consume(String topic, int expected) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(broker.consumerProps())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out.size();
        }
    }

    private static long partitionSize(String topic) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        List<Integer> ids = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id).toList();
        Collection<Map<String, LogDirDescription>> dirs = admin.describeLogDirs(ids).allDescriptions()
                .get(30, TimeUnit.SECONDS).values();
        for (Map<String, LogDirDescription> byDir : dirs) {
            for (LogDirDescription d : byDir.values()) {
                if (d.replicaInfos().containsKey(tp)) {
                    return d.replicaInfos().get(tp).size();
                }
            }
        }
        throw new AssertionError("no replica of " + tp + " in DescribeLogDirs");
    }

    /** JSON-like values from a small vocabulary, about 20 KB each: compressible, with room for a better level. */
    private static List<byte[]> compressibleValues() {
        Random random = new Random(390);
        String[] words = {"order", "customer", "amount", "currency", "EUR", "USD", "shipped", "pending", "warehouse",
            "priority", "express", "standard", "Berlin", "Lisbon", "Osaka", "Denver"};
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            StringBuilder v = new StringBuilder("[");
            while (v.length() < 20_000) {
                v.append("{\"id\":").append(random.nextInt(1_000_000));
                for (int f = 0; f < 6; f++) {
                    v.append(",\"").append(words[random.nextInt(words.length)]).append("\":\"")
                            .append(words[random.nextInt(words.length)]).append(random.nextInt(100)).append('"');
                }
                v.append("},");
            }
            values.add(v.append("{}]").toString().getBytes(StandardCharsets.UTF_8));
        }
        return values;
    }
}
