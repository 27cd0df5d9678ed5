package io.samsa.controller;

import java.util.Objects;

/**
 * One listener a broker advertises: its name (e.g. {@code PLAINTEXT}), host, port and security
 * protocol ({@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT}, {@code SASL_SSL}). Immutable.
 */
public record Endpoint(String name, String host, int port, String securityProtocol) {
    public Endpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(securityProtocol, "securityProtocol");
    }
}
