package io.samsa.compat.streams;

import io.samsa.compat.eos.WordCountApp;
import io.samsa.embedded.EmbeddedSamsa;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Measures how often a Kafka Streams word count ({@link WordCountApp#topology}, exactly_once_v2,
 * {@code commit.interval.ms=100}) commits under a steady input: {@code StreamsCommitRate [BOOTSTRAP|-] [SECONDS]}
 * (without a bootstrap, or with {@code -}, it starts an embedded Samsa); {@code -Dfeed.lines} and
 * {@code -Dfeed.sleep.ms} shape the input, {@code -Dguarantee} the processing guarantee. Prints the commits of the
 * first 10 s, the commit rate after them, and the stream thread's, producer's and consumer's latencies, so that one
 * broker can be compared with another (docs/transactions.md, "Commit rate").
 */
public final class StreamsCommitRate {
    private StreamsCommitRate() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedSamsa embedded = args.length > 0 && !args[0].equals("-") ? null : EmbeddedSamsa.builder().start();
        String bootstrap = embedded != null ? embedded.bootstrapServers() : args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("rate-in", 2, (short) 1), new NewTopic("rate-out", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread feeder = new Thread(() -> feed(bootstrap, running), "feeder");
        feeder.start();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "commit-rate-" + System.currentTimeMillis());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                System.getProperty("guarantee", StreamsConfig.EXACTLY_ONCE_V2));
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("commit-rate").toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "DEBUG");
        try (KafkaStreams streams = new KafkaStreams(WordCountApp.topology("rate-in", "rate-out"), p)) {
            streams.start();
            Thread.sleep(10_000);
            double c0 = metric(streams, "commit-total", "stream-thread-metrics");
            System.out.printf("RESULT commits in the first 10 s (start-up included)=%.0f%n", c0);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double c1 = metric(streams, "commit-total", "stream-thread-metrics");
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("RESULT commits/s=%.2f (every %.0f ms) over %.0f s%n", (c1 - c0) / s,
                    1000 * s / (c1 - c0), s);
            for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
                MetricName n = e.getKey();
                String name = n.name();
                if (name.startsWith("commit-latency") || name.startsWith("poll-latency")
                        || name.startsWith("fetch-latency") || name.startsWith("txn-")
                        || name.equals("process-latency-avg") || name.equals("poll-records-avg")
                        || name.equals("request-latency-avg")) {
                    if (n.group().endsWith("node-metrics") || n.group().contains("task")) {
                        continue;
                    }
                    System.out.printf("METRIC %s %s %s = %s%n", n.group(), n.tags().getOrDefault("client-id",
                            n.tags().getOrDefault("thread-id", "")), name, e.getValue().metricValue());
                }
            }
        } finally {
            running.set(false);
            feeder.join();
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private static double metric(KafkaStreams streams, String name, String group) {
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals(name) && e.getKey().group().equals(group)) {
                return ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        throw new IllegalStateException("no metric " + group + "/" + name);
    }

    /**
     * Sends {@code -Dfeed.lines} lines (default 1) every {@code -Dfeed.sleep.ms} ms (default 2) until
     * {@code running} turns false.
     */
    private static void feed(String bootstrap, AtomicBoolean running) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", 0), new StringSerializer(), new StringSerializer())) {
            List<String> words = List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta");
            int lines = Integer.getInteger("feed.lines", 1);
            long sleep = Long.getLong("feed.sleep.ms", 2);
            for (int i = 0; running.get();) {
                for (int k = 0; k < lines; k++, i++) {
                    producer.send(new ProducerRecord<>("rate-in", "line-" + i,
                            words.get(i % 7) + " " + words.get(i % 5) + " " + words.get(i % 3)));
                }
                Thread.sleep(sleep);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
