package io.samsa.server.security.sasl;

import io.samsa.common.Clock;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.ConfigKey;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the OAUTHBEARER settings of one SASL listener with Kafka's broker keys (KIP-768): each
 * {@code sasl.oauthbearer.*} key may be written {@code listener.name.<l>.oauthbearer.<key>} or
 * {@code listener.name.<l>.<key>}, which win in that order over the plain key. Kafka's default validator (the
 * "unsecured" one, which accepts {@code alg: none}) is not offered: a listener with OAUTHBEARER needs
 * {@code sasl.oauthbearer.jwks.endpoint.url}, and {@code listener.name.<l>.oauthbearer.sasl.server.callback.handler.class}
 * may only name Kafka's JWKS validator. As in Kafka 4.4, the expected audience and issuer must be set unless
 * {@code sasl.oauthbearer.allow.unverified.audience} / {@code ...issuer} is true. Called once at start-up; loads the
 * JWKS before the listener opens.
 */
final class OAuthBearerConfigs {
    static final String JWKS_URL = "sasl.oauthbearer.jwks.endpoint.url";
    static final String EXPECTED_AUDIENCE = "sasl.oauthbearer.expected.audience";
    static final String EXPECTED_ISSUER = "sasl.oauthbearer.expected.issuer";
    static final String ALLOW_UNVERIFIED_AUDIENCE = "sasl.oauthbearer.allow.unverified.audience";
    static final String ALLOW_UNVERIFIED_ISSUER = "sasl.oauthbearer.allow.unverified.issuer";
    /** Kafka's JWKS validator: 4.x's name and 3.x's (deprecated) one. */
    static final Set<String> VALIDATOR_CLASSES = Set.of(
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
            "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler");
    private static final String LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

    private final BrokerConfig config;
    private final String listenerName;
    private final String listenerPrefix;
    private final String mechanismPrefix;

    private OAuthBearerConfigs(BrokerConfig config, String listenerName) {
        this.config = config;
        this.listenerName = listenerName;
        this.listenerPrefix = "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
        this.mechanismPrefix = listenerPrefix + "oauthbearer.";
    }

    /** The validator of {@code listenerName}'s OAUTHBEARER tokens, its JWKS loaded. */
    static JwtValidator validator(BrokerConfig config, String listenerName, Clock clock) {
        return new OAuthBearerConfigs(config, listenerName).validator(clock);
    }

    private JwtValidator validator(Clock clock) {
        String handlerKey = mechanismPrefix + "sasl.server.callback.handler.class";
        String handler = config.original(handlerKey);
        if (handler != null && !VALIDATOR_CLASSES.contains(handler.trim())) {
            throw new ConfigException(handlerKey, "OAUTHBEARER on listener " + listenerName + " supports only "
                    + "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler (tokens "
                    + "verified with a JWKS), not " + handler);
        }
        String jaasKey = mechanismPrefix + "sasl.jaas.config";
        String jaas = config.original(jaasKey);
        if (jaas != null) {
            JaasConfig parsed;
            try {
                parsed = JaasConfig.parse(jaas);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(jaasKey, e.getMessage());
            }
            if (!LOGIN_MODULE.equals(parsed.loginModule())) {
                throw new ConfigException(jaasKey, "OAUTHBEARER on listener " + listenerName + " needs "
                        + LOGIN_MODULE + ", not " + parsed.loginModule());
            }
        }
        String urlKey = keyOf(JWKS_URL);
        String url = (String) value(JWKS_URL);
        if (url == null || url.isBlank()) {
            throw new ConfigException(JWKS_URL, "SASL listener " + listenerName + " enables OAUTHBEARER but sets no "
                    + JWKS_URL + " (or " + mechanismPrefix + JWKS_URL + "): Samsa verifies tokens only with a "
                    + "JWKS, and does not offer Kafka's unsecured validator");
        }
        @SuppressWarnings("unchecked")
        List<String> audiences = (List<String>) value(EXPECTED_AUDIENCE);
        String issuer = (String) value(EXPECTED_ISSUER);
        if (audiences.isEmpty() && !(Boolean) value(ALLOW_UNVERIFIED_AUDIENCE)) {
            throw new ConfigException(EXPECTED_AUDIENCE, "OAUTHBEARER on listener " + listenerName + " needs "
                    + EXPECTED_AUDIENCE + " so that a token's aud claim is checked, or " + ALLOW_UNVERIFIED_AUDIENCE
                    + "=true");
        }
        if ((issuer == null || issuer.isBlank()) && !(Boolean) value(ALLOW_UNVERIFIED_ISSUER)) {
            throw new ConfigException(EXPECTED_ISSUER, "OAUTHBEARER on listener " + listenerName + " needs "
                    + EXPECTED_ISSUER + " so that a token's iss claim is checked, or " + ALLOW_UNVERIFIED_ISSUER
                    + "=true");
        }
        JwtValidator.Settings settings = new JwtValidator.Settings(audiences,
                issuer == null || issuer.isBlank() ? null : issuer.trim(),
                (Integer) value("sasl.oauthbearer.clock.skew.seconds"),
                nonBlank("sasl.oauthbearer.sub.claim.name"), nonBlank("sasl.oauthbearer.scope.claim.name"));
        JwksKeys.Source source;
        try {
            source = JwksKeys.source(new URI(url.trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ConfigException(urlKey, "Invalid JWKS URL " + url + ": " + e.getMessage());
        }
        try {
            JwksKeys keys = JwksKeys.open(listenerName, source, clock,
                    (Long) value("sasl.oauthbearer.jwks.endpoint.refresh.ms"),
                    (Long) value("sasl.oauthbearer.jwks.endpoint.retry.backoff.ms"),
                    (Long) value("sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms"));
            return new JwtValidator(settings, keys, clock);
        } catch (IOException e) {
            throw new ConfigException(urlKey, "Could not load the JWKS of listener " + listenerName + " from " + url
                    + ": " + e.getMessage());
        }
    }

    /** The key that sets {@code key} for this listener: the mechanism's, the listener's, or the plain one. */
    private String keyOf(String key) {
        if (config.original(mechanismPrefix + key) != null) {
            return mechanismPrefix + key;
        }
        return config.original(listenerPrefix + key) != null ? listenerPrefix + key : key;
    }

    /** The typed value of {@code key} for this listener. */
    private Object value(String key) {
        String which = keyOf(key);
        if (which.equals(key)) {
            return config.get(key);
        }
        ConfigKey definition = BrokerConfig.keys().get(key);
        try {
            return definition.parse(config.original(which));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(which, "Invalid value for configuration " + which + ": " + e.getMessage());
        }
    }

    private String nonBlank(String key) {
        String v = (String) value(key);
        if (v == null || v.isBlank()) {
            throw new ConfigException(keyOf(key), key + " must not be empty");
        }
        return v.trim();
    }
}
