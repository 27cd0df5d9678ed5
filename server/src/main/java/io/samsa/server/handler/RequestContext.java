package io.samsa.server.handler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.common.SerialExecutor;
import io.samsa.server.security.Principal;
import java.net.InetSocketAddress;

/**
 * What a handler knows about one request besides its body: the header, the connection it came on (with its
 * event loop as the {@link SerialExecutor} {@code executor}: where the handler runs, where waiting work gathers
 * and times out), and the frame that holds its bytes (records fields of the request are slices of the frame, which
 * stays alive until the response is sent). {@code principal} is who the connection authenticated as
 * ({@link Principal#ANONYMOUS} when it did not).
 *
 * <p>Immutable; created on the connection's event loop and safe to read from any thread.
 */
public record RequestContext(short apiKey, short apiVersion, int correlationId, String clientId,
                             String listenerName, InetSocketAddress clientAddress, Principal principal,
                             SerialExecutor executor, ByteBufAllocator alloc, ByteBuf frame, long receivedNanos) {

    /** A request from a connection that did not authenticate. */
    public RequestContext(short apiKey, short apiVersion, int correlationId, String clientId, String listenerName,
                          InetSocketAddress clientAddress, SerialExecutor executor, ByteBufAllocator alloc,
                          ByteBuf frame, long receivedNanos) {
        this(apiKey, apiVersion, correlationId, clientId, listenerName, clientAddress, Principal.ANONYMOUS, executor,
                alloc, frame, receivedNanos);
    }

    /** A log prefix naming the connection and request, for messages about this request. */
    public String logPrefix() {
        return "[client=" + clientId + " addr=" + clientAddress + " api=" + apiKey + " v" + apiVersion
                + " corr=" + correlationId + "] ";
    }
}
