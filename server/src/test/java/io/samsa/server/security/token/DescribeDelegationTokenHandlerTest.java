package io.samsa.server.security.token;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.samsa.common.ManualClock;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.DelegationTokenRecord;
import io.samsa.metadata.record.RemoveDelegationTokenRecord;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.security.Principal;
import io.samsa.wire.message.DescribeDelegationTokenRequest;
import io.samsa.wire.message.DescribeDelegationTokenResponse;
import io.samsa.wire.protocol.Message;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * DescribeDelegationToken (KIP-48) answers with each token's HMAC as {@link TokenCredentials} computed it once, when
 * the token's record was published, and computes none on the event loop however many tokens it lists.
 */
class DescribeDelegationTokenHandlerTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final DelegationTokenSettings SETTINGS = DelegationTokenSettings.fromProps(Map.of(
            "delegation.token.secret.key", "s3cret"));
    private static final RequestContext ALICE = new RequestContext((short) 41, (short) 3, 1, "test", "CLIENTS",
            InetSocketAddress.createUnresolved("127.0.0.1", 40000), Principal.user("alice"), null, null, null, 0);

    /**
     * The handler's own settings hold another secret: an HMAC it computed itself, rather than take the published
     * one, would differ from the expected one (the counting seam sees only the credentials' HMACs).
     */
    private static final TokenRequests REQUESTS = new TokenRequests(DelegationTokenSettings.fromProps(Map.of(
            "delegation.token.secret.key", "not-the-publishers")), null, null, Map.of("CLIENTS", "SASL_PLAINTEXT"));

    private final AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
    /** HMACs computed through the credentials' seam. */
    private final AtomicInteger hmacs = new AtomicInteger();
    private final TokenCredentials credentials = new TokenCredentials(image::get, SETTINGS, new ManualClock(T0),
            new ArrayDeque<Runnable>()::add, id -> {
                hmacs.incrementAndGet();
                return SETTINGS.hmac(id);
            });
    private final DescribeDelegationTokenHandler handler = new DescribeDelegationTokenHandler(REQUESTS,
            () -> image.get().delegationTokens(), credentials::hmac);

    private static DelegationTokenRecord token(String id, long expiry) {
        return new DelegationTokenRecord().setTokenId(id).setOwner("User:alice").setRequester("User:alice")
                .setRenewers(List.of()).setIssueTimestamp(T0).setMaxTimestamp(T0 + 100_000)
                .setExpirationTimestamp(expiry);
    }

    /** Replays {@code records} into the broker's image and publishes the change to the credentials. */
    private void publish(List<Message> records) {
        MetadataImage base = image.get();
        MetadataDelta delta = new MetadataDelta(base);
        delta.replay(records, base.offset() + 1, 1);
        MetadataImage next = delta.apply();
        image.set(next);
        credentials.onMetadataUpdate(delta, next);
    }

    private DescribeDelegationTokenResponse describe() {
        return describe(handler);
    }

    private static DescribeDelegationTokenResponse describe(DescribeDelegationTokenHandler handler) {
        return (DescribeDelegationTokenResponse) TokenAnswers.answer(handler, ALICE,
                new DescribeDelegationTokenRequest().setOwners(null));
    }

    /** Token id to the HMAC the response carries for it, checking its expiry on the way. */
    private static Map<String, byte[]> described(DescribeDelegationTokenResponse resp, long expiry) {
        assertEquals(0, resp.errorCode());
        Map<String, byte[]> out = new HashMap<>();
        for (DescribeDelegationTokenResponse.DescribedDelegationToken t : resp.tokens()) {
            assertEquals(expiry, t.expiryTimestamp(), t.tokenId());
            out.put(t.tokenId(), t.hmac());
        }
        return out;
    }

    @Test
    void eachTokenComesWithItsHmacComputedOnceAtPublishAndNoneDuringTheRequest() {
        int n = 500;
        List<Message> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(token("t" + i, T0 + 50_000));
        }
        publish(records);
        assertEquals(n, hmacs.get(), "one HMAC per token, as its record was published");

        Map<String, byte[]> first = described(describe(), T0 + 50_000);
        assertEquals(n, first.size());
        for (int i = 0; i < n; i++) {
            assertArrayEquals(SETTINGS.hmac("t" + i), first.get("t" + i), "t" + i);
        }
        assertEquals(n, hmacs.get(), "the request computed no HMAC");

        // A renewal keeps the HMAC (same id): the next answer shows the new expiry, still without hashing.
        records.clear();
        for (int i = 0; i < n; i++) {
            records.add(token("t" + i, T0 + 90_000));
        }
        publish(records);
        Map<String, byte[]> renewed = described(describe(), T0 + 90_000);
        assertArrayEquals(SETTINGS.hmac("t7"), renewed.get("t7"));
        assertEquals(n, hmacs.get());

        // A removed token is gone from the answer; one created after costs its one HMAC at publish.
        publish(List.of(new RemoveDelegationTokenRecord().setTokenId("t3"), token("new", T0 + 90_000)));
        assertEquals(n + 1, hmacs.get());
        Map<String, byte[]> after = described(describe(), T0 + 90_000);
        assertEquals(n, after.size());
        assertFalse(after.containsKey("t3"));
        assertArrayEquals(SETTINGS.hmac("new"), after.get("new"));
        assertEquals(n + 1, hmacs.get());
    }

    @Test
    void aTokenNotYetPublishedToTheCredentialsIsLeftOut() {
        publish(List.of(token("a", T0 + 50_000)));
        // The handler's image already names "b", whose record has not reached the credentials: no HMAC to give.
        Map<String, DelegationTokenData> ahead = new HashMap<>(image.get().delegationTokens());
        ahead.put("b", new DelegationTokenData("b", "User:alice", "User:alice", List.of(), T0, T0 + 100_000,
                T0 + 50_000));
        DescribeDelegationTokenHandler early = new DescribeDelegationTokenHandler(REQUESTS, () -> ahead,
                credentials::hmac);
        Map<String, byte[]> out = described(describe(early), T0 + 50_000);
        assertEquals(List.of("a"), List.copyOf(out.keySet()));
        assertEquals(1, hmacs.get());
    }
}
