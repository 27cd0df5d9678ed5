package io.samsa.server.security.sasl;

import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.Endpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the SASL settings of the broker's SASL listeners from its configuration, with Kafka's keys and precedence:
 * {@code listener.name.<listener>.sasl.enabled.mechanisms} over {@code sasl.enabled.mechanisms}, and
 * {@code listener.name.<listener>.plain.sasl.jaas.config} over {@code sasl.jaas.config} for PLAIN's users (Kafka's
 * static JAAS file is not read). Mechanisms other than PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (GSSAPI, Kafka's
 * default, and OAUTHBEARER) fail start-up naming the key. Called once at start-up.
 */
public final class SaslConfigs {
    public static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
    public static final String SASL_SSL = "SASL_SSL";
    private static final List<String> SERVED = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    private SaslConfigs() {
    }

    /** The SASL listeners among {@code listeners}, by name. */
    public static Map<String, SaslListener> listeners(BrokerConfig config, List<Endpoint> listeners,
                                                      ScramCredentials scram) {
        Map<String, SaslListener> out = new LinkedHashMap<>();
        ScramExchange.warmUp();
        for (Endpoint e : listeners) {
            if (e.securityProtocol().equals(SASL_PLAINTEXT) || e.securityProtocol().equals(SASL_SSL)) {
                out.put(e.listenerName(), listener(config, e.listenerName(), scram));
            }
        }
        return out;
    }

    static SaslListener listener(BrokerConfig config, String listenerName, ScramCredentials scram) {
        String prefix = "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
        String mechanismsKey = prefix + "sasl.enabled.mechanisms";
        String raw = config.original(mechanismsKey);
        if (raw == null) {
            mechanismsKey = "sasl.enabled.mechanisms";
            raw = String.join(",", config.getList(mechanismsKey));
        }
        List<String> mechanisms = List.of(raw.split(",")).stream().map(String::trim).filter(m -> !m.isEmpty())
                .map(m -> m.toUpperCase(Locale.ROOT)).toList();
        if (mechanisms.isEmpty()) {
            throw new ConfigException(mechanismsKey, "SASL listener " + listenerName + " enables no mechanism");
        }
        for (String m : mechanisms) {
            if (!SERVED.contains(m)) {
                throw new ConfigException(mechanismsKey, "SASL mechanism " + m + " of listener " + listenerName
                        + " is not supported: Samsa serves " + String.join(", ", SERVED));
            }
        }
        Map<String, String> users = Map.of();
        if (mechanisms.contains(PlainExchange.MECHANISM)) {
            String jaasKey = prefix + "plain.sasl.jaas.config";
            String jaas = config.original(jaasKey);
            if (jaas == null) {
                jaasKey = "sasl.jaas.config";
                jaas = config.original(jaasKey);
            }
            if (jaas == null) {
                throw new ConfigException(prefix + "plain.sasl.jaas.config", "SASL listener " + listenerName
                        + " enables PLAIN but has no PlainLoginModule JAAS config with its users");
            }
            JaasConfig parsed;
            try {
                parsed = JaasConfig.parse(jaas);
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(jaasKey, ex.getMessage());
            }
            if (!parsed.isPlainLoginModule()) {
                throw new ConfigException(jaasKey, "PLAIN on listener " + listenerName + " needs "
                        + "org.apache.kafka.common.security.plain.PlainLoginModule, not " + parsed.loginModule());
            }
            users = parsed.plainUsers();
        }
        return new SaslListener(listenerName, mechanisms, users, scram,
                config.getLong("connections.max.reauth.ms"), config.getInt("sasl.server.max.receive.size"));
    }
}
