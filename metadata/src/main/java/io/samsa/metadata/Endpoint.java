package io.samsa.metadata;

import java.util.List;
import java.util.Objects;

/**
 * One listener a broker advertises: its name (e.g. {@code PLAINTEXT}), host, port and security
 * protocol ({@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT}, {@code SASL_SSL}). Immutable.
 */
public record Endpoint(String name, String host, int port, String securityProtocol) {
    /** Kafka's security protocol names, by their id (the RegisterBrokerRecord's SecurityProtocol field). */
    private static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

    public Endpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(securityProtocol, "securityProtocol");
    }

    /** Kafka's id of a security protocol name; throws {@link IllegalArgumentException} for an unknown one. */
    public static short protocolId(String securityProtocol) {
        int id = PROTOCOLS.indexOf(securityProtocol);
        if (id < 0) {
            throw new IllegalArgumentException("Unknown security protocol " + securityProtocol);
        }
        return (short) id;
    }

    /** The security protocol name of a Kafka id, or {@code UNKNOWN(id)}. */
    public static String protocolName(short id) {
        return id >= 0 && id < PROTOCOLS.size() ? PROTOCOLS.get(id) : "UNKNOWN(" + id + ")";
    }
}
