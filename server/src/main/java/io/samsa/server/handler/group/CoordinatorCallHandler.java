package io.samsa.server.handler.group;

import io.samsa.coordinator.RequestMeta;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.protocol.Message;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one group API by handing the decoded request to the group coordinator (which never blocks the
 * caller) and sending its answer when it is ready. The coordinator fills in protocol error codes itself;
 * anything unexpected becomes the API's fallback response (UNKNOWN_SERVER_ERROR), logged at ERROR.
 * Called on the connection's event loop; the answer may be sent from the coordinator thread.
 */
final class CoordinatorCallHandler<Q extends Message> implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorCallHandler.class);

    private final Class<Q> type;
    private final BiFunction<RequestMeta, Q, CompletableFuture<? extends Message>> call;
    private final BiFunction<Q, Short, Message> fallback;

    CoordinatorCallHandler(Class<Q> type, BiFunction<RequestMeta, Q, CompletableFuture<? extends Message>> call,
                           BiFunction<Q, Short, Message> fallback) {
        this.type = type;
        this.call = call;
        this.fallback = fallback;
    }

    static RequestMeta meta(RequestContext ctx) {
        InetSocketAddress addr = ctx.clientAddress();
        String host = addr == null ? "" : "/" + (addr.getAddress() == null ? addr.getHostString()
                : addr.getAddress().getHostAddress());
        return new RequestMeta(ctx.apiVersion(), ctx.clientId() == null ? "" : ctx.clientId(), host);
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        Q req = type.cast(request);
        CompletableFuture<? extends Message> f;
        try {
            f = call.apply(meta(ctx), req);
        } catch (RuntimeException e) {
            log.error("{}Group API failed", ctx.logPrefix(), e);
            sink.send(fallback.apply(req, io.samsa.wire.ErrorCode.UNKNOWN_SERVER_ERROR.code()));
            return;
        }
        f.whenComplete((resp, err) -> {
            if (err != null) {
                log.error("{}Group API failed", ctx.logPrefix(), err);
                sink.send(fallback.apply(req, io.samsa.wire.ErrorCode.UNKNOWN_SERVER_ERROR.code()));
            } else {
                sink.send(resp);
            }
        });
    }
}
