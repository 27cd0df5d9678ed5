package io.samsa.server.security.sasl;

import java.security.Key;
import java.util.List;
import java.util.function.Supplier;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

/**
 * Keys, key sets and signed tokens for the OAUTHBEARER tests, made with jose4j: an issuer's side of OAuth in a few
 * lines. Each token starts from {@link #claims} (issuer, audience, subject, iat now, exp in an hour) and the test
 * changes what it checks.
 */
public final class TestJwts {
    public static final String ISSUER = "https://idp.example";
    public static final String AUDIENCE = "samsa";

    private TestJwts() {
    }

    /** A new 2048-bit RSA key with {@code kid}. */
    public static PublicJsonWebKey rsa(String kid) {
        try {
            PublicJsonWebKey k = RsaJwkGenerator.generateJwk(2048);
            k.setKeyId(kid);
            return k;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new P-256 key with {@code kid}. */
    public static EllipticCurveJsonWebKey ec(String kid) {
        try {
            EllipticCurveJsonWebKey k = EcJwkGenerator.generateJwk(EllipticCurves.P256);
            k.setKeyId(kid);
            return k;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWKS of {@code keys}, as an issuer publishes it. */
    public static String jwks(JsonWebKey... keys) {
        return new JsonWebKeySet(keys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** Claims of a good token for {@code sub} at {@code nowMs}: issuer, audience, iat now, exp in an hour. */
    public static JwtClaims claims(String sub, long nowMs) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setAudience(List.of(AUDIENCE, "other"));
        c.setSubject(sub);
        c.setIssuedAt(NumericDate.fromMilliseconds(nowMs));
        c.setExpirationTime(NumericDate.fromMilliseconds(nowMs + 3_600_000));
        c.setClaim("scope", "produce consume");
        return c;
    }

    /** A compact JWS of {@code claims} with header {@code alg} and {@code kid}, signed with {@code key}. */
    public static String sign(JwtClaims claims, String alg, String kid, Key key) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(alg);
        if (kid != null) {
            jws.setKeyIdHeaderValue(kid);
        }
        jws.setKey(key);
        // Tests sign what a validator must refuse too (none, HMAC with a public key): no constraints here.
        jws.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
        jws.setDoKeyValidation(false);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RS256 with {@code key}'s private key and kid. */
    public static String rs256(JwtClaims claims, PublicJsonWebKey key) {
        return sign(claims, AlgorithmIdentifiers.RSA_USING_SHA256, key.getKeyId(), key.getPrivateKey());
    }

    /** A JWKS source that serves whatever {@code json} gives at each fetch (no retries). */
    static JwksKeys.Source source(Supplier<String> json) {
        return new JwksKeys.Source() {
            @Override
            public String fetch() {
                return json.get();
            }

            @Override
            public boolean retriable() {
                return false;
            }

            @Override
            public String location() {
                return "test:jwks";
            }
        };
    }

    /** The token endpoint's answer to a client credentials grant (RFC 6749 section 5.1). */
    public static String tokenResponse(String jwt, long expiresInSeconds) {
        return "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresInSeconds + "}";
    }
}
