package io.samsa.server.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.KafkaTool;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Client quotas with the official clients: Admin's describe/alterClientQuotas, kafka-configs, and a producer and a
 * consumer held to their byte rates (the quota's 10 s span at Kafka's defaults: 11 windows of 1 s).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientQuotasIT {
    private static final double RATE = 1024 * 1024;
    private static final long LOAD_MS = 10_000;
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("num.partitions", "1"));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 20000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000));
    }

    @AfterAll
    static void stop() throws IOException {
        admin.close();
        broker.close();
    }

    private static ClientQuotaEntity entity(String type, String name) {
        return new ClientQuotaEntity(java.util.Collections.singletonMap(type, name));
    }

    private static void setQuota(ClientQuotaEntity entity, String key, Double value) throws Exception {
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity,
                List.of(new ClientQuotaAlteration.Op(key, value))))).all().get(30, TimeUnit.SECONDS);
    }

    private static Map<ClientQuotaEntity, Map<String, Double>> describe(ClientQuotaFilter filter) throws Exception {
        return admin.describeClientQuotas(filter).entities().get(30, TimeUnit.SECONDS);
    }

    @Test
    void adminAltersAndDescribesQuotas() throws Exception {
        ClientQuotaEntity alice = entity(ClientQuotaEntity.USER, "alice");
        ClientQuotaEntity aliceDefaultClient = new ClientQuotaEntity(new java.util.HashMap<>(Map.of(
                ClientQuotaEntity.USER, "alice")));
        aliceDefaultClient.entries().put(ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity defaultClient = entity(ClientQuotaEntity.CLIENT_ID, null);
        setQuota(alice, "producer_byte_rate", 1024.0);
        setQuota(aliceDefaultClient, "request_percentage", 50.0);
        setQuota(defaultClient, "consumer_byte_rate", 2048.0);

        Map<ClientQuotaEntity, Map<String, Double>> strictAlice = describe(ClientQuotaFilter.containsOnly(List.of(
                ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice"))));
        assertEquals(Map.of(alice, Map.of("producer_byte_rate", 1024.0)), strictAlice);
        Map<ClientQuotaEntity, Map<String, Double>> anyAlice = describe(ClientQuotaFilter.contains(List.of(
                ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice"))));
        assertEquals(Map.of(alice, Map.of("producer_byte_rate", 1024.0),
                aliceDefaultClient, Map.of("request_percentage", 50.0)), anyAlice);
        Map<ClientQuotaEntity, Map<String, Double>> defaults = describe(ClientQuotaFilter.contains(List.of(
                ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.CLIENT_ID))));
        assertEquals(Map.of(defaultClient, Map.of("consumer_byte_rate", 2048.0),
                aliceDefaultClient, Map.of("request_percentage", 50.0)), defaults);
        assertTrue(describe(ClientQuotaFilter.all()).keySet().containsAll(List.of(alice, aliceDefaultClient,
                defaultClient)));

        // Kafka's validation: an unknown key, a byte rate that is not whole, validate-only writes nothing.
        ExecutionException e = assertThrows(ExecutionException.class, () -> setQuota(alice, "bogus_rate", 1.0));
        assertInstanceOf(InvalidRequestException.class, e.getCause());
        e = assertThrows(ExecutionException.class, () -> setQuota(alice, "producer_byte_rate", 1.5));
        assertInstanceOf(InvalidRequestException.class, e.getCause());
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(alice, List.of(new ClientQuotaAlteration.Op(
                "consumer_byte_rate", 5.0)))), new AlterClientQuotasOptions().validateOnly(true)).all()
                .get(30, TimeUnit.SECONDS);
        assertEquals(Map.of(alice, Map.of("producer_byte_rate", 1024.0)), describe(ClientQuotaFilter.containsOnly(
                List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")))));

        setQuota(alice, "producer_byte_rate", null);
        setQuota(aliceDefaultClient, "request_percentage", null);
        setQuota(defaultClient, "consumer_byte_rate", null);
        assertEquals(Map.of(), describe(ClientQuotaFilter.contains(List.of(
                ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")))));
    }

    @Test
    void kafkaConfigsAltersAndDescribesQuotas() throws Exception {
        KafkaTool configs = new KafkaTool(KafkaTool.CLASSPATH_4_4, "org.apache.kafka.tools.ConfigCommand",
                "--bootstrap-server", broker.bootstrapServers());
        configs.ok("--alter", "--add-config", "producer_byte_rate=1048576", "--entity-type", "clients",
                "--entity-name", "c1");
        configs.ok("--alter", "--add-config", "consumer_byte_rate=2097152,request_percentage=25", "--entity-type",
                "users", "--entity-name", "bob");
        configs.ok("--alter", "--add-config", "producer_byte_rate=4096", "--entity-type", "users",
                "--entity-default");
        KafkaTool.Run c1 = configs.ok("--describe", "--entity-type", "clients", "--entity-name", "c1");
        assertTrue(c1.all().contains("producer_byte_rate=1048576"), c1.all());
        // --describe of users also asks for SCRAM credentials (DescribeUserScramCredentials, not served yet): read
        // the users' quotas with Admin instead.
        assertEquals(Map.of(entity(ClientQuotaEntity.USER, "bob"), Map.of("consumer_byte_rate", 2097152.0,
                "request_percentage", 25.0)), describe(ClientQuotaFilter.containsOnly(List.of(
                        ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "bob")))));
        configs.ok("--alter", "--add-config", "consumer_byte_rate=512", "--entity-type", "clients",
                "--entity-default");
        KafkaTool.Run defaults = configs.ok("--describe", "--entity-type", "clients", "--entity-default");
        assertTrue(defaults.all().contains("consumer_byte_rate=512"), defaults.all());
        configs.ok("--alter", "--delete-config", "consumer_byte_rate", "--entity-type", "clients",
                "--entity-default");
        assertEquals(Map.of(entity(ClientQuotaEntity.USER, null), Map.of("producer_byte_rate", 4096.0)),
                describe(ClientQuotaFilter.containsOnly(List.of(
                        ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.USER)))));
        configs.ok("--alter", "--delete-config", "producer_byte_rate", "--entity-type", "users", "--entity-default");
        configs.ok("--alter", "--delete-config", "producer_byte_rate", "--entity-type", "clients",
                "--entity-name", "c1");
        configs.ok("--alter", "--delete-config", "consumer_byte_rate,request_percentage", "--entity-type", "users",
                "--entity-name", "bob");
        assertEquals(Map.of(), describe(ClientQuotaFilter.all()));
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
        for (Map.Entry<MetricName, ? extends Metric> m : metrics.entrySet()) {
            if (m.getKey().name().equals(name) && m.getKey().group().endsWith("-metrics")
                    && !m.getKey().tags().containsKey("node-id")) {
                Object v = m.getValue().metricValue();
                return v instanceof Double d && !d.isNaN() ? d : 0;
            }
        }
        throw new AssertionError("No metric " + name);
    }

    @Test
    void producerIsHeldToItsByteRate() throws Exception {
        String clientId = "quota-producer";
        setQuota(entity(ClientQuotaEntity.CLIENT_ID, clientId), "producer_byte_rate", RATE);
        admin.createTopics(List.of(new NewTopic("produce-quota", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 32 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);
        byte[] value = new byte[1000];
        AtomicLong acked = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.partitionsFor("produce-quota");
            long start = System.nanoTime();
            long end = start + TimeUnit.MILLISECONDS.toNanos(LOAD_MS);
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>("produce-quota", value), (md, ex) -> {
                    if (ex == null && System.nanoTime() < end) {
                        acked.addAndGet(value.length);
                    }
                });
            }
            double rate = acked.get() * 1e9 / (System.nanoTime() - start);
            double throttleAvg = metric(producer.metrics(), "produce-throttle-time-max");
            assertTrue(Math.abs(rate - RATE) <= 0.1 * RATE, "producer rate " + rate + " B/s, quota " + RATE);
            assertTrue(throttleAvg > 0, "the producer saw no throttle time");
            assertTrue(metric(producer.metrics(), "produce-throttle-time-avg") > 0);
        } finally {
            setQuota(entity(ClientQuotaEntity.CLIENT_ID, clientId), "producer_byte_rate", null);
        }
    }

    @Test
    void consumerIsHeldToItsByteRate() throws Exception {
        String topic = "fetch-quota";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "loader");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        byte[] value = new byte[1000];
        long records = (long) (RATE * 2.5 * LOAD_MS / 1000 / value.length);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, value));
            }
            producer.flush();
        }
        String clientId = "quota-consumer";
        setQuota(entity(ClientQuotaEntity.CLIENT_ID, clientId), "consumer_byte_rate", RATE);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 128 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long bytes = 0;
            long start = System.nanoTime();
            long end = start + TimeUnit.MILLISECONDS.toNanos(LOAD_MS);
            while (System.nanoTime() < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    bytes += r.value().length;
                }
            }
            double rate = bytes * 1e9 / (System.nanoTime() - start);
            assertTrue(bytes < records * value.length, "the consumer read everything: no throttling");
            assertTrue(Math.abs(rate - RATE) <= 0.1 * RATE, "consumer rate " + rate + " B/s, quota " + RATE);
            assertTrue(metric(consumer.metrics(), "fetch-throttle-time-max") > 0, "the consumer saw no throttle");
        } finally {
            setQuota(entity(ClientQuotaEntity.CLIENT_ID, clientId), "consumer_byte_rate", null);
        }
    }

    private static Admin adminWithClientId(String clientId) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, clientId, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 20000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000));
    }

    @Test
    void createTopicsOverTheMutationRateIsRefusedWithThrottlingQuotaExceeded() throws Exception {
        String clientId = "mutator";
        setQuota(entity(ClientQuotaEntity.CLIENT_ID, clientId), "controller_mutation_rate", 1.0);
        // Two Admin clients with one client id share its bucket; the first waits out its own throttle time
        // (KIP-219), the second has not been told of it.
        try (Admin first = adminWithClientId(clientId); Admin second = adminWithClientId(clientId)) {
            second.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            // A burst of 11 tokens (1/s over 11 windows of 1 s): 20 partitions are admitted and leave a debt of 9.
            first.createTopics(List.of(new NewTopic("mutation-1", 20, (short) 1)),
                    new CreateTopicsOptions().retryOnQuotaViolation(false)).all().get(30, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> second.createTopics(
                    List.of(new NewTopic("mutation-2", 1, (short) 1)),
                    new CreateTopicsOptions().retryOnQuotaViolation(false)).all().get(30, TimeUnit.SECONDS));
            ThrottlingQuotaExceededException t = assertInstanceOf(ThrottlingQuotaExceededException.class,
                    e.getCause());
            assertTrue(t.throttleTimeMs() > 0 && t.throttleTimeMs() <= 9000, "throttle " + t.throttleTimeMs());
            assertTrue(!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("mutation-2"));
            // Another client id is not limited.
            admin.createTopics(List.of(new NewTopic("mutation-3", 5, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } finally {
            setQuota(entity(ClientQuotaEntity.CLIENT_ID, clientId), "controller_mutation_rate", null);
        }
    }
}
