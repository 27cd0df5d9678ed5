package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.samsa.server.security.AllocationBound;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the SASL/PLAIN token parser, the one token a PLAIN client sends before it has authenticated. Whatever the
 * bytes, the exchange authenticates or throws {@link SaslExchange.Failure} with the message Kafka gives the client,
 * never anything else, and allocates in proportion to the token. It authenticates exactly when the token is
 * {@code authzid NUL authcid NUL password} (RFC 4616) with a known user's password and an authorization id that is
 * empty or the user, as a plain reference split says.
 *
 * <p>{@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/server/security/sasl/PlainExchangeFuzzTestInputs/}; to fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl server test -Dtest=PlainExchangeFuzzTest#token}.
 */
class PlainExchangeFuzzTest {
    private static final Map<String, String> USERS = Map.of("alice", "alice-secret", "bob", "b\u00e9b\u0000x");

    @FuzzTest(maxDuration = "10m")
    void token(byte[] token) throws Exception {
        AllocationBound.check(token.length, 16, () -> tokenOnce(token));
    }

    private static void tokenOnce(byte[] token) {
        PlainExchange exchange = new PlainExchange(USERS);
        String expectedUser = reference(new String(token, StandardCharsets.UTF_8));
        try {
            assertEquals(0, exchange.evaluate(token).length);
            assertEquals(expectedUser, exchange.user(), "authenticated");
            assertTrue(exchange.complete());
            assertThrows(SaslExchange.Failure.class, () -> exchange.evaluate(token), "one token only");
        } catch (SaslExchange.Failure e) {
            assertEquals(null, expectedUser, "refused " + e.getMessage());
            assertNotNull(e.clientMessage(), "PLAIN tells the client why");
            assertFalse(exchange.complete());
        }
    }

    /** The user a token authenticates, by RFC 4616's split on NUL; null when it does not. */
    private static String reference(String token) {
        String[] parts = token.split("\u0000", -1);
        if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
            return null;
        }
        boolean authzOk = parts[0].isEmpty() || parts[0].equals(parts[1]);
        return authzOk && parts[2].equals(USERS.get(parts[1])) ? parts[1] : null;
    }
}
