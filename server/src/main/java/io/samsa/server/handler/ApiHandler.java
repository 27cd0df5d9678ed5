package io.samsa.server.handler;

import io.samsa.wire.protocol.Message;

/**
 * Serves one API. Called on the connection's event loop; must not block it. Work that waits (a fsync,
 * a long-poll fetch, another shard's append) completes later through the {@link ResponseSink}.
 */
@FunctionalInterface
public interface ApiHandler {

    /** Handles one decoded request; answers exactly once through {@code sink}. */
    void handle(RequestContext ctx, Message request, ResponseSink sink);
}
