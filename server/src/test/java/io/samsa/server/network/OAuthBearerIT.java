package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.samsa.server.EmbeddedBroker;
import io.samsa.server.config.Endpoint;
import io.samsa.server.security.tls.TestCertificates;
import io.samsa.server.security.sasl.TestJwts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SASL/OAUTHBEARER with an identity provider in the test: a JDK {@code HttpServer} serves the JWKS and an OAuth token
 * endpoint (client credentials grant, RFC 6749 section 4.4), and the official Java clients log in with Kafka's
 * {@code OAuthBearerLoginCallbackHandler} (KIP-768), on a SASL_PLAINTEXT and a SASL_SSL listener; librdkafka (through
 * python3-confluent-kafka) too. The broker loads the JWKS over HTTP at start-up.
 */
class OAuthBearerIT {
    private static final PublicJsonWebKey KEY = TestJwts.rsa("idp-1");
    /** Client id -> secret, subject, audience and token lifetime in seconds. */
    private static final Map<String, String[]> CLIENTS = Map.of(
            "svc-alice", new String[] {"alice-secret", "alice", TestJwts.AUDIENCE, "3600"},
            "svc-elsewhere", new String[] {"elsewhere-secret", "mallory", "another-cluster", "3600"},
            "svc-short", new String[] {"short-secret", "bob", TestJwts.AUDIENCE, "10"});
    private static final Map<String, AtomicInteger> ISSUED = new ConcurrentHashMap<>();
    private static HttpServer idp;
    private static EmbeddedBroker broker;
    private static int saslPort;
    private static int sslPort;
    private static TestCertificates certs;
    private static String tokenUrl;

    @BeforeAll
    static void start() throws Exception {
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/jwks", e -> reply(e, 200, TestJwts.jwks(KEY)));
        idp.createContext("/token", OAuthBearerIT::token);
        idp.start();
        String base = "http://127.0.0.1:" + idp.getAddress().getPort();
        tokenUrl = base + "/token";
        // Kafka 4 clients fetch tokens only from URLs this property allows.
        System.setProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls", tokenUrl);
        certs = TestCertificates.get();
        Map<String, String> props = new HashMap<>(certs.brokerStores("PKCS12"));
        props.putAll(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
                "inter.broker.listener.name", "PLAINTEXT",
                "sasl.enabled.mechanisms", "OAUTHBEARER",
                "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
                "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;",
                "sasl.oauthbearer.jwks.endpoint.url", base + "/jwks",
                "sasl.oauthbearer.expected.audience", TestJwts.AUDIENCE,
                "sasl.oauthbearer.expected.issuer", TestJwts.ISSUER));
        broker = EmbeddedBroker.start(props);
        saslPort = port("SASL_PLAINTEXT");
        sslPort = port("SASL_SSL");
    }

    private static int port(String listener) {
        return broker.broker().boundListeners().stream().filter(e -> e.listenerName().equals(listener))
                .mapToInt(Endpoint::port).findFirst().orElseThrow();
    }

    @AfterAll
    static void stop() throws IOException {
        if (broker != null) {
            broker.close();
        }
        if (idp != null) {
            idp.stop(0);
        }
        System.clearProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls");
    }

    /** The token endpoint: a client credentials grant with HTTP Basic client authentication (RFC 6749 2.3.1). */
    private static void token(HttpExchange e) throws IOException {
        String body = new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String auth = e.getRequestHeaders().getFirst("Authorization");
        if (!"POST".equals(e.getRequestMethod()) || !body.contains("grant_type=client_credentials") || auth == null
                || !auth.startsWith("Basic ")) {
            reply(e, 400, "{\"error\":\"invalid_request\"}");
            return;
        }
        String[] idSecret = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8)
                .split(":", 2);
        String id = URLDecoder.decode(idSecret[0], StandardCharsets.UTF_8);
        String[] client = CLIENTS.get(id);
        if (client == null || idSecret.length < 2
                || !client[0].equals(URLDecoder.decode(idSecret[1], StandardCharsets.UTF_8))) {
            reply(e, 401, "{\"error\":\"invalid_client\"}");
            return;
        }
        long now = System.currentTimeMillis();
        long lifetime = Long.parseLong(client[3]);
        JwtClaims claims = TestJwts.claims(client[1], now);
        claims.setAudience(client[2]);
        claims.setExpirationTime(NumericDate.fromMilliseconds(now + lifetime * 1000));
        ISSUED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        reply(e, 200, TestJwts.tokenResponse(TestJwts.rs256(claims, KEY), lifetime));
    }

    private static void reply(HttpExchange e, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("Content-Type", "application/json");
        e.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Properties oauth(Properties p, String clientId, String secret) {
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + saslPort);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "OAUTHBEARER");
        p.put("sasl.login.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        p.put("sasl.oauthbearer.token.endpoint.url", tokenUrl);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                + "clientId=\"" + clientId + "\" clientSecret=\"" + secret + "\";");
        return p;
    }

    @Test
    void theJavaClientsLogInWithTokensFromTheTokenEndpoint() throws Exception {
        String topic = "oauth-orders";
        Properties ap = oauth(new Properties(), "svc-alice", "alice-secret");
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
            assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(oauth(broker.producerProps(), "svc-alice",
                "alice-secret"))) {
            for (int i = 0; i < 10; i++) {
                assertEquals(i, producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(15, TimeUnit.SECONDS).offset());
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(oauth(broker.consumerProps(), "svc-alice",
                "alice-secret"))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (seen.size() < 10 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(List.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"), seen);
        }
        assertTrue(ISSUED.get("svc-alice").get() >= 3, "tokens issued: " + ISSUED);
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() throws Exception {
        Properties p = oauth(new Properties(), "svc-elsewhere", "elsewhere-secret");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(p)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS));
            SaslAuthenticationException refused = assertInstanceOf(SaslAuthenticationException.class, e.getCause());
            assertTrue(refused.getMessage().contains("invalid_token"), refused.getMessage());
        }
        assertTrue(ISSUED.get("svc-elsewhere").get() >= 1);
    }

    @Test
    void aSessionThatEndsWithItsTokenIsReauthenticatedWithANewToken() throws Exception {
        String topic = "oauth-reauth";
        broker.createTopic(topic, 1, Map.of());
        Properties p = oauth(broker.producerProps(), "svc-short", "short-secret");
        // Refresh the 10 s tokens after about half their life (Kafka's bounds allow these values).
        p.put("sasl.login.refresh.window.factor", "0.5");
        p.put("sasl.login.refresh.window.jitter", "0.0");
        p.put("sasl.login.refresh.min.period.seconds", "1");
        p.put("sasl.login.refresh.buffer.seconds", "1");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(16);
            int sent = 0;
            while (System.nanoTime() < end || reauthentications(producer.metrics()) < 1) {
                assertEquals(sent, producer.send(new ProducerRecord<>(topic, new byte[] {(byte) sent}))
                        .get(15, TimeUnit.SECONDS).offset());
                sent++;
                Thread.sleep(250);
                assertTrue(System.nanoTime() < end + TimeUnit.SECONDS.toNanos(20), "no re-authentication");
            }
            // The broker's session ended with the first token (10 s): the producer re-authenticated on its connection,
            // with a later token, and every send on the way succeeded.
            assertTrue(reauthentications(producer.metrics()) >= 1);
            assertTrue(ISSUED.get("svc-short").get() >= 2, "tokens issued: " + ISSUED);
        }
    }

    @Test
    void confluentKafkaPythonLogsInWithATokenFromTheEndpoint() throws Exception {
        // Debian's librdkafka is built without libcurl, so sasl.oauthbearer.method=oidc is not available: the script
        // runs the client credentials grant itself and hands the token to librdkafka through oauth_cb.
        Path python = Path.of("/usr/bin/python3");
        boolean present = Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c",
                "import confluent_kafka").start().waitFor() == 0;
        if (!present) {
            System.out.println("Skipping: python3-confluent-kafka is not installed (apt-get install "
                    + "python3-confluent-kafka)");
        }
        Assumptions.assumeTrue(present, "python3-confluent-kafka is not installed");
        broker.createTopic("oauth-python", 1, Map.of());
        String script = String.join("\n",
                "import base64, json, sys, urllib.request",
                "from confluent_kafka import Producer, Consumer",
                "def fetch(client, secret):",
                "    basic = base64.b64encode(('%s:%s' % (client, secret)).encode()).decode()",
                "    req = urllib.request.Request(sys.argv[2], data=b'grant_type=client_credentials',",
                "        headers={'Authorization': 'Basic ' + basic,",
                "                 'Content-Type': 'application/x-www-form-urlencoded'})",
                "    token = json.load(urllib.request.urlopen(req))['access_token']",
                "    claims = json.loads(base64.urlsafe_b64decode(token.split('.')[1] + '=='))",
                "    return token, claims['exp']",
                "def conf(client, secret):",
                "    return {'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT',",
                "            'sasl.mechanism': 'OAUTHBEARER', 'oauth_cb': lambda _: fetch(client, secret)}",
                "p = Producer(conf('svc-alice', 'alice-secret'))",
                "for i in range(3):",
                "    p.produce('oauth-python', value=('p%d' % i).encode())",
                "assert p.flush(20) == 0",
                "c = Consumer(dict(conf('svc-alice', 'alice-secret'), **{'group.id': 'py-oauth',",
                "             'auto.offset.reset': 'earliest'}))",
                "c.subscribe(['oauth-python'])",
                "seen = []",
                "while len(seen) < 3:",
                "    m = c.poll(20)",
                "    assert m is not None, 'no message in 20 s'",
                "    assert m.error() is None, m.error()",
                "    seen.append('%s@%d' % (m.value().decode(), m.offset()))",
                "c.close()",
                "print(' '.join(seen))",
                "bad = Consumer(dict(conf('svc-elsewhere', 'elsewhere-secret'), **{'group.id': 'x'}))",
                "try:",
                "    bad.list_topics(timeout=5)",
                "    print('UNEXPECTED: listed topics with a token for another audience')",
                "except Exception as e:",
                "    print('refused: %s' % e)");
        Path out = Files.createTempFile("oauth-python", ".out");
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", script, "127.0.0.1:" + saslPort, tokenUrl)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("python did not finish in 90 s: " + Files.readString(out));
            }
            String text = Files.readString(out);
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("p0@0 p1@1 p2@2"), text);
            assertTrue(text.contains("refused:"), text);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void oauthBearerInsideTls() throws Exception {
        Properties p = oauth(new Properties(), "svc-alice", "alice-secret");
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + sslPort);
        p.put("security.protocol", "SASL_SSL");
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", certs.keyStore("truststore", "PKCS12").toString());
        p.put("ssl.truststore.password", TestCertificates.PASSWORD);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic("oauth-tls", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains("oauth-tls"));
        }
        Properties pp = new Properties();
        pp.putAll(broker.producerProps());
        pp.putAll(p);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            assertEquals(0, producer.send(new ProducerRecord<>("oauth-tls", new byte[] {1}))
                    .get(15, TimeUnit.SECONDS).offset());
        }
    }

    private static double reauthentications(Map<MetricName, ? extends Metric> metrics) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : metrics.entrySet()) {
            if (m.getKey().name().equals("successful-reauthentication-total")) {
                total += ((Number) m.getValue().metricValue()).doubleValue();
            }
        }
        return total;
    }
}
