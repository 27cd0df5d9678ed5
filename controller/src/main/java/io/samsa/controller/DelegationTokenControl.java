package io.samsa.controller;

import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.RemoveDelegationTokenRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Delegation tokens in the metadata log (KIP-48, KIP-373, KIP-900): CreateDelegationToken, RenewDelegationToken and
 * ExpireDelegationToken as Kafka's token manager answers them, each turned into a DelegationTokenRecord (or a
 * RemoveDelegationTokenRecord when a token is expired at once), and the periodic removal of expired tokens. Tokens
 * are found by their HMAC through a {@link DelegationTokenIndex}, built from the working image when the controller
 * becomes active ({@link #rebuild}) and then following the records it appends ({@link #replay}); the HMAC is never
 * written. Errors: {@code DELEGATION_TOKEN_AUTH_DISABLED} without a secret, {@code INVALID_PRINCIPAL_TYPE} for
 * an owner or renewer that is not a {@code User}, {@code DELEGATION_TOKEN_NOT_FOUND},
 * {@code DELEGATION_TOKEN_OWNER_MISMATCH} for a principal that is neither owner nor renewer,
 * {@code DELEGATION_TOKEN_EXPIRED}. Changes nothing itself.
 *
 * <p>Runs on the controller thread; its state is the index of HMACs, which must follow the working image the
 * operations are given.
 */
final class DelegationTokenControl {
    private final DelegationTokenSettings settings;
    private final Supplier<UUID> uuids;
    private final DelegationTokenIndex index;

    DelegationTokenControl(DelegationTokenSettings settings, Supplier<UUID> uuids) {
        this(settings, uuids, settings::hmac);
    }

    /** With {@code hmac} computing a token id's HMAC: tests count the calls. */
    DelegationTokenControl(DelegationTokenSettings settings, Supplier<UUID> uuids, Function<String, byte[]> hmac) {
        this.settings = settings;
        this.uuids = uuids;
        this.index = new DelegationTokenIndex(hmac);
    }

    /** Follows records appended to the working image (tokens created, renewed, expired, removed). */
    void replay(List<? extends Message> records) {
        if (settings.enabled()) {
            index.replay(records);
        }
    }

    /** Makes the index hold the tokens of {@code image}: the working image of a controller that became active. */
    void rebuild(MetadataImage image) {
        if (settings.enabled()) {
            index.rebuild(image.delegationTokens());
        }
    }

    DelegationTokenSettings settings() {
        return settings;
    }

    ControllerResult<ApiResult<DelegationTokenData>> create(MetadataImage image, DelegationTokenCreation c,
                                                            long now) {
        if (!settings.enabled()) {
            return refuse(null, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
        }
        if (!isUser(c.owner()) || !c.renewers().stream().allMatch(DelegationTokenControl::isUser)) {
            return refuse(null, ErrorCode.INVALID_PRINCIPAL_TYPE);
        }
        String tokenId = tokenId();
        while (image.delegationTokens().containsKey(tokenId)) {
            tokenId = tokenId();
        }
        long lifetime = c.maxLifetimeMs() <= 0 ? settings.maxLifetimeMs()
                : Math.min(c.maxLifetimeMs(), settings.maxLifetimeMs());
        long max = now + lifetime;
        DelegationTokenData token = new DelegationTokenData(tokenId, c.owner(), c.requester(), c.renewers(), now, max,
                Math.min(max, now + settings.expiryTimeMs()));
        return new ControllerResult<>(List.of(token.toRecord()), ApiResult.ok(token));
    }

    /** Renews the token with {@code hmac} by {@code periodMs} (negative: the default expiry time); the new expiry. */
    ControllerResult<ApiResult<Long>> renew(MetadataImage image, byte[] hmac, String principal, long periodMs,
                                            long now) {
        ApiResult<DelegationTokenData> found = find(image, hmac, principal);
        if (!found.isSuccess()) {
            return refuse(-1L, found.error());
        }
        return newExpiry(found.key(), now, periodMs < 0 ? settings.expiryTimeMs() : periodMs);
    }

    /** Expires the token with {@code hmac} in {@code periodMs}, or removes it now when negative; the new expiry. */
    ControllerResult<ApiResult<Long>> expire(MetadataImage image, byte[] hmac, String principal, long periodMs,
                                             long now) {
        ApiResult<DelegationTokenData> found = find(image, hmac, principal);
        if (!found.isSuccess()) {
            return refuse(-1L, found.error());
        }
        DelegationTokenData token = found.key();
        if (periodMs < 0) {
            return new ControllerResult<>(List.of(new RemoveDelegationTokenRecord().setTokenId(token.tokenId())),
                    ApiResult.ok(now));
        }
        return newExpiry(token, now, periodMs);
    }

    /** {@code token} expiring {@code periodMs} after {@code now} (at most at its maximum), unless it has expired. */
    private static ControllerResult<ApiResult<Long>> newExpiry(DelegationTokenData token, long now, long periodMs) {
        if (token.expired(now)) {
            return refuse(-1L, ErrorCode.DELEGATION_TOKEN_EXPIRED);
        }
        long expiry = Math.min(token.maxTimestamp(), now + periodMs);
        return new ControllerResult<>(List.of(token.withExpiry(expiry).toRecord()), ApiResult.ok(expiry));
    }

    /** Removes every token expired at {@code now}; the number removed. */
    ControllerResult<Integer> removeExpired(MetadataImage image, long now) {
        List<Message> records = new ArrayList<>();
        for (DelegationTokenData t : image.delegationTokens().values()) {
            if (t.expired(now)) {
                records.add(new RemoveDelegationTokenRecord().setTokenId(t.tokenId()));
            }
        }
        return new ControllerResult<>(records, records.size());
    }

    private ApiResult<DelegationTokenData> find(MetadataImage image, byte[] hmac, String principal) {
        if (!settings.enabled()) {
            return new ApiResult<>(null, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED, null);
        }
        String tokenId = index.tokenId(hmac);
        DelegationTokenData token = tokenId == null ? null : image.delegationTokens().get(tokenId);
        if (token == null) {
            return new ApiResult<>(null, ErrorCode.DELEGATION_TOKEN_NOT_FOUND, null);
        }
        if (!token.ownerOrRenewer(principal)) {
            return new ApiResult<>(null, ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH, null);
        }
        return ApiResult.ok(token);
    }

    private static <T> ControllerResult<ApiResult<T>> refuse(T value, ErrorCode error) {
        return new ControllerResult<>(List.of(), new ApiResult<>(value, error, null));
    }

    private static boolean isUser(String principal) {
        return principal != null && principal.startsWith("User:");
    }

    /** A random UUID in URL-safe base64 without padding, as Kafka's token ids are. */
    private String tokenId() {
        UUID id = uuids.get();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }
}
