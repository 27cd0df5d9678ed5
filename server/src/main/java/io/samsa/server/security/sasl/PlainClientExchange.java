package io.samsa.server.security.sasl;

import io.samsa.replication.SaslClientExchange;
import java.nio.charset.StandardCharsets;

/**
 * The client side of PLAIN (RFC 4616) for the broker's own connections: one token, {@code NUL user NUL password}
 * (no authorization id, as Kafka's client sends it); the server's empty answer completes it.
 *
 * <p>Not thread-safe: one per connection attempt.
 */
final class PlainClientExchange implements SaslClientExchange {
    private final String user;
    private final String password;
    private boolean complete;

    PlainClientExchange(String user, String password) {
        this.user = user;
        this.password = password;
    }

    @Override
    public String mechanism() {
        return PlainExchange.MECHANISM;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public byte[] first() {
        return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] evaluate(byte[] serverToken) {
        complete = true;
        return null;
    }

    @Override
    public boolean complete() {
        return complete;
    }
}
