package io.samsa.compat.java;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The compatibility scenarios written against the official Java client API. The same compiled class runs
 * with kafka-clients 4.4.0 (the test class path) and with 2.8.x (loaded by {@link JavaClient} in a class
 * loader of its own), so it uses only API present in both lines, and reflection where they differ.
 *
 * <p>Entry point {@link #run}: returns null when the scenario passed, "SKIP: reason" when it does not
 * apply, and throws (an {@link AssertionError} naming what differed) when it failed. Runs on the caller's
 * thread; every client it creates is closed before it returns.
 */
public final class JavaScenarios {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final String bootstrap;
    private final String prefix;

    private JavaScenarios(String bootstrap, String prefix) {
        this.bootstrap = bootstrap;
        this.prefix = prefix;
    }

    /** Runs one scenario; see the class comment for the result. */
    public static String run(String scenario, String bootstrap, String prefix) throws Exception {
        JavaScenarios s = new JavaScenarios(bootstrap, prefix);
        switch (scenario) {
            case "metadata": s.metadata(); return null;
            case "topic-admin": s.topicAdmin(); return null;
            case "roundtrip": s.roundTrip(); return null;
            case "compression": s.compression(); return null;
            case "order-and-keys": s.orderAndKeys(); return null;
            case "consumer-group": s.consumerGroup(); return null;
            case "offset-commit-resume": s.offsetCommitResume(); return null;
            case "pubsub-groups": s.pubSubGroups(); return null;
            case "acks": s.acks(); return null;
            case "idempotence": s.idempotence(); return null;
            case "offsets-by-time": s.offsetsByTime(); return null;
            case "max-message-size": s.maxMessageSize(); return null;
            case "long-poll": s.longPoll(); return null;
            case "transactions": s.transactions(); return null;
            default: return "SKIP: no Java implementation of " + scenario;
        }
    }

    /** The client library's version, for the report. */
    public static String clientVersion() {
        String jar = KafkaProducer.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("kafka-clients-([0-9][^/]*?)\\.jar$").matcher(jar);
        return m.find() ? m.group(1) : "unknown";
    }

    // ---- scenarios ----------------------------------------------------------------------------------------

    void metadata() throws Exception {
        String topic = prefix + "-md";
        try (Admin admin = admin()) {
            Collection<org.apache.kafka.common.Node> nodes = admin.describeCluster().nodes().get();
            check(!nodes.isEmpty(), "describeCluster returned no broker");
            String clusterId = admin.describeCluster().clusterId().get();
            check(clusterId != null && !clusterId.isEmpty(), "no cluster id");
            createTopic(admin, topic, 3, Map.of());
            check(admin.listTopics().names().get().contains(topic), "listTopics misses " + topic);
            TopicDescription d = describe(admin, topic);
            check(d.partitions().size() == 3, "expected 3 partitions, got " + d.partitions().size());
            for (var p : d.partitions()) {
                check(p.leader() != null && p.leader().id() >= 0, "partition " + p.partition() + " has no leader");
                check(!p.isr().isEmpty(), "partition " + p.partition() + " has an empty ISR");
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = consumer(null)) {
            check(c.partitionsFor(topic).size() == 3, "consumer.partitionsFor: " + c.partitionsFor(topic));
        }
    }

    void topicAdmin() throws Exception {
        String topic = prefix + "-adm";
        try (Admin admin = admin()) {
            createTopic(admin, topic, 3, Map.of("retention.ms", "3600000"));
            expect(TopicExistsException.class, () -> createTopic(admin, topic, 3, Map.of()), "create twice");
            expect(InvalidPartitionsException.class, () -> createTopic(admin, prefix + "-zero", 0, Map.of()),
                    "create with 0 partitions");
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            checkEquals("3600000", configValue(admin, res, "retention.ms"), "retention.ms after create");
            admin.incrementalAlterConfigs(Map.of(res, List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET)))).all().get();
            eventually(() -> "7200000".equals(configQuietly(admin, res, "retention.ms")), "retention.ms altered");
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
            eventually(() -> describeQuietly(admin, topic) == 5, "topic grows to 5 partitions");
            admin.deleteTopics(List.of(topic)).all().get();
            eventually(() -> !namesQuietly(admin).contains(topic), "deleted topic leaves listTopics");
            expect(UnknownTopicOrPartitionException.class, () -> describe(admin, topic), "describe deleted topic");
            expect(UnknownTopicOrPartitionException.class, () -> admin.deleteTopics(List.of(topic)).all().get(),
                    "delete a missing topic");
        }
    }

    void roundTrip() throws Exception {
        String topic = prefix + "-rt";
        int n = 50;
        long base = System.currentTimeMillis() - 60_000;
        List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = i == 7 ? null : bytes("key-" + i);
            byte[] value = i == 9 ? null : bytes("value-" + i + "-" + "x".repeat(i * 7));
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, base + i, key, value);
            r.headers().add("h-index", bytes(Integer.toString(i)));
            r.headers().add("h-null", null);
            if (i % 3 == 0) {
                r.headers().add("h-index", bytes("dup"));
            }
            sent.add(r);
        }
        try (Admin admin = admin()) {
            createTopic(admin, topic, 1, Map.of());
        }
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            for (int i = 0; i < n; i++) {
                RecordMetadata md = p.send(sent.get(i)).get();
                checkEquals((long) i, md.offset(), "offset of record " + i);
                checkEquals(base + i, md.timestamp(), "timestamp of record " + i);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = readAll(topic, 1, n);
        for (int i = 0; i < n; i++) {
            ProducerRecord<byte[], byte[]> s = sent.get(i);
            ConsumerRecord<byte[], byte[]> g = got.get(i);
            checkEquals((long) i, g.offset(), "offset");
            check(Arrays.equals(s.key(), g.key()), "key of record " + i);
            check(Arrays.equals(s.value(), g.value()), "value of record " + i);
            checkEquals(s.timestamp(), g.timestamp(), "timestamp of record " + i);
            checkEquals(headers(s.headers().toArray()), headers(g.headers().toArray()), "headers of record " + i);
        }
    }

    void compression() throws Exception {
        List<String> failed = new ArrayList<>();
        try (Admin admin = admin()) {
            for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
                createTopic(admin, prefix + "-cmp-" + codec, 1, Map.of());
            }
        }
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            String topic = prefix + "-cmp-" + codec;
            int n = 200;
            try {
                try (KafkaProducer<byte[], byte[]> p = producer(Map.of("compression.type", codec,
                        "linger.ms", "20", "batch.size", "65536"))) {
                    List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        fs.add(p.send(new ProducerRecord<>(topic, bytes("k" + (i % 10)),
                                bytes(codec + " record " + i + " " + "abc".repeat(20)))));
                    }
                    for (int i = 0; i < n; i++) {
                        checkEquals((long) i, fs.get(i).get().offset(), codec + ": offset");
                    }
                }
                List<ConsumerRecord<byte[], byte[]>> got = readAll(topic, 1, n);
                for (int i = 0; i < n; i++) {
                    checkEquals(codec + " record " + i + " " + "abc".repeat(20), str(got.get(i).value()),
                            codec + ": value " + i);
                    checkEquals("k" + (i % 10), str(got.get(i).key()), codec + ": key " + i);
                }
            } catch (Exception | AssertionError e) {
                failed.add(codec + " (" + e + ")");
            }
        }
        check(failed.isEmpty(), "codecs failed: " + failed);
    }

    void orderAndKeys() throws Exception {
        String topic = prefix + "-ord";
        int partitions = 3;
        int n = 300;
        try (Admin admin = admin()) {
            createTopic(admin, topic, partitions, Map.of());
        }
        Map<String, Integer> partitionOfKey = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of("linger.ms", "5"))) {
            List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(p.send(new ProducerRecord<>(topic, bytes("key-" + (i % 12)), bytes(Integer.toString(i)))));
            }
            for (int i = 0; i < n; i++) {
                int part = fs.get(i).get().partition();
                Integer prev = partitionOfKey.putIfAbsent("key-" + (i % 12), part);
                check(prev == null || prev == part, "key-" + (i % 12) + " went to partitions " + prev + " and " + part);
            }
        }
        check(new HashSet<>(partitionOfKey.values()).size() > 1, "12 keys all hashed to one partition");
        List<ConsumerRecord<byte[], byte[]>> got = readAll(topic, partitions, n);
        Map<Integer, Integer> lastPerPartition = new HashMap<>();
        Map<String, Integer> lastPerKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            int seq = Integer.parseInt(str(r.value()));
            String key = str(r.key());
            checkEquals(partitionOfKey.get(key), r.partition(), "partition of " + key);
            Integer lp = lastPerPartition.put(r.partition(), seq);
            check(lp == null || lp < seq, "partition " + r.partition() + " out of order: " + lp + " then " + seq);
            Integer lk = lastPerKey.put(key, seq);
            check(lk == null || lk < seq, key + " out of order: " + lk + " then " + seq);
        }
    }

    void consumerGroup() throws Exception {
        String topic = prefix + "-grp";
        String group = prefix + "-g";
        try (Admin admin = admin()) {
            createTopic(admin, topic, 4, Map.of());
        }
        Map<String, String> cfg = Map.of("group.id", group, "auto.offset.reset", "earliest",
                "session.timeout.ms", "10000", "heartbeat.interval.ms", "500");
        try (KafkaConsumer<byte[], byte[]> a = consumer(cfg); KafkaConsumer<byte[], byte[]> b = consumer(cfg)) {
            a.subscribe(List.of(topic));
            Map<String, Set<Integer>> seen = new HashMap<>();
            pollUntil(List.of(a), seen, () -> a.assignment().size() == 4, "first member gets all 4 partitions");
            b.subscribe(List.of(topic));
            pollUntil(List.of(a, b), seen, () -> a.assignment().size() == 2 && b.assignment().size() == 2,
                    "two members split 4 partitions 2/2 (a=" + a.assignment() + ", b=" + b.assignment() + ")");
            Set<TopicPartition> union = new HashSet<>(a.assignment());
            union.addAll(b.assignment());
            checkEquals(4, union.size(), "assignments overlap: " + a.assignment() + " " + b.assignment());
            int n = 200;
            try (KafkaProducer<byte[], byte[]> p = producer(Map.of("linger.ms", "5"))) {
                for (int i = 0; i < n; i++) {
                    p.send(new ProducerRecord<>(topic, bytes("k" + i), bytes("v" + i)));
                }
                p.flush();
            }
            Map<String, Set<Integer>> byMember = new HashMap<>();
            pollUntil(List.of(a, b), byMember, () -> count(byMember) >= n, "the group reads all " + n + " records");
            checkEquals(n, count(byMember), "records read by the group (duplicates?)");
            check(byMember.size() == 2, "both members read records: " + byMember.keySet());
            b.close();
            pollUntil(List.of(a), seen, () -> a.assignment().size() == 4, "after a member leaves, the other gets 4");
        }
    }

    void offsetCommitResume() throws Exception {
        String topic = prefix + "-ocr";
        String group = prefix + "-g";
        int n = 100;
        try (Admin admin = admin()) {
            createTopic(admin, topic, 2, Map.of());
        }
        produceNumbered(topic, n, 2);
        Map<String, String> cfg = Map.of("group.id", group, "auto.offset.reset", "earliest",
                "enable.auto.commit", "false", "max.poll.records", "10");
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        Set<String> read = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(cfg)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (read.size() < 40 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    check(read.add(str(r.value())), "duplicate " + str(r.value()));
                    committed.put(new TopicPartition(r.topic(), r.partition()),
                            new OffsetAndMetadata(r.offset() + 1, "meta-" + r.offset()));
                }
            }
            check(read.size() >= 40, "read only " + read.size() + " records before committing");
            c.commitSync(committed);
            Map<TopicPartition, OffsetAndMetadata> back = c.committed(committed.keySet());
            for (var e : committed.entrySet()) {
                checkEquals(e.getValue().offset(), back.get(e.getKey()).offset(), "committed offset " + e.getKey());
                checkEquals(e.getValue().metadata(), back.get(e.getKey()).metadata(), "metadata " + e.getKey());
            }
        }
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> listed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            for (var e : committed.entrySet()) {
                checkEquals(e.getValue().offset(), listed.get(e.getKey()).offset(), "admin offset " + e.getKey());
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = consumer(cfg)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            Map<Integer, Long> firstOffset = new HashMap<>();
            while (read.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    firstOffset.putIfAbsent(r.partition(), r.offset());
                    check(read.add(str(r.value())), "record " + str(r.value()) + " read again after resume");
                }
            }
            checkEquals(n, read.size(), "records read across the restart");
            for (var e : firstOffset.entrySet()) {
                OffsetAndMetadata om = committed.get(new TopicPartition(topic, e.getKey()));
                checkEquals(om == null ? 0L : om.offset(), e.getValue(), "resume offset of partition " + e.getKey());
            }
        }
    }

    void pubSubGroups() throws Exception {
        String topic = prefix + "-ps";
        int n = 60;
        try (Admin admin = admin()) {
            createTopic(admin, topic, 2, Map.of());
        }
        produceNumbered(topic, n, 2);
        for (int g = 1; g <= 3; g++) {
            try (KafkaConsumer<byte[], byte[]> c = consumer(Map.of("group.id", prefix + "-group" + g,
                    "auto.offset.reset", "earliest"))) {
                c.subscribe(List.of(topic));
                Set<String> got = new HashSet<>();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (got.size() < n && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        got.add(str(r.value()));
                    }
                }
                checkEquals(n, got.size(), "records seen by group " + g);
            }
        }
    }

    void acks() throws Exception {
        String topic = prefix + "-acks";
        try (Admin admin = admin()) {
            createTopic(admin, topic, 3, Map.of());
        }
        // One partition per acks setting: acks=0 gives no signal of when the append happened, so order is
        // only defined within one producer's partition.
        List<String> settings = List.of("0", "1", "all");
        int per = 20;
        for (String acks : settings) {
            Map<String, String> cfg = Map.of("acks", acks, "enable.idempotence", "false");
            try (KafkaProducer<byte[], byte[]> p = producer(cfg)) {
                for (int i = 0; i < per; i++) {
                    RecordMetadata md = p.send(new ProducerRecord<>(topic, settings.indexOf(acks), null,
                            bytes(acks + ":" + i))).get();
                    if (!acks.equals("0")) {
                        check(md.hasOffset(), "acks=" + acks + " answered without an offset");
                    }
                }
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = readAll(topic, 3, 3 * per);
        int i = 0;
        for (String acks : settings) {
            for (int j = 0; j < per; j++, i++) {
                checkEquals(acks + ":" + j, str(got.get(i).value()), "record " + j + " with acks=" + acks);
                checkEquals((long) j, got.get(i).offset(), "offset of record " + j + " with acks=" + acks);
            }
        }
    }

    void idempotence() throws Exception {
        String topic = prefix + "-idem";
        int n = 300;
        try (Admin admin = admin()) {
            createTopic(admin, topic, 1, Map.of());
        }
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of("enable.idempotence", "true", "acks", "all",
                "max.in.flight.requests.per.connection", "5", "linger.ms", "0", "batch.size", "200"))) {
            List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(p.send(new ProducerRecord<>(topic, 0, null, bytes("idem-" + i))));
            }
            for (int i = 0; i < n; i++) {
                checkEquals((long) i, fs.get(i).get().offset(), "offset of idempotent record " + i);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = readAll(topic, 1, n);
        for (int i = 0; i < n; i++) {
            checkEquals("idem-" + i, str(got.get(i).value()), "record " + i);
        }
    }

    void offsetsByTime() throws Exception {
        String topic = prefix + "-time";
        long base = System.currentTimeMillis() - 3_600_000;
        try (Admin admin = admin()) {
            createTopic(admin, topic, 1, Map.of());
            try (KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
                for (int i = 0; i < 10; i++) {
                    p.send(new ProducerRecord<>(topic, 0, base + i * 1000L, null, bytes("t" + i))).get();
                }
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            try (KafkaConsumer<byte[], byte[]> c = consumer(null)) {
                Map<TopicPartition, OffsetAndTimestamp> r = c.offsetsForTimes(Map.of(tp, base + 2500));
                checkEquals(3L, r.get(tp).offset(), "offsetsForTimes(base+2.5s)");
                checkEquals(base + 3000, r.get(tp).timestamp(), "timestamp found");
                checkEquals(0L, c.offsetsForTimes(Map.of(tp, base - 1)).get(tp).offset(), "before the first");
                check(c.offsetsForTimes(Map.of(tp, base + 10_000)).get(tp) == null, "after the last is null");
                checkEquals(0L, c.beginningOffsets(List.of(tp)).get(tp), "beginningOffsets");
                checkEquals(10L, c.endOffsets(List.of(tp)).get(tp), "endOffsets");
            }
            ListOffsetsResult.ListOffsetsResultInfo info =
                    admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(base + 5000))).partitionResult(tp).get();
            checkEquals(5L, info.offset(), "admin listOffsets forTimestamp");
            checkEquals(10L, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset(),
                    "admin listOffsets latest");
            OffsetSpec max;
            try {
                max = OffsetSpec.maxTimestamp(); // KIP-734, clients 3.0+
            } catch (NoSuchMethodError old) {
                return;
            }
            checkEquals(9L, admin.listOffsets(Map.of(tp, max)).partitionResult(tp).get().offset(),
                    "admin listOffsets maxTimestamp");
        }
    }

    void maxMessageSize() throws Exception {
        String topic = prefix + "-max";
        int limit = 20_000;
        try (Admin admin = admin()) {
            createTopic(admin, topic, 1, Map.of("max.message.bytes", Integer.toString(limit)));
        }
        // A one-record batch costs 61 bytes of batch header plus about 20 of record framing.
        byte[] fits = new byte[limit - 200];
        byte[] tooBig = new byte[limit + 1];
        Arrays.fill(fits, (byte) 'a');
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of("compression.type", "none", "retries", "0",
                "enable.idempotence", "false", "acks", "1"))) {
            checkEquals(0L, p.send(new ProducerRecord<>(topic, 0, null, fits)).get().offset(), "record under limit");
            try {
                p.send(new ProducerRecord<>(topic, 0, null, tooBig)).get();
                throw new AssertionError("a " + tooBig.length + "-byte record was accepted by a topic with "
                        + "max.message.bytes=" + limit);
            } catch (ExecutionException e) {
                check(e.getCause() instanceof RecordTooLargeException,
                        "expected RecordTooLargeException (MESSAGE_TOO_LARGE), got " + e.getCause());
            }
        }
        List<ConsumerRecord<byte[], byte[]>> got = readAll(topic, 1, 1);
        check(Arrays.equals(fits, got.get(0).value()), "the large record reads back intact");
    }

    void longPoll() throws Exception {
        String topic = prefix + "-lp";
        try (Admin admin = admin()) {
            createTopic(admin, topic, 1, Map.of());
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = consumer(Map.of("fetch.max.wait.ms", "3000", "fetch.min.bytes", "1"));
             KafkaProducer<byte[], byte[]> p = producer(Map.of())) {
            c.assign(List.of(tp));
            c.seekToEnd(List.of(tp));
            c.position(tp);
            double before = fetchTotal(c);
            check(c.poll(Duration.ofMillis(1500)).isEmpty(), "records in an empty topic");
            double fetches = fetchTotal(c) - before;
            // The broker holds an empty fetch for fetch.max.wait.ms: a few requests, not a busy loop.
            check(fetches <= 4, fetches + " fetch requests in 1.5 s with fetch.max.wait.ms=3000");
            long t0 = System.nanoTime();
            p.send(new ProducerRecord<>(topic, 0, null, bytes("wake up"))).get();
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            while (got.isEmpty() && System.nanoTime() - t0 < WAIT.toNanos()) {
                c.poll(Duration.ofMillis(5000)).forEach(got::add);
            }
            long latencyMillis = (System.nanoTime() - t0) / 1_000_000;
            check(!got.isEmpty(), "record never arrived");
            // A parked fetch completes when data arrives, well before fetch.max.wait.ms.
            check(latencyMillis < 1500, "record took " + latencyMillis + " ms to reach a long-polling consumer");
        }
    }

    void transactions() throws Exception {
        String topic = prefix + "-txn";
        String out = prefix + "-txn-out";
        String group = prefix + "-txn-ctp";
        try (Admin admin = admin()) {
            createTopic(admin, topic, 2, Map.of());
            createTopic(admin, out, 1, Map.of());
        }
        List<String> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of("transactional.id", prefix + "-txn-id"))) {
            p.initTransactions();
            for (int round = 0; round < 3; round++) {
                boolean commit = round != 1;
                p.beginTransaction();
                for (int i = 0; i < 10; i++) {
                    String v = (commit ? "c" : "a") + round + "-" + i;
                    p.send(new ProducerRecord<>(topic, i % 2, null, bytes(v)));
                    if (commit) {
                        expected.add(v);
                    }
                }
                if (commit) {
                    p.commitTransaction();
                } else {
                    p.flush();
                    p.abortTransaction();
                }
            }
            List<String> committed = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> c = consumer(Map.of("isolation.level", "read_committed",
                    "group.id", group, "auto.offset.reset", "earliest"))) {
                c.subscribe(List.of(topic));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (committed.size() < expected.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        committed.add(str(r.value()));
                        offsets.put(new TopicPartition(r.topic(), r.partition()),
                                new OffsetAndMetadata(r.offset() + 1));
                    }
                }
                checkEquals(new HashSet<>(expected), new HashSet<>(committed), "records read under read_committed");
                checkEquals(expected.size(), committed.size(), "committed records read once each");
                // Consume-transform-produce: the copies and the group's offsets commit together.
                p.beginTransaction();
                for (String v : committed) {
                    p.send(new ProducerRecord<>(out, 0, null, bytes(v.toUpperCase())));
                }
                p.sendOffsetsToTransaction(offsets, c.groupMetadata());
                p.commitTransaction();
                Map<TopicPartition, OffsetAndMetadata> after = c.committed(offsets.keySet());
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                    checkEquals(e.getValue().offset(), after.get(e.getKey()).offset(), "offset of " + e.getKey()
                            + " committed with the transaction");
                }
            }
        }
        checkEquals(30, readAll(topic, 2, 30).size(), "records read under read_uncommitted (aborted included)");
        List<String> copies = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(out, 1, 20)) {
            copies.add(str(r.value()));
        }
        Set<String> upper = new HashSet<>();
        expected.forEach(v -> upper.add(v.toUpperCase()));
        checkEquals(upper, new HashSet<>(copies), "copied records");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private Properties common() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "20000");
        p.put("client.id", prefix);
        return p;
    }

    private Admin admin() {
        return Admin.create(common());
    }

    private KafkaProducer<byte[], byte[]> producer(Map<String, String> extra) {
        Properties p = common();
        p.put("max.block.ms", "15000");
        p.put("delivery.timeout.ms", "20000");
        p.putAll(extra);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<byte[], byte[]> consumer(Map<String, String> extra) {
        Properties p = common();
        p.put("enable.auto.commit", "false");
        if (extra != null) {
            p.putAll(extra);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static void createTopic(Admin admin, String topic, int partitions, Map<String, String> configs)
            throws Exception {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** DescribeTopicsResult.allTopicNames() (3.1+) or all() (older lines). */
    @SuppressWarnings("unchecked")
    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        Object result = admin.describeTopics(List.of(topic));
        Method m;
        try {
            m = result.getClass().getMethod("allTopicNames");
        } catch (NoSuchMethodException e) {
            m = result.getClass().getMethod("all");
        }
        try {
            return ((org.apache.kafka.common.KafkaFuture<Map<String, TopicDescription>>) m.invoke(result))
                    .get().get(topic);
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    private static int describeQuietly(Admin admin, String topic) {
        try {
            return describe(admin, topic).partitions().size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Set<String> namesQuietly(Admin admin) {
        try {
            return admin.listTopics().names().get();
        } catch (Exception e) {
            return Set.of();
        }
    }

    private static String configQuietly(Admin admin, ConfigResource res, String name) {
        try {
            return configValue(admin, res, name);
        } catch (Exception e) {
            return null;
        }
    }

    private static String configValue(Admin admin, ConfigResource res, String name) throws Exception {
        Config c = admin.describeConfigs(List.of(res)).all().get().get(res);
        ConfigEntry e = c.get(name);
        return e == null ? null : e.value();
    }

    private void produceNumbered(String topic, int n, int partitions) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer(Map.of("linger.ms", "5"))) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, i % partitions, null, bytes("n" + i)));
            }
            p.flush();
        }
    }

    /** Reads exactly {@code n} records from the start of every partition, ordered by partition then offset. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions, int n) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new TopicPartition(topic, i));
        }
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(null)) {
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (out.size() < n && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(100)).forEach(out::add); // anything beyond n is a duplicate
        }
        checkEquals(n, out.size(), "records read back from " + topic);
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    private static void pollUntil(List<KafkaConsumer<byte[], byte[]>> consumers, Map<String, Set<Integer>> seen,
                                  BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            for (int i = 0; i < consumers.size(); i++) {
                for (ConsumerRecord<byte[], byte[]> r : consumers.get(i).poll(Duration.ofMillis(100))) {
                    seen.computeIfAbsent("member" + i, k -> new HashSet<>()).add(Integer.parseInt(
                            str(r.value()).substring(1)));
                }
            }
        }
    }

    private static int count(Map<String, Set<Integer>> byMember) {
        return byMember.values().stream().mapToInt(Set::size).sum();
    }

    private static double fetchTotal(KafkaConsumer<byte[], byte[]> c) {
        for (Map.Entry<MetricName, ? extends Metric> e : c.metrics().entrySet()) {
            if (e.getKey().name().equals("fetch-total") && e.getKey().group().equals("consumer-fetch-manager-metrics")
                    && !e.getKey().tags().containsKey("topic")) {
                return ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no fetch-total metric");
    }

    private static void eventually(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100); // polling an eventually consistent admin view, not synchronising threads
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void expect(Class<? extends Throwable> type, Action action, String what) throws Exception {
        try {
            action.run();
        } catch (Exception e) {
            Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (type.isInstance(t)) {
                return;
            }
            throw new AssertionError(what + ": expected " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError(what + ": expected " + type.getSimpleName() + ", but it succeeded");
    }

    private static Exception unwrap(ExecutionException e) {
        return e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }

    private static List<String> headers(Header[] hs) {
        List<String> out = new ArrayList<>();
        for (Header h : hs) {
            out.add(h.key() + "=" + (h.value() == null ? "<null>" : str(h.value())));
        }
        return out;
    }

    private static void check(boolean cond, String message) {
        if (!cond) {
            throw new AssertionError(message);
        }
    }

    private static void checkEquals(Object expected, Object actual, String what) {
        if (expected == null ? actual != null : !expected.equals(actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
