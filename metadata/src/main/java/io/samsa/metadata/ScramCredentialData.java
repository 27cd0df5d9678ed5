package io.samsa.metadata;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A user's stored SCRAM credential for one mechanism (RFC 5802: salt, StoredKey, ServerKey, iteration count), as a
 * UserScramCredentialRecord set it. The password is never stored: the salted password is turned into the keys
 * once, when the credential is made ({@link #fromSaltedPassword}, which AlterUserScramCredentials sends).
 *
 * <p>Immutable: the arrays are never changed after the record is read.
 */
public record ScramCredentialData(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The credential for {@code password} with {@code salt} and {@code iterations}. */
    public static ScramCredentialData derive(ScramMechanism mechanism, String password, byte[] salt, int iterations) {
        byte[] salted = mechanism.hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
        return fromSaltedPassword(mechanism, salted, salt, iterations);
    }

    /** The credential from a salted password: StoredKey = H(HMAC(salted, "Client Key")), ServerKey. */
    public static ScramCredentialData fromSaltedPassword(ScramMechanism mechanism, byte[] saltedPassword, byte[] salt,
                                                         int iterations) {
        byte[] clientKey = mechanism.hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] serverKey = mechanism.hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredentialData(salt, mechanism.hash(clientKey), serverKey, iterations);
    }

    /** A credential for {@code password} with a fresh random 32-byte salt. */
    public static ScramCredentialData random(ScramMechanism mechanism, String password, int iterations) {
        byte[] salt = new byte[32];
        RANDOM.nextBytes(salt);
        return derive(mechanism, password, salt, iterations);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredentialData d && iterations == d.iterations && Arrays.equals(salt, d.salt)
            && Arrays.equals(storedKey, d.storedKey) && Arrays.equals(serverKey, d.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(storedKey) + iterations;
    }

    @Override
    public String toString() {
        return "ScramCredentialData(iterations=" + iterations + ")";
    }
}
