package io.samsa.server.security.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.KafkaTool;
import io.samsa.server.network.SaslListenerIT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateDelegationTokenOptions;
import org.apache.kafka.clients.admin.DescribeDelegationTokenOptions;
import org.apache.kafka.clients.admin.ExpireDelegationTokenOptions;
import org.apache.kafka.clients.admin.RenewDelegationTokenOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.DelegationTokenAuthorizationException;
import org.apache.kafka.common.errors.DelegationTokenDisabledException;
import org.apache.kafka.common.errors.DelegationTokenOwnerMismatchException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedByAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.apache.kafka.common.security.token.delegation.TokenInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delegation tokens (KIP-48) with the official Java clients: a broker with a PLAINTEXT and a SASL_PLAINTEXT listener
 * (PLAIN users, SCRAM for tokens), {@code delegation.token.secret.key} set and the StandardAuthorizer on
 * ({@code User:admin} a super user). Tokens created, described, renewed and expired through Admin; producers and
 * consumers authenticating with a token as its owner; Kafka's refusals; {@code kafka-delegation-tokens.sh}
 * (DelegationTokenCommand of kafka-tools 4.3.1).
 */
@Timeout(180)
class DelegationTokenIT {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_admin=\"admin-secret\" user_alice=\"alice-secret\" user_bob=\"bob-secret\" "
            + "user_eve=\"eve-secret\";";
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
    private static EmbeddedBroker broker;
    private static String sasl;

    @BeforeAll
    static void start() throws Exception {
        broker = SaslListenerIT.startSaslBroker(Map.of("sasl.jaas.config", JAAS,
                "delegation.token.secret.key", "token-secret-0123",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:admin"));
        sasl = "127.0.0.1:" + SaslListenerIT.saslPort(broker);
        try (Admin admin = admin(plain("admin"))) {
            admin.createAcls(List.of(
                    allow("alice", ResourceType.TOPIC, "dt-", PatternType.PREFIXED, AclOperation.ALL),
                    allow("alice", ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL))).all()
                    .get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static AclBinding allow(String user, ResourceType type, String name, PatternType pattern,
                                    AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    private static Properties plain(String user) {
        return sasl(new Properties(), "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + user + "\" password=\"" + user + "-secret\";");
    }

    /** Client settings that authenticate with {@code token} over SCRAM-SHA-256 (or 512), as Kafka documents. */
    private static Properties tokenAuth(Properties p, DelegationToken token, String mechanism) {
        return sasl(p, mechanism, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + token.tokenInfo().tokenId() + "\" password=\"" + token.hmacAsBase64String()
                + "\" tokenauth=\"true\";");
    }

    private static Properties sasl(Properties p, String mechanism, String jaas) {
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, sasl);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", jaas);
        return p;
    }

    private static Admin admin(Properties p) {
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(p);
    }

    private static Throwable cause(ExecutionException e) {
        return e.getCause();
    }

    private static DelegationToken create(Admin admin, CreateDelegationTokenOptions options) throws Exception {
        return admin.createDelegationToken(options).delegationToken().get(10, TimeUnit.SECONDS);
    }

    private static List<TokenInformation> describe(Admin admin, List<KafkaPrincipal> owners) throws Exception {
        DescribeDelegationTokenOptions options = new DescribeDelegationTokenOptions();
        if (owners != null) {
            options.owners(owners);
        }
        return admin.describeDelegationToken(options).delegationTokens().get(10, TimeUnit.SECONDS).stream()
                .map(DelegationToken::tokenInfo).toList();
    }

    @Test
    void aTokenAuthenticatesAProducerAndConsumerAsItsOwnerUntilItIsExpired() throws Exception {
        String topic = "dt-orders";
        broker.createTopic(topic, 1, Map.of());
        DelegationToken token;
        try (Admin alice = admin(plain("alice"))) {
            long before = System.currentTimeMillis();
            token = create(alice, new CreateDelegationTokenOptions().renewers(List.of(BOB)));
            TokenInformation info = token.tokenInfo();
            assertEquals(ALICE, info.owner());
            assertEquals(ALICE, info.tokenRequester());
            assertEquals(List.of(BOB), List.copyOf(info.renewers()));
            assertEquals(64, token.hmac().length);
            // delegation.token.expiry.time.ms (1 day) and max.lifetime.ms (7 days) from issue.
            assertTrue(info.issueTimestamp() >= before, info.toString());
            assertEquals(info.issueTimestamp() + 86_400_000L, info.expiryTimestamp());
            assertEquals(info.issueTimestamp() + 7 * 86_400_000L, info.maxTimestamp());
        }

        // Producer with SCRAM-SHA-256, consumer with SCRAM-SHA-512: both are alice (her topic ACLs apply).
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(tokenAuth(broker.producerProps(), token,
                "SCRAM-SHA-256"))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(10, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(tokenAuth(broker.consumerProps(), token,
                "SCRAM-SHA-512"))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (seen.size() < 5 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8) + "@" + r.offset());
                }
            }
            assertEquals(List.of("v0@0", "v1@1", "v2@2", "v3@3", "v4@4"), seen);
        }

        // A connection authenticated with a token may not ask for tokens (DELEGATION_TOKEN_REQUEST_NOT_ALLOWED).
        try (Admin withToken = admin(tokenAuth(new Properties(), token, "SCRAM-SHA-256"))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> create(withToken,
                    new CreateDelegationTokenOptions()));
            assertInstanceOf(UnsupportedByAuthenticationException.class, cause(e));
        }

        // Renewed by the renewer; refused to someone else.
        try (Admin bob = admin(plain("bob")); Admin eve = admin(plain("eve"))) {
            long expiry = bob.renewDelegationToken(token.hmac(), new RenewDelegationTokenOptions()
                    .renewTimePeriodMs(3_600_000L)).expiryTimestamp().get(10, TimeUnit.SECONDS);
            long now = System.currentTimeMillis();
            assertTrue(expiry > now + 3_500_000L && expiry <= now + 3_600_000L, expiry + " vs " + now);
            assertEquals(expiry, broker.broker().services().metadata().image().delegationTokens()
                    .get(token.tokenInfo().tokenId()).expiryTimestamp());
            ExecutionException e = assertThrows(ExecutionException.class, () -> eve.renewDelegationToken(
                    token.hmac()).expiryTimestamp().get(10, TimeUnit.SECONDS));
            assertInstanceOf(DelegationTokenOwnerMismatchException.class, cause(e));
        }

        // Expired now by its owner: removed from the image, and a new connection with it is refused.
        try (Admin alice = admin(plain("alice"))) {
            alice.expireDelegationToken(token.hmac(), new ExpireDelegationTokenOptions().expiryTimePeriodMs(-1))
                    .expiryTimestamp().get(10, TimeUnit.SECONDS);
            assertTrue(describe(alice, null).stream().noneMatch(t -> t.tokenId().equals(token.tokenInfo().tokenId())));
        }
        assertTrue(!broker.broker().services().metadata().image().delegationTokens()
                .containsKey(token.tokenInfo().tokenId()));
        Properties p = tokenAuth(broker.producerProps(), token, "SCRAM-SHA-256");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(
                    new ProducerRecord<>(topic, new byte[1])).get(10, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, cause(e));
        }
    }

    @Test
    void describeShowsOwnRequestedAndRenewableTokensAndThoseAnAclAllows() throws Exception {
        try (Admin admin = admin(plain("admin")); Admin bob = admin(plain("bob")); Admin eve = admin(plain("eve"))) {
            // A super user creates a token for bob (CREATE_TOKENS on User:bob, KIP-373).
            DelegationToken forBob = create(admin, new CreateDelegationTokenOptions().owner(BOB));
            assertEquals(BOB, forBob.tokenInfo().owner());
            assertEquals(new KafkaPrincipal("User", "admin"), forBob.tokenInfo().tokenRequester());
            String id = forBob.tokenInfo().tokenId();

            // eve may not create tokens for bob.
            ExecutionException e = assertThrows(ExecutionException.class, () -> create(eve,
                    new CreateDelegationTokenOptions().owner(BOB)));
            assertInstanceOf(DelegationTokenAuthorizationException.class, cause(e));

            assertTrue(describe(bob, null).stream().anyMatch(t -> t.tokenId().equals(id)));
            assertTrue(describe(bob, List.of(BOB)).stream().anyMatch(t -> t.tokenId().equals(id)));
            assertTrue(describe(bob, List.of(ALICE)).stream().noneMatch(t -> t.tokenId().equals(id)));
            assertEquals(List.of(), describe(bob, List.of()));
            assertTrue(describe(eve, null).stream().noneMatch(t -> t.tokenId().equals(id)));
            // DESCRIBE on the DELEGATION_TOKEN resource lets eve see it, with its HMAC.
            admin.createAcls(List.of(allow("eve", ResourceType.DELEGATION_TOKEN, id, PatternType.LITERAL,
                    AclOperation.DESCRIBE))).all().get(10, TimeUnit.SECONDS);
            List<DelegationToken> seen = eve.describeDelegationToken().delegationTokens().get(10, TimeUnit.SECONDS);
            assertEquals(List.of(id), seen.stream().map(t -> t.tokenInfo().tokenId()).toList());
            assertEquals(Base64.getEncoder().encodeToString(forBob.hmac()), seen.get(0).hmacAsBase64String());
            // DESCRIBE_TOKENS on the owner's USER resource (KIP-373) lets eve see every token of that owner.
            DelegationToken forAlice = create(admin, new CreateDelegationTokenOptions().owner(ALICE));
            String aliceId = forAlice.tokenInfo().tokenId();
            assertTrue(describe(eve, null).stream().noneMatch(t -> t.tokenId().equals(aliceId)));
            admin.createAcls(List.of(allow("eve", ResourceType.USER, "User:alice", PatternType.LITERAL,
                    AclOperation.DESCRIBE_TOKENS))).all().get(10, TimeUnit.SECONDS);
            assertTrue(describe(eve, null).stream().anyMatch(t -> t.tokenId().equals(aliceId)));
            // Expiring it is still only for its owner and renewers.
            e = assertThrows(ExecutionException.class, () -> eve.expireDelegationToken(forBob.hmac())
                    .expiryTimestamp().get(10, TimeUnit.SECONDS));
            assertInstanceOf(DelegationTokenOwnerMismatchException.class, cause(e));
        }
    }

    @Test
    void tokenRequestsOverPlaintextAreNotAllowed() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin plaintext = admin(p)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> create(plaintext,
                    new CreateDelegationTokenOptions()));
            assertInstanceOf(UnsupportedByAuthenticationException.class, cause(e));
        }
    }

    @Test
    void aBrokerWithoutTheSecretAnswersDelegationTokenAuthDisabled() throws Exception {
        try (EmbeddedBroker disabled = SaslListenerIT.startSaslBroker(Map.of("sasl.jaas.config", JAAS))) {
            Properties p = plain("alice");
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + SaslListenerIT.saslPort(disabled));
            try (Admin alice = admin(p)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> create(alice,
                        new CreateDelegationTokenOptions()));
                assertInstanceOf(DelegationTokenDisabledException.class, cause(e));
                e = assertThrows(ExecutionException.class, () -> describe(alice, null));
                assertInstanceOf(DelegationTokenDisabledException.class, cause(e));
            }
        }
    }

    @Test
    void kafkaDelegationTokensCreatesDescribesRenewsAndExpires() throws Exception {
        Path config = Files.createTempFile("dt-command", ".properties");
        try {
            Files.writeString(config, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config="
                    + "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
                    + "password=\"alice-secret\";\n");
            KafkaTool tool = new KafkaTool("org.apache.kafka.tools.DelegationTokenCommand", "--bootstrap-server", sasl,
                    "--command-config", config.toString());
            KafkaTool.Run created = tool.run("--create", "--max-life-time-period", "-1", "--renewer-principal",
                    "User:carol");
            assertEquals(0, created.exit(), created.all());
            var tokens = broker.broker().services().metadata().image().delegationTokens().values().stream()
                    .filter(t -> t.renewers().equals(List.of("User:carol"))).toList();
            assertEquals(1, tokens.size(), tokens.toString());
            String id = tokens.get(0).tokenId();
            assertEquals("User:alice", tokens.get(0).owner());
            // The HMAC printed is HMAC-SHA512 of the id keyed by the secret.
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec("token-secret-0123".getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
            String hmac = Base64.getEncoder().encodeToString(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)));
            assertTrue(created.all().contains(id) && created.all().contains(hmac), created.all());

            // Without --owner-principal the 4.x tool sends an empty owner list, which Kafka answers with no tokens.
            KafkaTool.Run described = tool.run("--describe", "--owner-principal", "User:alice");
            assertEquals(0, described.exit(), described.all());
            assertTrue(described.all().contains(id) && described.all().contains("User:carol"), described.all());

            KafkaTool.Run renewed = tool.run("--renew", "--hmac", hmac, "--renew-time-period", "7200000");
            assertEquals(0, renewed.exit(), renewed.all());
            long expiry = broker.broker().services().metadata().image().delegationTokens().get(id).expiryTimestamp();
            assertTrue(Math.abs(expiry - (System.currentTimeMillis() + 7_200_000L)) < 60_000, String.valueOf(expiry));

            KafkaTool.Run expired = tool.run("--expire", "--hmac", hmac, "--expiry-time-period", "-1");
            assertEquals(0, expired.exit(), expired.all());
            assertTrue(!broker.broker().services().metadata().image().delegationTokens().containsKey(id));
        } finally {
            Files.deleteIfExists(config);
        }
    }
}
