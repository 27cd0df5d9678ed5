package io.samsa.server.security.sasl;

import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.SaslAuthenticateRequest;
import io.samsa.wire.message.SaslAuthenticateResponse;
import io.samsa.wire.message.SaslHandshakeRequest;
import io.samsa.wire.message.SaslHandshakeResponse;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's SASL state on a SASL listener: which requests it may send, the handshake and the mechanism's
 * exchange, the authenticated principal and, with {@code connections.max.reauth.ms} (KIP-368), the session's end and
 * re-authentication. It sees decoded requests and raw tokens, never a socket, so the same state machine serves
 * SASL_PLAINTEXT and SASL_SSL.
 *
 * <pre>
 *   HANDSHAKE      ApiVersions, SaslHandshake (v0: raw tokens follow; v1: SaslAuthenticate requests follow)
 *   AUTHENTICATE   SaslAuthenticate (or one raw token) until the mechanism completes, then AUTHENTICATED
 *   AUTHENTICATED  any request until the session ends; then only SaslHandshake, which starts re-authentication
 * </pre>
 *
 * Before authentication any other request closes the connection (ILLEGAL_SASL_STATE where the response can say so),
 * and a failed exchange answers SASL_AUTHENTICATION_FAILED and closes it.
 *
 * <p>Not thread-safe: the connection's event loop drives it.
 */
public final class SaslAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(SaslAuthenticator.class);
    static final short SASL_HANDSHAKE = 17;
    static final short API_VERSIONS = 18;
    static final short SASL_AUTHENTICATE = 36;

    private enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, FAILED }

    /** What the connection does with a request. */
    public sealed interface Step permits Dispatch, Answer, Refuse {
    }

    /** Handle the request as usual (ApiVersions, or any request of an authenticated session). */
    public record Dispatch() implements Step {
    }

    /** Send {@code response}; then close the connection when {@code close}. */
    public record Answer(Message response, boolean close) implements Step {
    }

    /** Close the connection without an answer, for {@code reason}. */
    public record Refuse(String reason) implements Step {
    }

    private static final Dispatch DISPATCH = new Dispatch();

    private final SaslListener listener;
    private final String remote;
    private State state = State.HANDSHAKE;
    private boolean rawTokens;
    private SaslExchange exchange;
    private Principal principal;
    private String mechanism;
    /** When the session ends (epoch millis), or Long.MAX_VALUE without re-authentication. */
    private long sessionEndMs = Long.MAX_VALUE;

    public SaslAuthenticator(SaslListener listener, String remote) {
        this.listener = listener;
        this.remote = remote;
    }

    /** Whether the connection may send only SASL frames now (the pre-authentication limits apply). */
    public boolean authenticating() {
        return state != State.AUTHENTICATED;
    }

    /** Whether the next frame is a raw SASL token (after a v0 SaslHandshake), not a request. */
    public boolean expectsRawToken() {
        return rawTokens && state == State.AUTHENTICATE;
    }

    /** The authenticated principal, null before the first authentication. */
    public Principal principal() {
        return principal;
    }

    /** The largest frame the connection may send now: the pre-authentication limit while authenticating. */
    public int maxReceiveBytes() {
        return listener.maxReceiveBytes();
    }

    /**
     * The gate for a request with {@code apiKey} whose body is not decoded yet: null when it may be decoded, else a
     * {@link Refuse}. Cheap: runs before the body is parsed.
     */
    public Refuse admit(short apiKey, long nowMs) {
        switch (state) {
            case HANDSHAKE -> {
                return apiKey == API_VERSIONS || apiKey == SASL_HANDSHAKE || apiKey == SASL_AUTHENTICATE ? null
                        : new Refuse("request with API key " + apiKey + " before SASL authentication");
            }
            case AUTHENTICATE -> {
                return apiKey == SASL_AUTHENTICATE ? null
                        : new Refuse("request with API key " + apiKey + " during SASL authentication");
            }
            case AUTHENTICATED -> {
                if (nowMs > sessionEndMs && apiKey != SASL_HANDSHAKE) {
                    return new Refuse("SASL session of " + principal + " expired and was not re-authenticated");
                }
                return null;
            }
            default -> {
                return new Refuse("SASL authentication failed");
            }
        }
    }

    /** What to do with a decoded request that {@link #admit} let through. */
    public Step onRequest(short apiKey, short version, Message request, long nowMs) {
        if (apiKey == SASL_HANDSHAKE && (state == State.HANDSHAKE || reauthenticating())) {
            return handshake(version, (SaslHandshakeRequest) request);
        }
        if (apiKey == SASL_AUTHENTICATE && state == State.AUTHENTICATE && !rawTokens) {
            return authenticate(version, (SaslAuthenticateRequest) request, nowMs);
        }
        if (state == State.AUTHENTICATED || apiKey == API_VERSIONS && state == State.HANDSHAKE) {
            // After authentication SaslHandshake and SaslAuthenticate reach their handlers, which answer
            // ILLEGAL_SASL_STATE as Kafka's request handler does.
            return DISPATCH;
        }
        state = State.FAILED;
        String what = "Unexpected request with API key " + apiKey + " in SASL state " + stateName();
        if (apiKey == SASL_AUTHENTICATE) {
            return new Answer(new SaslAuthenticateResponse().setErrorCode(ErrorCode.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage(what), true);
        }
        return new Refuse(what);
    }

    /** Whether a SaslHandshake now starts re-authentication (KIP-368): only of an authenticated session. */
    private boolean reauthenticating() {
        return state == State.AUTHENTICATED && listener.maxReauthMs() > 0;
    }

    private String stateName() {
        return rawTokens && state == State.AUTHENTICATE ? "AUTHENTICATE (raw tokens)" : state.name();
    }

    private Step handshake(short version, SaslHandshakeRequest request) {
        SaslHandshakeResponse response = new SaslHandshakeResponse().setMechanisms(listener.mechanisms());
        String requested = request.mechanism();
        SaslExchange next = listener.exchange(requested);
        if (next == null || mechanism != null && !mechanism.equals(requested)) {
            log.info("Closing connection from {}: SASL mechanism {} is not enabled on listener {}{}", remote,
                    requested, listener.listenerName(), mechanism == null ? "" : " or differs from " + mechanism);
            state = State.FAILED;
            return new Answer(response.setErrorCode(ErrorCode.UNSUPPORTED_SASL_MECHANISM.code()), true);
        }
        exchange = next;
        rawTokens = version == 0;
        state = State.AUTHENTICATE;
        return new Answer(response, false);
    }

    private Step authenticate(short version, SaslAuthenticateRequest request, long nowMs) {
        SaslAuthenticateResponse response = new SaslAuthenticateResponse();
        try {
            byte[] reply = exchange.evaluate(request.authBytes());
            response.setAuthBytes(reply);
            if (exchange.complete()) {
                long lifetime = finish(nowMs);
                if (version >= 1) {
                    response.setSessionLifetimeMs(lifetime);
                }
            }
            return new Answer(response, false);
        } catch (SaslExchange.Failure e) {
            return new Answer(response.setErrorCode(ErrorCode.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage(fail(e)).setAuthBytes(new byte[0]), true);
        }
    }

    /**
     * Takes a raw token (after a v0 SaslHandshake) and returns the raw reply, or null when the exchange failed and
     * the connection closes (a v0 client learns of the failure only by the close, as in Kafka).
     */
    public byte[] onRawToken(byte[] token, long nowMs) {
        try {
            byte[] reply = exchange.evaluate(token);
            if (exchange.complete()) {
                finish(nowMs);
            }
            return reply;
        } catch (SaslExchange.Failure e) {
            fail(e);
            return null;
        }
    }

    /** Ends a successful exchange; returns the session lifetime (0: no re-authentication). */
    private long finish(long nowMs) throws SaslExchange.Failure {
        Principal who = Principal.user(exchange.user());
        if (principal != null && !principal.equals(who)) {
            throw new SaslExchange.Failure("re-authentication as " + who + " by " + principal,
                    "Cannot change principals during re-authentication from " + principal + ": " + who);
        }
        principal = who;
        mechanism = exchange.mechanism();
        exchange = null;
        rawTokens = false;
        state = State.AUTHENTICATED;
        long lifetime = listener.maxReauthMs();
        sessionEndMs = lifetime > 0 ? nowMs + lifetime : Long.MAX_VALUE;
        log.debug("Connection from {} authenticated as {} with {}", remote, principal, mechanism);
        return lifetime;
    }

    private String fail(SaslExchange.Failure e) {
        state = State.FAILED;
        String mech = exchange == null ? String.valueOf(mechanism) : exchange.mechanism();
        log.info("Failed authentication with {} ({})", remote, e.getMessage());
        return e.clientMessage() != null ? e.clientMessage() : SaslExchange.Failure.genericMessage(mech);
    }
}
