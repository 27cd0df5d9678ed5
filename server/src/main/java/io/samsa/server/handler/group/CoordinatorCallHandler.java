package io.samsa.server.handler.group;

import io.samsa.coordinator.RequestMeta;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.protocol.Message;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one coordinator API (the group coordinator's, the transaction coordinator's) by handing the decoded request
 * to the coordinator (which never blocks the caller) and sending its answer when it is ready. The coordinator fills
 * in protocol error codes itself; anything unexpected becomes the API's fallback response (UNKNOWN_SERVER_ERROR),
 * logged at ERROR. Called on the connection's event loop; the answer may be sent from the coordinator thread.
 */
public final class CoordinatorCallHandler<Q extends Message> implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorCallHandler.class);

    private final Class<Q> type;
    private final BiFunction<RequestMeta, Q, CompletableFuture<? extends Message>> call;
    private final BiFunction<Q, Short, Message> fallback;

    public CoordinatorCallHandler(Class<Q> type,
                                  BiFunction<RequestMeta, Q, CompletableFuture<? extends Message>> call,
                                  BiFunction<Q, Short, Message> fallback) {
        this.type = type;
        this.call = call;
        this.fallback = fallback;
    }

    /** The coordinator's view of the request: its version and client. */
    public static RequestMeta meta(RequestContext ctx) {
        InetSocketAddress addr = ctx.clientAddress();
        String host = addr == null ? "" : "/" + (addr.getAddress() == null ? addr.getHostString()
                : addr.getAddress().getHostAddress());
        return new RequestMeta(ctx.apiVersion(), ctx.clientId() == null ? "" : ctx.clientId(), host);
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        Q req = type.cast(request);
        call(ctx, sink, () -> call.apply(meta(ctx), req),
                () -> fallback.apply(req, io.samsa.wire.ErrorCode.UNKNOWN_SERVER_ERROR.code()));
    }

    /**
     * Sends what {@code call} answers; if it throws or its future fails, logs at ERROR and sends {@code fallback}
     * (an UNKNOWN_SERVER_ERROR response).
     */
    public static void call(RequestContext ctx, ResponseSink sink,
                            Supplier<CompletableFuture<? extends Message>> call, Supplier<Message> fallback) {
        CompletableFuture<? extends Message> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            log.error("{}Coordinator API failed", ctx.logPrefix(), e);
            sink.send(fallback.get());
            return;
        }
        f.whenComplete((resp, err) -> {
            if (err != null) {
                log.error("{}Coordinator API failed", ctx.logPrefix(), err);
                sink.send(fallback.get());
            } else {
                sink.send(resp);
            }
        });
    }
}
