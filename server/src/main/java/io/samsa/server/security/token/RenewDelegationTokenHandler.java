package io.samsa.server.security.token;

import io.samsa.controller.ApiResult;
import io.samsa.controller.Committed;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ControllerReplies;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ExpireDelegationTokenRequest;
import io.samsa.wire.message.ExpireDelegationTokenResponse;
import io.samsa.wire.message.RenewDelegationTokenRequest;
import io.samsa.wire.message.RenewDelegationTokenResponse;
import io.samsa.wire.protocol.Message;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * RenewDelegationToken (key 39, v1-2) and ExpireDelegationToken (key 40, v1-2), KIP-48: the token named by its HMAC
 * gets a new expiry from the controller, {@code period} ms from now (renew: a negative period is
 * {@code delegation.token.expiry.time.ms}; expire: a negative period removes the token now), never past its maximum.
 * Only its owner or a renewer may (else {@code DELEGATION_TOKEN_OWNER_MISMATCH}); an unknown HMAC is
 * {@code DELEGATION_TOKEN_NOT_FOUND}, an expired token {@code DELEGATION_TOKEN_EXPIRED}, and
 * {@link TokenRequests#refusal} first. The answer carries the new expiry timestamp once this broker's image has it.
 * Thread-safe.
 */
public final class RenewDelegationTokenHandler implements ApiHandler {
    private final TokenRequests tokens;
    private final boolean expire;

    private RenewDelegationTokenHandler(TokenRequests tokens, boolean expire) {
        this.tokens = tokens;
        this.expire = expire;
    }

    /** The RenewDelegationToken handler. */
    public static RenewDelegationTokenHandler renew(TokenRequests tokens) {
        return new RenewDelegationTokenHandler(tokens, false);
    }

    /** The ExpireDelegationToken handler. */
    public static RenewDelegationTokenHandler expire(TokenRequests tokens) {
        return new RenewDelegationTokenHandler(tokens, true);
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        byte[] hmac = expire ? ((ExpireDelegationTokenRequest) request).hmac()
                : ((RenewDelegationTokenRequest) request).hmac();
        long period = expire ? ((ExpireDelegationTokenRequest) request).expiryTimePeriodMs()
                : ((RenewDelegationTokenRequest) request).renewPeriodMs();
        ErrorCode refusal = tokens.refusal(ctx);
        if (refusal != null) {
            sink.send(response(refusal, -1));
            return;
        }
        BiFunction<byte[], String, CompletableFuture<Committed<ApiResult<Long>>>> op = expire
                ? (h, p) -> tokens.metadata().controller().expireDelegationToken(h, p, period)
                : (h, p) -> tokens.metadata().controller().renewDelegationToken(h, p, period);
        ControllerReplies.reply(tokens.metadata().whenPublished(op.apply(hmac, ctx.principal().toString())), ctx,
                sink, r -> response(r.error(), r.isSuccess() ? r.key() : -1), e -> response(e.code(), -1));
    }

    private Message response(ErrorCode code, long expiry) {
        return expire ? new ExpireDelegationTokenResponse().setErrorCode(code.code()).setExpiryTimestampMs(expiry)
                : new RenewDelegationTokenResponse().setErrorCode(code.code()).setExpiryTimestampMs(expiry);
    }
}
