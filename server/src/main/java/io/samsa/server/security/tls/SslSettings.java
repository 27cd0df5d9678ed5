package io.samsa.server.security.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One listener's TLS settings, with Kafka's {@code ssl.*} keys and defaults: a key set as
 * {@code listener.name.<listener>.ssl.*} (the listener name lower-cased, as Kafka writes it) wins over the plain
 * {@code ssl.*} key. Passwords are kept as given; key stores are read by {@link KeyMaterial}.
 *
 * <p>Immutable.
 */
public record SslSettings(String listenerName, String keystoreType, String keystoreLocation, String keystorePassword,
                          String keyPassword, String keystoreCertificateChain, String keystoreKey,
                          String truststoreType, String truststoreLocation, String truststorePassword,
                          String truststoreCertificates, ClientAuth clientAuth, List<String> enabledProtocols,
                          String protocol, List<String> cipherSuites, String endpointIdentificationAlgorithm,
                          String provider, String keyManagerAlgorithm, String trustManagerAlgorithm,
                          String principalMappingRules) {

    /** {@code ssl.client.auth}. */
    public enum ClientAuth {
        NONE, REQUESTED, REQUIRED
    }

    public static final String KEYSTORE_TYPE = "ssl.keystore.type";
    public static final String KEYSTORE_LOCATION = "ssl.keystore.location";
    public static final String KEYSTORE_PASSWORD = "ssl.keystore.password";
    public static final String KEY_PASSWORD = "ssl.key.password";
    public static final String KEYSTORE_CERTIFICATE_CHAIN = "ssl.keystore.certificate.chain";
    public static final String KEYSTORE_KEY = "ssl.keystore.key";
    public static final String TRUSTSTORE_TYPE = "ssl.truststore.type";
    public static final String TRUSTSTORE_LOCATION = "ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "ssl.truststore.password";
    public static final String TRUSTSTORE_CERTIFICATES = "ssl.truststore.certificates";
    public static final String CLIENT_AUTH = "ssl.client.auth";
    public static final String ENABLED_PROTOCOLS = "ssl.enabled.protocols";
    public static final String PROTOCOL = "ssl.protocol";
    public static final String CIPHER_SUITES = "ssl.cipher.suites";
    public static final String ENDPOINT_IDENTIFICATION_ALGORITHM = "ssl.endpoint.identification.algorithm";
    public static final String PROVIDER = "ssl.provider";
    public static final String KEYMANAGER_ALGORITHM = "ssl.keymanager.algorithm";
    public static final String TRUSTMANAGER_ALGORITHM = "ssl.trustmanager.algorithm";
    public static final String PRINCIPAL_MAPPING_RULES = "ssl.principal.mapping.rules";

    /** The keys that reload a listener's certificates when altered dynamically (Kafka's reconfigurable SSL keys). */
    public static final List<String> RELOADABLE = List.of(KEYSTORE_TYPE, KEYSTORE_LOCATION, KEYSTORE_PASSWORD,
            KEY_PASSWORD, KEYSTORE_CERTIFICATE_CHAIN, KEYSTORE_KEY, TRUSTSTORE_TYPE, TRUSTSTORE_LOCATION,
            TRUSTSTORE_PASSWORD, TRUSTSTORE_CERTIFICATES);

    /** Kafka's default of {@code ssl.enabled.protocols}. */
    public static final String DEFAULT_ENABLED_PROTOCOLS = "TLSv1.2,TLSv1.3";

    /** The prefix of {@code listener}'s own keys: {@code listener.name.<lower-case name>.}. */
    public static String listenerPrefix(String listener) {
        return "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
    }

    /**
     * Resolves {@code listener}'s settings from {@code props} (the broker's keys as set, with dynamic values laid
     * over the static ones by the caller).
     *
     * @throws IllegalArgumentException naming the key of a value that does not parse
     */
    public static SslSettings of(Map<String, String> props, String listener) {
        Lookup l = new Lookup(props, listenerPrefix(listener));
        return new SslSettings(listener, l.get(KEYSTORE_TYPE, "JKS").toUpperCase(Locale.ROOT),
                l.get(KEYSTORE_LOCATION, null), l.get(KEYSTORE_PASSWORD, null), l.get(KEY_PASSWORD, null),
                l.get(KEYSTORE_CERTIFICATE_CHAIN, null), l.get(KEYSTORE_KEY, null),
                l.get(TRUSTSTORE_TYPE, "JKS").toUpperCase(Locale.ROOT), l.get(TRUSTSTORE_LOCATION, null),
                l.get(TRUSTSTORE_PASSWORD, null), l.get(TRUSTSTORE_CERTIFICATES, null), clientAuth(l.key(CLIENT_AUTH),
                l.get(CLIENT_AUTH, "none")), list(l.get(ENABLED_PROTOCOLS, DEFAULT_ENABLED_PROTOCOLS)),
                l.get(PROTOCOL, "TLSv1.3"), list(l.get(CIPHER_SUITES, "")),
                l.get(ENDPOINT_IDENTIFICATION_ALGORITHM, "https"), l.get(PROVIDER, null),
                l.get(KEYMANAGER_ALGORITHM, null), l.get(TRUSTMANAGER_ALGORITHM, null),
                l.get(PRINCIPAL_MAPPING_RULES, "DEFAULT"));
    }

    /** True when a key store was configured (a location, or inline PEM). */
    public boolean hasKeystore() {
        return keystoreLocation != null || keystoreCertificateChain != null || keystoreKey != null;
    }

    /** True when a trust store was configured (else the JDK's default trust anchors apply). */
    public boolean hasTruststore() {
        return truststoreLocation != null || truststoreCertificates != null;
    }

    /** Endpoint identification of the broker's own client connections: on unless set to the empty string. */
    public boolean verifiesHostname() {
        return endpointIdentificationAlgorithm != null && !endpointIdentificationAlgorithm.isBlank();
    }

    @Override
    public String toString() {
        // Passwords and inline keys stay out of logs.
        return "SslSettings[listener=" + listenerName + ", keystore=" + keystoreType + ":" + keystoreLocation
                + ", truststore=" + truststoreType + ":" + truststoreLocation + ", clientAuth=" + clientAuth
                + ", protocols=" + enabledProtocols + ", provider=" + provider + "]";
    }

    private static ClientAuth clientAuth(String key, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "requested" -> ClientAuth.REQUESTED;
            case "required" -> ClientAuth.REQUIRED;
            default -> throw new IllegalArgumentException("Invalid value " + value + " for configuration " + key
                    + ": String must be one of: required, requested, none");
        };
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String s : Arrays.asList(value.split(","))) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return List.copyOf(out);
    }

    /** Reads a key: the listener's own value, else the plain one, else the default. */
    private record Lookup(Map<String, String> props, String prefix) {
        /** An empty value of a key without a default is unset (a listener's way to drop a plain key's file). */
        String get(String key, String defaultValue) {
            String v = props.get(prefix + key);
            if (v == null) {
                v = props.get(key);
            }
            if (v != null && v.isEmpty() && defaultValue == null) {
                return null;
            }
            return v == null ? defaultValue : v;
        }

        String key(String key) {
            return props.containsKey(prefix + key) ? prefix + key : key;
        }
    }
}
