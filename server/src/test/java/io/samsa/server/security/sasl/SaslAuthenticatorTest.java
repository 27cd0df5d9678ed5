package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.security.Principal;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.SaslAuthenticateRequest;
import io.samsa.wire.message.SaslAuthenticateResponse;
import io.samsa.wire.message.SaslHandshakeRequest;
import io.samsa.wire.message.SaslHandshakeResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SaslAuthenticatorTest {
    private static final short METADATA = 3;
    private static final long NOW = 1_000_000L;

    private static SaslAuthenticator authenticator(long reauthMs) {
        SaslListener l = new SaslListener("SASL_PLAINTEXT", List.of("PLAIN", "SCRAM-SHA-256"),
                Map.of("alice", "alice-secret", "bob", "bob-secret"), (m, u) -> null, reauthMs, 524288);
        return new SaslAuthenticator(l, "test");
    }

    private static SaslAuthenticateRequest plain(String user, String password) {
        return new SaslAuthenticateRequest().setAuthBytes(("\u0000" + user + "\u0000" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static SaslAuthenticator.Answer answer(SaslAuthenticator.Step step) {
        return assertInstanceOf(SaslAuthenticator.Answer.class, step);
    }

    @Test
    void beforeAuthenticationOnlyApiVersionsAndSaslRequestsPass() {
        SaslAuthenticator a = authenticator(0);
        assertTrue(a.authenticating());
        assertNull(a.admit((short) 18, NOW));
        assertNull(a.admit((short) 17, NOW));
        assertNotNull(a.admit(METADATA, NOW));
        assertNotNull(a.admit((short) 0, NOW));
        assertInstanceOf(SaslAuthenticator.Dispatch.class, a.onRequest((short) 18, (short) 3,
                new ApiVersionsRequest(), NOW));
        // After the handshake, only SaslAuthenticate: ApiVersions is no longer allowed either.
        answer(a.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW));
        assertNotNull(a.admit((short) 18, NOW));
        assertNotNull(a.admit((short) 17, NOW));
        assertNull(a.admit((short) 36, NOW));
    }

    @Test
    void plainOverSaslAuthenticateNamesThePrincipal() {
        SaslAuthenticator a = authenticator(0);
        SaslHandshakeResponse hs = (SaslHandshakeResponse) answer(a.onRequest((short) 17, (short) 1,
                new SaslHandshakeRequest().setMechanism("PLAIN"), NOW)).response();
        assertEquals(0, hs.errorCode());
        assertEquals(List.of("PLAIN", "SCRAM-SHA-256"), hs.mechanisms());
        SaslAuthenticator.Answer done = answer(a.onRequest((short) 36, (short) 2, plain("alice", "alice-secret"), NOW));
        SaslAuthenticateResponse r = (SaslAuthenticateResponse) done.response();
        assertEquals(0, r.errorCode());
        assertEquals(0, r.sessionLifetimeMs());
        assertFalse(done.close());
        assertFalse(a.authenticating());
        assertEquals(Principal.user("alice"), a.principal());
        assertNull(a.admit(METADATA, NOW + 10_000_000));
        assertInstanceOf(SaslAuthenticator.Dispatch.class, a.onRequest(METADATA, (short) 12, new MetadataRequest(),
                NOW));
        // Without re-authentication a second handshake reaches the handler (ILLEGAL_SASL_STATE there).
        assertInstanceOf(SaslAuthenticator.Dispatch.class, a.onRequest((short) 17, (short) 1,
                new SaslHandshakeRequest().setMechanism("PLAIN"), NOW));
    }

    @Test
    void aWrongPasswordAnswersSaslAuthenticationFailedAndCloses() {
        SaslAuthenticator a = authenticator(0);
        a.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW);
        SaslAuthenticator.Answer failed = answer(a.onRequest((short) 36, (short) 1, plain("alice", "nope"), NOW));
        SaslAuthenticateResponse r = (SaslAuthenticateResponse) failed.response();
        assertEquals(ErrorCode.SASL_AUTHENTICATION_FAILED.code(), r.errorCode());
        assertEquals("Authentication failed: Invalid username or password", r.errorMessage());
        assertTrue(failed.close());
        assertNull(a.principal());
        assertNotNull(a.admit((short) 36, NOW));
    }

    @Test
    void anUnknownMechanismOrSaslAuthenticateBeforeTheHandshakeCloses() {
        SaslAuthenticator a = authenticator(0);
        SaslAuthenticator.Answer unsupported = answer(a.onRequest((short) 17, (short) 1,
                new SaslHandshakeRequest().setMechanism("GSSAPI"), NOW));
        assertEquals(ErrorCode.UNSUPPORTED_SASL_MECHANISM.code(),
                ((SaslHandshakeResponse) unsupported.response()).errorCode());
        assertTrue(unsupported.close());
        SaslAuthenticator b = authenticator(0);
        SaslAuthenticator.Answer early = answer(b.onRequest((short) 36, (short) 1, plain("alice", "alice-secret"),
                NOW));
        assertEquals(ErrorCode.ILLEGAL_SASL_STATE.code(), ((SaslAuthenticateResponse) early.response()).errorCode());
        assertTrue(early.close());
        assertNull(b.principal());
    }

    @Test
    void aV0HandshakeTakesRawTokens() {
        SaslAuthenticator a = authenticator(0);
        a.onRequest((short) 17, (short) 0, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW);
        assertTrue(a.expectsRawToken());
        assertArrayEquals(new byte[0], a.onRawToken("\u0000bob\u0000bob-secret".getBytes(StandardCharsets.UTF_8),
                NOW));
        assertFalse(a.expectsRawToken());
        assertEquals(Principal.user("bob"), a.principal());
        SaslAuthenticator b = authenticator(0);
        b.onRequest((short) 17, (short) 0, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW);
        assertNull(b.onRawToken("\u0000bob\u0000wrong".getBytes(StandardCharsets.UTF_8), NOW));
        assertTrue(b.authenticating());
    }

    @Test
    void reauthenticationExtendsTheSessionAndAnExpiredSessionIsClosed() {
        SaslAuthenticator a = authenticator(60_000);
        a.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW);
        SaslAuthenticateResponse r = (SaslAuthenticateResponse) answer(a.onRequest((short) 36, (short) 2,
                plain("alice", "alice-secret"), NOW)).response();
        assertEquals(60_000, r.sessionLifetimeMs());
        assertNull(a.admit(METADATA, NOW + 60_000));
        assertInstanceOf(SaslAuthenticator.Refuse.class, a.admit(METADATA, NOW + 60_001));
        // KIP-368: a new handshake and authentication on the same connection, even past the session's end.
        assertNull(a.admit((short) 17, NOW + 70_000));
        answer(a.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW + 70_000));
        assertTrue(a.authenticating());
        assertNotNull(a.admit(METADATA, NOW + 70_000));
        answer(a.onRequest((short) 36, (short) 2, plain("alice", "alice-secret"), NOW + 70_000));
        assertFalse(a.authenticating());
        assertNull(a.admit(METADATA, NOW + 100_000));
        assertEquals(Principal.user("alice"), a.principal());
        // Re-authenticating as someone else fails and closes.
        a.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW + 110_000);
        SaslAuthenticator.Answer other = answer(a.onRequest((short) 36, (short) 2, plain("bob", "bob-secret"),
                NOW + 110_000));
        assertEquals(ErrorCode.SASL_AUTHENTICATION_FAILED.code(),
                ((SaslAuthenticateResponse) other.response()).errorCode());
        assertTrue(other.close());
        // Re-authenticating with another mechanism is refused.
        SaslAuthenticator c = authenticator(60_000);
        c.onRequest((short) 17, (short) 1, new SaslHandshakeRequest().setMechanism("PLAIN"), NOW);
        c.onRequest((short) 36, (short) 2, plain("alice", "alice-secret"), NOW);
        SaslAuthenticator.Answer switched = answer(c.onRequest((short) 17, (short) 1,
                new SaslHandshakeRequest().setMechanism("SCRAM-SHA-256"), NOW + 1));
        assertEquals(ErrorCode.UNSUPPORTED_SASL_MECHANISM.code(),
                ((SaslHandshakeResponse) switched.response()).errorCode());
        assertTrue(switched.close());
    }
}
