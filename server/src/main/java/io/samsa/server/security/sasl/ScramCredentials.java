package io.samsa.server.security.sasl;

import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;

/** Where a SCRAM exchange finds a user's stored credential: the metadata image on a broker, a map in tests. */
@FunctionalInterface
public interface ScramCredentials {
    /** The credential of {@code user} for {@code mechanism}, or null when there is none. Thread-safe. */
    ScramCredentialData get(ScramMechanism mechanism, String user);

    /**
     * The credential of delegation token {@code tokenId} for {@code mechanism} (its password is the token's HMAC in
     * base64, KIP-48), or null when there is none. Thread-safe.
     */
    default TokenCredential token(ScramMechanism mechanism, String tokenId) {
        return null;
    }

    /** A token's SCRAM credential, its owner ({@code type:name}) and whether it has expired. */
    record TokenCredential(ScramCredentialData credential, String owner, boolean expired) {
    }
}
