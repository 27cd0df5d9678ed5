package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SaslConfigsTest {
    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_alice=\"alice-secret\";";

    private static BrokerConfig config(String... kv) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9094,CLIENTS://127.0.0.1:9096",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,"
                        + "CLIENTS:SASL_PLAINTEXT",
                "inter.broker.listener.name", "PLAINTEXT"));
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        return BrokerConfig.from(props);
    }

    private static Map<String, SaslListener> listeners(BrokerConfig c) {
        return SaslConfigs.listeners(c, c.brokerListeners(), (m, u) -> null);
    }

    @Test
    void perListenerKeysWinOverTheBrokerWideOnes() {
        Map<String, SaslListener> l = listeners(config("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.clients.sasl.enabled.mechanisms", "plain,SCRAM-SHA-256",
                "listener.name.clients.plain.sasl.jaas.config", PLAIN_JAAS,
                "connections.max.reauth.ms", "5000"));
        assertEquals(List.of("SASL_PLAINTEXT", "CLIENTS"), List.copyOf(l.keySet()));
        assertEquals(List.of("SCRAM-SHA-512"), l.get("SASL_PLAINTEXT").mechanisms());
        assertEquals(List.of("PLAIN", "SCRAM-SHA-256"), l.get("CLIENTS").mechanisms());
        assertEquals(Map.of("alice", "alice-secret"), l.get("CLIENTS").plainUsers());
        assertEquals(5000, l.get("CLIENTS").maxReauthMs());
        assertEquals(SaslListener.DEFAULT_MAX_RECEIVE_BYTES, l.get("CLIENTS").maxReceiveBytes());
        // sasl.jaas.config serves every listener without its own.
        assertEquals(Map.of("alice", "alice-secret"), listeners(config("sasl.enabled.mechanisms", "PLAIN",
                "sasl.jaas.config", PLAIN_JAAS)).get("SASL_PLAINTEXT").plainUsers());
    }

    @Test
    void unservedMechanismsAndMissingOrWrongJaasConfigsFailStartUpNamingTheKey() {
        // Kafka's default is GSSAPI.
        ConfigException gssapi = assertThrows(ConfigException.class, () -> listeners(config()));
        assertEquals("sasl.enabled.mechanisms", gssapi.key());
        assertTrue(gssapi.getMessage().contains("GSSAPI"), gssapi.getMessage());
        assertEquals("listener.name.clients.sasl.enabled.mechanisms", assertThrows(ConfigException.class,
                () -> listeners(config("sasl.enabled.mechanisms", "SCRAM-SHA-256",
                        "listener.name.clients.sasl.enabled.mechanisms", "GSSAPI"))).key());
        assertEquals("listener.name.sasl_plaintext.plain.sasl.jaas.config", assertThrows(ConfigException.class,
                () -> listeners(config("sasl.enabled.mechanisms", "PLAIN"))).key());
        ConfigException wrongModule = assertThrows(ConfigException.class, () -> listeners(config(
                "sasl.enabled.mechanisms", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;")));
        assertEquals("sasl.jaas.config", wrongModule.key());
        assertEquals("sasl.jaas.config", assertThrows(ConfigException.class, () -> listeners(config(
                "sasl.enabled.mechanisms", "PLAIN", "sasl.jaas.config", "x required user_a=\"b\""))).key());
    }

    @Test
    void theNodesOwnLoginTakesTheMechanismKeyAndTheListenersJaasConfig() {
        String scramJaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" "
                + "password=\"b-secret\";";
        String plainJaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"node\" "
                + "password=\"n-secret\" user_node=\"n-secret\";";
        // The listener's own JAAS config for the mechanism wins over sasl.jaas.config.
        BrokerConfig c = config("inter.broker.listener.name", "CLIENTS",
                "sasl.mechanism.inter.broker.protocol", "scram-sha-512",
                "listener.name.clients.sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.clients.scram-sha-512.sasl.jaas.config", scramJaas, "sasl.jaas.config", plainJaas);
        assertEquals(new ClientSasl.ClientLogin("CLIENTS", "SCRAM-SHA-512", "broker", "b-secret"),
                SaslConfigs.clientLogin(c, "CLIENTS"));
        assertFalse(SaslConfigs.clientLogin(c, "CLIENTS").toString().contains("b-secret"));
        assertEquals(new ClientSasl.ClientLogin("CLIENTS", "PLAIN", "node", "n-secret"), SaslConfigs.clientLogin(
                config("inter.broker.listener.name", "CLIENTS", "sasl.mechanism.inter.broker.protocol", "PLAIN",
                        "sasl.enabled.mechanisms", "PLAIN", "sasl.jaas.config", plainJaas), "CLIENTS"));
        // Kafka's default mechanism is GSSAPI, which Samsa does not speak.
        ConfigException gssapi = assertThrows(ConfigException.class, () -> SaslConfigs.clientLogin(config(
                "inter.broker.listener.name", "CLIENTS", "sasl.enabled.mechanisms", "PLAIN",
                "sasl.jaas.config", plainJaas), "CLIENTS"));
        assertEquals("sasl.mechanism.inter.broker.protocol", gssapi.key());
        assertTrue(gssapi.getMessage().contains("GSSAPI"), gssapi.getMessage());
        // No JAAS config, or one without a username: the key it should be in.
        assertEquals("listener.name.clients.plain.sasl.jaas.config", assertThrows(ConfigException.class,
                () -> SaslConfigs.clientLogin(config("sasl.mechanism.inter.broker.protocol", "PLAIN"), "CLIENTS"))
                .key());
        assertEquals("sasl.jaas.config", assertThrows(ConfigException.class, () -> SaslConfigs.clientLogin(config(
                "sasl.mechanism.inter.broker.protocol", "PLAIN", "sasl.jaas.config", PLAIN_JAAS), "CLIENTS")).key());
        // A bound listener must enable the mechanism its nodes log in with.
        ConfigException notEnabled = assertThrows(ConfigException.class, () -> SaslConfigs.clientLogin(config(
                "sasl.mechanism.inter.broker.protocol", "PLAIN", "sasl.enabled.mechanisms", "SCRAM-SHA-256",
                "sasl.jaas.config", plainJaas), "CLIENTS"));
        assertEquals("sasl.mechanism.inter.broker.protocol", notEnabled.key());
        // SCRAM cannot reach the controllers: no credential exists before their quorum does.
        BrokerConfig controller = config("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                "controller.listener.names", "CONTROLLER", "sasl.mechanism.controller.protocol", "SCRAM-SHA-256",
                "sasl.enabled.mechanisms", "SCRAM-SHA-256", "sasl.jaas.config", scramJaas);
        assertEquals("sasl.mechanism.controller.protocol", assertThrows(ConfigException.class,
                () -> SaslConfigs.clientLogin(controller, "CONTROLLER")).key());
    }

    @Test
    void theBrokersOwnListenersMayBeSasl() {
        BrokerConfig c = config("inter.broker.listener.name", "CLIENTS",
                "security.inter.broker.protocol", "SASL_PLAINTEXT");
        assertEquals("CLIENTS", c.interBrokerListenerName());
        assertEquals("security.inter.broker.protocol", assertThrows(ConfigException.class,
                () -> config("security.inter.broker.protocol", "SASL_TLS")).key());
    }

    @Test
    void oauthBearerNeedsAJwksAnAudienceAndAnIssuerAndKafkasValidatorOnly() throws Exception {
        // Kafka's default validator (unsecured, alg none) is not offered: no JWKS URL stops start-up.
        ConfigException noUrl = assertThrows(ConfigException.class, () -> listeners(config(
                "sasl.enabled.mechanisms", "OAUTHBEARER")));
        assertEquals("sasl.oauthbearer.jwks.endpoint.url", noUrl.key());
        assertTrue(noUrl.getMessage().contains("unsecured"), noUrl.getMessage());
        Path jwks = Files.createTempFile("jwks", ".json");
        try {
            Files.writeString(jwks, TestJwts.jwks(TestJwts.rsa("k1")));
            String url = jwks.toUri().toString();
            assertEquals("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                    assertThrows(ConfigException.class, () -> listeners(config("sasl.enabled.mechanisms",
                            "OAUTHBEARER", "sasl.oauthbearer.jwks.endpoint.url", url,
                            "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                            "org.apache.kafka.common.security.oauthbearer.internals.unsecured."
                                    + "OAuthBearerUnsecuredValidatorCallbackHandler"))).key());
            // Kafka 4.4: the audience and issuer are checked unless the operator says otherwise.
            assertEquals("sasl.oauthbearer.expected.audience", assertThrows(ConfigException.class,
                    () -> listeners(config("sasl.enabled.mechanisms", "OAUTHBEARER",
                            "sasl.oauthbearer.jwks.endpoint.url", url,
                            "sasl.oauthbearer.expected.issuer", "https://idp"))).key());
            assertEquals("sasl.oauthbearer.expected.issuer", assertThrows(ConfigException.class,
                    () -> listeners(config("sasl.enabled.mechanisms", "OAUTHBEARER",
                            "sasl.oauthbearer.jwks.endpoint.url", url,
                            "sasl.oauthbearer.expected.audience", "samsa"))).key());
            assertEquals("listener.name.clients.oauthbearer.sasl.jaas.config", assertThrows(ConfigException.class,
                    () -> listeners(config("sasl.enabled.mechanisms", "OAUTHBEARER",
                            "sasl.oauthbearer.jwks.endpoint.url", url,
                            "sasl.oauthbearer.allow.unverified.audience", "true",
                            "sasl.oauthbearer.allow.unverified.issuer", "true",
                            "listener.name.clients.oauthbearer.sasl.jaas.config", PLAIN_JAAS))).key());
            // Per-listener keys win; a file URL loads at start-up.
            Map<String, SaslListener> l = listeners(config("sasl.enabled.mechanisms", "OAUTHBEARER",
                    "sasl.oauthbearer.jwks.endpoint.url", "file:///nonexistent/jwks.json",
                    "listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url", url,
                    "listener.name.clients.sasl.oauthbearer.jwks.endpoint.url", url,
                    "sasl.oauthbearer.expected.audience", "samsa", "sasl.oauthbearer.expected.issuer", "https://idp",
                    "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                    "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
                    "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"));
            try {
                assertEquals(List.of("OAUTHBEARER"), l.get("CLIENTS").mechanisms());
                assertTrue(l.get("CLIENTS").oauthBearer() != null && l.get("SASL_PLAINTEXT").oauthBearer() != null);
            } finally {
                l.values().forEach(SaslListener::close);
            }
            // A JWKS that cannot be read stops start-up, naming the key that set it.
            ConfigException unreadable = assertThrows(ConfigException.class, () -> listeners(config(
                    "sasl.enabled.mechanisms", "OAUTHBEARER",
                    "listener.name.clients.sasl.oauthbearer.jwks.endpoint.url", url,
                    "sasl.oauthbearer.jwks.endpoint.url", "file:///nonexistent/jwks.json",
                    "sasl.oauthbearer.allow.unverified.audience", "true",
                    "sasl.oauthbearer.allow.unverified.issuer", "true")));
            assertEquals("sasl.oauthbearer.jwks.endpoint.url", unreadable.key());
            assertEquals("sasl.oauthbearer.jwks.endpoint.url", assertThrows(ConfigException.class,
                    () -> listeners(config("sasl.enabled.mechanisms", "OAUTHBEARER",
                            "sasl.oauthbearer.jwks.endpoint.url", "ftp://idp/jwks",
                            "sasl.oauthbearer.allow.unverified.audience", "true",
                            "sasl.oauthbearer.allow.unverified.issuer", "true"))).key());
        } finally {
            Files.delete(jwks);
        }
    }
}
