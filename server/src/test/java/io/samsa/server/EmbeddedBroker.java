package io.samsa.server;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.server.config.BrokerConfig;
import io.samsa.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A broker for tests: loopback, an ephemeral port, a temporary data directory (deleted on close unless
 * {@code keepData}), and optional extra configuration. Restartable on the same directory.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> props;
    private final boolean ownDir;
    private SamsaBroker broker;

    private EmbeddedBroker(Path dataDir, Map<String, String> props, boolean ownDir) {
        this.dataDir = dataDir;
        this.props = props;
        this.ownDir = ownDir;
    }

    public static EmbeddedBroker start() throws Exception {
        return start(Map.of());
    }

    public static EmbeddedBroker start(Map<String, String> extra) throws Exception {
        return start(Files.createTempDirectory("samsa-test"), extra, true);
    }

    public static EmbeddedBroker start(Path dataDir, Map<String, String> extra, boolean deleteOnClose)
            throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:0");
        props.put("log.dirs", dataDir.toString());
        props.put("offsets.topic.num.partitions", "5");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.putAll(extra);
        EmbeddedBroker b = new EmbeddedBroker(dataDir, props, deleteOnClose);
        b.broker = SamsaBroker.start(BrokerConfig.from(props));
        return b;
    }

    /** Stops and starts the broker on the same data directory and port. */
    public void restart() throws Exception {
        int port = broker.boundListeners().get(0).port();
        broker.close();
        Map<String, String> p = new LinkedHashMap<>(props);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        broker = SamsaBroker.start(BrokerConfig.from(p));
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public int port() {
        return broker.boundListeners().get(0).port();
    }

    public SamsaBroker broker() {
        return broker;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates a topic through the controller (replication factor 1) and waits until the broker's handlers see it.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        createTopics(List.of(new CreateTopicRequest(name, partitions, 1, Map.of(), configs)));
    }

    /** Creates topics through the controller and waits until the broker's handlers see them. */
    public void createTopics(List<CreateTopicRequest> topics) throws Exception {
        List<CreateTopicResult> r = broker.services().metadata()
                .whenPublished(broker.services().metadata().controller().createTopics(topics, false))
                .get(10, TimeUnit.SECONDS);
        for (CreateTopicResult result : r) {
            if (result.error() != ErrorCode.NONE) {
                throw new AssertionError("Cannot create " + result.name() + ": " + result);
            }
        }
    }

    /** Byte-array producer settings with short timeouts, so a misbehaving broker fails a test fast. */
    public Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "8000");
        return p;
    }

    /** Byte-array consumer settings with short timeouts, no auto-commit, reading from the earliest offset. */
    public Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }

    @Override
    public void close() throws IOException {
        broker.close();
        if (ownDir) {
            try (Stream<Path> walk = Files.walk(dataDir)) {
                walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
