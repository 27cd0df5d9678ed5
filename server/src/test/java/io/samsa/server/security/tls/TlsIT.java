package io.samsa.server.security.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.server.EmbeddedBroker;
import io.samsa.server.config.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SSL listeners with Kafka's own Java clients: a broker with a PLAINTEXT listener, an SSL listener that requests
 * client certificates (PKCS12 stores) and an MTLS listener (mapped to SSL) that requires them (PEM stores, inline);
 * producer, consumer and Admin over TLS, a large fetch through the engine, mutual TLS, a client of the wrong CA,
 * hostile connections, and certificate reload with incrementalAlterConfigs.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TlsIT {
    private static EmbeddedBroker broker;
    private static TestCertificates certs;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.get();
        broker = EmbeddedBroker.start(config(certs));
    }

    /**
     * Three listeners: PLAINTEXT (inter-broker), SSL (PKCS12 stores, client certificates requested) and MTLS (mapped
     * to SSL; inline PEM stores, client certificates required); handshakes time out after 1 s.
     */
    static Map<String, String> config(TestCertificates certs) throws IOException {
        Map<String, String> p = certs.brokerStores("PKCS12");
        p.put("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL");
        p.put("ssl.client.auth", "requested");
        p.put("listener.name.mtls.ssl.client.auth", "required");
        p.put("listener.name.mtls.ssl.keystore.type", "PEM");
        p.put("listener.name.mtls.ssl.keystore.location", "");
        p.put("listener.name.mtls.ssl.keystore.certificate.chain", certs.chainPem("broker"));
        p.put("listener.name.mtls.ssl.keystore.key", certs.keyPem("broker"));
        p.put("listener.name.mtls.ssl.truststore.type", "PEM");
        p.put("listener.name.mtls.ssl.truststore.location", "");
        p.put("listener.name.mtls.ssl.truststore.certificates", certs.caPem("ca"));
        p.put("samsa.ssl.handshake.timeout.ms", "1000");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static int port(String listener) {
        return broker.broker().boundListeners().stream().filter(e -> e.listenerName().equals(listener))
                .mapToInt(Endpoint::port).findFirst().orElseThrow();
    }

    /** Client settings for {@code listener} over SSL, trusting {@code trustStore}, presenting {@code keyStore}. */
    private static Map<String, Object> client(String listener, String trustStore, String keyStore) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port(listener));
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.keyStore(trustStore, "PKCS12").toString());
        c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        if (keyStore != null) {
            c.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
            c.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.keyStore(keyStore, "PKCS12").toString());
            c.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        }
        c.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        c.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return c;
    }

    /** Produces {@code count} records of {@code size} random bytes to a new topic over {@code conf}; returns them. */
    private static List<byte[]> produce(Map<String, Object> conf, String topic, int count, int size)
            throws Exception {
        try (Admin admin = Admin.create(conf)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> pc = new HashMap<>(conf);
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
        List<byte[]> sent = new ArrayList<>();
        Random random = new Random(count * 31L + size);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pc, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                byte[] v = new byte[size];
                random.nextBytes(v);
                sent.add(v);
                producer.send(new ProducerRecord<>(topic, 0, null, v));
            }
            producer.flush();
        }
        return sent;
    }

    private static List<byte[]> consume(Map<String, Object> conf, String topic, int count) {
        Map<String, Object> cc = new HashMap<>(conf);
        cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cc.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 50 << 20);
        cc.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 50 << 20);
        List<byte[]> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cc, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    got.add(r.value());
                }
            }
        }
        return got;
    }

    private static void assertSameRecords(List<byte[]> want, List<byte[]> got) {
        assertEquals(want.size(), got.size(), "records consumed");
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "record " + i);
        }
    }

    @Test
    void producerConsumerAndAdminOverTls() throws Exception {
        Map<String, Object> conf = client("SSL", "truststore", null);
        List<byte[]> sent = produce(conf, "tls-small", 200, 300);
        assertSameRecords(sent, consume(conf, "tls-small", sent.size()));
        try (Admin admin = Admin.create(conf)) {
            assertEquals(1, admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).size());
        }
    }

    /** A fetch of many megabytes cannot use sendfile under TLS: its file regions go through the engine in chunks. */
    @Test
    void largeFetchOverTls() throws Exception {
        Map<String, Object> conf = client("SSL", "truststore", "client");
        List<byte[]> sent = produce(conf, "tls-large", 48, 256 * 1024);
        assertSameRecords(sent, consume(conf, "tls-large", sent.size()));
    }

    @Test
    void mutualTlsWithARequiredClientCertificate() throws Exception {
        Map<String, Object> conf = client("MTLS", "truststore", "client");
        List<byte[]> sent = produce(conf, "tls-mutual", 20, 100);
        assertSameRecords(sent, consume(conf, "tls-mutual", sent.size()));

        // Without a certificate the broker refuses the handshake.
        try (Admin admin = Admin.create(client("MTLS", "truststore", null))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
            assertInstanceOf(SslAuthenticationException.class, e.getCause());
        }
    }

    @Test
    void aClientTrustingTheWrongCaIsRefused() throws Exception {
        try (Admin admin = Admin.create(client("SSL", "wrong-truststore", null))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
            assertInstanceOf(SslAuthenticationException.class, e.getCause());
        }
        // A certificate of another CA is refused on the listener that requires one.
        try (Admin admin = Admin.create(client("MTLS", "truststore", "stranger"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
            assertInstanceOf(SslAuthenticationException.class, e.getCause());
        }
    }

    /**
     * Garbage instead of a ClientHello, connections that never finish a handshake, and hundreds of half-open ones:
     * each is closed (the handshake timeout is 1 s here), the broker's pooled memory does not grow with them, and
     * a TLS client is served afterwards.
     */
    @Test
    void hostileConnectionsAreClosedWithoutMemoryGrowth() throws Exception {
        int port = port("SSL");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(10).getBytes());
            assertTrue(closedByBroker(s), "garbage closes the connection");
        }
        long before = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        List<Socket> halfOpen = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                // The start of a TLS handshake record that announces 16 KiB and never sends them.
                out.write(new byte[] {0x16, 0x03, 0x01, 0x40, 0x00, 0x01});
                out.flush();
                halfOpen.add(s);
            }
            for (Socket s : halfOpen) {
                assertTrue(closedByBroker(s), "a half-open handshake is closed by the timeout");
            }
        } finally {
            for (Socket s : halfOpen) {
                s.close();
            }
        }
        long after = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        assertTrue(after - before <= 16L << 20, "pooled direct memory grew by " + (after - before) + " bytes");
        Map<String, Object> conf = client("SSL", "truststore", null);
        try (Admin admin = Admin.create(conf)) {
            assertEquals(1, admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).size());
        }
    }

    private static boolean closedByBroker(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            while (true) {
                if (in.read() == -1) {
                    return true;
                }
            }
        } catch (SocketException e) {
            return true;
        }
    }

    /**
     * Kafka's certificate reload: altering the listener's key store with incrementalAlterConfigs gives new
     * connections the new certificate; an open connection stays up.
     */
    @Test
    void keystoreReloadWithoutRestart() throws Exception {
        Map<String, Object> conf = client("SSL", "truststore", null);
        assertEquals("CN=localhost,O=Samsa", peerSubject(port("SSL")));
        Map<String, Object> pc = new HashMap<>(conf);
        try (Admin admin = Admin.create(conf);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pc, new ByteArraySerializer(),
                     new ByteArraySerializer())) {
            admin.createTopics(List.of(new NewTopic("tls-reload", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("tls-reload", 0, null, "before".getBytes())).get(30, TimeUnit.SECONDS);
            ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER,
                    Integer.toString(broker.broker().config().nodeId()));
            admin.incrementalAlterConfigs(Map.of(node, List.of(
                    new AlterConfigOp(new ConfigEntry("listener.name.ssl.ssl.keystore.location",
                            certs.keyStore("broker-renewed", "PKCS12").toString()), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String subject = peerSubject(port("SSL"));
            while (!subject.equals("CN=localhost,O=Renewed") && System.nanoTime() < deadline) {
                Thread.sleep(50);
                subject = peerSubject(port("SSL"));
            }
            assertEquals("CN=localhost,O=Renewed", subject, "new connections get the new certificate");
            assertEquals("CN=localhost,O=Samsa", peerSubject(port("MTLS")), "the other listener keeps its own");
            // The producer's connection, opened before the reload, still works.
            producer.send(new ProducerRecord<>("tls-reload", 0, null, "after".getBytes())).get(30, TimeUnit.SECONDS);
        }
    }

    /** The subject of the certificate the broker presents on {@code port}. */
    private static String peerSubject(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(certs.keyStore("truststore", "PKCS12"))) {
            trust.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(certs.keyManagers("client"), tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }
}
