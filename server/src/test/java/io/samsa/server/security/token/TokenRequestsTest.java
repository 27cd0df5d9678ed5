package io.samsa.server.security.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreateDelegationTokenRequest;
import io.samsa.wire.message.CreateDelegationTokenResponse;
import io.samsa.wire.message.DescribeDelegationTokenRequest;
import io.samsa.wire.message.DescribeDelegationTokenResponse;
import io.samsa.wire.message.ExpireDelegationTokenRequest;
import io.samsa.wire.message.ExpireDelegationTokenResponse;
import io.samsa.wire.message.RenewDelegationTokenRequest;
import io.samsa.wire.message.RenewDelegationTokenResponse;
import io.samsa.wire.protocol.Message;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Which connections may send the delegation token requests (KIP-48), as Kafka decides: by the listener's security
 * protocol and the principal. Every refused case is checked through each of the four handlers, which answer
 * DELEGATION_TOKEN_REQUEST_NOT_ALLOWED before anything reaches the controller (there is none here).
 */
class TokenRequestsTest {
    private static final Map<String, String> PROTOCOLS = Map.of("PLAINTEXT", "PLAINTEXT", "SSL", "SSL",
            "CLIENTS", "SASL_PLAINTEXT", "SASL_SSL", "SASL_SSL", "MTLS", "SSL");
    private static final TokenRequests TOKENS = new TokenRequests(DelegationTokenSettings.fromProps(Map.of(
            "delegation.token.secret.key", "k")), null, null, PROTOCOLS);
    private static final Principal ALICE = Principal.user("alice");
    private static final Principal CERTIFICATE = Principal.user("CN=alice,O=example");

    private static RequestContext context(String listener, Principal principal) {
        return new RequestContext((short) 38, (short) 3, 1, "test", listener,
                InetSocketAddress.createUnresolved("127.0.0.1", 40000), principal, null, null, null, 0);
    }

    /** The error code of each handler's answer, in the order create, renew, expire, describe. */
    private static List<ErrorCode> answers(RequestContext ctx) {
        List<ErrorCode> codes = new ArrayList<>();
        answer(new CreateDelegationTokenHandler(TOKENS), ctx, new CreateDelegationTokenRequest(), codes);
        answer(RenewDelegationTokenHandler.renew(TOKENS), ctx, new RenewDelegationTokenRequest()
                .setHmac(new byte[64]).setRenewPeriodMs(1000), codes);
        answer(RenewDelegationTokenHandler.expire(TOKENS), ctx, new ExpireDelegationTokenRequest()
                .setHmac(new byte[64]).setExpiryTimePeriodMs(-1), codes);
        answer(new DescribeDelegationTokenHandler(TOKENS, Map::of, id -> null), ctx, new DescribeDelegationTokenRequest()
                .setOwners(null), codes);
        return codes;
    }

    private static void answer(ApiHandler handler, RequestContext ctx, Message request, List<ErrorCode> codes) {
        Message response = TokenAnswers.answer(handler, ctx, request);
        short code;
        if (response instanceof CreateDelegationTokenResponse r) {
            code = r.errorCode();
            assertEquals(-1, r.expiryTimestampMs());
        } else if (response instanceof RenewDelegationTokenResponse r) {
            code = r.errorCode();
            assertEquals(-1, r.expiryTimestampMs());
        } else if (response instanceof ExpireDelegationTokenResponse r) {
            code = r.errorCode();
            assertEquals(-1, r.expiryTimestampMs());
        } else {
            DescribeDelegationTokenResponse r = (DescribeDelegationTokenResponse) response;
            code = r.errorCode();
            assertEquals(0, r.tokens().size());
        }
        codes.add(Objects.requireNonNull(ErrorCode.forCode(code)));
    }

    private static void refusedByAllFour(String listener, Principal principal) {
        RequestContext ctx = context(listener, principal);
        assertEquals(ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, TOKENS.refusal(ctx), listener + " " + principal);
        assertEquals(List.of(ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED,
                ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED,
                ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED), answers(ctx), listener + " " + principal);
    }

    @Test
    void plaintextIsRefusedWhateverThePrincipal() {
        refusedByAllFour("PLAINTEXT", Principal.ANONYMOUS);
        // Not only the anonymous principal: the channel did not authenticate (a custom principal builder aside).
        refusedByAllFour("PLAINTEXT", ALICE);
    }

    @Test
    void oneWaySslIsRefusedAndMutualTlsIsAllowed() {
        refusedByAllFour("SSL", Principal.ANONYMOUS);
        refusedByAllFour("MTLS", Principal.ANONYMOUS);
        assertNull(TOKENS.refusal(context("SSL", CERTIFICATE)));
        assertNull(TOKENS.refusal(context("MTLS", CERTIFICATE)));
    }

    @Test
    void aConnectionAuthenticatedWithATokenIsRefusedOnEveryProtocol() {
        for (String listener : List.of("CLIENTS", "SASL_SSL", "MTLS", "PLAINTEXT")) {
            refusedByAllFour(listener, Principal.tokenOwner("User:alice"));
        }
    }

    @Test
    void saslIsAllowedWhateverTheUsersName() {
        assertNull(TOKENS.refusal(context("CLIENTS", ALICE)));
        assertNull(TOKENS.refusal(context("SASL_SSL", ALICE)));
        // As in Kafka, a SASL user named ANONYMOUS did authenticate: only SSL's anonymous principal is refused.
        assertNull(TOKENS.refusal(context("CLIENTS", Principal.ANONYMOUS)));
        assertNull(TOKENS.refusal(context("SASL_SSL", Principal.ANONYMOUS)));
    }

    @Test
    void anUnknownListenerIsRefusedAndWithoutTheSecretAnAllowedConnectionGetsAuthDisabled() {
        refusedByAllFour("ELSEWHERE", ALICE);
        TokenRequests disabled = new TokenRequests(DelegationTokenSettings.fromProps(Map.of()), null, null,
                PROTOCOLS);
        assertEquals(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, disabled.refusal(context("CLIENTS", ALICE)));
        // The connection is refused first, as in Kafka.
        assertEquals(ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED,
                disabled.refusal(context("PLAINTEXT", Principal.ANONYMOUS)));
    }
}
