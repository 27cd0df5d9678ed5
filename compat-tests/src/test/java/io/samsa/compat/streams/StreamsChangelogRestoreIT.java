package io.samsa.compat.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.compat.Topics;
import io.samsa.embedded.EmbeddedSamsa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka Streams restores a state store from its compacted changelog after a restart of the broker and of the
 * application: the store (in memory, so that nothing survives the application but the changelog) holds the latest
 * value of each key; Streams creates its changelog compacted, Samsa's cleaner compacts it, and the restored store
 * equals the one before the restart while the restore reads far fewer records than were ever written to the
 * changelog.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StreamsChangelogRestoreIT {
    private static final String APP = "latest-per-key";
    private static final String INPUT = "updates";
    private static final String STORE = "latest";
    private static final String CHANGELOG = APP + "-" + STORE + "-changelog";
    private static final int KEYS = 50;
    private static final int ROUNDS = 40;
    /** Values of about 2 KB: 2,000 updates fill four 1 MiB changelog segments. */
    private static final String PAD = "x".repeat(2000);

    private static Properties streamsProps(EmbeddedSamsa broker, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // No record cache: every update reaches the changelog.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        // The changelog's topic configs (Streams adds cleanup.policy=compact): small segments, eager cleaning.
        p.put(StreamsConfig.topicPrefix("segment.bytes"), "1048576");
        p.put(StreamsConfig.topicPrefix("min.cleanable.dirty.ratio"), "0.01");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return p;
    }

    private static KafkaStreams latestPerKey(EmbeddedSamsa broker, Path stateDir, StateRestoreListener restores) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                .reduce((older, newer) -> newer, Materialized.<String, String>as(Stores.inMemoryKeyValueStore(STORE))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
        KafkaStreams streams = new KafkaStreams(builder.build(), streamsProps(broker, stateDir));
        streams.setGlobalStateRestoreListener(restores);
        streams.start();
        return streams;
    }

    private static String expected(int key) {
        return "r" + (ROUNDS - 1) + "-key-" + key;
    }

    /** Waits until the store answers with the last value of every key; returns its contents. */
    private static Map<String, String> awaitLatest(KafkaStreams streams) throws InterruptedException {
        Map<String, String> seen = new HashMap<>();
        await("the store holds the last value of every key", () -> {
            if (streams.state() != KafkaStreams.State.RUNNING) {
                return false;
            }
            seen.clear();
            try {
                ReadOnlyKeyValueStore<String, String> store = streams.store(StoreQueryParameters.fromNameAndType(
                        STORE, QueryableStoreTypes.<String, String>keyValueStore()));
                for (int k = 0; k < KEYS; k++) {
                    String v = store.get("key-" + k);
                    if (v == null || !v.startsWith(expected(k) + ":")) {
                        return false;
                    }
                    seen.put("key-" + k, v);
                }
            } catch (RuntimeException migratingOrRestoring) {
                return false;
            }
            return true;
        });
        return Map.copyOf(seen);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Topics.await(what, 90, condition);
    }

    /** The records of the changelog from its beginning to its end. */
    private static long changelogRecords(EmbeddedSamsa broker) {
        return Topics.readAll(broker.bootstrapServers(), CHANGELOG).size();
    }

    private static Admin admin(EmbeddedSamsa broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000"));
    }

    /** Counts what a restore reads. */
    private static final class Restores implements StateRestoreListener {
        final AtomicLong restored = new AtomicLong();
        final AtomicLong ended = new AtomicLong();

        @Override
        public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset,
                                   long endingOffset) {
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset,
                                    long numRestored) {
            restored.addAndGet(numRestored);
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
            ended.incrementAndGet();
        }
    }

    @Test
    void aStoreIsRestoredFromItsCompactedChangelogAfterARestart() throws Exception {
        Path stateDir = Files.createTempDirectory("streams-state");
        try (EmbeddedSamsa broker = EmbeddedSamsa.builder().config("log.cleaner.backoff.ms", "100")
                .config("offsets.topic.num.partitions", "1").start()) {
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic(INPUT, 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
            }
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
                for (int r = 0; r < ROUNDS; r++) {
                    for (int k = 0; k < KEYS; k++) {
                        p.send(new ProducerRecord<>(INPUT, "key-" + k, "r" + r + "-key-" + k + ":" + PAD));
                    }
                }
                p.flush();
            }
            int written = KEYS * ROUNDS;

            Map<String, String> before;
            KafkaStreams first = latestPerKey(broker, stateDir.resolve("first"), new Restores());
            try {
                before = awaitLatest(first);
                try (Admin admin = admin(broker)) {
                    Config cfg = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                            CHANGELOG))).all().get(15, TimeUnit.SECONDS).values().iterator().next();
                    assertEquals("compact", cfg.get("cleanup.policy").value(), "Streams creates its changelog "
                            + "compacted");
                }
                // The first segments of the changelog are cleaned (the active one never is).
                await("the cleaner compacted the changelog", () -> changelogRecords(broker) < written / 2);
            } finally {
                first.close(Duration.ofSeconds(30));
            }
            long left = changelogRecords(broker);

            broker.restart();
            Restores restores = new Restores();
            // A new state directory as well: nothing of the first run is left but the changelog.
            KafkaStreams second = latestPerKey(broker, stateDir.resolve("second"), restores);
            try {
                Map<String, String> after = awaitLatest(second);
                assertEquals(before, after, "the restored store");
                assertEquals(1, restores.ended.get(), "one restore of the store's changelog");
                // At most what was left before the restart: the cleaner may have gone on since.
                assertTrue(restores.restored.get() > 0 && restores.restored.get() <= left, "restored "
                        + restores.restored.get() + " records of a changelog of " + left);
                assertTrue(restores.restored.get() < written / 2, "restored " + restores.restored.get()
                        + " of " + written + " updates");
            } finally {
                second.close(Duration.ofSeconds(30));
            }
        } finally {
            try (var walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
