package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlainExchangeTest {
    private static final Map<String, String> USERS = Map.of("alice", "alice-secret", "admin", "admin-secret");

    private static byte[] token(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aKnownUserWithItsPasswordAuthenticates() throws Exception {
        PlainExchange ex = new PlainExchange(USERS);
        assertEquals(0, ex.evaluate(token("\u0000alice\u0000alice-secret")).length);
        assertTrue(ex.complete());
        assertEquals("alice", ex.user());
        PlainExchange withAuthzid = new PlainExchange(USERS);
        withAuthzid.evaluate(token("admin\u0000admin\u0000admin-secret"));
        assertEquals("admin", withAuthzid.user());
    }

    @Test
    void wrongPasswordsUnknownUsersAndMalformedTokensFail() {
        String invalid = "Authentication failed: Invalid username or password";
        assertEquals(invalid, assertThrows(SaslExchange.Failure.class, () ->
                new PlainExchange(USERS).evaluate(token("\u0000alice\u0000wrong"))).clientMessage());
        assertEquals(invalid, assertThrows(SaslExchange.Failure.class, () ->
                new PlainExchange(USERS).evaluate(token("\u0000mallory\u0000alice-secret"))).clientMessage());
        assertTrue(assertThrows(SaslExchange.Failure.class, () -> new PlainExchange(USERS)
                .evaluate(token("admin\u0000alice\u0000alice-secret"))).clientMessage().contains("authorization id"));
        assertTrue(assertThrows(SaslExchange.Failure.class, () -> new PlainExchange(USERS)
                .evaluate(token("alice\u0000alice-secret"))).clientMessage().contains("expected 3 tokens"));
        assertThrows(SaslExchange.Failure.class, () -> new PlainExchange(USERS)
                .evaluate(token("\u0000alice\u0000alice-secret\u0000x")));
        assertThrows(SaslExchange.Failure.class, () -> new PlainExchange(USERS).evaluate(token("\u0000\u0000pw")));
        assertThrows(SaslExchange.Failure.class, () -> new PlainExchange(USERS).evaluate(token("\u0000alice\u0000")));
    }

    @Test
    void theJaasConfigGivesTheUsersAndTheBrokersOwnCredentials() {
        JaasConfig c = JaasConfig.parse("org.apache.kafka.common.security.plain.PlainLoginModule required\n"
                + "  username=\"admin\" password=\"admin-secret\"\n  user_admin=\"admin-secret\" "
                + "user_alice=\"al\\\"ice;s=cret\" user_bob=bob-pw;");
        assertTrue(c.isPlainLoginModule());
        assertEquals("required", c.controlFlag());
        assertEquals("admin", c.options().get("username"));
        assertEquals("admin-secret", c.options().get("password"));
        assertEquals(Map.of("admin", "admin-secret", "alice", "al\"ice;s=cret", "bob", "bob-pw"), c.plainUsers());
    }

    @Test
    void aMalformedJaasConfigIsRefusedNamingTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JaasConfig.parse(
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_a=\"x\"")).getMessage()
                .contains("does not end with ';'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JaasConfig.parse(
                "org.apache.kafka.common.security.plain.PlainLoginModule mandatory;")).getMessage()
                .contains("invalid control flag"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JaasConfig.parse(
                "M required user_a=\"x;")).getMessage().contains("unterminated"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JaasConfig.parse(
                "M required user_a;")).getMessage().contains("has no value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JaasConfig.parse(
                "M required; N required;")).getMessage().contains("exactly one"));
        assertThrows(IllegalArgumentException.class, () -> JaasConfig.parse("  "));
    }
}
