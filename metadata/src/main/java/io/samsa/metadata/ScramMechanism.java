package io.samsa.metadata;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two SCRAM mechanisms Kafka serves (KIP-84): their SASL names, the hash and HMAC they use (RFC 5802 with
 * SHA-256 from RFC 7677, and SHA-512), the iteration bounds Kafka accepts for a stored credential, and the type id
 * that DescribeUserScramCredentials and AlterUserScramCredentials carry (KIP-554).
 *
 * <p>Immutable; the functions are thread-safe (each call makes its own {@link Mac} and {@link MessageDigest}).
 */
public enum ScramMechanism {
    SCRAM_SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256", (byte) 1),
    SCRAM_SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512", (byte) 2);

    /** The fewest iterations Kafka accepts for a credential of either mechanism. */
    public static final int MIN_ITERATIONS = 4096;
    /** The most iterations AlterUserScramCredentials accepts (Kafka's bound). */
    public static final int MAX_ITERATIONS = 16384;

    private final String saslName;
    private final String hash;
    private final String hmac;
    private final byte type;

    ScramMechanism(String saslName, String hash, String hmac, byte type) {
        this.saslName = saslName;
        this.hash = hash;
        this.hmac = hmac;
        this.type = type;
    }

    public String saslName() {
        return saslName;
    }

    /** The id in the SCRAM admin APIs and the metadata records (1 SHA-256, 2 SHA-512; 0 is unknown). */
    public byte type() {
        return type;
    }

    /** The mechanism named {@code saslName}, or null. */
    public static ScramMechanism forSaslName(String saslName) {
        for (ScramMechanism m : values()) {
            if (m.saslName.equals(saslName)) {
                return m;
            }
        }
        return null;
    }

    /** The mechanism with type id {@code type}, or null. */
    public static ScramMechanism forType(byte type) {
        for (ScramMechanism m : values()) {
            if (m.type == type) {
                return m;
            }
        }
        return null;
    }

    public byte[] hash(byte[] bytes) {
        try {
            return MessageDigest.getInstance(hash).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(hash + " is missing from the JDK", e);
        }
    }

    public byte[] hmac(byte[] key, byte[] bytes) {
        try {
            Mac mac = Mac.getInstance(hmac);
            mac.init(new SecretKeySpec(key, hmac));
            return mac.doFinal(bytes);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(hmac + " is missing from the JDK", e);
        }
    }

    /** RFC 5802 Hi(): PBKDF2 with this mechanism's HMAC, one block. */
    public byte[] hi(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance(hmac);
            mac.init(new SecretKeySpec(password, hmac));
            mac.update(salt);
            byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(hmac + " is missing from the JDK", e);
        }
    }
}
