package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.samsa.common.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwt.JwtClaims;

/**
 * Fuzzes what an unauthenticated client sends with SASL/OAUTHBEARER: the client message parser
 * ({@link OAuthBearerClientResponse}) and the whole exchange with the JWT behind it (jose4j's parsing, the signature,
 * the claims), against a JWKS holding one RS256 key whose private half signed the seed tokens (so the fuzzer starts
 * from tokens that pass and mutates them).
 *
 * <p>Properties: the parser either refuses with its typed exception or returns a message that written again parses to
 * the same; the exchange either fails with {@link SaslExchange.Failure}, answers the invalid_token challenge (and
 * then fails on the client's %x01), or authenticates, and then only when an independent check agrees: the JDK's
 * {@code SHA256withRSA} verifies the signature over the token's first two parts and the claims are within their
 * bounds. Nothing else escapes.
 *
 * <p>Input of {@code exchange}: byte 0 even, the rest is the client message as sent; odd, the rest is the token inside
 * a well-formed message. {@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/server/security/sasl/OAuthBearerFuzzTestInputs/}; to fuzz for real (one method
 * per run): {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENT='io.samsa.**,org.jose4j.**' mvn -pl server -am test
 * -Dtest=OAuthBearerFuzzTest#exchange} (the variable makes Jazzer follow jose4j's coverage too).
 */
class OAuthBearerFuzzTest {
    /** The seeds' iat; the clock stands here. */
    private static final long NOW = 1_800_000_000_000L;
    private static final int SKEW_SECONDS = 30;
    private static final PublicJsonWebKey KEY = key();
    private static final JwtValidator VALIDATOR = validator();

    private static PublicJsonWebKey key() {
        try (InputStream in = OAuthBearerFuzzTest.class.getResourceAsStream("oauth-fuzz-key.json")) {
            return (PublicJsonWebKey) JsonWebKey.Factory.newJwk(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtValidator validator() {
        ManualClock clock = new ManualClock(NOW);
        String jwks = TestJwts.jwks(KEY);
        JwksKeys keys = new JwksKeys(TestJwts.source(() -> jwks), clock, r -> { }, 100, 1000);
        try {
            keys.load();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new JwtValidator(new JwtValidator.Settings(List.of(TestJwts.AUDIENCE), TestJwts.ISSUER, SKEW_SECONDS,
                "sub", "scope"), keys, clock);
    }

    @FuzzTest(maxDuration = "10m")
    void clientMessages(byte[] data) {
        OAuthBearerClientResponse parsed;
        try {
            parsed = OAuthBearerClientResponse.parse(data);
        } catch (OAuthBearerClientResponse.MalformedException e) {
            assertNotNull(e.getMessage());
            return;
        }
        assertFalse(parsed.token().isEmpty());
        assertFalse(parsed.extensions().containsKey(OAuthBearerClientResponse.AUTH_KEY));
        for (String key : parsed.extensions().keySet()) {
            assertTrue(key.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'), key);
        }
        byte[] again = write(parsed);
        try {
            assertEquals(parsed, OAuthBearerClientResponse.parse(again));
        } catch (OAuthBearerClientResponse.MalformedException e) {
            throw new AssertionError("a parsed message written again does not parse: " + e.getMessage(), e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void exchange(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] rest = java.util.Arrays.copyOfRange(data, 1, data.length);
        byte[] message = (data[0] & 1) == 0 ? rest : write(new OAuthBearerClientResponse(null,
                new String(rest, StandardCharsets.ISO_8859_1), Map.of()));
        OAuthBearerExchange exchange = new OAuthBearerExchange(VALIDATOR);
        byte[] reply;
        try {
            reply = exchange.evaluate(message);
        } catch (SaslExchange.Failure e) {
            assertFalse(exchange.complete());
            return;
        }
        if (!exchange.complete()) {
            assertArrayEquals(OAuthBearerExchange.INVALID_TOKEN.getBytes(StandardCharsets.UTF_8), reply);
            SaslExchange.Failure f = assertThrows(SaslExchange.Failure.class, () -> exchange.evaluate(new byte[] {1}));
            assertEquals(OAuthBearerExchange.INVALID_TOKEN, f.clientMessage());
            return;
        }
        assertEquals(0, reply.length);
        String token;
        try {
            token = OAuthBearerClientResponse.parse(message).token();
        } catch (OAuthBearerClientResponse.MalformedException e) {
            throw new AssertionError("authenticated with a message that does not parse", e);
        }
        checkIndependently(token, exchange.user(), exchange.credentialExpiresAtMs());
    }

    /** What must hold of a token the validator accepted, checked without jose4j's validation. */
    private static void checkIndependently(String token, String user, long expiresAtMs) {
        String[] parts = token.split("\\.", -1);
        assertEquals(3, parts.length, "parts of an accepted token");
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify((PublicKey) KEY.getPublicKey());
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            assertTrue(rsa.verify(Base64.getUrlDecoder().decode(parts[2])), "signature of an accepted token");
            JwtClaims claims = JwtClaims.parse(new String(Base64.getUrlDecoder().decode(parts[1]),
                    StandardCharsets.UTF_8));
            assertEquals(user, claims.getSubject().trim());
            assertEquals(expiresAtMs, claims.getExpirationTime().getValueInMillis());
            assertTrue(expiresAtMs > NOW - SKEW_SECONDS * 1000L, "expired token accepted");
            assertTrue(claims.getIssuedAt().getValueInMillis() <= NOW + SKEW_SECONDS * 1000L, "iat in the future");
            if (claims.getNotBefore() != null) {
                assertTrue(claims.getNotBefore().getValueInMillis() <= NOW + SKEW_SECONDS * 1000L, "nbf");
            }
            assertTrue(claims.getAudience().contains(TestJwts.AUDIENCE), "audience");
            assertEquals(TestJwts.ISSUER, claims.getIssuer());
        } catch (Exception e) {
            throw new AssertionError("an accepted token fails the independent check", e);
        }
    }

    /** The message the parser reads, with the authorization id escaped. */
    private static byte[] write(OAuthBearerClientResponse r) {
        StringBuilder s = new StringBuilder("n,");
        if (r.authorizationId() != null) {
            s.append("a=").append(r.authorizationId().replace("=", "=3D").replace(",", "=2C"));
        }
        s.append(",\u0001auth=Bearer ").append(r.token()).append('\u0001');
        r.extensions().forEach((k, v) -> s.append(k).append('=').append(v).append('\u0001'));
        return s.append('\u0001').toString().getBytes(r.authorizationId() == null ? StandardCharsets.ISO_8859_1
                : StandardCharsets.UTF_8);
    }
}
