package io.samsa.controller;

import java.util.List;

/**
 * One CreateDelegationToken (KIP-48, KIP-373): the token's owner, the principal that asks for it and the renewers,
 * each {@code type:name}, and the lifetime asked for (0 or less: {@code delegation.token.max.lifetime.ms}). The
 * caller has checked that the requester may create tokens for the owner. Immutable.
 */
public record DelegationTokenCreation(String owner, String requester, List<String> renewers, long maxLifetimeMs) {
    public DelegationTokenCreation {
        renewers = List.copyOf(renewers);
    }
}
