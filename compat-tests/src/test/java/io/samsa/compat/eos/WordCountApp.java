package io.samsa.compat.eos;

import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams word count of {@link StreamsEosKillIT} (its {@link #topology} also serves
 * {@code StreamsEosIT}), as a process of its own so that the test can kill it with SIGKILL:
 * {@code WordCountApp BOOTSTRAP STATE_DIR INPUT OUTPUT}. Lines of {@code INPUT} are split into words, regrouped by
 * word through a repartition topic, counted in a persistent store with a changelog, and every new count goes to
 * {@code OUTPUT} (no record cache, so each word's counts are 1, 2, 3, ...), under
 * {@code processing.guarantee=exactly_once_v2}. Runs until killed; SIGTERM closes it cleanly. It prints each state
 * change of the application on standard output.
 */
public final class WordCountApp {
    static final String APPLICATION_ID = "wc-eos-kill";

    private WordCountApp() {
    }

    /**
     * The word count: lines of {@code input} split into words, regrouped by word through a repartition topic,
     * counted in a persistent store {@code counts} (changelogged), every new count to {@code output}.
     */
    public static Topology topology(String input, String output) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(v -> Arrays.asList(v.toLowerCase(Locale.ROOT).split(" ")))
                .groupBy((k, w) -> w, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long>as(Stores.persistentKeyValueStore("counts"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream().to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return b.build();
    }

    public static void main(String[] args) throws InterruptedException {
        String bootstrap = args[0];
        String stateDir = args[1];
        String input = args[2];
        String output = args[3];
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        // Records go to the broker as they are produced, not at the commit's flush: a kill then leaves the
        // transaction's records in the logs, for the broker to abort and read_committed to skip.
        p.put(StreamsConfig.producerPrefix("linger.ms"), "0");
        // A killed instance's member is dropped after 6 s (the broker's minimum) instead of Kafka's 45 s, so that
        // the restarted instance gets the tasks soon.
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), "6000");
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), "1000");
        KafkaStreams streams = new KafkaStreams(topology(input, output), p);
        streams.setStateListener((now, before) -> System.out.println("wordcount: " + before + " -> " + now));
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            closed.countDown();
        }, "wordcount-shutdown"));
        streams.start();
        closed.await();
    }
}
