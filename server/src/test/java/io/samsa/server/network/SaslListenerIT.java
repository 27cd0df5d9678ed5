package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.config.Endpoint;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
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
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker with a PLAINTEXT and a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512): the official Java
 * producer, consumer and Admin authenticating with each mechanism, SCRAM users created through Admin, refused
 * passwords, and the pre-authentication gate probed with raw frames.
 */
class SaslListenerIT {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";
    private static final long REAUTH_MS = 60_000;
    private static EmbeddedBroker broker;
    private static int saslPort;

    @BeforeAll
    static void start() throws Exception {
        broker = startSaslBroker(Map.of("listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS,
                "connections.max.reauth.ms", String.valueOf(REAUTH_MS)));
        saslPort = saslPort(broker);
    }

    /** A broker with a PLAINTEXT listener and a SASL_PLAINTEXT one with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
    static EmbeddedBroker startSaslBroker(Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                "inter.broker.listener.name", "PLAINTEXT",
                "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"));
        props.putAll(extra);
        return EmbeddedBroker.start(props);
    }

    static int saslPort(EmbeddedBroker b) {
        return b.broker().boundListeners().stream().filter(e -> e.listenerName().equals("SASL_PLAINTEXT"))
                .mapToInt(Endpoint::port).findFirst().orElseThrow();
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
    }

    private static Properties sasl(Properties p, String mechanism, String user, String password) {
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + saslPort);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return p;
    }

    private static Admin admin(String mechanism, String user, String password) {
        Properties p = sasl(new Properties(), mechanism, user, password);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(p);
    }

    /** Produces {@code count} records to a new topic and reads them back, both clients authenticated as given. */
    private static void produceAndConsume(String topic, String mechanism, String user, String password)
            throws Exception {
        broker.createTopic(topic, 1, Map.of());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(sasl(broker.producerProps(), mechanism,
                user, password))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(10, TimeUnit.SECONDS);
            }
        }
        Properties cp = sasl(broker.consumerProps(), mechanism, user, password);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (seen.size() < 10 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8) + "@" + r.offset());
                }
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                expected.add("v" + i + "@" + i);
            }
            assertEquals(expected, seen);
        }
    }

    @Test
    void plainProducerConsumerAndAdmin() throws Exception {
        produceAndConsume("sasl-plain", "PLAIN", "alice", "alice-secret");
        try (Admin admin = admin("PLAIN", "admin", "admin-secret")) {
            assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains("sasl-plain"));
        }
    }

    @Test
    void aWrongPlainPasswordIsRefused() {
        try (Admin admin = admin("PLAIN", "alice", "wrong")) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("Invalid username or password"), e.getCause().getMessage());
        }
    }

    @Test
    void scramUsersCreatedThroughAdminAuthenticate() throws Exception {
        try (Admin admin = admin("PLAIN", "admin", "admin-secret")) {
            List<UserScramCredentialAlteration> alterations = List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256,
                            8192), "carol-secret"),
                    new UserScramCredentialUpsertion("dave", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                            4096), "dave-secret"));
            admin.alterUserScramCredentials(alterations).all().get(10, TimeUnit.SECONDS);
            Map<String, UserScramCredentialsDescription> described = admin.describeUserScramCredentials(
                    List.of("carol", "dave")).all().get(10, TimeUnit.SECONDS);
            assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192)),
                    described.get("carol").credentialInfos());
            assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                    described.get("dave").credentialInfos());
            // Kafka's validation: too few iterations, and describing or deleting a user without credentials.
            ExecutionException few = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                    List.of(new UserScramCredentialUpsertion("erin", new ScramCredentialInfo(
                            ScramMechanism.SCRAM_SHA_256, 1000), "x"))).all().get(10, TimeUnit.SECONDS));
            assertInstanceOf(UnacceptableCredentialException.class, few.getCause());
            // (all() keeps a user that does not exist, without credentials; its own description fails.)
            assertEquals(List.of(), admin.describeUserScramCredentials(List.of("erin")).all()
                    .get(10, TimeUnit.SECONDS).get("erin").credentialInfos());
            assertInstanceOf(ResourceNotFoundException.class, assertThrows(ExecutionException.class,
                    () -> admin.describeUserScramCredentials(List.of("erin")).description("erin")
                            .get(10, TimeUnit.SECONDS)).getCause());
            assertInstanceOf(ResourceNotFoundException.class, assertThrows(ExecutionException.class,
                    () -> admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("erin",
                            ScramMechanism.SCRAM_SHA_256))).all().get(10, TimeUnit.SECONDS)).getCause());
        }
        produceAndConsume("sasl-scram-256", "SCRAM-SHA-256", "carol", "carol-secret");
        produceAndConsume("sasl-scram-512", "SCRAM-SHA-512", "dave", "dave-secret");
        for (String[] wrong : new String[][] {{"SCRAM-SHA-256", "carol", "nope"}, {"SCRAM-SHA-512", "carol",
            "carol-secret"}, {"SCRAM-SHA-256", "nobody", "x"}}) {
            try (Admin admin = admin(wrong[0], wrong[1], wrong[2])) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), String.join(" ", wrong));
            }
        }
        // Deleted, the credential no longer authenticates.
        try (Admin admin = admin("PLAIN", "admin", "admin-secret")) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave",
                    ScramMechanism.SCRAM_SHA_512))).all().get(10, TimeUnit.SECONDS);
            assertNull(admin.describeUserScramCredentials().all().get(10, TimeUnit.SECONDS).get("dave"));
        }
        try (Admin admin = admin("SCRAM-SHA-512", "dave", "dave-secret")) {
            assertInstanceOf(SaslAuthenticationException.class, assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS)).getCause());
        }
    }

    @Test
    void apiVersionsNamesTheSaslApisOnlyOnTheSaslListener() throws IOException {
        try (Socket s = new Socket("127.0.0.1", broker.port())) {
            ApiVersionsResponseData plain = apiVersions(s);
            assertNull(plain.apiKeys().find((short) 17));
            assertNull(plain.apiKeys().find((short) 36));
        }
        try (Socket s = new Socket("127.0.0.1", saslPort)) {
            ApiVersionsResponseData sasl = apiVersions(s);
            assertEquals(1, sasl.apiKeys().find((short) 17).maxVersion());
            assertEquals(2, sasl.apiKeys().find((short) 36).maxVersion());
            assertNotNull(sasl.apiKeys().find((short) 3));
        }
    }

    private static ApiVersionsResponseData apiVersions(Socket s) throws IOException {
        ByteBuffer resp = ApiVersionsIT.roundTrip(s, (short) 18, (short) 3, 1, new ApiVersionsRequestData()
                .setClientSoftwareName("samsa-test").setClientSoftwareVersion("1.0"), (short) 2);
        assertEquals(1, resp.getInt());
        return new ApiVersionsResponseData(new org.apache.kafka.common.protocol.ByteBufferAccessor(resp), (short) 3);
    }

    @Test
    void beforeAuthenticationOtherRequestsAndLargeFramesCloseTheConnection() throws IOException {
        try (Socket s = new Socket("127.0.0.1", saslPort)) {
            send(s, ApiVersionsIT.frame((short) 3, (short) 12, 5, new MetadataRequestData(), (short) 2));
            assertClosed(s);
        }
        try (Socket s = new Socket("127.0.0.1", saslPort)) {
            // Declares 600 KiB (over the 512 KiB limit) and sends only the size: closed at once.
            new DataOutputStream(s.getOutputStream()).writeInt(600 * 1024);
            assertClosed(s);
        }
        try (Socket s = new Socket("127.0.0.1", saslPort)) {
            ByteBuffer resp = ApiVersionsIT.roundTrip(s, (short) 36, (short) 2, 9, new SaslAuthenticateRequestData()
                    .setAuthBytes(new byte[] {0, 'a', 0, 'b'}), (short) 2);
            assertEquals(9, resp.getInt());
            resp.get(); // tagged fields of the flexible response header
            assertEquals(34, new SaslAuthenticateResponseData(new org.apache.kafka.common.protocol.ByteBufferAccessor(
                    resp), (short) 2).errorCode());
            assertClosed(s);
        }
        // After authentication a request over 512 KiB is read: a Metadata request naming 3000 topics of 200 chars.
        try (Socket s = new Socket("127.0.0.1", saslPort)) {
            SaslAuthenticateResponseData auth = authenticatePlain(s, "alice", "alice-secret");
            assertEquals(0, auth.errorCode());
            assertEquals(REAUTH_MS, auth.sessionLifetimeMs());
            MetadataRequestData big = new MetadataRequestData().setAllowAutoTopicCreation(false);
            for (int i = 0; i < 3000; i++) {
                big.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(String.format("%0200d", i)));
            }
            ByteBuffer frame = ApiVersionsIT.frame((short) 3, (short) 12, 11, big, (short) 2);
            assertTrue(frame.capacity() > 600 * 1024, "frame of " + frame.capacity() + " bytes");
            send(s, frame);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] resp = new byte[in.readInt()];
            in.readFully(resp);
            assertEquals(11, ByteBuffer.wrap(resp).getInt());
        }
    }

    @Test
    void aV0HandshakeAuthenticatesWithRawTokens() throws IOException {
        try (Socket s = new Socket("127.0.0.1", saslPort)) {
            ByteBuffer hs = ApiVersionsIT.roundTrip(s, (short) 17, (short) 0, 1, new SaslHandshakeRequestData()
                    .setMechanism("PLAIN"), (short) 1);
            assertEquals(1, hs.getInt());
            assertEquals(0, new SaslHandshakeResponseData(new org.apache.kafka.common.protocol.ByteBufferAccessor(hs),
                    (short) 0).errorCode());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] token = "\u0000alice\u0000alice-secret".getBytes(StandardCharsets.UTF_8);
            out.writeInt(token.length);
            out.write(token);
            out.flush();
            assertEquals(0, new DataInputStream(s.getInputStream()).readInt(), "an empty raw reply");
            ByteBuffer meta = ApiVersionsIT.roundTrip(s, (short) 3, (short) 12, 2, new MetadataRequestData(),
                    (short) 2);
            assertEquals(2, meta.getInt());
        }
    }

    private static SaslAuthenticateResponseData authenticatePlain(Socket s, String user, String password)
            throws IOException {
        ByteBuffer hs = ApiVersionsIT.roundTrip(s, (short) 17, (short) 1, 1, new SaslHandshakeRequestData()
                .setMechanism("PLAIN"), (short) 1);
        assertEquals(1, hs.getInt());
        ByteBuffer resp = ApiVersionsIT.roundTrip(s, (short) 36, (short) 2, 2, new SaslAuthenticateRequestData()
                .setAuthBytes(("\u0000" + user + "\u0000" + password).getBytes(StandardCharsets.UTF_8)), (short) 2);
        assertEquals(2, resp.getInt());
        resp.get();
        return new SaslAuthenticateResponseData(new org.apache.kafka.common.protocol.ByteBufferAccessor(resp),
                (short) 2);
    }

    private static void send(Socket s, ByteBuffer frame) throws IOException {
        s.getOutputStream().write(frame.array());
        s.getOutputStream().flush();
    }

    private static void assertClosed(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        assertEquals(-1, s.getInputStream().read(), "the broker closes the connection");
    }
}
