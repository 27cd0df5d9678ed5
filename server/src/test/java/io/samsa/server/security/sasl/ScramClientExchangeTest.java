package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The broker's own SCRAM and PLAIN logins, against RFC 7677's vector and against the server side. */
class ScramClientExchangeTest {
    // RFC 7677 section 3: user "user", password "pencil".
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static ScramClientExchange rfcClient() {
        return new ScramClientExchange(ScramMechanism.SCRAM_SHA_256, "user", "pencil", new AtomicReference<>(),
                ScramHashing.executor(), CLIENT_NONCE);
    }

    @Test
    void rfc7677TestVectorFromTheClientSide() {
        ScramClientExchange c = rfcClient();
        assertEquals("n,,n=user,r=" + CLIENT_NONCE, text(c.first()));
        assertEquals("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", text(c.evaluate(bytes(SERVER_FIRST))));
        assertFalse(c.complete());
        assertNull(c.evaluate(bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));
        assertTrue(c.complete());
    }

    @Test
    void aServerThatDoesNotProveItKnowsTheCredentialIsRefused() {
        ScramClientExchange c = rfcClient();
        c.first();
        c.evaluate(bytes(SERVER_FIRST));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> c.evaluate(bytes("v=" + Base64.getEncoder().encodeToString(new byte[32]))));
        assertTrue(e.getMessage().contains("server signature"), e.getMessage());
        assertFalse(c.complete());
    }

    @Test
    void malformedOrWeakServerFirstMessagesAreRefused() {
        for (String bad : new String[] {
                "r=someoneelse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // not our nonce
                "r=" + CLIENT_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // no server part
                "r=" + CLIENT_NONCE + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024", // too few iterations
                "r=" + CLIENT_NONCE + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==", // no iterations
                "e=unknown-user"}) {
            ScramClientExchange c = rfcClient();
            c.first();
            assertThrows(IllegalStateException.class, () -> c.evaluate(bytes(bad)), bad);
        }
    }

    @Test
    void scramSha512AgainstTheServerSideWithEscapedNamesAndTheSaltedPasswordKept() throws Exception {
        String user = "node,one=1";
        ScramCredentialData stored = ScramCredentialData.random(ScramMechanism.SCRAM_SHA_512, "s3cret", 4096);
        ScramCredentials creds = (m, u) -> m == ScramMechanism.SCRAM_SHA_512 && u.equals(user) ? stored : null;
        AtomicReference<ScramClientExchange.Salted> cache = new AtomicReference<>();
        for (int round = 0; round < 2; round++) {
            ScramExchange server = new ScramExchange(ScramMechanism.SCRAM_SHA_512, creds);
            ScramClientExchange client = new ScramClientExchange(ScramMechanism.SCRAM_SHA_512, user, "s3cret", cache,
                    ScramHashing.executor());
            byte[] clientFinal = client.evaluate(server.evaluate(client.first()));
            assertNull(client.evaluate(server.evaluate(clientFinal)));
            assertTrue(server.complete());
            assertTrue(client.complete());
            assertEquals(user, server.user());
        }
        ScramClientExchange.Salted kept = cache.get();
        assertArrayEquals(stored.salt(), kept.salt());
        // The next login with the same salt reuses the kept value.
        ScramClientExchange client = new ScramClientExchange(ScramMechanism.SCRAM_SHA_512, user, "s3cret", cache,
                    ScramHashing.executor());
        client.evaluate(new ScramExchange(ScramMechanism.SCRAM_SHA_512, creds).evaluate(client.first()));
        assertSame(kept, cache.get());
    }

    @Test
    void evaluateAsyncComputesTheSaltedPasswordOnTheHashingExecutorOnlyOncePerSalt() throws Exception {
        // The hashing "thread" is a queue the test runs by hand: nothing runs on the caller's thread meanwhile.
        ArrayDeque<Runnable> hashing = new ArrayDeque<>();
        AtomicReference<ScramClientExchange.Salted> cache = new AtomicReference<>();
        ScramClientExchange c = new ScramClientExchange(ScramMechanism.SCRAM_SHA_256, "user", "pencil", cache,
                hashing::add, CLIENT_NONCE);
        c.first();
        CompletableFuture<byte[]> last = c.evaluateAsync(bytes(SERVER_FIRST));
        assertFalse(last.isDone(), "the salted password is not computed by the caller");
        assertNull(cache.get());
        assertEquals(1, hashing.size());
        hashing.poll().run();
        assertEquals("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", text(last.get()));
        CompletableFuture<byte[]> done = c.evaluateAsync(bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
        assertTrue(done.isDone());
        assertNull(done.get());
        assertTrue(c.complete());

        // The next login with the same salt uses the kept value at once; a refusal fails the future at once.
        ScramClientExchange again = new ScramClientExchange(ScramMechanism.SCRAM_SHA_256, "user", "pencil", cache,
                hashing::add, CLIENT_NONCE);
        again.first();
        assertTrue(again.evaluateAsync(bytes(SERVER_FIRST)).isDone());
        ScramClientExchange refused = new ScramClientExchange(ScramMechanism.SCRAM_SHA_256, "user", "pencil", cache,
                hashing::add, CLIENT_NONCE);
        refused.first();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> refused.evaluateAsync(bytes("e=unknown-user")).get());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(hashing.isEmpty());
    }

    @Test
    void aWrongPasswordFailsAtTheServer() throws Exception {
        ScramCredentialData stored = ScramCredentialData.random(ScramMechanism.SCRAM_SHA_256, "right", 4096);
        ScramExchange server = new ScramExchange(ScramMechanism.SCRAM_SHA_256, (m, u) -> stored);
        ScramClientExchange client = new ScramClientExchange(ScramMechanism.SCRAM_SHA_256, "broker", "wrong",
                new AtomicReference<>(), ScramHashing.executor());
        byte[] clientFinal = client.evaluate(server.evaluate(client.first()));
        assertThrows(SaslExchange.Failure.class, () -> server.evaluate(clientFinal));
    }

    @Test
    void plainSendsOneTokenTheServerAccepts() throws Exception {
        PlainClientExchange client = new PlainClientExchange("broker", "b-secret");
        PlainExchange server = new PlainExchange(java.util.Map.of("broker", "b-secret"));
        assertEquals(0, server.evaluate(client.first()).length);
        assertEquals("broker", server.user());
        assertNull(client.evaluate(new byte[0]));
        assertTrue(client.complete());
    }
}
