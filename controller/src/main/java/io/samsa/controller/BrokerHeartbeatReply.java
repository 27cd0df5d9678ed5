package io.samsa.controller;

/**
 * The controller's answer to a heartbeat: whether the broker has caught up with the metadata log (it has applied
 * its own registration), whether it is fenced after this heartbeat, and whether it may shut down now (a controlled
 * shutdown it asked for is complete). Immutable.
 */
public record BrokerHeartbeatReply(boolean isCaughtUp, boolean isFenced, boolean shouldShutDown) {
}
