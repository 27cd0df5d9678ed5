package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
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
                        "listener.name.clients.sasl.enabled.mechanisms", "OAUTHBEARER"))).key());
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
    void theBrokersOwnListenersMustNotBeSasl() {
        ConfigException interBroker = assertThrows(ConfigException.class,
                () -> config("inter.broker.listener.name", "CLIENTS"));
        assertEquals("inter.broker.listener.name", interBroker.key());
        assertTrue(interBroker.getMessage().contains("own clients do not authenticate with SASL yet"),
                interBroker.getMessage());
        assertEquals("controller.listener.names", assertThrows(ConfigException.class, () -> config(
                "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                "controller.listener.names", "CONTROLLER")).key());
    }
}
