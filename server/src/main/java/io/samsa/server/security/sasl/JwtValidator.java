package io.samsa.server.security.sasl;

import io.samsa.common.Clock;
import java.security.Key;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.VerificationJwkSelector;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.ErrorCodeValidator;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Validates the bearer tokens of SASL/OAUTHBEARER as Kafka's {@code OAuthBearerValidatorCallbackHandler} does with a
 * JWKS (KIP-768), with jose4j doing the parsing and the signature:
 * <ul>
 *   <li>a JWS in compact form (three dot-separated parts; a JWE is refused), signed with RS256/384/512,
 *       PS256/384/512 or ES256/384/512 by a key of the JWKS: the key is chosen by the header's {@code kid}, and its
 *       type (and curve, and {@code alg} when the key has one) must fit the header's {@code alg}. {@code none} and
 *       the HMAC algorithms are refused, whatever key the set holds;</li>
 *   <li>{@code exp} and {@code iat} required, {@code nbf} when present, each with {@code sasl.oauthbearer.clock.skew.seconds};
 *       an {@code iat} later than now plus the skew is refused;</li>
 *   <li>{@code aud} holding one of {@code sasl.oauthbearer.expected.audience} and {@code iss} equal to
 *       {@code sasl.oauthbearer.expected.issuer}, unless the broker is configured not to check them;</li>
 *   <li>the {@code sasl.oauthbearer.sub.claim.name} claim a non-blank string (the principal's name), and the
 *       {@code sasl.oauthbearer.scope.claim.name} claim, when present, a string of space-separated scopes or a list of
 *       them, none blank or repeated.</li>
 * </ul>
 * A token with a key id the set does not hold asks the set for a refresh (rate limited) and fails; a later attempt
 * finds the key, as with Kafka.
 *
 * <p>Thread-safe: event loops call {@link #validate}, which never blocks.
 */
public final class JwtValidator implements AutoCloseable {
    private static final AlgorithmConstraints SIGNATURES = new AlgorithmConstraints(
            AlgorithmConstraints.ConstraintType.PERMIT,
            AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
            AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.RSA_PSS_USING_SHA256,
            AlgorithmIdentifiers.RSA_PSS_USING_SHA384, AlgorithmIdentifiers.RSA_PSS_USING_SHA512,
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256, AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384,
            AlgorithmIdentifiers.ECDSA_USING_P521_CURVE_AND_SHA512);
    /** No JWE at all: its algorithms are all refused (and a five-part token never reaches jose4j). */
    private static final AlgorithmConstraints NO_ENCRYPTION = new AlgorithmConstraints(
            AlgorithmConstraints.ConstraintType.PERMIT);

    /** What the broker checks; {@code audiences} empty or {@code issuer} null: that claim is not checked. */
    public record Settings(List<String> audiences, String issuer, int clockSkewSeconds, String subClaim,
                           String scopeClaim) {
        public Settings {
            audiences = List.copyOf(audiences);
        }
    }

    /** A valid token: the principal's name, when it expires (epoch millis), its scopes. */
    public record Token(String principal, long expiresAtMs, Set<String> scopes) {
    }

    /** A token that is not valid; the message says why (it never holds the token). */
    public static final class InvalidTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTokenException(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final JwksKeys keys;
    private final Clock clock;

    JwtValidator(Settings settings, JwksKeys keys, Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.clock = clock;
    }

    /** Validates {@code jws} at the clock's current time. */
    public Token validate(String jws) throws InvalidTokenException {
        if (!isCompactJws(jws)) {
            throw new InvalidTokenException("the token is not a JWS in compact serialization (three non-empty "
                    + "base64url parts)");
        }
        JwtClaims claims;
        try {
            claims = consumer().processToClaims(jws);
        } catch (InvalidJwtException e) {
            throw new InvalidTokenException(describe(e, jws));
        }
        try {
            Object sub = claims.getClaimValue(settings.subClaim());
            if (!(sub instanceof String s) || s.isBlank()) {
                throw new InvalidTokenException("the token's " + settings.subClaim() + " claim is missing, blank or "
                        + "not a string");
            }
            Set<String> scopes = scopes(claims.getClaimValue(settings.scopeClaim()));
            long exp = claims.getExpirationTime().getValueInMillis();
            return new Token(s.trim(), exp, scopes);
        } catch (MalformedClaimException e) {
            throw new InvalidTokenException("the token has a malformed claim: " + e.getMessage());
        }
    }

    /**
     * Three non-empty parts of base64url characters only (RFC 7515 section 7.1, no padding). jose4j's decoder skips
     * characters outside the alphabet, so without this a signature with junk in it would still verify (found by
     * OAuthBearerFuzzTest).
     */
    static boolean isCompactJws(String jws) {
        int dots = 0;
        int partLength = 0;
        for (int i = 0; i < jws.length(); i++) {
            char c = jws.charAt(i);
            if (c == '.') {
                if (partLength == 0 || ++dots > 2) {
                    return false;
                }
                partLength = 0;
            } else if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                partLength++;
            } else {
                return false;
            }
        }
        return dots == 2 && partLength > 0;
    }

    private JwtConsumer consumer() {
        JwtConsumerBuilder b = new JwtConsumerBuilder()
                .setEvaluationTime(NumericDate.fromMilliseconds(clock.milliseconds()))
                .setAllowedClockSkewInSeconds(settings.clockSkewSeconds())
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setIssuedAtRestrictions(settings.clockSkewSeconds(), Integer.MAX_VALUE)
                .setJwsAlgorithmConstraints(SIGNATURES)
                .setJweAlgorithmConstraints(NO_ENCRYPTION)
                .setJweContentEncryptionAlgorithmConstraints(NO_ENCRYPTION)
                .setVerificationKeyResolver(this::resolveKey);
        if (settings.audiences().isEmpty()) {
            b.setSkipDefaultAudienceValidation();
        } else {
            b.setExpectedAudience(true, settings.audiences().toArray(new String[0]));
        }
        if (settings.issuer() != null) {
            b.setExpectedIssuer(true, settings.issuer());
        }
        return b.build();
    }

    private Key resolveKey(JsonWebSignature jws, List<JsonWebStructure> nesting) throws UnresolvableKeyException {
        List<JsonWebKey> current = keys.keys();
        JsonWebKey key;
        try {
            key = new VerificationJwkSelector().select(jws, current);
        } catch (JoseException | RuntimeException e) {
            throw new UnresolvableKeyException("no key of the JWKS fits the token's header: " + e.getMessage());
        }
        if (key == null) {
            String kid = jws.getKeyIdHeaderValue();
            boolean known = kid != null && current.stream().anyMatch(k -> kid.equals(k.getKeyId()));
            if (!known) {
                keys.requestRefresh();
            }
            throw new UnresolvableKeyException(known
                    ? "the JWKS key " + kid + " does not fit the token's algorithm " + jws.getAlgorithmHeaderValue()
                    : "the JWKS at " + keys.location() + " holds no key " + (kid == null ? "(no kid)" : kid)
                            + " for algorithm " + jws.getAlgorithmHeaderValue() + "; a refresh was requested");
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().equals(jws.getAlgorithmHeaderValue())) {
            throw new UnresolvableKeyException("the JWKS key " + key.getKeyId() + " is for " + key.getAlgorithm()
                    + ", not " + jws.getAlgorithmHeaderValue());
        }
        return key.getKey();
    }

    /** Kafka's checks of the scope claim: a space-separated string or a list of strings, none blank or repeated. */
    private static Set<String> scopes(Object claim) throws InvalidTokenException {
        if (claim == null) {
            return Set.of();
        }
        Collection<?> raw;
        if (claim instanceof String s) {
            raw = List.of(s.trim().isEmpty() ? new String[0] : s.trim().split(" +"));
        } else if (claim instanceof Collection<?> c) {
            raw = c;
        } else {
            throw new InvalidTokenException("the token's scope claim is neither a string nor a list");
        }
        Set<String> out = new LinkedHashSet<>();
        for (Object o : raw) {
            if (!(o instanceof String s) || s.isBlank()) {
                throw new InvalidTokenException("the token's scope claim holds a blank or non-string scope");
            }
            if (!out.add(s.trim())) {
                throw new InvalidTokenException("the token's scope claim repeats " + s.trim());
            }
        }
        return Set.copyOf(out);
    }

    /** jose4j's reasons without the claims it prints in {@code getMessage()}, and never the token itself. */
    private static String describe(InvalidJwtException e, String jws) {
        List<String> reasons = new ArrayList<>();
        for (ErrorCodeValidator.Error error : e.getErrorDetails()) {
            String m = error.getErrorMessage();
            if (m == null) {
                m = "the token is not valid";
            }
            m = m.replace(jws, "<token>");
            for (String part : jws.split("\\.")) {
                if (part.length() >= 8) {
                    m = m.replace(part, "<part>");
                }
            }
            reasons.add(m);
        }
        if (reasons.isEmpty()) {
            return "the token is not valid";
        }
        return reasons.stream().distinct().collect(Collectors.joining("; "));
    }

    @Override
    public void close() {
        keys.close();
    }
}
