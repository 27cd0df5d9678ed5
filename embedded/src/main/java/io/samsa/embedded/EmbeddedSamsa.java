package io.samsa.embedded;

import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.network.FaultInjector;
import io.samsa.wire.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Samsa broker inside the test's JVM: a single node on a random loopback port, its data in a temporary
 * directory that {@link #close} deletes. {@code EmbeddedSamsa.start()} returns once the broker answers
 * requests; {@link #bootstrapServers()} is what clients need.
 *
 * <pre>{@code
 * try (EmbeddedSamsa samsa = EmbeddedSamsa.start()) {
 *     props.put("bootstrap.servers", samsa.bootstrapServers());
 *     samsa.failNext(ApiKey.PRODUCE, 2, ErrorCode.NOT_LEADER_OR_FOLLOWER);   // fault injection
 * }
 * }</pre>
 *
 * <p>Thread-safe: start, restart and close from the test's thread; fault methods from any thread.
 * Owns the broker and, unless a directory was given, its data directory.
 */
public final class EmbeddedSamsa implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedSamsa.class);

    /** Well-known API keys for the fault-injection methods (Kafka's numbering). */
    public static final class ApiKey {
        public static final short PRODUCE = 0;
        public static final short FETCH = 1;
        public static final short LIST_OFFSETS = 2;
        public static final short METADATA = 3;
        public static final short OFFSET_COMMIT = 8;
        public static final short OFFSET_FETCH = 9;
        public static final short FIND_COORDINATOR = 10;
        public static final short JOIN_GROUP = 11;
        public static final short HEARTBEAT = 12;
        public static final short LEAVE_GROUP = 13;
        public static final short SYNC_GROUP = 14;
        public static final short API_VERSIONS = 18;
        public static final short CREATE_TOPICS = 19;
        public static final short DELETE_TOPICS = 20;
        public static final short INIT_PRODUCER_ID = 22;

        private ApiKey() {
        }
    }

    private final Path dataDir;
    private final boolean ownsDir;
    private final Map<String, String> props;
    private volatile SamsaBroker broker;

    private EmbeddedSamsa(Path dataDir, boolean ownsDir, Map<String, String> props, SamsaBroker broker) {
        this.dataDir = dataDir;
        this.ownsDir = ownsDir;
        this.props = props;
        this.broker = broker;
    }

    /** Starts a broker with the defaults: random loopback port, temporary directory. */
    public static EmbeddedSamsa start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** host:port for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The port the PLAINTEXT listener is bound to. */
    public int port() {
        return broker.boundListeners().get(0).port();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The running broker, for tests that reach inside. */
    public SamsaBroker broker() {
        return broker;
    }

    /** The broker's fault injector. */
    public FaultInjector faults() {
        return broker.faults();
    }

    /** The next {@code count} requests of {@code apiKey} are answered with {@code error} and not handled. */
    public EmbeddedSamsa failNext(short apiKey, int count, ErrorCode error) {
        broker.faults().failNext(apiKey, count, error);
        return this;
    }

    /** The next {@code count} requests of {@code apiKey} are handled {@code delayMillis} late. */
    public EmbeddedSamsa delayNext(short apiKey, int count, long delayMillis) {
        broker.faults().delayNext(apiKey, count, delayMillis);
        return this;
    }

    /** Disarms every injected fault. */
    public void clearFaults() {
        broker.faults().clear();
    }

    /** Stops the broker and starts it again on the same directory and port (faults are cleared). */
    public synchronized void restart() {
        int port = port();
        broker.close();
        Map<String, String> p = new LinkedHashMap<>(props);
        p.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
        broker = startBroker(p);
    }

    @Override
    public synchronized void close() {
        broker.close();
        if (ownsDir) {
            deleteTree(dataDir);
        }
    }

    private static SamsaBroker startBroker(Map<String, String> props) {
        try {
            return SamsaBroker.start(BrokerConfig.from(props));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Samsa did not start: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    /** Options for {@link EmbeddedSamsa}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> props = new LinkedHashMap<>();
        private Path dataDir;
        private int port;

        private Builder() {
            // Fast, single-node defaults for tests.
            props.put("offsets.topic.num.partitions", "5");
            props.put("group.initial.rebalance.delay.ms", "0");
        }

        /** Any broker setting, Kafka's name ({@code message.max.bytes}, ...). */
        public Builder config(String key, String value) {
            props.put(key, value);
            return this;
        }

        public Builder config(Map<String, String> settings) {
            props.putAll(settings);
            return this;
        }

        /** Keeps data in {@code dir}, which {@link EmbeddedSamsa#close} leaves in place. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** A fixed port instead of a random one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public EmbeddedSamsa start() {
            boolean owns = dataDir == null;
            Path dir;
            try {
                dir = owns ? Files.createTempDirectory("samsa-embedded") : dataDir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Map<String, String> p = new LinkedHashMap<>(props);
            p.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
            p.put(BrokerConfig.LOG_DIRS, dir.toString());
            long t0 = System.nanoTime();
            try {
                SamsaBroker broker = startBroker(p);
                log.info("Embedded Samsa started at {} in {} ms", broker.bootstrapServers(),
                        (System.nanoTime() - t0) / 1_000_000);
                return new EmbeddedSamsa(dir, owns, p, broker);
            } catch (RuntimeException e) {
                if (owns) {
                    deleteTree(dir);
                }
                throw e;
            }
        }
    }
}
