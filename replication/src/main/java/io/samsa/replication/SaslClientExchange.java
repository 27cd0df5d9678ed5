package io.samsa.replication;

import java.util.concurrent.CompletableFuture;

/**
 * The client side of one SASL mechanism's exchange on one connection, as {@link SaslClientHandler} drives it: the
 * first token, then one token per server token until the exchange is {@link #complete}. It knows nothing of frames.
 *
 * <p>Not thread-safe: one connection's event loop drives it; one per connection attempt.
 */
public interface SaslClientExchange {

    /** The mechanism's SASL name ({@code PLAIN}, {@code SCRAM-SHA-256}). */
    String mechanism();

    /** The user this exchange authenticates as, for logs. */
    String user();

    /** The client's first token. */
    byte[] first();

    /**
     * Takes the server's token and returns the client's next one, or null when the exchange is over.
     *
     * @throws IllegalStateException when the server's token breaks the mechanism (a wrong server signature, a
     *     nonce the client did not start with), naming what is wrong
     */
    byte[] evaluate(byte[] serverToken);

    /**
     * {@link #evaluate}, for a step too costly for an event loop (SCRAM's salted password): the future completes with
     * the client's next token (null when the exchange is over), possibly on another thread, or fails with the
     * {@link IllegalStateException} of {@link #evaluate}. The caller resumes on its own thread. By default
     * {@link #evaluate}, at once.
     */
    default CompletableFuture<byte[]> evaluateAsync(byte[] serverToken) {
        try {
            return CompletableFuture.completedFuture(evaluate(serverToken));
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whether the client has verified the server (or the mechanism has nothing to verify) and is done. */
    boolean complete();
}
