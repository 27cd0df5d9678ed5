package io.samsa.server.security.sasl;

import io.samsa.metadata.ScramMechanism;
import java.util.List;
import java.util.Map;

/**
 * How one SASL listener authenticates: its enabled mechanisms ({@code listener.name.<l>.sasl.enabled.mechanisms}, else
 * {@code sasl.enabled.mechanisms}), the PLAIN users of its JAAS config, where SCRAM credentials come from,
 * {@code connections.max.reauth.ms} (KIP-368; 0 disables re-authentication and session expiry) and the largest frame
 * accepted before authentication ({@code sasl.server.max.receive.size}, 512 KiB).
 *
 * <p>Immutable; shared by the listener's connections.
 */
public record SaslListener(String listenerName, List<String> mechanisms, Map<String, String> plainUsers,
                           ScramCredentials scram, long maxReauthMs, int maxReceiveBytes) {
    /** Kafka's {@code sasl.server.max.receive.size} default. */
    public static final int DEFAULT_MAX_RECEIVE_BYTES = 524288;

    public SaslListener {
        mechanisms = List.copyOf(mechanisms);
        plainUsers = Map.copyOf(plainUsers);
    }

    /** A new exchange for {@code mechanism}, or null when the listener does not enable it. */
    SaslExchange exchange(String mechanism) {
        if (!mechanisms.contains(mechanism)) {
            return null;
        }
        if (PlainExchange.MECHANISM.equals(mechanism)) {
            return new PlainExchange(plainUsers);
        }
        ScramMechanism scramMechanism = ScramMechanism.forSaslName(mechanism);
        return scramMechanism == null ? null : new ScramExchange(scramMechanism, scram);
    }
}
