package io.samsa.server.security.sasl;

import static io.samsa.server.security.sasl.TestJwts.claims;
import static io.samsa.server.security.sasl.TestJwts.rs256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.SaslAuthenticateRequest;
import io.samsa.wire.message.SaslAuthenticateResponse;
import io.samsa.wire.message.SaslHandshakeRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

class OAuthBearerExchangeTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final PublicJsonWebKey KEY = TestJwts.rsa("k1");
    private final ManualClock clock = new ManualClock(NOW);
    private final JwtValidator validator;

    OAuthBearerExchangeTest() throws Exception {
        String jwks = TestJwts.jwks(KEY);
        JwksKeys keys = new JwksKeys(TestJwts.source(() -> jwks), clock, Runnable::run, 100, 1000);
        keys.load();
        validator = new JwtValidator(new JwtValidator.Settings(List.of(TestJwts.AUDIENCE), TestJwts.ISSUER, 30,
                "sub", "scope"), keys, clock);
    }

    /** The client's first message as Kafka's client writes it. */
    static byte[] message(String authzid, String token, Map<String, String> extensions) {
        StringBuilder s = new StringBuilder("n,").append(authzid == null ? "" : "a=" + authzid).append(",\u0001")
                .append("auth=Bearer ").append(token).append('\u0001');
        extensions.forEach((k, v) -> s.append(k).append('=').append(v).append('\u0001'));
        return s.append('\u0001').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static OAuthBearerClientResponse.MalformedException malformed(String message) {
        return assertThrows(OAuthBearerClientResponse.MalformedException.class,
                () -> OAuthBearerClientResponse.parse(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theClientMessageCarriesTheTokenTheAuthorizationIdAndExtensions() throws Exception {
        OAuthBearerClientResponse r = OAuthBearerClientResponse.parse(message("a=2Cb=3Dc", "x.y.z",
                Map.of("traceId", "abc 123")));
        assertEquals("a,b=c", r.authorizationId());
        assertEquals("x.y.z", r.token());
        assertEquals(Map.of("traceId", "abc 123"), r.extensions());
        OAuthBearerClientResponse plain = OAuthBearerClientResponse.parse(
                "n,,\u0001auth=bearer   tok-en_~+/==\u0001\u0001".getBytes(StandardCharsets.UTF_8));
        assertNull(plain.authorizationId());
        assertEquals("tok-en_~+/==", plain.token());
        assertEquals(Map.of(), plain.extensions());
    }

    @Test
    void malformedClientMessagesAreRefused() {
        malformed("");
        malformed("y,,\u0001auth=Bearer t\u0001\u0001");
        malformed("p=tls,,\u0001auth=Bearer t\u0001\u0001");
        malformed("n,a=,\u0001auth=Bearer t\u0001\u0001");
        malformed("n,a=x=41,\u0001auth=Bearer t\u0001\u0001");
        malformed("n,,auth=Bearer t\u0001\u0001");
        malformed("n,,\u0001auth=Bearer t\u0001");
        malformed("n,,\u0001auth=Bearer t\u0001\u0001extra");
        malformed("n,,\u0001\u0001");
        malformed("n,,\u0001auth=Basic dXNlcjpwdw==\u0001\u0001");
        malformed("n,,\u0001auth=Bearer \u0001\u0001");
        malformed("n,,\u0001auth=Bearer a=b\u0001\u0001");
        malformed("n,,\u0001auth=Bearer t\u0001auth=Bearer u\u0001\u0001");
        malformed("n,,\u0001auth=Bearer t\u0001k1=v\u0001\u0001");
        malformed("n,,\u0001auth=Bearer t\u0001k=\u0000\u0001\u0001");
        assertTrue(malformed("n,,\u0001k=v\u0001\u0001").getMessage().contains("no auth"));
    }

    @Test
    void aValidTokenAuthenticatesItsSubjectUntilItExpires() throws Exception {
        OAuthBearerExchange e = new OAuthBearerExchange(validator);
        assertArrayEquals(new byte[0], e.evaluate(message(null, rs256(claims("alice", NOW), KEY),
                Map.of("tenant", "blue"))));
        assertTrue(e.complete());
        assertEquals("alice", e.user());
        assertEquals(NOW + 3_600_000, e.credentialExpiresAtMs());
        assertEquals(Map.of("tenant", "blue"), e.extensions());
        OAuthBearerExchange same = new OAuthBearerExchange(validator);
        same.evaluate(message("alice", rs256(claims("alice", NOW), KEY), Map.of()));
        assertEquals("alice", same.user());
    }

    @Test
    void aBadTokenGetsTheErrorChallengeThenFailsOnTheClientsAcknowledgement() throws Exception {
        JwtClaims wrongAudience = claims("alice", NOW);
        wrongAudience.setAudience("elsewhere");
        OAuthBearerExchange e = new OAuthBearerExchange(validator);
        byte[] challenge = e.evaluate(message(null, rs256(wrongAudience, KEY), Map.of()));
        assertEquals("{\"status\":\"invalid_token\"}", new String(challenge, StandardCharsets.UTF_8));
        assertFalse(e.complete());
        SaslExchange.Failure f = assertThrows(SaslExchange.Failure.class, () -> e.evaluate(new byte[] {1}));
        assertEquals(OAuthBearerExchange.INVALID_TOKEN, f.clientMessage());
        assertTrue(f.getMessage().contains("Audience"), f.getMessage());
        assertFalse(e.complete());
    }

    @Test
    void anAuthorizationIdOtherThanTheSubjectOrAMalformedMessageFails() {
        SaslExchange.Failure other = assertThrows(SaslExchange.Failure.class, () -> new OAuthBearerExchange(validator)
                .evaluate(message("admin", rs256(claims("alice", NOW), KEY), Map.of())));
        assertTrue(other.clientMessage().contains("authorization id"), other.clientMessage());
        SaslExchange.Failure garbage = assertThrows(SaslExchange.Failure.class, () -> new OAuthBearerExchange(validator)
                .evaluate("garbage".getBytes(StandardCharsets.UTF_8)));
        assertNull(garbage.clientMessage());
    }

    @Test
    void theSessionEndsAtTheTokensExpiryOrConnectionsMaxReauthMsWhicheverIsFirst() {
        JwtClaims shortLived = claims("alice", NOW);
        shortLived.setExpirationTime(NumericDate.fromMilliseconds(NOW + 45_000));
        String token = rs256(shortLived, KEY);
        // Re-authentication off: the token's expiry still ends the session, as in Kafka.
        assertEquals(45_000, authenticate(0, token).sessionLifetimeMs());
        assertEquals(45_000, authenticate(600_000, token).sessionLifetimeMs());
        assertEquals(10_000, authenticate(10_000, token).sessionLifetimeMs());
        // Without a credential expiry, only the setting counts (PLAIN, SCRAM).
        assertEquals(0, SaslAuthenticator.sessionLifetimeMs(0, Long.MAX_VALUE, NOW));
        assertEquals(5_000, SaslAuthenticator.sessionLifetimeMs(5_000, Long.MAX_VALUE, NOW));
    }

    private SaslAuthenticateResponse authenticate(long reauthMs, String token) {
        SaslAuthenticator a = new SaslAuthenticator(new SaslListener("SASL_PLAINTEXT", List.of("OAUTHBEARER"),
                Map.of(), (m, u) -> null, reauthMs, 524288, validator), "test");
        a.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("OAUTHBEARER"), NOW);
        SaslAuthenticateResponse r = (SaslAuthenticateResponse) assertInstanceOf(SaslAuthenticator.Answer.class,
                a.onRequest((short) 36, (short) 2, new SaslAuthenticateRequest().setAuthBytes(message(null, token,
                        Map.of())), NOW)).response();
        assertEquals(ErrorCode.NONE.code(), r.errorCode());
        assertEquals(Principal.user("alice"), a.principal());
        // The session ends then: only a re-authentication may follow.
        assertNull(a.admit((short) 3, NOW + r.sessionLifetimeMs()));
        assertInstanceOf(SaslAuthenticator.Refuse.class, a.admit((short) 3, NOW + r.sessionLifetimeMs() + 1));
        assertNull(a.admit((short) 17, NOW + r.sessionLifetimeMs() + 1));
        return r;
    }
}
