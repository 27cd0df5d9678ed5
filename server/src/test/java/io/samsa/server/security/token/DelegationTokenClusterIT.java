package io.samsa.server.security.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateDelegationTokenOptions;
import org.apache.kafka.clients.admin.ExpireDelegationTokenOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delegation tokens in Kafka's isolated mode: a controller-only node and two broker-only nodes, each broker with a
 * SASL_PLAINTEXT listener and the same {@code delegation.token.secret.key}. Token changes sent to a broker are
 * forwarded to the controller in an Envelope on the client's account; a token created through one broker
 * authenticates on the other once it has replayed the record, and stops doing so once expired.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DelegationTokenClusterIT {
    private static final int CONTROLLER_PORT = 27250; // below the ephemeral range (32768-60999): no outgoing connection can hold it
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_alice=\"alice-secret\" user_bob=\"bob-secret\";";

    private static Map<String, String> broker(Map<String, String> base, int id, Path dir) {
        Map<String, String> b = new LinkedHashMap<>(base);
        b.put("process.roles", "broker");
        b.put("node.id", String.valueOf(id));
        b.put("listeners", "PLAINTEXT://127.0.0.1:" + (27250 + 2 * id) + ",SASL_PLAINTEXT://127.0.0.1:"
                + (27251 + 2 * id));
        b.put("inter.broker.listener.name", "PLAINTEXT");
        b.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
        b.put("sasl.jaas.config", JAAS);
        b.put("log.dirs", dir.resolve("broker" + id).toString());
        b.put("offsets.topic.replication.factor", "1");
        return b;
    }

    private static Properties sasl(int port, String mechanism, String jaas) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", jaas);
        return p;
    }

    private static Properties plain(int port, String user) {
        return sasl(port, "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + user + "-secret\";");
    }

    private static KafkaProducer<byte[], byte[]> producer(int port, DelegationToken token) {
        Properties p = sasl(port, "SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule "
                + "required username=\"" + token.tokenInfo().tokenId() + "\" password=\""
                + token.hmacAsBase64String() + "\" tokenauth=\"true\";");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        return new KafkaProducer<>(p);
    }

    @Test
    void aTokenCreatedThroughOneBrokerAuthenticatesOnAnother() throws Exception {
        Path dir = Files.createTempDirectory("samsa-dt-cluster");
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@127.0.0.1:" + CONTROLLER_PORT);
        c.put("listeners", "CONTROLLER://127.0.0.1:" + CONTROLLER_PORT);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("log.dirs", dir.resolve("controller").toString());
        c.put("delegation.token.secret.key", "cluster-secret");
        int sasl2 = 27255;
        int sasl3 = 27257;
        try (SamsaBroker controller = SamsaBroker.start(BrokerConfig.from(c));
             SamsaBroker b2 = SamsaBroker.start(BrokerConfig.from(broker(c, 2, dir)));
             SamsaBroker b3 = SamsaBroker.start(BrokerConfig.from(broker(c, 3, dir)));
             Admin alice = Admin.create(plain(sasl2, "alice"))) {
            alice.createTopics(List.of(new NewTopic("dt-cluster", 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
            DelegationToken token = alice.createDelegationToken(new CreateDelegationTokenOptions()
                    .renewers(List.of(new KafkaPrincipal("User", "bob")))).delegationToken().get(15, TimeUnit.SECONDS);
            String id = token.tokenInfo().tokenId();
            // Recorded by the controller with the client as requester, not the forwarding broker.
            assertEquals(new KafkaPrincipal("User", "alice"), token.tokenInfo().tokenRequester());
            assertEquals("User:alice", b2.services().metadata().image().delegationTokens().get(id).requester());

            // Broker 3 authenticates with it once its image has the token (the producer retries until then).
            try (KafkaProducer<byte[], byte[]> producer = producer(sasl3, token)) {
                RecordMetadata m = producer.send(new ProducerRecord<>("dt-cluster", new byte[] {1}))
                        .get(15, TimeUnit.SECONDS);
                assertEquals(0, m.offset());
            }

            // Renewed by bob through broker 3 (forwarded); expired by alice through broker 2.
            try (Admin bob = Admin.create(plain(sasl3, "bob"))) {
                long expiry = bob.renewDelegationToken(token.hmac()).expiryTimestamp().get(15, TimeUnit.SECONDS);
                assertTrue(expiry > System.currentTimeMillis() + 86_000_000L, String.valueOf(expiry));
            }
            alice.expireDelegationToken(token.hmac(), new ExpireDelegationTokenOptions().expiryTimePeriodMs(-1))
                    .expiryTimestamp().get(15, TimeUnit.SECONDS);
            // Broker 2 answered once its image had the removal; broker 3 replays it on its own.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (b3.services().metadata().image().delegationTokens().containsKey(id)) {
                assertTrue(System.nanoTime() < deadline, "broker 3 still has the expired token");
                Thread.sleep(20);
            }
            try (KafkaProducer<byte[], byte[]> producer = producer(sasl3, token)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(
                        new ProducerRecord<>("dt-cluster", new byte[1])).get(15, TimeUnit.SECONDS));
                assertInstanceOf(SaslAuthenticationException.class, e.getCause());
            }
        }
    }
}
