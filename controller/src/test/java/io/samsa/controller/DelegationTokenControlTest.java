package io.samsa.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.DelegationTokenRecord;
import io.samsa.metadata.record.RemoveDelegationTokenRecord;
import io.samsa.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class DelegationTokenControlTest {
    private static final long DAY = 24 * 3600_000L;
    private static final long T0 = 1_700_000_000_000L;
    private static final DelegationTokenSettings SETTINGS = DelegationTokenSettings.fromProps(Map.of(
            "delegation.token.secret.key", "s3cret", "delegation.token.max.lifetime.ms", String.valueOf(3 * DAY)));

    private final AtomicLong ids = new AtomicLong(1);
    private final DelegationTokenControl control = new DelegationTokenControl(SETTINGS,
            () -> new UUID(7, ids.getAndIncrement()));

    private static MetadataImage applyOnly(MetadataImage base, ControllerResult<?> result) {
        MetadataDelta delta = new MetadataDelta(base);
        delta.replay(result.records(), base.offset() + 1, 1);
        return delta.apply();
    }

    /** What the active controller does with an operation's records: its working image and HMAC index take them. */
    private MetadataImage apply(MetadataImage base, ControllerResult<?> result) {
        control.replay(result.records());
        return applyOnly(base, result);
    }

    private MetadataImage withToken(long maxLifetimeMs) {
        return apply(MetadataImage.EMPTY, control.create(MetadataImage.EMPTY, new DelegationTokenCreation(
                "User:alice", "User:admin", List.of("User:bob"), maxLifetimeMs), T0));
    }

    private static DelegationTokenData only(MetadataImage image) {
        assertEquals(1, image.delegationTokens().size());
        return image.delegationTokens().values().iterator().next();
    }

    @Test
    void createsATokenWithKafkasLifetimesAndAnHmacOfItsId() throws Exception {
        ControllerResult<ApiResult<DelegationTokenData>> r = control.create(MetadataImage.EMPTY,
                new DelegationTokenCreation("User:alice", "User:admin", List.of("User:bob"), -1), T0);
        DelegationTokenData token = r.response().key();
        // Max lifetime capped by delegation.token.max.lifetime.ms, expiry one default day (expiry.time.ms) later.
        assertEquals(new DelegationTokenData(token.tokenId(), "User:alice", "User:admin", List.of("User:bob"), T0,
                T0 + 3 * DAY, T0 + DAY), token);
        assertEquals(22, token.tokenId().length());
        DelegationTokenRecord record = (DelegationTokenRecord) r.records().get(0);
        assertEquals(token.tokenId(), record.tokenId());
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
        assertArrayEquals(mac.doFinal(token.tokenId().getBytes(StandardCharsets.UTF_8)),
                SETTINGS.hmac(token.tokenId()));
        // A shorter lifetime is kept; one past the maximum is cut to it.
        assertEquals(T0 + 3600_000L, control.create(MetadataImage.EMPTY, new DelegationTokenCreation("User:a",
                "User:a", List.of(), 3600_000L), T0).response().key().maxTimestamp());
        assertEquals(T0 + 3 * DAY, control.create(MetadataImage.EMPTY, new DelegationTokenCreation("User:a",
                "User:a", List.of(), 30 * DAY), T0).response().key().maxTimestamp());
    }

    @Test
    void refusesWithoutASecretAndForPrincipalsThatAreNotUsers() {
        DelegationTokenControl disabled = new DelegationTokenControl(DelegationTokenSettings.fromProps(Map.of()),
                UUID::randomUUID);
        var r = disabled.create(MetadataImage.EMPTY, new DelegationTokenCreation("User:a", "User:a", List.of(), -1),
                T0);
        assertEquals(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, r.response().error());
        assertTrue(r.records().isEmpty());
        assertEquals(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED,
                disabled.renew(MetadataImage.EMPTY, new byte[64], "User:a", -1, T0).response().error());
        assertEquals(ErrorCode.INVALID_PRINCIPAL_TYPE, control.create(MetadataImage.EMPTY,
                new DelegationTokenCreation("Group:a", "User:a", List.of(), -1), T0).response().error());
        assertEquals(ErrorCode.INVALID_PRINCIPAL_TYPE, control.create(MetadataImage.EMPTY,
                new DelegationTokenCreation("User:a", "User:a", List.of("Role:x"), -1), T0).response().error());
    }

    @Test
    void renewsForTheOwnerOrARenewerOnly() {
        MetadataImage image = withToken(-1);
        DelegationTokenData token = only(image);
        byte[] hmac = SETTINGS.hmac(token.tokenId());

        var byBob = control.renew(image, hmac, "User:bob", 2 * DAY, T0 + 1000);
        assertEquals(ApiResult.ok(T0 + 1000 + 2 * DAY), byBob.response());
        image = apply(image, byBob);
        assertEquals(T0 + 1000 + 2 * DAY, only(image).expiryTimestamp());
        // Never past the maximum timestamp; a negative period is the default expiry time.
        assertEquals(T0 + 3 * DAY, control.renew(image, hmac, "User:alice", 10 * DAY, T0 + 2000).response().key());
        assertEquals(T0 + 2000 + DAY, control.renew(image, hmac, "User:alice", -1, T0 + 2000).response().key());

        assertEquals(ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH,
                control.renew(image, hmac, "User:admin", DAY, T0).response().error());
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                control.renew(image, new byte[64], "User:alice", DAY, T0).response().error());
        var late = control.renew(image, hmac, "User:alice", DAY, T0 + 3 * DAY + 1);
        assertEquals(ErrorCode.DELEGATION_TOKEN_EXPIRED, late.response().error());
        assertEquals(-1L, late.response().key());
        assertTrue(late.records().isEmpty());
    }

    @Test
    void expiresLaterOrRemovesAtOnceAndTheSweepRemovesExpiredTokens() {
        MetadataImage image = withToken(-1);
        DelegationTokenData token = only(image);
        byte[] hmac = SETTINGS.hmac(token.tokenId());

        var soon = control.expire(image, hmac, "User:alice", 5000, T0 + 10);
        assertEquals(ApiResult.ok(T0 + 5010), soon.response());
        image = apply(image, soon);
        assertEquals(T0 + 5010, only(image).expiryTimestamp());

        // The sweep leaves it until it has expired, then removes it.
        assertEquals(0, control.removeExpired(image, T0 + 5010).response());
        var sweep = control.removeExpired(image, T0 + 5011);
        assertEquals(1, sweep.response());
        assertEquals(List.of(new RemoveDelegationTokenRecord().setTokenId(token.tokenId())), sweep.records());
        assertTrue(applyOnly(image, sweep).delegationTokens().isEmpty());

        assertEquals(ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH,
                control.expire(image, hmac, "User:eve", -1, T0).response().error());
        var now = control.expire(image, hmac, "User:bob", -1, T0 + 20);
        assertEquals(ApiResult.ok(T0 + 20), now.response());
        MetadataImage removed = apply(image, now);
        assertNull(removed.delegationTokens().get(token.tokenId()));
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                control.expire(removed, hmac, "User:alice", -1, T0).response().error());
    }

    @Test
    void aSnapshotRebuildsTheTokensAndAControllerActiveOverItFindsThemByHmac() {
        MetadataImage image = withToken(-1);
        MetadataDelta fromSnapshot = new MetadataDelta(MetadataImage.EMPTY);
        fromSnapshot.replaySnapshot(image.toRecords(), image.offset() + 1, 1);
        MetadataImage rebuilt = fromSnapshot.apply();
        assertEquals(image.delegationTokens(), rebuilt.delegationTokens());
        DelegationTokenData token = only(rebuilt);
        byte[] hmac = SETTINGS.hmac(token.tokenId());

        DelegationTokenControl next = new DelegationTokenControl(SETTINGS, UUID::randomUUID);
        next.rebuild(rebuilt);
        assertEquals(ApiResult.ok(T0 + 10 + DAY), next.renew(rebuilt, hmac, "User:alice", DAY, T0 + 10).response());
        // Another secret makes other HMACs: the token is not found by this one.
        DelegationTokenControl other = new DelegationTokenControl(DelegationTokenSettings.fromProps(Map.of(
                "delegation.token.secret.key", "other")), UUID::randomUUID);
        other.rebuild(rebuilt);
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                other.renew(rebuilt, hmac, "User:alice", DAY, T0).response().error());
        // The deprecated alias enables tokens too.
        assertTrue(DelegationTokenSettings.fromProps(Map.of("delegation.token.master.key", "k")).enabled());
    }

    @Test
    void amongManyTokensRenewAndExpireFindTheOneWithTheHmacWithoutRecomputingHmacs() {
        AtomicInteger hmacs = new AtomicInteger();
        DelegationTokenControl counting = new DelegationTokenControl(SETTINGS, () -> new UUID(9, ids.getAndIncrement()),
                id -> {
                    hmacs.incrementAndGet();
                    return SETTINGS.hmac(id);
                });
        int n = 2000;
        MetadataImage image = MetadataImage.EMPTY;
        List<String> created = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var r = counting.create(image, new DelegationTokenCreation("User:u" + i, "User:u" + i, List.of(), -1), T0);
            counting.replay(r.records());
            image = applyOnly(image, r);
            created.add(r.response().key().tokenId());
        }
        // One HMAC per token, as its record was replayed.
        assertEquals(n, hmacs.get());

        String renewed = created.get(1234);
        var renew = counting.renew(image, SETTINGS.hmac(renewed), "User:u1234", 2 * DAY, T0 + 5);
        assertEquals(ApiResult.ok(T0 + 5 + 2 * DAY), renew.response());
        assertEquals(List.of(image.delegationTokens().get(renewed).withExpiry(T0 + 5 + 2 * DAY).toRecord()),
                renew.records());
        counting.replay(renew.records());
        image = applyOnly(image, renew);
        // The token's owner is checked against the token the HMAC names, not another one's.
        assertEquals(ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH,
                counting.renew(image, SETTINGS.hmac(created.get(7)), "User:u1234", DAY, T0).response().error());

        String expired = created.get(42);
        var expire = counting.expire(image, SETTINGS.hmac(expired), "User:u42", -1, T0 + 6);
        assertEquals(List.of(new RemoveDelegationTokenRecord().setTokenId(expired)), expire.records());
        counting.replay(expire.records());
        image = applyOnly(image, expire);
        assertEquals(n - 1, image.delegationTokens().size());
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                counting.expire(image, SETTINGS.hmac(expired), "User:u42", -1, T0).response().error());
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                counting.renew(image, new byte[64], "User:u1", DAY, T0).response().error());
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                counting.renew(image, null, "User:u1", DAY, T0).response().error());
        // Renew, expire and the lookups of unknown HMACs computed none.
        assertEquals(n, hmacs.get());

        // A controller that becomes active over this image computes each HMAC once, and only once.
        hmacs.set(0);
        DelegationTokenControl next = new DelegationTokenControl(SETTINGS, UUID::randomUUID, id -> {
            hmacs.incrementAndGet();
            return SETTINGS.hmac(id);
        });
        next.rebuild(image);
        next.rebuild(image);
        assertEquals(n - 1, hmacs.get());
        assertEquals(ApiResult.ok(T0 + 7 + DAY), next.renew(image, SETTINGS.hmac(created.get(1999)), "User:u1999",
                DAY, T0 + 7).response());
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND,
                next.renew(image, SETTINGS.hmac(expired), "User:u42", DAY, T0).response().error());
    }

    @Test
    void theIndexForgetsRemovedTokensAndARebuildDropsTokensTheImageNoLongerHolds() {
        DelegationTokenIndex index = new DelegationTokenIndex(SETTINGS::hmac);
        index.replay(List.of(new DelegationTokenRecord().setTokenId("a"), new DelegationTokenRecord().setTokenId("b"),
                new DelegationTokenRecord().setTokenId("a")));
        assertEquals(2, index.size());
        assertEquals("a", index.tokenId(SETTINGS.hmac("a")));
        index.replay(List.of(new RemoveDelegationTokenRecord().setTokenId("a")));
        assertNull(index.tokenId(SETTINGS.hmac("a")));
        assertEquals("b", index.tokenId(SETTINGS.hmac("b")));
        DelegationTokenData c = new DelegationTokenData("c", "User:x", "User:x", List.of(), T0, T0 + DAY, T0 + DAY);
        index.rebuild(Map.of("c", c));
        assertEquals(1, index.size());
        assertNull(index.tokenId(SETTINGS.hmac("b")));
        assertEquals("c", index.tokenId(SETTINGS.hmac("c")));
    }
}
