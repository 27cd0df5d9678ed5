package io.samsa.replication;

import io.samsa.wire.protocol.Message;

/**
 * A response from another broker: its decoded {@link #body()} and the bytes it was read from, which records fields
 * (a Fetch response's batches) point into without a copy. {@link #close()} releases them; close it once the body is
 * no longer needed (after appending a fetch's records). Not thread-safe; hand it over with a happens-before edge.
 */
public final class BrokerResponse implements AutoCloseable {
    private final Message body;
    private Runnable release;

    /** {@code release} frees the bytes behind {@code body} (null when nothing must be freed). */
    public BrokerResponse(Message body, Runnable release) {
        this.body = body;
        this.release = release;
    }

    public Message body() {
        return body;
    }

    /** The body as the response type the caller expects. */
    public <T extends Message> T body(Class<T> type) {
        return type.cast(body);
    }

    /** Releases the bytes behind the body. Idempotent. */
    @Override
    public void close() {
        Runnable r = release;
        release = null;
        if (r != null) {
            r.run();
        }
    }

    @Override
    public String toString() {
        return "BrokerResponse(" + body + ")";
    }
}
