package io.samsa.server.security.token;

import io.samsa.common.Clock;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.server.security.sasl.ScramCredentials;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The SCRAM credentials of a broker's SASL listeners: users' from the metadata image, and delegation tokens' (KIP-48)
 * when {@code delegation.token.secret.key} is set. A token's password is its HMAC in base64; its credential for each
 * SCRAM mechanism (a random salt, the mechanism's minimum of 4096 iterations, as Kafka does) is derived once per
 * node when the token's record is published to it, as Kafka's token cache does, and dropped when the token is
 * removed. The derivation (PBKDF2, milliseconds per mechanism) runs on {@code hashing}, never on the loader's thread
 * nor on an event loop: {@link #onMetadataUpdate} completes once it is done, so a broker answers CreateDelegationToken
 * (which waits for every publisher) only once the token can sign in. A sign-in ({@link #token}, on an event loop)
 * only reads what was derived: a token not derived yet is unknown. Each token's HMAC (one HMAC-SHA512, microseconds)
 * is computed once, on the loader's thread as its record is published, and kept until the token is removed, for
 * DescribeDelegationToken ({@link #hmac}) to answer without hashing on an event loop.
 *
 * <p>Thread-safe: the event loops of every SASL connection read it; the loader's executor and {@code hashing} write.
 */
public final class TokenCredentials implements ScramCredentials, MetadataPublisher {
    private final Supplier<MetadataImage> image;
    private final DelegationTokenSettings settings;
    private final Clock clock;
    private final Executor hashing;
    /** Computes a token's HMAC: the settings' own, or a test's counting seam. */
    private final Function<String, byte[]> hmacOf;
    /** HMACs by token id, of every token published here; computed once per token, on the loader's thread. */
    private final Map<String, byte[]> hmacs = new ConcurrentHashMap<>();
    /** Derived credentials by token id, one per SCRAM mechanism. */
    private final Map<String, Map<ScramMechanism, ScramCredentialData>> derived = new ConcurrentHashMap<>();
    /** Salts: a DRBG seeded here, at start-up. */
    private final SecureRandom random;

    /**
     * @param image   the broker's newest metadata image (owners and expiry of tokens, users' credentials)
     * @param hashing where token credentials are derived ({@link io.samsa.server.security.sasl.ScramHashing})
     */
    public TokenCredentials(Supplier<MetadataImage> image, DelegationTokenSettings settings, Clock clock,
                            Executor hashing) {
        this(image, settings, clock, hashing, settings::hmac);
    }

    /** As above, with {@code hmacOf} computing tokens' HMACs (tests count them). */
    TokenCredentials(Supplier<MetadataImage> image, DelegationTokenSettings settings, Clock clock, Executor hashing,
                     Function<String, byte[]> hmacOf) {
        this.image = image;
        this.hmacOf = hmacOf;
        this.settings = settings;
        this.clock = clock;
        this.hashing = hashing;
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
        DelegationTokenData token = image.get().delegationTokens().get(tokenId);
        Map<ScramMechanism, ScramCredentialData> credentials = derived.get(tokenId);
        if (token == null || credentials == null) {
            return null;
        }
        return new TokenCredential(credentials.get(mechanism), token.owner(), token.expired(clock.milliseconds()));
    }

    /**
     * The HMAC of token {@code tokenId}, as computed when its record was published here; null for a token this node
     * has not published (yet), or when tokens are disabled. Any thread; the caller must not change the array.
     */
    public byte[] hmac(String tokenId) {
        return hmacs.get(tokenId);
    }

    @Override
    public String name() {
        return "TokenCredentials";
    }

    /** Derives the credentials of the tokens {@code image} adds and drops those of the tokens it removed. */
    @Override
    public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
        if (!settings.enabled() || !delta.delegationTokensChanged()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, DelegationTokenData> tokens = image.delegationTokens();
        derived.keySet().removeIf(id -> !tokens.containsKey(id));
        hmacs.keySet().removeIf(id -> !tokens.containsKey(id));
        List<String> added = new ArrayList<>();
        for (String id : tokens.keySet()) {
            hmacs.computeIfAbsent(id, hmacOf);
            if (!derived.containsKey(id)) {
                added.add(id);
            }
        }
        if (added.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> {
            for (String id : added) {
                byte[] hmac = hmacs.get(id);
                if (hmac != null) {
                    derived.put(id, derive(hmac));
                }
            }
        }, hashing);
    }

    private Map<ScramMechanism, ScramCredentialData> derive(byte[] hmac) {
        String password = Base64.getEncoder().encodeToString(hmac);
        Map<ScramMechanism, ScramCredentialData> credentials = new EnumMap<>(ScramMechanism.class);
        for (ScramMechanism m : ScramMechanism.values()) {
            byte[] salt = new byte[32];
            random.nextBytes(salt);
            credentials.put(m, ScramCredentialData.derive(m, password, salt, ScramMechanism.MIN_ITERATIONS));
        }
        return credentials;
    }
}
