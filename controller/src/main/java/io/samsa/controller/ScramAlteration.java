package io.samsa.controller;

/**
 * One item of AlterUserScramCredentials (KIP-554): an upsertion (the client's salt and salted password, never the
 * password, with its iteration count) or, with {@code saltedPassword} null, a deletion of {@code user}'s credential for
 * mechanism type {@code mechanism} (1 SCRAM-SHA-256, 2 SCRAM-SHA-512).
 *
 * <p>Immutable (the arrays are not copied: callers do not change them).
 */
public record ScramAlteration(String user, byte mechanism, int iterations, byte[] salt, byte[] saltedPassword) {

    /** A deletion of {@code user}'s credential for {@code mechanism}. */
    public static ScramAlteration deletion(String user, byte mechanism) {
        return new ScramAlteration(user, mechanism, 0, null, null);
    }

    public boolean isDeletion() {
        return saltedPassword == null;
    }
}
