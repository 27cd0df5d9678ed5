package io.samsa.server.security.token;

import io.samsa.common.Clock;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.server.security.sasl.ScramCredentials;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The SCRAM credentials of a broker's SASL listeners: users' from the metadata image, and delegation tokens' (KIP-48)
 * when {@code delegation.token.secret.key} is set. A token's password is its HMAC in base64; its credential for each
 * mechanism is derived once per node (a random salt, the mechanism's minimum of 4096 iterations, as Kafka does) on
 * the first authentication with it, and kept while the token exists.
 *
 * <p>Thread-safe: the event loops of every SASL connection call it.
 */
public final class TokenCredentials implements ScramCredentials {
    private final Supplier<MetadataImage> image;
    private final DelegationTokenSettings settings;
    private final Clock clock;
    /** Derived credentials by token id and mechanism. */
    private final Map<String, ScramCredentialData> derived = new ConcurrentHashMap<>();
    /** Salts: a DRBG seeded here, at start-up, so that no event loop reads the OS's entropy source. */
    private final SecureRandom random;

    public TokenCredentials(Supplier<MetadataImage> image, DelegationTokenSettings settings, Clock clock) {
        this.image = image;
        this.settings = settings;
        this.clock = clock;
        SecureRandom r;
        try {
            r = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            r = new SecureRandom();
        }
        r.nextBytes(new byte[32]);
        this.random = r;
    }

    @Override
    public ScramCredentialData get(ScramMechanism mechanism, String user) {
        return image.get().scramCredential(user, mechanism.type());
    }

    @Override
    public TokenCredential token(ScramMechanism mechanism, String tokenId) {
        if (!settings.enabled()) {
            return null;
        }
        Map<String, DelegationTokenData> tokens = image.get().delegationTokens();
        DelegationTokenData token = tokens.get(tokenId);
        if (token == null) {
            derived.keySet().removeIf(key -> !tokens.containsKey(key.substring(key.indexOf(' ') + 1)));
            return null;
        }
        ScramCredentialData credential = derived.computeIfAbsent(mechanism.saslName() + " " + tokenId,
                k -> derive(mechanism, tokenId));
        return new TokenCredential(credential, token.owner(), token.expired(clock.milliseconds()));
    }

    private ScramCredentialData derive(ScramMechanism mechanism, String tokenId) {
        byte[] salt = new byte[32];
        random.nextBytes(salt);
        return ScramCredentialData.derive(mechanism, Base64.getEncoder().encodeToString(settings.hmac(tokenId)), salt,
                ScramMechanism.MIN_ITERATIONS);
    }
}
