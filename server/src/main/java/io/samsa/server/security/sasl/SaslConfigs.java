package io.samsa.server.security.sasl;

import io.samsa.common.Clock;
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
 * static JAAS file is not read), and OAUTHBEARER's keys ({@link OAuthBearerConfigs}). Mechanisms other than PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (GSSAPI, Kafka's default) fail start-up naming the key; this node's own
 * clients log in with PLAIN or SCRAM. Called once at start-up.
 */
public final class SaslConfigs {
    public static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
    public static final String SASL_SSL = "SASL_SSL";
    private static final List<String> SERVED = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");
    /** The mechanisms this node's own clients log in with. */
    private static final List<String> CLIENT = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    private SaslConfigs() {
    }

    /**
     * The SASL listeners among {@code listeners}, by name. An OAUTHBEARER listener has loaded its JWKS and refreshes
     * it until {@link SaslListener#close}.
     */
    public static Map<String, SaslListener> listeners(BrokerConfig config, List<Endpoint> listeners,
                                                      ScramCredentials scram) {
        return listeners(config, listeners, scram, Clock.SYSTEM);
    }

    static Map<String, SaslListener> listeners(BrokerConfig config, List<Endpoint> listeners, ScramCredentials scram,
                                               Clock clock) {
        Map<String, SaslListener> out = new LinkedHashMap<>();
        ScramExchange.warmUp();
        try {
            for (Endpoint e : listeners) {
                if (e.securityProtocol().equals(SASL_PLAINTEXT) || e.securityProtocol().equals(SASL_SSL)) {
                    out.put(e.listenerName(), listener(config, e.listenerName(), scram, clock));
                }
            }
        } catch (RuntimeException e) {
            out.values().forEach(SaslListener::close);
            throw e;
        }
        return out;
    }

    /** The mechanisms {@code listenerName} enables, by Kafka's precedence, and the key that gives them. */
    private static Map.Entry<String, List<String>> enabledMechanisms(BrokerConfig config, String listenerName) {
        String mechanismsKey = prefix(listenerName) + "sasl.enabled.mechanisms";
        String raw = config.original(mechanismsKey);
        if (raw == null) {
            mechanismsKey = "sasl.enabled.mechanisms";
            raw = String.join(",", config.getList(mechanismsKey));
        }
        List<String> mechanisms = List.of(raw.split(",")).stream().map(String::trim).filter(m -> !m.isEmpty())
                .map(m -> m.toUpperCase(Locale.ROOT)).toList();
        return Map.entry(mechanismsKey, mechanisms);
    }

    private static String prefix(String listenerName) {
        return "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
    }

    static SaslListener listener(BrokerConfig config, String listenerName, ScramCredentials scram, Clock clock) {
        String prefix = prefix(listenerName);
        Map.Entry<String, List<String>> enabled = enabledMechanisms(config, listenerName);
        String mechanismsKey = enabled.getKey();
        List<String> mechanisms = enabled.getValue();
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
        JwtValidator oauth = mechanisms.contains(OAuthBearerExchange.MECHANISM)
                ? OAuthBearerConfigs.validator(config, listenerName, clock) : null;
        return new SaslListener(listenerName, mechanisms, users, scram,
                config.getLong("connections.max.reauth.ms"), config.getInt("sasl.server.max.receive.size"), oauth);
    }

    /**
     * How this node's clients log in to SASL listener {@code listenerName} on other nodes, as Kafka's broker does:
     * the mechanism is {@code sasl.mechanism.controller.protocol} for a controller listener, else
     * {@code sasl.mechanism.inter.broker.protocol} (both GSSAPI by default, which Samsa does not serve); the
     * {@code username} and {@code password} options of {@code listener.name.<listener>.<mechanism>.sasl.jaas.config},
     * else of {@code sasl.jaas.config}. When the listener is bound here it must enable the mechanism.
     *
     * @throws ConfigException naming the key: an unsupported mechanism, SCRAM towards the controllers (their
     *     quorum needs the login before the metadata log can hold a SCRAM credential), no JAAS config, no username
     *     or password, or a bound listener that does not enable the mechanism
     */
    public static ClientSasl.ClientLogin clientLogin(BrokerConfig config, String listenerName) {
        boolean controller = config.controllerListenerNames().contains(listenerName);
        String mechanismKey = controller ? "sasl.mechanism.controller.protocol"
                : "sasl.mechanism.inter.broker.protocol";
        String mechanism = config.getString(mechanismKey).trim().toUpperCase(Locale.ROOT);
        if (!CLIENT.contains(mechanism)) {
            throw new ConfigException(mechanismKey, "SASL mechanism " + mechanism + " of this node's connections to "
                    + "listener " + listenerName + " is not supported: Samsa's nodes authenticate with "
                    + String.join(", ", CLIENT));
        }
        if (controller && !mechanism.equals(PlainExchange.MECHANISM)) {
            throw new ConfigException(mechanismKey, "SASL mechanism " + mechanism + " cannot reach controller "
                    + "listener " + listenerName + ": the controllers need it before their metadata log holds any "
                    + "SCRAM credential, and Samsa has no kafka-storage format --add-scram. Use PLAIN");
        }
        String jaasKey = prefix(listenerName) + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
        String jaas = config.original(jaasKey);
        if (jaas == null && config.original("sasl.jaas.config") != null) {
            jaasKey = "sasl.jaas.config";
            jaas = config.original(jaasKey);
        }
        if (jaas == null) {
            throw new ConfigException(jaasKey, "Listener " + listenerName + " is a SASL listener that this node's "
                    + "clients log in to with " + mechanism + ", but no JAAS config gives them a username and "
                    + "password");
        }
        JaasConfig parsed;
        try {
            parsed = JaasConfig.parse(jaas);
        } catch (IllegalArgumentException ex) {
            throw new ConfigException(jaasKey, ex.getMessage());
        }
        String username = parsed.options().get("username");
        String password = parsed.options().get("password");
        if (username == null || password == null) {
            throw new ConfigException(jaasKey, "The JAAS config of listener " + listenerName + " has no username and "
                    + "password options for this node's own " + mechanism + " login");
        }
        boolean bound = config.listeners().stream().anyMatch(e -> e.listenerName().equals(listenerName));
        Map.Entry<String, List<String>> enabled = enabledMechanisms(config, listenerName);
        if (bound && !enabled.getValue().contains(mechanism)) {
            throw new ConfigException(mechanismKey, mechanismKey + " " + mechanism + " must be one of listener "
                    + listenerName + "'s " + enabled.getKey() + " " + enabled.getValue());
        }
        return new ClientSasl.ClientLogin(listenerName, mechanism, username, password);
    }
}
