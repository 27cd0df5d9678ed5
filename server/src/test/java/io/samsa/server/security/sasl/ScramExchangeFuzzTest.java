package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.server.security.AllocationBound;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Fuzzes the SCRAM server's parsers of what a client sends before it has authenticated: the client-first message
 * ({@link #clientFirst}) and, after a valid client-first, the client-final message ({@link #clientFinal}). Whatever
 * the bytes, the exchange answers or throws {@link SaslExchange.Failure} (and then refuses any further token); it
 * never throws anything else, and allocates in proportion to the input. A client-first is accepted only for a user
 * with a credential, and the server-first echoes its nonce; a client-final is accepted only with the right proof,
 * and always with it when its nonce ends with the one issued (the server-final then carries the right signature).
 *
 * <p>{@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/server/security/sasl/ScramExchangeFuzzTestInputs/}; to fuzz for real (one method
 * per run): {@code JAZZER_FUZZ=1 mvn -pl server test -Dtest=ScramExchangeFuzzTest#clientFinal}.
 */
class ScramExchangeFuzzTest {
    private static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_256;
    private static final String USER = "alice";
    private static final String PASSWORD = "alice-secret";
    private static final byte[] SALT = "fuzz-salt-16byte".getBytes(StandardCharsets.UTF_8);
    private static final ScramCredentialData CREDENTIAL = ScramCredentialData.derive(MECHANISM, PASSWORD, SALT,
            ScramMechanism.MIN_ITERATIONS);
    private static final byte[] SALTED = MECHANISM.hi(PASSWORD.getBytes(StandardCharsets.UTF_8), SALT,
            ScramMechanism.MIN_ITERATIONS);
    /** alice, and a user whose name needs both saslname escapes. */
    private static final ScramCredentials CREDENTIALS = (m, u) -> m == MECHANISM
            && (u.equals(USER) || u.equals("a,b=c")) ? CREDENTIAL : null;
    private static final String CLIENT_NONCE = "fyko+d2lbbFgONRv9qkxdawL";
    private static final String SERVER_NONCE = "3rfcNHYJY1ZVvWVs7j";
    private static final String CLIENT_FIRST_BARE = "n=" + USER + ",r=" + CLIENT_NONCE;

    @FuzzTest(maxDuration = "10m")
    void clientFirst(byte[] data) throws Exception {
        AllocationBound.check(data.length, 16, () -> clientFirstOnce(data));
    }

    private static void clientFirstOnce(byte[] data) throws Exception {
        ScramExchange exchange = new ScramExchange(MECHANISM, CREDENTIALS, SERVER_NONCE);
        String serverFirst;
        try {
            serverFirst = new String(exchange.evaluate(data), StandardCharsets.UTF_8);
        } catch (SaslExchange.Failure e) {
            assertNotNull(e.getMessage());
            assertThrows(SaslExchange.Failure.class, () -> exchange.evaluate(data), "a failed exchange stays failed");
            return;
        }
        assertFalse(exchange.complete());
        String message = new String(data, StandardCharsets.UTF_8);
        String bare = message.substring(message.indexOf(',', 2) + 1);
        String nonce = bare.split(",", -1)[1].substring(2);
        assertEquals("r=" + nonce + SERVER_NONCE + ",s=" + Base64.getEncoder().encodeToString(SALT) + ",i="
                + ScramMechanism.MIN_ITERATIONS, serverFirst);
        String user = ScramExchange.decodeSaslName(bare.split(",", -1)[0].substring(2));
        assertTrue(user.equals(USER) || user.equals("a,b=c"), user);
    }

    /**
     * Byte 0: bit 0 set sends {@code c=biws,r=<issued nonce>} + the rest of the input as UTF-8 text + the right proof
     * of that; clear sends the rest of the input as it is.
     */
    @FuzzTest(maxDuration = "10m")
    void clientFinal(byte[] data) throws Exception {
        if (data.length > 0) {
            AllocationBound.check(data.length, 16, () -> clientFinalOnce(data));
        }
    }

    private static void clientFinalOnce(byte[] data) throws Exception {
        ScramExchange exchange = new ScramExchange(MECHANISM, CREDENTIALS, SERVER_NONCE);
        String serverFirst = new String(exchange.evaluate(("n,," + CLIENT_FIRST_BARE)
                .getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        boolean proven = (data[0] & 1) != 0;
        byte[] rest = Arrays.copyOfRange(data, 1, data.length);
        byte[] message;
        String withoutProof = null;
        if (proven) {
            // Through UTF-8 and back, as the server reads it: the proof covers exactly the text it sees.
            withoutProof = new String(("c=biws,r=" + CLIENT_NONCE + SERVER_NONCE + new String(rest, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            String proof = Base64.getEncoder().encodeToString(proof(authMessage(serverFirst, withoutProof)));
            message = (withoutProof + ",p=" + proof).getBytes(StandardCharsets.UTF_8);
        } else {
            message = rest;
        }
        byte[] serverFinal;
        try {
            serverFinal = exchange.evaluate(message);
        } catch (SaslExchange.Failure e) {
            assertNotNull(e.getMessage());
            assertFalse(proven && wellFormedAfterNonce(withoutProof), "the right proof was refused: " + e.getMessage());
            assertThrows(SaslExchange.Failure.class, () -> exchange.evaluate(message), "a failed exchange stays failed");
            return;
        }
        assertTrue(proven && wellFormedAfterNonce(withoutProof), "accepted without the right proof");
        assertTrue(exchange.complete());
        assertEquals(USER, exchange.user());
        byte[] serverKey = MECHANISM.hmac(SALTED, "Server Key".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(("v=" + Base64.getEncoder().encodeToString(MECHANISM.hmac(serverKey,
                authMessage(serverFirst, withoutProof)))).getBytes(StandardCharsets.UTF_8), serverFinal);
    }

    /**
     * Whether the nonce attribute (up to the next ',') ends with the nonce the server issued: Kafka's rule, which a
     * client that sends its own nonce again in front (librdkafka) needs.
     */
    private static boolean wellFormedAfterNonce(String withoutProof) {
        String nonce = withoutProof.substring("c=biws,r=".length()).split(",", -1)[0];
        return nonce.endsWith(CLIENT_NONCE + SERVER_NONCE);
    }

    private static byte[] authMessage(String serverFirst, String withoutProof) {
        return (CLIENT_FIRST_BARE + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 5802: ClientProof = ClientKey XOR HMAC(H(ClientKey), AuthMessage). */
    private static byte[] proof(byte[] authMessage) {
        byte[] clientKey = MECHANISM.hmac(SALTED, "Client Key".getBytes(StandardCharsets.UTF_8));
        byte[] signature = MECHANISM.hmac(MECHANISM.hash(clientKey), authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        return proof;
    }
}
