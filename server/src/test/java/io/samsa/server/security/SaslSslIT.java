package io.samsa.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.config.Endpoint;
import io.samsa.server.security.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SASL over TLS (SASL_SSL) with Kafka's own Java clients: the TLS layer of the SSL listeners and the SASL exchange of
 * the SASL_PLAINTEXT ones on one listener. PLAIN users authenticate inside TLS; the principal the ACLs see is the SASL
 * user's (alice may use the topic an ACL grants her, bob may not); a wrong password, a client that does not trust the
 * broker's CA, and a client that skips TLS are all refused.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslSslIT {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_admin=\"admin-secret\" user_alice=\"alice-secret\" user_bob=\"bob-secret\";";
    private static final String TOPIC = "sasl-ssl";
    private static EmbeddedBroker broker;
    private static TestCertificates certs;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.get();
        Map<String, String> p = new HashMap<>(certs.brokerStores("PKCS12"));
        p.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.sasl_ssl.plain.sasl.jaas.config", JAAS);
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:admin;User:ANONYMOUS");
        broker = EmbeddedBroker.start(p);
        port = broker.broker().boundListeners().stream().filter(e -> e.listenerName().equals("SASL_SSL"))
                .mapToInt(Endpoint::port).findFirst().orElseThrow();
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static Properties client(String protocol, String truststore, String user, String password) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        p.put("security.protocol", protocol);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", certs.keyStore(truststore, "PKCS12").toString());
        p.put("ssl.truststore.password", TestCertificates.PASSWORD);
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return p;
    }

    private static Properties client(String user, String password) {
        return client("SASL_SSL", "truststore", user, password);
    }

    @Test
    void theSaslUserInsideTlsIsThePrincipalTheAclsSee() throws Exception {
        try (Admin admin = Admin.create(client("admin", "admin-secret"))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
            ResourcePattern topic = new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL);
            ResourcePattern group = new ResourcePattern(ResourceType.GROUP, "*", PatternType.LITERAL);
            admin.createAcls(List.of(
                    new AclBinding(topic, new AccessControlEntry("User:alice", "*", AclOperation.WRITE,
                            AclPermissionType.ALLOW)),
                    new AclBinding(topic, new AccessControlEntry("User:alice", "*", AclOperation.READ,
                            AclPermissionType.ALLOW)),
                    new AclBinding(group, new AccessControlEntry("User:alice", "*", AclOperation.READ,
                            AclPermissionType.ALLOW)))).all().get(10, TimeUnit.SECONDS);
        }
        Properties pp = client("alice", "alice-secret");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(TOPIC, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(10, TimeUnit.SECONDS);
            }
        }
        Properties cp = client("alice", "alice-secret");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (seen.size() < 20 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8) + "@" + r.offset());
                }
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                expected.add("v" + i + "@" + i);
            }
            assertEquals(expected, seen);
        }
        // bob authenticates as well, but no ACL names him.
        Properties bp = client("bob", "bob-secret");
        bp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        bp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        bp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(bp)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>(TOPIC, "x".getBytes(StandardCharsets.UTF_8))).get(15, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
        }
    }

    @Test
    void aWrongPasswordIsRefusedInsideTls() {
        try (Admin admin = Admin.create(client("alice", "wrong"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Invalid username or password"), e.getCause().getMessage());
        }
    }

    @Test
    void aClientThatDoesNotTrustTheBrokerIsRefusedBeforeSasl() {
        try (Admin admin = Admin.create(client("SASL_SSL", "wrong-truststore", "alice", "alice-secret"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
            assertInstanceOf(SslAuthenticationException.class, e.getCause(), e.toString());
        }
    }

    @Test
    void aClientThatSkipsTlsGetsNothing() {
        Properties p = client("SASL_PLAINTEXT", "truststore", "alice", "alice-secret");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "4000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        try (Admin admin = Admin.create(p)) {
            assertThrows(ExecutionException.class, () -> admin.describeCluster().clusterId().get(8, TimeUnit.SECONDS));
        }
    }
}
