package io.samsa.server.security;

import java.util.Objects;

/**
 * Who sent a request, as Kafka names it: a principal type and a name, written {@code type:name} ({@code User:alice}).
 * A connection that has not authenticated (a PLAINTEXT listener, an SSL listener without client certificates) is
 * {@link #ANONYMOUS}. The ACLs, quotas and audit of the security issue key on it.
 *
 * <p>Immutable.
 */
public record Principal(String type, String name) {
    /** The type of every principal Kafka's own principal builder makes. */
    public static final String USER_TYPE = "User";
    /** The principal of a connection that did not authenticate. */
    public static final Principal ANONYMOUS = new Principal(USER_TYPE, "ANONYMOUS");

    public Principal {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    /** A {@code User} principal. */
    public static Principal user(String name) {
        return new Principal(USER_TYPE, name);
    }

    /**
     * Reads {@code type:name} (the name may itself hold colons, as a certificate's distinguished name can).
     *
     * @throws IllegalArgumentException without a colon, or with an empty type
     */
    public static Principal parse(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("Expected a principal of the form type:name, got '" + s + "'");
        }
        return new Principal(s.substring(0, colon), s.substring(colon + 1));
    }

    @Override
    public String toString() {
        return type + ":" + name;
    }
}
