package io.samsa.server.security.token;

import io.samsa.controller.ApiResult;
import io.samsa.controller.DelegationTokenCreation;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ControllerReplies;
import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreateDelegationTokenRequest;
import io.samsa.wire.message.CreateDelegationTokenResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * CreateDelegationToken (key 38, v1-3; KIP-48, owners of v3 from KIP-373): a token for the request's principal, or
 * for the owner the request names when the principal may CREATE_TOKENS on that {@code User} resource (else
 * {@code DELEGATION_TOKEN_AUTHORIZATION_FAILED}). The controller writes it; the answer carries its id, times and
 * HMAC once this broker's image has it. Refusals as Kafka's: {@link TokenRequests#refusal}, then
 * {@code INVALID_PRINCIPAL_TYPE} for an owner or renewer that is not a {@code User}. Thread-safe.
 */
public final class CreateDelegationTokenHandler implements ApiHandler {
    private final TokenRequests tokens;

    public CreateDelegationTokenHandler(TokenRequests tokens) {
        this.tokens = tokens;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        CreateDelegationTokenRequest req = (CreateDelegationTokenRequest) request;
        Principal requester = ctx.principal();
        Principal owner = TokenRequests.principal(ctx, req.ownerPrincipalType(), req.ownerPrincipalName());
        ErrorCode refusal = tokens.refusal(ctx);
        // Kafka checks the owner before it looks at whether tokens are enabled.
        if ((refusal == null || refusal == ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED) && !owner.equals(requester)
                && !tokens.authorize(ctx, AclOperation.CREATE_TOKENS, AclResourceType.USER, owner.toString())) {
            refusal = ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED;
        }
        if (refusal != null) {
            sink.send(error(owner, requester, refusal));
            return;
        }
        List<String> renewers = new ArrayList<>(req.renewers().size());
        for (CreateDelegationTokenRequest.CreatableRenewers r : req.renewers()) {
            renewers.add(new Principal(r.principalType(), r.principalName()).toString());
        }
        DelegationTokenCreation creation = new DelegationTokenCreation(owner.toString(), requester.toString(),
                renewers, req.maxLifetimeMs());
        ControllerReplies.reply(tokens.metadata().whenPublished(tokens.metadata().controller()
                .createDelegationToken(creation)), ctx, sink, r -> response(r, owner, requester),
                e -> error(owner, requester, e.code()));
    }

    private CreateDelegationTokenResponse response(ApiResult<DelegationTokenData> result, Principal owner,
                                                   Principal requester) {
        if (!result.isSuccess()) {
            return error(owner, requester, result.error());
        }
        DelegationTokenData t = result.key();
        return new CreateDelegationTokenResponse().setPrincipalType(owner.type()).setPrincipalName(owner.name())
                .setTokenRequesterPrincipalType(requester.type()).setTokenRequesterPrincipalName(requester.name())
                .setIssueTimestampMs(t.issueTimestamp()).setExpiryTimestampMs(t.expiryTimestamp())
                .setMaxTimestampMs(t.maxTimestamp()).setTokenId(t.tokenId())
                .setHmac(tokens.settings().hmac(t.tokenId()));
    }

    private static CreateDelegationTokenResponse error(Principal owner, Principal requester, ErrorCode code) {
        return new CreateDelegationTokenResponse().setErrorCode(code.code()).setPrincipalType(owner.type())
                .setPrincipalName(owner.name()).setTokenRequesterPrincipalType(requester.type())
                .setTokenRequesterPrincipalName(requester.name()).setIssueTimestampMs(-1).setExpiryTimestampMs(-1)
                .setMaxTimestampMs(-1).setTokenId("").setHmac(new byte[0]);
    }
}
