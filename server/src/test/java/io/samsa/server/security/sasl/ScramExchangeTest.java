package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScramExchangeTest {
    // RFC 7677 section 3: user "user", password "pencil".
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    private static ScramCredentials one(ScramMechanism mechanism, String user, ScramCredentialData c) {
        return (m, u) -> m == mechanism && u.equals(user) ? c : null;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void rfc7677TestVectorForScramSha256() throws Exception {
        ScramCredentialData c = ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_256, "pencil", SALT, 4096);
        ScramExchange ex = new ScramExchange(ScramMechanism.SCRAM_SHA_256,
                one(ScramMechanism.SCRAM_SHA_256, "user", c), SERVER_NONCE);
        String serverFirst = text(ex.evaluate(bytes("n,,n=user,r=" + CLIENT_NONCE)));
        assertEquals("r=" + CLIENT_NONCE + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", serverFirst);
        assertFalse(ex.complete());
        String serverFinal = text(ex.evaluate(bytes("c=biws,r=" + CLIENT_NONCE + SERVER_NONCE
                + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")));
        assertEquals("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", serverFinal);
        assertTrue(ex.complete());
        assertEquals("user", ex.user());
    }

    @Test
    void scramSha512RoundTripWithAClientProof() throws Exception {
        roundTrip("");
    }

    @Test
    void aFinalNonceWithTheClientNonceRepeatedInFrontIsAcceptedAsKafkaDoes() throws Exception {
        // librdkafka sends r=<client nonce><client nonce + server nonce> in its final message.
        roundTrip("abcdef");
    }

    private static void roundTrip(String finalNoncePrefix) throws Exception {
        ScramMechanism m = ScramMechanism.SCRAM_SHA_512;
        ScramCredentialData c = ScramCredentialData.derive(m, "alice-secret", bytes("salt-of-alice"), 8192);
        ScramExchange ex = new ScramExchange(m, one(m, "alice", c));
        String clientFirstBare = "n=alice,r=abcdef";
        String serverFirst = text(ex.evaluate(bytes("n,," + clientFirstBare)));
        String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
        assertTrue(nonce.startsWith("abcdef") && nonce.length() > 6, serverFirst);
        String withoutProof = "c=biws,r=" + finalNoncePrefix + nonce;
        byte[] salted = m.hi(bytes("alice-secret"), bytes("salt-of-alice"), 8192);
        byte[] clientKey = m.hmac(salted, bytes("Client Key"));
        byte[] authMessage = bytes(clientFirstBare + "," + serverFirst + "," + withoutProof);
        byte[] signature = m.hmac(m.hash(clientKey), authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        String serverFinal = text(ex.evaluate(bytes(withoutProof + ",p="
                + Base64.getEncoder().encodeToString(proof))));
        byte[] expected = m.hmac(m.hmac(salted, bytes("Server Key")), authMessage);
        assertArrayEquals(expected, Base64.getDecoder().decode(serverFinal.substring(2)));
        assertTrue(ex.complete());
    }

    @Test
    void aWrongPasswordFailsWithKafkasGenericMessage() throws Exception {
        ScramCredentialData c = ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_256, "other", SALT, 4096);
        ScramExchange ex = new ScramExchange(ScramMechanism.SCRAM_SHA_256,
                one(ScramMechanism.SCRAM_SHA_256, "user", c), SERVER_NONCE);
        ex.evaluate(bytes("n,,n=user,r=" + CLIENT_NONCE));
        SaslExchange.Failure f = assertThrows(SaslExchange.Failure.class, () -> ex.evaluate(bytes("c=biws,r="
                + CLIENT_NONCE + SERVER_NONCE + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")));
        assertNull(f.clientMessage());
        assertFalse(ex.complete());
        // A failed exchange takes nothing more.
        assertThrows(SaslExchange.Failure.class, () -> ex.evaluate(bytes("c=biws")));
    }

    @Test
    void aNonceTheServerDidNotIssueFails() throws Exception {
        ScramCredentialData c = ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_256, "pencil", SALT, 4096);
        ScramExchange ex = new ScramExchange(ScramMechanism.SCRAM_SHA_256,
                one(ScramMechanism.SCRAM_SHA_256, "user", c), SERVER_NONCE);
        ex.evaluate(bytes("n,,n=user,r=" + CLIENT_NONCE));
        assertThrows(SaslExchange.Failure.class, () -> ex.evaluate(bytes("c=biws,r=" + CLIENT_NONCE
                + "forged,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")));
    }

    @Test
    void unknownUsersFewIterationsChannelBindingAndBadNamesFail() throws Exception {
        ScramCredentialData weak = ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_256, "pencil", SALT, 1024);
        ScramCredentials creds = (m, u) -> Map.of("weak", weak).get(u);
        SaslExchange.Failure unknown = assertThrows(SaslExchange.Failure.class, () ->
                new ScramExchange(ScramMechanism.SCRAM_SHA_256, creds).evaluate(bytes("n,,n=nobody,r=abc")));
        assertEquals("Authentication failed: Invalid user credentials", unknown.clientMessage());
        SaslExchange.Failure few = assertThrows(SaslExchange.Failure.class, () ->
                new ScramExchange(ScramMechanism.SCRAM_SHA_256, creds).evaluate(bytes("n,,n=weak,r=abc")));
        assertTrue(few.clientMessage().contains("Iterations 1024 is less than the minimum 4096"));
        assertThrows(SaslExchange.Failure.class, () -> new ScramExchange(ScramMechanism.SCRAM_SHA_256, creds)
                .evaluate(bytes("p=tls-unique,,n=weak,r=abc")));
        assertThrows(SaslExchange.Failure.class, () -> new ScramExchange(ScramMechanism.SCRAM_SHA_256, creds)
                .evaluate(bytes("n,a=other,n=weak,r=abc")));
        assertEquals("a,b=c", ScramExchange.decodeSaslName("a=2Cb=3Dc"));
        assertThrows(SaslExchange.Failure.class, () -> ScramExchange.decodeSaslName("a=41"));
    }
}
