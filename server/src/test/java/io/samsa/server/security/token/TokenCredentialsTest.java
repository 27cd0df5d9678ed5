package io.samsa.server.security.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.metadata.record.DelegationTokenRecord;
import io.samsa.metadata.record.RemoveDelegationTokenRecord;
import io.samsa.server.security.sasl.ScramCredentials.TokenCredential;
import io.samsa.wire.protocol.Message;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Delegation tokens' SCRAM credentials: derived on the hashing executor as the token records are published (never
 * by a sign-in, which runs on an event loop), kept across renewals, dropped with the token.
 */
class TokenCredentialsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final DelegationTokenSettings SETTINGS = DelegationTokenSettings.fromProps(Map.of(
            "delegation.token.secret.key", "s3cret"));

    /** The hashing "thread": a queue the test runs by hand. */
    private final ArrayDeque<Runnable> hashing = new ArrayDeque<>();
    private final AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
    private final ManualClock clock = new ManualClock(T0);
    private final TokenCredentials credentials = new TokenCredentials(image::get, SETTINGS, clock, hashing::add);

    private static DelegationTokenRecord token(String id, String owner, long expiry) {
        return new DelegationTokenRecord().setTokenId(id).setOwner(owner).setRequester(owner).setRenewers(List.of())
                .setIssueTimestamp(T0).setMaxTimestamp(T0 + 100_000).setExpirationTimestamp(expiry);
    }

    /** Replays {@code records} into the broker's image and publishes the change to the credentials. */
    private CompletableFuture<Void> publish(Message... records) {
        MetadataImage base = image.get();
        MetadataDelta delta = new MetadataDelta(base);
        delta.replay(List.of(records), base.offset() + 1, 1);
        MetadataImage next = delta.apply();
        image.set(next);
        return credentials.onMetadataUpdate(delta, next);
    }

    private static String password(String tokenId) {
        return Base64.getEncoder().encodeToString(SETTINGS.hmac(tokenId));
    }

    @Test
    void aTokensCredentialsAreDerivedOffTheSignInPathWhenItsRecordIsPublished() {
        CompletableFuture<Void> published = publish(token("a", "User:alice", T0 + 50_000),
                token("b", "User:bob", T0 + 50_000));
        // Nothing hashed yet on this thread, and a sign-in meanwhile finds no credential: it never derives one.
        assertFalse(published.isDone());
        assertNull(credentials.token(ScramMechanism.SCRAM_SHA_256, "a"));
        assertEquals(1, hashing.size());
        hashing.poll().run();
        assertTrue(published.isDone());

        for (ScramMechanism m : ScramMechanism.values()) {
            TokenCredential a = credentials.token(m, "a");
            assertEquals("User:alice", a.owner());
            assertFalse(a.expired());
            ScramCredentialData c = a.credential();
            assertEquals(ScramMechanism.MIN_ITERATIONS, c.iterations());
            // The password is the token's HMAC in base64, as the client sends it.
            assertEquals(ScramCredentialData.derive(m, password("a"), c.salt(), c.iterations()), c);
            assertEquals("User:bob", credentials.token(m, "b").owner());
        }
        assertNotEquals(ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_512, password("b"),
                credentials.token(ScramMechanism.SCRAM_SHA_512, "a").credential().salt(), 4096),
                credentials.token(ScramMechanism.SCRAM_SHA_512, "a").credential());
        assertNull(credentials.token(ScramMechanism.SCRAM_SHA_256, "unknown"));
        assertTrue(hashing.isEmpty(), "sign-ins hash nothing");
    }

    @Test
    void aRenewalKeepsTheCredentialAndARemovalDropsIt() {
        publish(token("a", "User:alice", T0 + 50_000), token("b", "User:bob", T0 + 50_000));
        hashing.poll().run();
        ScramCredentialData before = credentials.token(ScramMechanism.SCRAM_SHA_256, "a").credential();

        assertTrue(publish(token("a", "User:alice", T0 + 90_000)).isDone(), "a renewal derives nothing");
        assertTrue(hashing.isEmpty());
        assertSame(before, credentials.token(ScramMechanism.SCRAM_SHA_256, "a").credential());

        assertTrue(publish(new RemoveDelegationTokenRecord().setTokenId("b")).isDone());
        assertNull(credentials.token(ScramMechanism.SCRAM_SHA_256, "b"));
        // Past its expiry (not yet removed by the controller) a token still has its credential, marked expired.
        clock.advance(90_001);
        assertTrue(credentials.token(ScramMechanism.SCRAM_SHA_256, "a").expired());

        // Created again with the same id after its removal, it gets a new credential.
        assertFalse(publish(token("b", "User:bob", T0 + 200_000)).isDone());
        hashing.poll().run();
        assertEquals("User:bob", credentials.token(ScramMechanism.SCRAM_SHA_256, "b").owner());
    }

    @Test
    void withoutTheSecretNothingIsDerivedAndNoTokenSignsIn() {
        TokenCredentials disabled = new TokenCredentials(image::get, DelegationTokenSettings.fromProps(Map.of()),
                clock, hashing::add);
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        delta.replay(List.of(token("a", "User:alice", T0 + 50_000)), 0, 1);
        MetadataImage next = delta.apply();
        image.set(next);
        assertTrue(disabled.onMetadataUpdate(delta, next).isDone());
        assertTrue(hashing.isEmpty());
        assertNull(disabled.token(ScramMechanism.SCRAM_SHA_256, "a"));
    }
}
