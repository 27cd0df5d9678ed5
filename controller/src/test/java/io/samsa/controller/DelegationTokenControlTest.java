package io.samsa.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

    private static MetadataImage apply(MetadataImage base, ControllerResult<?> result) {
        MetadataDelta delta = new MetadataDelta(base);
        delta.replay(result.records(), base.offset() + 1, 1);
        return delta.apply();
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
        assertTrue(apply(image, sweep).delegationTokens().isEmpty());

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
    void aSnapshotRebuildsTheTokensAndTheirHmacsStillFindThem() {
        MetadataImage image = withToken(-1);
        MetadataDelta fromSnapshot = new MetadataDelta(MetadataImage.EMPTY);
        fromSnapshot.replaySnapshot(image.toRecords(), image.offset() + 1, 1);
        MetadataImage rebuilt = fromSnapshot.apply();
        assertEquals(image.delegationTokens(), rebuilt.delegationTokens());
        DelegationTokenData token = only(rebuilt);
        assertEquals(token, SETTINGS.byHmac(rebuilt.delegationTokens(), SETTINGS.hmac(token.tokenId())));
        assertFalse(DelegationTokenSettings.fromProps(Map.of("delegation.token.secret.key", "other"))
                .byHmac(rebuilt.delegationTokens(), SETTINGS.hmac(token.tokenId())) != null);
        // The deprecated alias enables tokens too.
        assertTrue(DelegationTokenSettings.fromProps(Map.of("delegation.token.master.key", "k")).enabled());
    }
}
