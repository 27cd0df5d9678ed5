package io.samsa.server.security;

import java.util.Objects;

/**
 * Who sent a request, as Kafka names it: a principal type and a name, written {@code type:name} ({@code User:alice}).
 * A connection that has not authenticated (a PLAINTEXT listener, an SSL listener without client certificates) is
 * {@link #ANONYMOUS}. The ACLs, quotas and audit of the security issue key on it. {@code tokenAuthenticated}: the
 * connection authenticated with a delegation token; equality ignores it.
 *
 * <p>Immutable.
 */
public record Principal(String type, String name, boolean tokenAuthenticated) {
    /** The type of every principal Kafka's own principal builder makes. */
    public static final String USER_TYPE = "User";
    /** The principal of a connection that did not authenticate. */
    public static final Principal ANONYMOUS = new Principal(USER_TYPE, "ANONYMOUS");

    public Principal {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public Principal(String type, String name) {
        this(type, name, false);
    }

    /**
     * The owner of the delegation token a connection authenticated with (SCRAM with {@code tokenauth=true},
     * KIP-48): the owner for ACLs and quotas, and refused the delegation token APIs.
     */
    public static Principal tokenOwner(String owner) {
        Principal p = parse(owner);
        return new Principal(p.type, p.name, true);
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

    /** Type and name only, as Kafka compares principals: how one authenticated does not matter. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Principal p && type.equals(p.type) && name.equals(p.name);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + name.hashCode();
    }

    @Override
    public String toString() {
        return type + ":" + name;
    }
}
