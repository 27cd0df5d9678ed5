package io.samsa.controller;

/**
 * A registered broker's heartbeat (BrokerHeartbeat, KIP-631): its id and broker epoch, the offset of the last
 * metadata record it has applied, whether it wants to stay fenced (it is not ready to serve yet) and whether it
 * wants to shut down (controlled shutdown: leadership moves off it first). Immutable.
 */
public record BrokerHeartbeatRequest(int brokerId, long brokerEpoch, long currentMetadataOffset, boolean wantFence,
                                     boolean wantShutDown) {
}
