package io.samsa.server.security.sasl;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * SASL/OAUTHBEARER (RFC 7628, KIP-255, KIP-768) as Kafka's broker serves it: the client's one message
 * ({@link OAuthBearerClientResponse}) carries a JWT that {@link JwtValidator} checks. A valid token completes the
 * exchange with an empty reply; its {@code sub} (or the configured claim) is the user and its {@code exp} the
 * credential's end, which bounds the session (KIP-368). An authorization id, when given, must be that user.
 *
 * <p>A token that fails validation is answered, as RFC 7628 section 3.2.2 and Kafka do, with the error challenge
 * {@code {"status":"invalid_token"}} (not yet a failure); the client answers it with a single %x01 byte and the
 * exchange then fails with that JSON as the message, so the client's SaslAuthenticationException carries it. A
 * message that does not follow the grammar fails at once with the generic message.
 *
 * <p>SASL extensions are accepted and kept ({@link #extensions}); nothing uses them yet.
 *
 * <p>Not thread-safe: one per connection attempt, on its event loop.
 */
final class OAuthBearerExchange implements SaslExchange {
    static final String MECHANISM = "OAUTHBEARER";
    static final String INVALID_TOKEN = "{\"status\":\"invalid_token\"}";

    private final JwtValidator validator;
    private String user;
    private long expiresAtMs;
    private Map<String, String> extensions = Map.of();
    /** Why the token was refused, once the error challenge was sent; null before. */
    private String refusal;

    OAuthBearerExchange(JwtValidator validator) {
        this.validator = validator;
    }

    @Override
    public String mechanism() {
        return MECHANISM;
    }

    @Override
    public byte[] evaluate(byte[] clientToken) throws Failure {
        if (user != null) {
            throw new Failure("OAUTHBEARER message after authentication", null);
        }
        if (refusal != null) {
            // RFC 7628 3.2.3: the client acknowledges the error challenge with %x01; either way the exchange fails.
            boolean ack = clientToken.length == 1 && clientToken[0] == 0x01;
            throw new Failure("OAUTHBEARER token refused (" + refusal + ")"
                    + (ack ? "" : "; the client answered the challenge with something other than %x01"), INVALID_TOKEN);
        }
        OAuthBearerClientResponse response;
        try {
            response = OAuthBearerClientResponse.parse(clientToken);
        } catch (OAuthBearerClientResponse.MalformedException e) {
            throw new Failure("invalid OAUTHBEARER client message: " + e.getMessage(), null);
        }
        JwtValidator.Token token;
        try {
            token = validator.validate(response.token());
        } catch (JwtValidator.InvalidTokenException e) {
            refusal = e.getMessage();
            return INVALID_TOKEN.getBytes(StandardCharsets.UTF_8);
        }
        if (response.authorizationId() != null && !response.authorizationId().equals(token.principal())) {
            throw new Failure("OAUTHBEARER authorization id differs from the token's principal " + token.principal(),
                    "Authentication failed: Client requested an authorization id that is different from the "
                            + "token's principal name");
        }
        user = token.principal();
        expiresAtMs = token.expiresAtMs();
        extensions = response.extensions();
        return new byte[0];
    }

    @Override
    public boolean complete() {
        return user != null;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public long credentialExpiresAtMs() {
        return expiresAtMs;
    }

    /** The client's SASL extensions (KIP-342), by name; only once {@link #complete}. */
    Map<String, String> extensions() {
        return extensions;
    }
}
