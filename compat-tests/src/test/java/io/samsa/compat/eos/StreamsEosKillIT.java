package io.samsa.compat.eos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.samsa.compat.ChildJvm;
import io.samsa.compat.SamsaProcess;
import io.samsa.compat.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka Streams 4.4 with {@code processing.guarantee=exactly_once_v2} survives a {@code kill -9} of the application
 * and of the broker with exact output. The broker (a Samsa process) and the word count ({@link WordCountApp}, a
 * Streams process) each run as processes of their own; input arrives continuously from an idempotent producer while
 * the application is killed with SIGKILL mid-processing and started again on the same state directory, and then the
 * broker is killed with SIGKILL mid-processing and started again on the same data directory (crash recovery: no
 * clean-shutdown marker, open transactions in the logs and in {@code __transaction_state}). Once the input stops,
 * the output read with read_committed must hold, for every word, exactly the counts 1, 2, ..., n in order, where n
 * is the number of times the word occurs in the input as the broker holds it (which must be every line sent, once):
 * a count missing means a committed transaction's output was lost, a count twice means a transaction's output was
 * both aborted and visible or committed twice, a count out of order means the state store and the output disagree.
 *
 * <p>Durability settings: none beyond the defaults (acks=all, Streams' replication factor 1 on one node). A kill -9
 * ends the process, not the machine: what the broker wrote is in the page cache and survives without fsync, so the
 * test needs no {@code log.flush.*} setting; a power loss would (docs/data-path.md). The application's consumers
 * drop a killed member after 6 s ({@code session.timeout.ms}, the broker's minimum) so that the restarted instance
 * gets its tasks soon, and the broker aborts the killed instance's open transaction, if InitProducerId has not
 * already, after 1 s of cleanup interval past its 10 s timeout.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StreamsEosKillIT {
    private static final int PORT = 24301; // below the ephemeral range (32768-60999): no outgoing connection can hold it
    private static final String IN = "wc-kill-in";
    private static final String OUT = "wc-kill-out";
    private static final List<String> WORDS = List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta");
    /** Output counts the application must produce after each step before the next one. */
    private static final int PROGRESS = 600;

    private static String line(int i) {
        return WORDS.get(i % 7) + " " + WORDS.get(i % 5) + " " + WORDS.get(i % 3);
    }

    @Test
    void wordCountIsExactAfterKill9OfTheApplicationAndOfTheBroker() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "eos")), "streams-kill");
        SamsaProcess broker = SamsaProcess.of(dir, PORT, Map.of(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000",
                "offsets.topic.num.partitions", "5", "transaction.state.log.num.partitions", "5")).start();
        ChildJvm app = ChildJvm.of("wordcount", dir.resolve("wordcount.log"), List.of("-Xmx384m"),
                WordCountApp.class, broker.bootstrap(), dir.resolve("state").toString(), IN, OUT);
        try {
            run(broker, app);
        } finally {
            app.stop();
            broker.close();
        }
    }

    private static void run(SamsaProcess broker, ChildJvm app) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(IN, 2, (short) 1), new NewTopic(OUT, 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        Feeder feeder = new Feeder(broker.bootstrap());
        try (CommittedCounts progress = new CommittedCounts(broker.bootstrap())) {
            feeder.start();
            app.start();
            progress.awaitAtLeast(PROGRESS, app);

            long end = logEnd(broker.bootstrap());
            app.kill();
            long t0 = System.nanoTime();
            System.out.printf("kill -9 of the application at output offset %d, %d lines sent%n", end,
                    feeder.sent.get());
            app.start();
            progress.awaitBeyond(end, app);
            System.out.printf("the restarted application's first commit is read %d ms after the kill%n",
                    millisSince(t0));
            progress.awaitAtLeast(progress.size() + PROGRESS, app);

            end = logEnd(broker.bootstrap());
            broker.kill();
            t0 = System.nanoTime();
            System.out.printf("kill -9 of the broker at output offset %d, %d lines sent%n", end, feeder.sent.get());
            broker.start();
            System.out.printf("the broker is back after %d ms%n", millisSince(t0));
            progress.awaitBeyond(end, app);
            System.out.printf("the application's first commit after the broker's restart is read %d ms after the "
                    + "kill%n", millisSince(t0));
            progress.awaitAtLeast(progress.size() + PROGRESS, app);
        } finally {
            feeder.finish();
        }
        assertNull(feeder.failure.get(), "the input producer failed");
        Map<String, Long> expected = inputCounts(broker.bootstrap(), feeder.sent.get());
        try (CommittedCounts output = new CommittedCounts(broker.bootstrap())) {
            output.awaitLast(expected, app);
            assertEquals(expected.keySet(), output.counts.keySet());
            output.counts.forEach((word, counts) -> assertEquals(
                    LongStream.rangeClosed(1, expected.get(word)).boxed().toList(), counts,
                    "the committed counts of " + word));
            System.out.printf("%d lines in, %d counts committed; output log end offset %d (the rest: records of "
                    + "aborted transactions, and markers)%n", feeder.sent.get(), output.size(),
                    logEnd(broker.bootstrap()));
        }
    }

    /** The output's log end offset (records, aborted ones included, and transaction markers). */
    private static long logEnd(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicPartition tp = new TopicPartition(OUT, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS)
                    .offset();
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * Reads the input topic whole; checks it holds every line sent exactly once (the idempotent producer's retries
     * across the broker's kill must not duplicate or lose a line); returns each word's occurrences.
     */
    private static Map<String, Long> inputCounts(String bootstrap, int sent) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        TreeSet<Integer> lines = new TreeSet<>();
        Map<String, Long> counts = new TreeMap<>();
        int read = 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(IN, 0), new TopicPartition(IN, 1));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    int i = Integer.parseInt(r.key().substring("line-".length()));
                    assertEquals(line(i), r.value());
                    lines.add(i);
                    read++;
                    for (String w : r.value().split(" ")) {
                        counts.merge(w, 1L, Long::sum);
                    }
                }
            }
        }
        assertEquals(sent, read, "input records in the topic (each line sent once)");
        assertEquals(sent, lines.size(), "distinct input lines");
        assertEquals(sent - 1, lines.isEmpty() ? -1 : lines.last(), "the last input line");
        return counts;
    }

    /**
     * Sends line 0, 1, 2, ... to the input topic, 5 lines every 50 ms, with an idempotent producer (acks=all) that
     * rides out the broker's restart on its retries.
     */
    private static final class Feeder extends Thread {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        private final KafkaProducer<String, String> producer;
        private volatile boolean stop;

        Feeder(String bootstrap) {
            super("input-feeder");
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("linger.ms", "5");
            producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        }

        @Override
        public void run() {
            int i = 0;
            while (!stop && failure.get() == null) {
                for (int k = 0; k < 5; k++, i++) {
                    producer.send(new ProducerRecord<>(IN, "line-" + i, line(i)), (md, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
                sent.set(i);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Stops sending; returns once every line sent is acknowledged (or failed). */
        void finish() throws InterruptedException {
            stop = true;
            join(10_000);
            producer.flush();
            producer.close(Duration.ofSeconds(30));
        }
    }

    /** The output topic read from its beginning with read_committed: every count of every word, in order. */
    private static final class CommittedCounts implements AutoCloseable {
        final Map<String, List<Long>> counts = new HashMap<>();
        private final KafkaConsumer<String, Long> consumer;
        private long size;
        private long lastOffset = -1;

        CommittedCounts(String bootstrap) {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("isolation.level", "read_committed");
            consumer = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer());
            TopicPartition tp = new TopicPartition(OUT, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
        }

        long size() {
            return size;
        }

        private void poll() {
            for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(100))) {
                counts.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                size++;
                lastOffset = r.offset();
            }
        }

        private Map<String, Long> last() {
            Map<String, Long> last = new TreeMap<>();
            counts.forEach((w, c) -> last.put(w, c.get(c.size() - 1)));
            return last;
        }

        /** Reads until {@code n} counts are committed, failing after 90 s or when the application exits. */
        void awaitAtLeast(long n, ChildJvm app) throws InterruptedException {
            await(n + " counts are committed", app, () -> size >= n);
        }

        /** Reads until a count at {@code offset} or later is committed, failing as {@link #awaitAtLeast}. */
        void awaitBeyond(long offset, ChildJvm app) throws InterruptedException {
            await("a count at offset " + offset + " or later is committed", app, () -> lastOffset >= offset);
        }

        private void await(String what, ChildJvm app, BooleanSupplier done) throws InterruptedException {
            Topics.await(what + " (" + app + ", log " + app.output() + ")", 90, () -> {
                poll();
                if (!app.isAlive()) {
                    throw new AssertionError("the application exited; see " + app.output());
                }
                return done.getAsBoolean();
            });
        }

        /** Reads until the last count of every word is {@code expected}'s; fails with what it read after 120 s. */
        void awaitLast(Map<String, Long> expected, ChildJvm app) throws InterruptedException {
            try {
                Topics.await("the last counts are the input's (" + app + ")", 120, () -> {
                    poll();
                    return last().equals(expected);
                });
            } catch (AssertionError e) {
                assertEquals(expected, last(), "the last committed count of every word; see " + app.output());
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
