package io.samsa.server.handler.data;

import static io.samsa.server.handler.data.DataTestSupport.consumerProps;
import static io.samsa.server.handler.data.DataTestSupport.createTopic;
import static io.samsa.server.handler.data.DataTestSupport.producerProps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.ReadResult;
import io.samsa.replication.Partition;
import io.samsa.server.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The data path end to end with the official Java clients: produce, fetch, list offsets, delete records. */
@Timeout(60)
class DataPathIT {
    static final int MESSAGE_MAX_BYTES = 100_000;
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false",
                "message.max.bytes", String.valueOf(MESSAGE_MAX_BYTES)));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int partition, long from, int expected)
            throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(broker))) {
            TopicPartition tp = new TopicPartition(topic, partition);
            c.assign(List.of(tp));
            c.seek(tp, from);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
            }
            return out;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void defaultProducerAndAssignedConsumerRoundTrip(String compression) throws Exception {
        String topic = "roundtrip-" + compression;
        createTopic(broker, topic, 2, Map.of());
        Properties props = producerProps(broker);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        int n = 200;
        long ts0 = 1_700_000_000_000L;
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            List<Future<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<Header> headers = List.of(new RecordHeader("h", bytes("hv" + i)));
                fs.add(p.send(new ProducerRecord<>(topic, 1, ts0 + i, i % 7 == 0 ? null : bytes("k" + i),
                        bytes("value-" + i + "-" + "x".repeat(i % 50)), headers)));
            }
            for (Future<RecordMetadata> f : fs) {
                sent.add(f.get(10, TimeUnit.SECONDS));
            }
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, sent.get(i).offset(), "offsets are assigned in send order");
            assertEquals(1, sent.get(i).partition());
        }
        List<ConsumerRecord<byte[], byte[]>> got = consume(topic, 1, 0, n);
        assertEquals(n, got.size());
        for (int i = 0; i < n; i++) {
            ConsumerRecord<byte[], byte[]> r = got.get(i);
            assertEquals(i, r.offset());
            assertEquals(ts0 + i, r.timestamp());
            if (i % 7 == 0) {
                assertNull(r.key());
            } else {
                assertArrayEquals(bytes("k" + i), r.key());
            }
            assertArrayEquals(bytes("value-" + i + "-" + "x".repeat(i % 50)), r.value());
            Header[] hs = r.headers().toArray();
            assertEquals(1, hs.length);
            assertEquals("h", hs[0].key());
            assertArrayEquals(bytes("hv" + i), hs[0].value());
        }
        assertEquals(0, consume(topic, 0, 0, 0).size(), "partition 0 stays empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1"})
    void acksZeroAndOneAreWritten(String acks) throws Exception {
        String topic = "acks-" + acks;
        createTopic(broker, topic, 1, Map.of());
        Properties props = producerProps(broker);
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            for (int i = 0; i < 20; i++) {
                RecordMetadata md = p.send(new ProducerRecord<>(topic, 0, null, bytes("v" + i))).get(10,
                        TimeUnit.SECONDS);
                if (acks.equals("1")) {
                    assertEquals(i, md.offset());
                } else {
                    assertEquals(-1, md.offset(), "acks=0 has no offsets");
                }
            }
            p.flush();
        }
        List<ConsumerRecord<byte[], byte[]>> got = consume(topic, 0, 0, 20);
        assertEquals(20, got.size());
        for (int i = 0; i < 20; i++) {
            assertEquals(i, got.get(i).offset());
            assertArrayEquals(bytes("v" + i), got.get(i).value());
        }
    }

    /**
     * A consumer fetch parked on an empty partition (fetch.max.wait.ms 5000) answers soon after a produce: the
     * median over 20 rounds, from just before the send to the poll's return, is under 100 ms.
     */
    @Test
    void longPollReturnsSoonAfterAProduce() throws Exception {
        String topic = "longpoll";
        int rounds = 20;
        createTopic(broker, topic, 1, Map.of());
        Properties cp = consumerProps(broker);
        cp.put("fetch.max.wait.ms", "5000");
        Properties pp = producerProps(broker);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        BlockingQueue<long[]> returned = new LinkedBlockingQueue<>();
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp);
             KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seek(tp, 0);
            p.partitionsFor(topic);
            exec.submit(() -> {
                int got = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                while (got < rounds && System.nanoTime() < deadline) {
                    ConsumerRecords<byte[], byte[]> rs = c.poll(Duration.ofSeconds(10));
                    if (!rs.isEmpty()) {
                        got += rs.count();
                        returned.add(new long[] {System.nanoTime(), rs.count()});
                    }
                }
                return null;
            });
            Partition part = broker.broker().services().replicas().partition(topic, 0);
            long[] latencies = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (part.liveWatcherCount() == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertTrue(part.liveWatcherCount() > 0, "round " + i + ": the consumer's fetch is parked");
                long sent = System.nanoTime();
                p.send(new ProducerRecord<>(topic, 0, null, bytes("wake up " + i))).get(10, TimeUnit.SECONDS);
                long[] r = returned.poll(10, TimeUnit.SECONDS);
                assertTrue(r != null, "round " + i + ": the poll returned");
                assertEquals(1, r[1]);
                latencies[i] = TimeUnit.NANOSECONDS.toMicros(r[0] - sent);
            }
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            long medianMicros = sorted[rounds / 2];
            System.out.println("Long-poll latency after a produce over " + rounds + " rounds: median "
                    + medianMicros / 1000.0 + " ms, max " + sorted[rounds - 1] / 1000.0 + " ms");
            assertTrue(medianMicros < 100_000, "median " + medianMicros + " us after the produce (max.wait.ms 5000): "
                    + Arrays.toString(latencies));
        } finally {
            exec.shutdownNow();
        }
    }

    /**
     * ListOffsets by time inside one zstd batch answers the exact record (not the batch's base offset), with its
     * timestamp and the leader epoch; MAX_TIMESTAMP too.
     */
    @Test
    void listOffsetsByTimeIsExactInsideACompressedBatch() throws Exception {
        String topic = "listoffsets-zstd";
        createTopic(broker, topic, 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        long base = System.currentTimeMillis() - 60_000;
        long[] deltas = {5, 1, 9, 3, 9, 2, 7, 0, 8, 4};
        Properties props = producerProps(broker);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2000");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            List<Future<RecordMetadata>> fs = new ArrayList<>();
            for (long d : deltas) {
                fs.add(p.send(new ProducerRecord<>(topic, 0, base + d * 1000, null, bytes("at" + d))));
            }
            p.flush();
            for (Future<RecordMetadata> f : fs) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        Partition part = broker.broker().services().replicas().partition(topic, 0);
        ReadResult whole = part.log().read(deltas.length - 1, 1, Long.MAX_VALUE, true);
        try {
            assertEquals(0, whole.records().firstOffset(), "the ten records share one compressed batch");
        } finally {
            whole.release();
        }
        try (Admin admin = Admin.create(adminProps())) {
            ListOffsetsResult.ListOffsetsResultInfo at6 = offset(admin, tp, OffsetSpec.forTimestamp(base + 6000));
            assertEquals(2, at6.offset(), "the first record at or after +6 s is +9 s at offset 2");
            assertEquals(base + 9000, at6.timestamp());
            assertEquals(Optional.of(part.leaderEpoch()), at6.leaderEpoch());
            ListOffsetsResult.ListOffsetsResultInfo at2 = offset(admin, tp, OffsetSpec.forTimestamp(base + 2000));
            assertEquals(0, at2.offset());
            assertEquals(base + 5000, at2.timestamp());
            assertEquals(-1, offset(admin, tp, OffsetSpec.forTimestamp(base + 9001)).offset());
            ListOffsetsResult.ListOffsetsResultInfo max = offset(admin, tp, OffsetSpec.maxTimestamp());
            assertEquals(2, max.offset());
            assertEquals(base + 9000, max.timestamp());
            assertEquals(Optional.of(part.leaderEpoch()), max.leaderEpoch());
            assertEquals(Optional.of(part.leaderEpoch()), offset(admin, tp, OffsetSpec.earliest()).leaderEpoch());
        }
    }

    private static Properties adminProps() {
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        return ap;
    }

    @Test
    void listOffsetsEarliestLatestByTimeAndMaxTimestamp() throws Exception {
        String topic = "listoffsets";
        createTopic(broker, topic, 1, Map.of());
        TopicPartition tp = new TopicPartition(topic, 0);
        long base = System.currentTimeMillis() - 60_000;
        long[] ts = {base + 1000, base + 2000, base + 5000, base + 3000, base + 4000};
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(broker))) {
            for (long t : ts) {
                p.send(new ProducerRecord<>(topic, 0, t, null, bytes("at" + t))).get(10, TimeUnit.SECONDS);
            }
        }
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        try (Admin admin = Admin.create(ap)) {
            assertEquals(0, offset(admin, tp, OffsetSpec.earliest()).offset());
            assertEquals(5, offset(admin, tp, OffsetSpec.latest()).offset());
            ListOffsetsResult.ListOffsetsResultInfo byTime = offset(admin, tp, OffsetSpec.forTimestamp(base + 2500));
            assertEquals(2, byTime.offset(), "first record at or after 2500 is 5000 at offset 2");
            assertEquals(base + 5000, byTime.timestamp());
            assertEquals(-1, offset(admin, tp, OffsetSpec.forTimestamp(base + 9000)).offset());
            ListOffsetsResult.ListOffsetsResultInfo max = offset(admin, tp, OffsetSpec.maxTimestamp());
            assertEquals(2, max.offset());
            assertEquals(base + 5000, max.timestamp());

            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(3))).lowWatermarks().get(tp)
                    .get(10, TimeUnit.SECONDS);
            assertEquals(3, offset(admin, tp, OffsetSpec.earliest()).offset());
            List<ConsumerRecord<byte[], byte[]>> rest = consume(topic, 0, 3, 2);
            assertEquals(List.of(3L, 4L), List.of(rest.get(0).offset(), rest.get(1).offset()));
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.deleteRecords(
                    Map.of(tp, RecordsToDelete.beforeOffset(6))).lowWatermarks().get(tp).get(10, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, e.getCause());
        }
    }

    private static ListOffsetsResult.ListOffsetsResultInfo offset(Admin admin, TopicPartition tp, OffsetSpec spec)
            throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(10, TimeUnit.SECONDS);
    }

    @Test
    void recordsJustUnderMessageMaxBytesAreAcceptedAndOverItRefused() throws Exception {
        String topic = "sizes";
        createTopic(broker, topic, 1, Map.of());
        Properties props = producerProps(broker);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            // Batch overhead: 61 bytes of header plus about 10 for the record's own fields.
            byte[] fits = new byte[MESSAGE_MAX_BYTES - 100];
            assertEquals(0, p.send(new ProducerRecord<>(topic, 0, null, fits)).get(10, TimeUnit.SECONDS).offset());
            byte[] tooBig = new byte[MESSAGE_MAX_BYTES + 10];
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(topic, 0, null, tooBig)).get(10, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause(), e.toString());
        }
        assertEquals(1, consume(topic, 0, 0, 1).size());
    }

    @Test
    void produceToAMissingTopicFailsWithoutAutoCreate() throws Exception {
        Properties props = producerProps(broker);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>("no-such-topic", bytes("x"))).get(10, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("not present in metadata"), e.getCause().getMessage());
        }
    }
}
