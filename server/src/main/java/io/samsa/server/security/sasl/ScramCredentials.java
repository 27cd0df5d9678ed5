package io.samsa.server.security.sasl;

import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;

/** Where a SCRAM exchange finds a user's stored credential: the metadata image on a broker, a map in tests. */
@FunctionalInterface
public interface ScramCredentials {
    /** The credential of {@code user} for {@code mechanism}, or null when there is none. Thread-safe. */
    ScramCredentialData get(ScramMechanism mechanism, String user);
}
