package io.samsa.server.security.token;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeDelegationTokenRequest;
import io.samsa.wire.message.DescribeDelegationTokenResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * DescribeDelegationToken (key 41, v1-3; KIP-48, KIP-373): the tokens of this broker's image that the principal may
 * see, as Kafka filters them: of the owners asked for (null: every token; an empty list: none), each token whose
 * owner, requester or a renewer is one of them; of those, the ones the principal owns, requested or renews, or has
 * DESCRIBE on as a DELEGATION_TOKEN resource (its id), or DESCRIBE_TOKENS on as its owner's USER resource. Each comes
 * with its HMAC. {@link TokenRequests#refusal} first. Answered on the connection's event loop; thread-safe.
 *
 * <p>The HMACs are the ones {@link TokenCredentials} computed once per token as its record was published: none is
 * computed here, so a request costs no hashing however many tokens it lists. A token this broker's credentials have
 * not published yet (its record is on the way) is left out, as Kafka describes only the tokens of its token cache.
 */
public final class DescribeDelegationTokenHandler implements ApiHandler {
    private final TokenRequests tokens;
    private final Supplier<Map<String, DelegationTokenData>> image;
    private final Function<String, byte[]> hmacs;

    /**
     * @param image the tokens of this broker's newest image
     * @param hmacs a published token's HMAC by id, null when not published yet ({@link TokenCredentials#hmac})
     */
    public DescribeDelegationTokenHandler(TokenRequests tokens, Supplier<Map<String, DelegationTokenData>> image,
                                          Function<String, byte[]> hmacs) {
        this.tokens = tokens;
        this.image = image;
        this.hmacs = hmacs;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeDelegationTokenRequest req = (DescribeDelegationTokenRequest) request;
        ErrorCode refusal = tokens.refusal(ctx);
        DescribeDelegationTokenResponse resp = new DescribeDelegationTokenResponse();
        if (refusal != null) {
            sink.send(resp.setErrorCode(refusal.code()));
            return;
        }
        List<String> owners = null;
        if (req.owners() != null) {
            owners = new ArrayList<>();
            for (DescribeDelegationTokenRequest.DescribeDelegationTokenOwner o : req.owners()) {
                owners.add(new Principal(o.principalType(), o.principalName()).toString());
            }
        }
        String principal = ctx.principal().toString();
        for (DelegationTokenData t : new TreeMap<>(image.get()).values()) {
            byte[] hmac = hmacs.apply(t.tokenId());
            if (hmac == null || (owners != null && owners.stream().noneMatch(t::describableBy))) {
                continue;
            }
            if (t.describableBy(principal)
                    || tokens.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.DELEGATION_TOKEN, t.tokenId())
                    || tokens.authorize(ctx, AclOperation.DESCRIBE_TOKENS, AclResourceType.USER, t.owner())) {
                resp.tokens().add(described(t, hmac));
            }
        }
        sink.send(resp);
    }

    private static DescribeDelegationTokenResponse.DescribedDelegationToken described(DelegationTokenData t,
                                                                                      byte[] hmac) {
        var out = new DescribeDelegationTokenResponse.DescribedDelegationToken()
                .setPrincipalType(TokenRequests.typeOf(t.owner())).setPrincipalName(TokenRequests.nameOf(t.owner()))
                .setTokenRequesterPrincipalType(TokenRequests.typeOf(t.requester()))
                .setTokenRequesterPrincipalName(TokenRequests.nameOf(t.requester()))
                .setIssueTimestamp(t.issueTimestamp()).setExpiryTimestamp(t.expiryTimestamp())
                .setMaxTimestamp(t.maxTimestamp()).setTokenId(t.tokenId()).setHmac(hmac);
        for (String r : t.renewers()) {
            out.renewers().add(new DescribeDelegationTokenResponse.DescribedDelegationTokenRenewer()
                    .setPrincipalType(TokenRequests.typeOf(r)).setPrincipalName(TokenRequests.nameOf(r)));
        }
        return out;
    }
}
