package io.samsa.metadata;

import io.samsa.metadata.record.DelegationTokenRecord;
import java.util.List;

/**
 * One delegation token as a DelegationTokenRecord set it (KIP-48, KIP-373, KIP-900): its id, its owner and the
 * principal that asked for it, the renewers, and its issue, maximum and expiry times (ms). Principals are written
 * {@code type:name}. The HMAC is not part of it: {@link DelegationTokenSettings#hmac} recomputes it from the id.
 *
 * <p>Immutable.
 */
public record DelegationTokenData(String tokenId, String owner, String requester, List<String> renewers,
                                  long issueTimestamp, long maxTimestamp, long expiryTimestamp) {
    public DelegationTokenData {
        renewers = List.copyOf(renewers);
    }

    static DelegationTokenData fromRecord(DelegationTokenRecord r) {
        return new DelegationTokenData(r.tokenId(), r.owner(), r.requester(), r.renewers(), r.issueTimestamp(),
                r.maxTimestamp(), r.expirationTimestamp());
    }

    public DelegationTokenRecord toRecord() {
        return new DelegationTokenRecord().setTokenId(tokenId).setOwner(owner).setRequester(requester)
                .setRenewers(renewers).setIssueTimestamp(issueTimestamp).setMaxTimestamp(maxTimestamp)
                .setExpirationTimestamp(expiryTimestamp);
    }

    /** This token with a new expiry time. */
    public DelegationTokenData withExpiry(long expiry) {
        return new DelegationTokenData(tokenId, owner, requester, renewers, issueTimestamp, maxTimestamp, expiry);
    }

    /** Whether {@code principal} ({@code type:name}) may renew or expire it: the owner or a renewer, as in Kafka. */
    public boolean ownerOrRenewer(String principal) {
        return owner.equals(principal) || renewers.contains(principal);
    }

    /** Whether {@code principal} sees it in DescribeDelegationToken without an ACL: owner, requester or renewer. */
    public boolean describableBy(String principal) {
        return ownerOrRenewer(principal) || requester.equals(principal);
    }

    /** Whether it has expired at {@code now}: past its expiry or its maximum time. */
    public boolean expired(long now) {
        return maxTimestamp < now || expiryTimestamp < now;
    }
}
