package io.samsa.bench.harness;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The log cleaner's throughput and its effect on produce latency, measured from outside the broker with the official
 * Java client, so that Samsa and Apache Kafka are measured alike (scripts/bench-cleaner runs it against each).
 *
 * <ol>
 *   <li>Warms the cleaner up: topic {@code warm-up} (20,000 records over 2,000 keys in 1 MiB segments) is set to
 *       {@code compact} and cleaned, so that the measured pass runs compiled code, as every pass after a broker's
 *       first does.</li>
 *   <li>Loads topic {@code table} (one partition, {@code cleanup.policy=delete}, so that nothing is cleaned yet) with
 *       RECORDS keyed records of VALUE_BYTES bytes, keys drawn uniformly from KEYS keys, uncompressed.</li>
 *   <li>Starts a latency probe (records of 1 KiB at LAT_RATE records/s, acks=all, to topic {@code probe}), one
 *       producer for the rest of the run; its first 3 s are a warm-up and not counted. The next IDLE_S seconds are
 *       produce latency without cleaning, with DescribeLogDirs polled every 100 ms as in the next step.</li>
 *   <li>Sets {@code table} to {@code cleanup.policy=compact} and keeps the probe running while DescribeLogDirs is
 *       polled every 100 ms; cleaning is over when the size has not shrunk for 5 s. The cleaning time runs from the
 *       change to the last shrink; the rate is the log's size before cleaning over that time (the cleaner reads
 *       all of it but the active segment once). The probe's latencies in that interval are the "while cleaning"
 *       figures.</li>
 * </ol>
 *
 * <p>Prints {@code key=value} lines. Run with kafka-clients on the class path:
 * {@code java -cp "bench/target/benchmarks.jar:KAFKA_TOOLS/libs/*" io.samsa.bench.harness.CleanerBench
 * BOOTSTRAP RECORDS KEYS VALUE_BYTES SEGMENT_BYTES LAT_RATE IDLE_S}.
 */
public final class CleanerBench {
    private static final String TABLE = "table";
    private static final String WARM_UP = "warm-up";
    private static final String PROBE = "probe";
    private static final long PROBE_WARM_UP_MS = 3_000;
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(600);

    private CleanerBench() {
    }

    /** One probe record: when it was sent and how long its acknowledgement took. */
    private record Sample(long sentNanos, long latencyNanos) {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int records = Integer.parseInt(args[1]);
        int keys = Integer.parseInt(args[2]);
        int valueBytes = Integer.parseInt(args[3]);
        String segmentBytes = args[4];
        int latRate = Integer.parseInt(args[5]);
        int idleSeconds = Integer.parseInt(args[6]);
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(
                    new NewTopic(TABLE, 1, (short) 1).configs(Map.of("cleanup.policy", "delete",
                            "segment.bytes", segmentBytes, "retention.ms", "-1", "retention.bytes", "-1")),
                    new NewTopic(WARM_UP, 1, (short) 1).configs(Map.of("cleanup.policy", "delete",
                            "segment.bytes", "1048576", "retention.ms", "-1", "retention.bytes", "-1")),
                    new NewTopic(PROBE, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            // A small topic cleaned first, so that the measured pass runs compiled code, as a broker's cleaner does
            // after its first pass (the first pass of a fresh JVM competes with the JIT for two cores).
            load(bootstrap, WARM_UP, 20_000, 2_000, valueBytes);
            long warmBefore = size(admin, WARM_UP);
            compact(admin, WARM_UP);
            awaitCleaned(admin, WARM_UP, warmBefore, System.nanoTime());
            long loadStart = System.nanoTime();
            load(bootstrap, TABLE, records, keys, valueBytes);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            long before = size(admin, TABLE);
            System.out.printf("loaded_mb=%.1f%nload_s=%.1f%n", before / 1e6, loadSeconds);

            // One probe producer for both windows, warmed up first: a fresh producer's first sends (metadata,
            // connection, its own JIT) are slow, and must not land in either window.
            AtomicBoolean stop = new AtomicBoolean();
            List<Sample> samples = new ArrayList<>();
            Thread prober = new Thread(() -> samples.addAll(probe(bootstrap, latRate, stop, Long.MAX_VALUE)),
                    "latency-probe");
            prober.start();
            Thread.sleep(PROBE_WARM_UP_MS);
            long idleStart = System.nanoTime();
            // DescribeLogDirs is polled as while cleaning, so that the two windows differ only by the cleaner.
            while (System.nanoTime() - idleStart < TimeUnit.SECONDS.toNanos(idleSeconds)) {
                Thread.sleep(100);
                size(admin, TABLE);
            }
            long changed = System.nanoTime();
            compact(admin, TABLE);
            long[] cleaned = awaitCleaned(admin, TABLE, before, changed);
            long smallest = cleaned[0];
            long lastShrink = cleaned[1];
            stop.set(true);
            prober.join();
            printLatency("idle", samples, idleStart, changed); // joined: the probe's samples are visible
            double cleanSeconds = (lastShrink - changed) / 1e9;
            System.out.printf("cleaned_mb=%.1f%nclean_s=%.2f%nclean_mb_s=%.1f%n", smallest / 1e6, cleanSeconds,
                    cleanSeconds > 0 ? before / 1e6 / cleanSeconds : 0.0);
            printLatency("cleaning", samples, changed, lastShrink);
        }
    }

    private static void load(String bootstrap, String topic, int records, int keys, int valueBytes) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Random random = new Random(14);
        byte[] value = new byte[valueBytes];
        random.nextBytes(value);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < records; i++) {
                byte[] key = String.format("key-%08d", random.nextInt(keys)).getBytes(StandardCharsets.US_ASCII);
                producer.send(new ProducerRecord<>(topic, 0, key, value));
            }
            producer.flush();
        }
    }

    /** Sends 1 KiB records at {@code rate} a second until {@code stop} or {@code untilNanos}; returns the samples. */
    private static List<Sample> probe(String bootstrap, int rate, AtomicBoolean stop, long untilNanos) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        List<Sample> samples = new ArrayList<>();
        byte[] value = new byte[1024];
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            long next = System.nanoTime();
            while (!stop.get() && System.nanoTime() < untilNanos) {
                long now = System.nanoTime();
                if (now < next) {
                    TimeUnit.NANOSECONDS.sleep(next - now);
                    continue;
                }
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(PROBE, 0, null, value), (md, e) -> {
                    if (e == null) {
                        synchronized (samples) {
                            samples.add(new Sample(sent, System.nanoTime() - sent));
                        }
                    }
                });
                next += interval;
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (samples) {
            return new ArrayList<>(samples);
        }
    }

    private static void printLatency(String name, List<Sample> samples, long fromNanos, long toNanos) {
        long[] ms = samples.stream().filter(s -> s.sentNanos() >= fromNanos && s.sentNanos() <= toNanos)
                .mapToLong(Sample::latencyNanos).sorted().toArray();
        System.out.printf("%s_samples=%d%n", name, ms.length);
        if (ms.length == 0) {
            return;
        }
        System.out.printf("%s_p50_ms=%.1f%n%s_p99_ms=%.1f%n%s_p999_ms=%.1f%n", name, pct(ms, 0.50), name,
                pct(ms, 0.99), name, pct(ms, 0.999));
        // When the slow ones were sent (ms after the window's start) and how long they took: stalls show as runs of
        // samples sent close together that completed at once.
        StringBuilder slow = new StringBuilder();
        for (Sample s : samples) {
            if (s.sentNanos() >= fromNanos && s.sentNanos() <= toNanos && s.latencyNanos() >= 5_000_000) {
                slow.append(' ').append((s.sentNanos() - fromNanos) / 1_000_000).append('+')
                        .append(s.latencyNanos() / 1_000_000);
            }
        }
        System.out.printf("%s_slow_ms=%s%n", name, slow);
    }

    private static void compact(Admin admin, String topic) throws Exception {
        Collection<AlterConfigOp> compact = List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"),
                AlterConfigOp.OpType.SET));
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), compact))
                .all().get(60, TimeUnit.SECONDS);
    }

    /** Waits until {@code topic} has not shrunk for a while; returns its smallest size and when it last shrank. */
    private static long[] awaitCleaned(Admin admin, String topic, long before, long changed) throws Exception {
        long smallest = before;
        long lastShrink = changed;
        while (System.nanoTime() - lastShrink < QUIET_NANOS && System.nanoTime() - changed < TIMEOUT_NANOS) {
            Thread.sleep(100);
            long s = size(admin, topic);
            if (s < smallest) {
                smallest = s;
                lastShrink = System.nanoTime();
            }
        }
        return new long[] {smallest, lastShrink};
    }

    private static double pct(long[] sorted, double q) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    /** The size of {@code topic}'s partition as DescribeLogDirs reports it. */
    private static long size(Admin admin, String topic) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        long size = -1;
        for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(List.of(1)).allDescriptions()
                .get(60, TimeUnit.SECONDS).values()) {
            for (LogDirDescription d : dirs.values()) {
                ReplicaInfo info = d.replicaInfos().get(tp);
                if (info != null) {
                    size = info.size();
                }
            }
        }
        return size;
    }
}
