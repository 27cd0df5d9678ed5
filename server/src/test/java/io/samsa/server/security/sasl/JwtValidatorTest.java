package io.samsa.server.security.sasl;

import static io.samsa.server.security.sasl.TestJwts.claims;
import static io.samsa.server.security.sasl.TestJwts.rs256;
import static io.samsa.server.security.sasl.TestJwts.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

class JwtValidatorTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final PublicJsonWebKey K1 = TestJwts.rsa("k1");
    private static final PublicJsonWebKey K2 = TestJwts.rsa("k2");
    private static final EllipticCurveJsonWebKey E1 = TestJwts.ec("e1");

    private final ManualClock clock = new ManualClock(NOW);
    private final AtomicReference<String> published = new AtomicReference<>(TestJwts.jwks(K1, E1));
    private final AtomicInteger fetches = new AtomicInteger();
    private final JwksKeys keys = new JwksKeys(TestJwts.source(() -> {
        fetches.incrementAndGet();
        return published.get();
    }), clock, Runnable::run, 100, 10_000);
    private final JwtValidator validator = validator(List.of(TestJwts.AUDIENCE), TestJwts.ISSUER);

    JwtValidatorTest() throws Exception {
        keys.load();
    }

    private JwtValidator validator(List<String> audiences, String issuer) {
        return new JwtValidator(new JwtValidator.Settings(audiences, issuer, 30, "sub", "scope"), keys, clock);
    }

    private String refused(String token) {
        return assertThrows(JwtValidator.InvalidTokenException.class, () -> validator.validate(token)).getMessage();
    }

    @Test
    void aGoodTokenNamesItsSubjectExpiryAndScopes() throws Exception {
        JwtValidator.Token t = validator.validate(rs256(claims("alice", NOW), K1));
        assertEquals("alice", t.principal());
        assertEquals(NOW + 3_600_000, t.expiresAtMs());
        assertEquals(Set.of("produce", "consume"), t.scopes());
        // ES256 with the P-256 key, and any one of several expected audiences.
        JwtClaims c = claims("bob", NOW);
        c.setAudience("other");
        assertEquals("bob", validator(List.of("x", "other"), TestJwts.ISSUER)
                .validate(sign(c, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256, "e1", E1.getPrivateKey()))
                .principal());
        // PS256 with the RSA key.
        assertEquals("alice", validator.validate(sign(claims("alice", NOW),
                AlgorithmIdentifiers.RSA_PSS_USING_SHA256, "k1", K1.getPrivateKey())).principal());
    }

    @Test
    void aBadSignatureIsRefused() {
        // Signed by another key under the name of k1.
        String badSignature = refused(sign(claims("alice", NOW), AlgorithmIdentifiers.RSA_USING_SHA256, "k1",
                K2.getPrivateKey()));
        assertTrue(badSignature.contains("Invalid JWS Signature"), badSignature);
        assertFalse(badSignature.contains("eyJ"), badSignature);
        // One byte of the payload changed after signing.
        String good = rs256(claims("alice", NOW), K1);
        String[] parts = good.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("alice", "admin");
        refused(parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);
    }

    @Test
    void expiryAndNotBeforeAllowTheClockSkewOnly() throws Exception {
        JwtClaims expired = claims("alice", NOW - 7_200_000);
        expired.setExpirationTime(NumericDate.fromMilliseconds(NOW - 31_000));
        assertTrue(refused(rs256(expired, K1)).contains("no longer valid"));
        expired.setExpirationTime(NumericDate.fromMilliseconds(NOW - 20_000));
        assertEquals("alice", validator.validate(rs256(expired, K1)).principal());

        JwtClaims early = claims("alice", NOW);
        early.setNotBefore(NumericDate.fromMilliseconds(NOW + 60_000));
        refused(rs256(early, K1));
        clock.advance(31_000);
        assertEquals("alice", validator.validate(rs256(early, K1)).principal());
    }

    @Test
    void expAndIatAreRequiredAndIatMayNotBeInTheFuture() {
        JwtClaims noExp = claims("alice", NOW);
        noExp.unsetClaim("exp");
        refused(rs256(noExp, K1));
        JwtClaims noIat = claims("alice", NOW);
        noIat.unsetClaim("iat");
        refused(rs256(noIat, K1));
        JwtClaims future = claims("alice", NOW + 120_000);
        refused(rs256(future, K1));
    }

    @Test
    void theAudienceAndIssuerMustMatch() throws Exception {
        JwtClaims aud = claims("alice", NOW);
        aud.setAudience("someone-else");
        refused(rs256(aud, K1));
        JwtClaims noAud = claims("alice", NOW);
        noAud.unsetClaim("aud");
        refused(rs256(noAud, K1));
        JwtClaims iss = claims("alice", NOW);
        iss.setIssuer("https://evil.example");
        refused(rs256(iss, K1));
        // Unchecked when the broker allows it (no expected audience or issuer).
        assertEquals("alice", validator(List.of(), null).validate(rs256(aud, K1)).principal());
        assertEquals("alice", validator(List.of(), null).validate(rs256(iss, K1)).principal());
    }

    @Test
    void algNoneAndHmacWithThePublicKeyAreRefused() {
        String none = sign(claims("alice", NOW), AlgorithmIdentifiers.NONE, "k1", null);
        assertTrue(none.endsWith("."), none);
        refused(none);
        // The classic confusion: HS256 keyed with the RSA public key's bytes, which an attacker knows.
        String hmac = sign(claims("alice", NOW), AlgorithmIdentifiers.HMAC_SHA256, "k1",
                new HmacKey(K1.getPublicKey().getEncoded()));
        refused(hmac);
        // RS256 in the header over the EC key's id: the key does not fit the algorithm.
        refused(sign(claims("alice", NOW), AlgorithmIdentifiers.RSA_USING_SHA256, "e1", K1.getPrivateKey()));
    }

    @Test
    void anUnknownKidRefreshesTheSetAndIsFoundAfterTheRotation() throws Exception {
        String token = rs256(claims("alice", NOW), K2);
        int before = fetches.get();
        assertTrue(refused(token).contains("no key k2"));
        assertEquals(before + 1, fetches.get());
        // The issuer rotates to k2; the refresh asked for by the next unknown kid is rate limited...
        published.set(TestJwts.jwks(K1, K2));
        refused(token);
        assertEquals(before + 1, fetches.get());
        // ...until the interval has passed.
        clock.advance(JwksKeys.UNKNOWN_KID_REFRESH_INTERVAL_MS);
        refused(token);
        assertEquals(before + 2, fetches.get());
        assertEquals("alice", validator.validate(token).principal());
        assertEquals(before + 2, fetches.get());
    }

    @Test
    void theSubjectMustBeANonBlankString() throws Exception {
        JwtClaims noSub = claims("alice", NOW);
        noSub.unsetClaim("sub");
        assertTrue(refused(rs256(noSub, K1)).contains("sub claim"));
        JwtClaims blank = claims("   ", NOW);
        refused(rs256(blank, K1));
        JwtClaims number = claims("alice", NOW);
        number.setClaim("sub", 42);
        refused(rs256(number, K1));
        // Another claim when configured.
        JwtClaims other = claims("alice", NOW);
        other.setClaim("client_id", "svc-1");
        assertEquals("svc-1", new JwtValidator(new JwtValidator.Settings(List.of(TestJwts.AUDIENCE),
                TestJwts.ISSUER, 30, "client_id", "scope"), keys, clock).validate(rs256(other, K1)).principal());
    }

    @Test
    void scopesFollowKafkasRules() throws Exception {
        JwtClaims list = claims("alice", NOW);
        list.setStringListClaim("scope", "a", "b");
        assertEquals(Set.of("a", "b"), validator.validate(rs256(list, K1)).scopes());
        JwtClaims repeated = claims("alice", NOW);
        repeated.setStringListClaim("scope", "a", "a");
        refused(rs256(repeated, K1));
        JwtClaims notString = claims("alice", NOW);
        notString.setClaim("scope", 7);
        refused(rs256(notString, K1));
    }

    @Test
    void onlyStrictBase64urlPartsAreRead() throws Exception {
        String good = rs256(claims("alice", NOW), K1);
        assertEquals("alice", validator.validate(good).principal());
        // jose4j's decoder skips characters outside the alphabet: a '~' in the signature would still verify.
        int sig = good.lastIndexOf('.') + 5;
        for (String junk : List.of("~", "+", "/", "=", " ", "%")) {
            refused(good.substring(0, sig) + junk + good.substring(sig));
        }
        refused(good + "==");
        // alg none has an empty signature part.
        refused(good.substring(0, good.lastIndexOf('.') + 1));
    }

    @Test
    void garbageAndEncryptedTokensAreRefused() {
        for (String garbage : List.of("", "abc", "a.b", "a.b.c", "..", "eyJhbGciOiJSUzI1NiJ9.e30.", "a.b.c.d.e",
                "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d")) {
            String message = refused(garbage);
            assertFalse(message.isEmpty());
        }
    }
}
