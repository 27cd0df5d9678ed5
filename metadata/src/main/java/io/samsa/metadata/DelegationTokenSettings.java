package io.samsa.metadata;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The delegation token keys of a node (KIP-48), read alike by brokers and controllers from their properties:
 * {@code delegation.token.secret.key} (or its deprecated alias {@code delegation.token.master.key}; tokens are
 * enabled only when one is set), {@code delegation.token.max.lifetime.ms} (7 days),
 * {@code delegation.token.expiry.time.ms} (1 day) and {@code delegation.token.expiry.check.interval.ms} (1 hour).
 * A token's HMAC is HMAC-SHA512 of its id (UTF-8) keyed by the secret (UTF-8), as Kafka computes it; its base64 form
 * is the password a client authenticates with.
 *
 * <p>Immutable; {@link #hmac} is thread-safe (each call makes its own {@link Mac}).
 */
public record DelegationTokenSettings(String secret, long maxLifetimeMs, long expiryTimeMs, long checkIntervalMs) {
    public static final String SECRET_KEY = "delegation.token.secret.key";
    public static final String MASTER_KEY = "delegation.token.master.key";
    public static final String MAX_LIFETIME_MS = "delegation.token.max.lifetime.ms";
    public static final String EXPIRY_TIME_MS = "delegation.token.expiry.time.ms";
    public static final String EXPIRY_CHECK_INTERVAL_MS = "delegation.token.expiry.check.interval.ms";
    private static final String HMAC = "HmacSHA512";

    /** The settings in {@code props} (unset keys take Kafka's defaults). */
    public static DelegationTokenSettings fromProps(Map<String, String> props) {
        String secret = props.get(SECRET_KEY);
        if (secret == null || secret.isEmpty()) {
            secret = props.get(MASTER_KEY);
        }
        return new DelegationTokenSettings(secret == null || secret.isEmpty() ? null : secret,
                longProp(props, MAX_LIFETIME_MS, 7 * 24 * 3600_000L), longProp(props, EXPIRY_TIME_MS, 24 * 3600_000L),
                longProp(props, EXPIRY_CHECK_INTERVAL_MS, 3600_000L));
    }

    private static long longProp(Map<String, String> props, String key, long dflt) {
        String v = props.get(key);
        try {
            return v == null ? dflt : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid " + key + ": " + v, e);
        }
    }

    /** Whether tokens are enabled: a secret is set. */
    public boolean enabled() {
        return secret != null;
    }

    /** The HMAC of token {@code tokenId}; only when {@link #enabled}. */
    public byte[] hmac(String tokenId) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            return mac.doFinal(tokenId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(HMAC + " is missing from the JDK", e);
        }
    }

    @Override
    public String toString() {
        return "DelegationTokenSettings(enabled=" + enabled() + ", maxLifetimeMs=" + maxLifetimeMs + ", expiryTimeMs="
                + expiryTimeMs + ", checkIntervalMs=" + checkIntervalMs + ")";
    }
}
