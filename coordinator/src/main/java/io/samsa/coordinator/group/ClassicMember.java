package io.samsa.coordinator.group;

import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.SyncGroupResponse;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a classic group: identity, timeouts, the protocols it supports with their metadata, its
 * assignment, and the JoinGroup/SyncGroup request parked while a rebalance runs. Event thread only.
 */
final class ClassicMember {
    /** One protocol (assignor) the member supports, with its subscription bytes. */
    record Protocol(String name, byte[] metadata) {
    }

    String memberId;
    final String instanceId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = new byte[0];
    CompletableFuture<JoinGroupResponse> awaitingJoin;
    short joinVersion;
    CompletableFuture<SyncGroupResponse> awaitingSync;
    boolean isNew;

    ClassicMember(String memberId, String instanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
                  int sessionTimeoutMs, List<Protocol> protocols) {
        this.memberId = memberId;
        this.instanceId = instanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = protocols;
    }

    /** The metadata for {@code protocol}, or null when the member does not support it. */
    byte[] metadata(String protocol) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocol)) {
                return p.metadata();
            }
        }
        return null;
    }

    boolean supports(String protocol) {
        return metadata(protocol) != null;
    }

    /** Whether {@code other} lists the same protocols, in the same order, with the same metadata. */
    boolean sameProtocols(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            Protocol a = protocols.get(i);
            Protocol b = other.get(i);
            if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) {
                return false;
            }
        }
        return true;
    }

    boolean isStatic() {
        return instanceId != null;
    }
}
