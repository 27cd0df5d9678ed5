package io.samsa.server.handler.admin;

import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.protocol.Message;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers a request from the completion of a controller call, without blocking: the controller
 * completes its futures on its own thread, and the response is built there and handed to the sink
 * (which hops to the connection's event loop). A failed call, or a bug while building the response,
 * becomes the error response built by {@code onError}. Stateless.
 */
public final class ControllerReplies {
    private ControllerReplies() {
    }

    /** Sends {@code onSuccess(result)} or {@code onError(error)} once {@code future} completes. */
    public static <T> void reply(CompletableFuture<T> future, RequestContext ctx, ResponseSink sink,
                          Function<T, Message> onSuccess, Function<ApiError, Message> onError) {
        future.whenComplete((result, failure) -> {
            Message response;
            try {
                response = failure == null ? onSuccess.apply(result) : onError.apply(ApiError.of(failure,
                        ctx.logPrefix()));
            } catch (RuntimeException e) {
                response = onError.apply(ApiError.of(e, ctx.logPrefix()));
            }
            sink.send(response);
        });
    }
}
