package io.samsa.server.security.token;

import io.samsa.controller.ApiResult;
import io.samsa.controller.DelegationTokenCreation;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ControllerReplies;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreateDelegationTokenRequest;
import io.samsa.wire.message.CreateDelegationTokenResponse;
import io.samsa.wire.message.ExpireDelegationTokenRequest;
import io.samsa.wire.message.ExpireDelegationTokenResponse;
import io.samsa.wire.message.RenewDelegationTokenRequest;
import io.samsa.wire.message.RenewDelegationTokenResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * A delegation token change a broker forwarded to the active controller inside an Envelope (Create, Renew or
 * ExpireDelegationToken), on the account of the client's principal, which the Envelope carries: the broker has
 * already refused what Kafka refuses before the controller (the connection, CREATE_TOKENS), so this only hands the
 * change to the controller with that principal as requester or renewer. The HMAC is left out of a created token's
 * answer: the broker computes it from its own secret. Thread-safe.
 */
public final class ForwardedTokenHandler implements ApiHandler {
    private final MetadataChanges changes;

    public ForwardedTokenHandler(MetadataChanges changes) {
        this.changes = changes;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        String principal = ctx.principal().toString();
        if (request instanceof CreateDelegationTokenRequest r) {
            List<String> renewers = new ArrayList<>();
            for (CreateDelegationTokenRequest.CreatableRenewers w : r.renewers()) {
                renewers.add(new Principal(w.principalType(), w.principalName()).toString());
            }
            Principal owner = TokenRequests.principal(ctx, r.ownerPrincipalType(), r.ownerPrincipalName());
            ControllerReplies.reply(changes.whenPublished(changes.controller().createDelegationToken(
                    new DelegationTokenCreation(owner.toString(), principal, renewers, r.maxLifetimeMs()))), ctx, sink,
                    ForwardedTokenHandler::created, e -> created(new ApiResult<>(null, e.code(), null)));
        } else if (request instanceof RenewDelegationTokenRequest r) {
            ControllerReplies.reply(changes.whenPublished(changes.controller().renewDelegationToken(r.hmac(),
                    principal, r.renewPeriodMs())), ctx, sink, res -> new RenewDelegationTokenResponse()
                    .setErrorCode(res.error().code()).setExpiryTimestampMs(res.key()), e ->
                    new RenewDelegationTokenResponse().setErrorCode(e.codeValue()).setExpiryTimestampMs(-1));
        } else {
            ExpireDelegationTokenRequest r = (ExpireDelegationTokenRequest) request;
            ControllerReplies.reply(changes.whenPublished(changes.controller().expireDelegationToken(r.hmac(),
                    principal, r.expiryTimePeriodMs())), ctx, sink, res -> new ExpireDelegationTokenResponse()
                    .setErrorCode(res.error().code()).setExpiryTimestampMs(res.key()), e ->
                    new ExpireDelegationTokenResponse().setErrorCode(e.codeValue()).setExpiryTimestampMs(-1));
        }
    }

    private static CreateDelegationTokenResponse created(ApiResult<DelegationTokenData> result) {
        CreateDelegationTokenResponse resp = new CreateDelegationTokenResponse().setErrorCode(result.error().code())
                .setHmac(new byte[0]).setTokenId("").setIssueTimestampMs(-1).setExpiryTimestampMs(-1)
                .setMaxTimestampMs(-1);
        DelegationTokenData t = result.key();
        if (result.error() == ErrorCode.NONE) {
            resp.setTokenId(t.tokenId()).setIssueTimestampMs(t.issueTimestamp())
                    .setExpiryTimestampMs(t.expiryTimestamp()).setMaxTimestampMs(t.maxTimestamp());
        }
        return resp;
    }
}
