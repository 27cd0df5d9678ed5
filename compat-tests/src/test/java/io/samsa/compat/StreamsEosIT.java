package io.samsa.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.compat.eos.WordCountApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka Streams 4.4 with {@code processing.guarantee=exactly_once_v2} against Samsa: a word count through a
 * repartition topic and a changelogged store. Under read_committed its output holds each word's counts in order, no
 * count twice (a duplicate would mean a transaction's output was both aborted and replayed, or committed twice), and
 * ends with the exact totals; the application is stopped and started again on the same input, with more input, and
 * the totals stay exact. The broker and the application run in this JVM and stop cleanly; {@code StreamsEosKillIT}
 * (package {@code io.samsa.compat.eos}) runs both as processes and kills each with SIGKILL mid-processing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StreamsEosIT {
    private static final String IN = "wc-in";
    private static final String OUT = "wc-out";
    private static final List<String> WORDS = List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta");

    private static SamsaTarget samsa;

    @BeforeAll
    static void start() throws Exception {
        samsa = SamsaTarget.start();
        Properties p = new Properties();
        p.put("bootstrap.servers", samsa.bootstrap());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(IN, 2, (short) 1), new NewTopic(OUT, 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (samsa != null) {
            samsa.close();
        }
    }

    /** Lines {@code from} to {@code to} (exclusive): line i holds words i % 7, i % 5 and i % 3. */
    private static List<String> lines(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(WORDS.get(i % 7) + " " + WORDS.get(i % 5) + " " + WORDS.get(i % 3));
        }
        return out;
    }

    private static Map<String, Long> expected(int lines) {
        Map<String, Long> counts = new TreeMap<>();
        for (String line : lines(0, lines)) {
            for (String w : line.split(" ")) {
                counts.merge(w, 1L, Long::sum);
            }
        }
        return counts;
    }

    private static void produce(List<String> lines) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", samsa.bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < lines.size(); i++) {
                producer.send(new ProducerRecord<>(IN, "line-" + i, lines.get(i))).get(20, TimeUnit.SECONDS);
            }
        }
    }

    private static KafkaStreams wordCount(Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "wc-eos");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, samsa.bootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        KafkaStreams streams = new KafkaStreams(WordCountApp.topology(IN, OUT), p);
        streams.start();
        return streams;
    }

    /**
     * Reads the output under read_committed until every word's last count is {@code want}'s (or 90 s pass); returns
     * every count read, by word, in order.
     */
    private static Map<String, List<Long>> readCounts(Map<String, Long> want) {
        Properties p = new Properties();
        p.put("bootstrap.servers", samsa.bootstrap());
        p.put("isolation.level", "read_committed");
        Map<String, List<Long>> seen = new HashMap<>();
        Map<String, Long> last = new TreeMap<>();
        try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new LongDeserializer())) {
            TopicPartition tp = new TopicPartition(OUT, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!last.equals(want) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
                    seen.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                    last.put(r.key(), r.value());
                }
            }
        }
        assertEquals(want, last, "the last count of every word");
        return seen;
    }

    private static void assertNoCountTwice(Map<String, List<Long>> seen) {
        seen.forEach((word, counts) -> {
            Set<Long> distinct = new HashSet<>(counts);
            assertEquals(counts.size(), distinct.size(), "a count of " + word + " written twice: " + counts);
            for (int i = 1; i < counts.size(); i++) {
                assertTrue(counts.get(i) > counts.get(i - 1), "the counts of " + word + " go back: " + counts);
            }
        });
    }

    @Test
    void wordCountIsExactAcrossARestartOfTheApplication() throws Exception {
        Path state = Files.createTempDirectory("samsa-streams");
        produce(lines(0, 300));
        try (KafkaStreams app = wordCount(state)) {
            assertNoCountTwice(readCounts(expected(300)));
        }
        // Stopped: more input arrives; a new instance resumes from the committed offsets and the changelog.
        produce(lines(300, 500));
        try (KafkaStreams app = wordCount(state)) {
            assertNoCountTwice(readCounts(expected(500)));
        }
    }
}
