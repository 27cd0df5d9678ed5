package io.samsa.server;

import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

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
