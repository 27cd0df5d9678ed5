package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the active controller knows of its brokers' sessions, in memory only (KIP-631): when each last heartbeated,
 * the metadata offset it reported, and the offset at which its controlled shutdown's records were written. A new
 * active controller starts every registered broker's session afresh ({@link #activate}), so that a failover fences
 * nobody who keeps heartbeating; only a broker that stops heartbeating for {@code broker.session.timeout.ms} is
 * fenced.
 *
 * <p>Not thread-safe: the controller's executor only.
 */
final class BrokerHeartbeats {
    /** One broker's session. */
    static final class Session {
        /** When the controller last heard from the broker (a heartbeat, or the session's start). */
        long lastContactMs;
        /** Whether this controller has had a heartbeat or registration from the broker itself. */
        boolean heard;
        /** The process it heard from last (its registration's incarnation id), null before. */
        UUID incarnation;
        /** The metadata offset the broker reported last, -1 before its first heartbeat. */
        long metadataOffset = -1;
        /** The last offset of the records of its controlled shutdown, -1 when none is in progress. */
        long controlledShutdownOffset = -1;
    }

    private final long sessionTimeoutMs;
    private final Map<Integer, Session> sessions = new HashMap<>();

    BrokerHeartbeats(long sessionTimeoutMs) {
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    long sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    /** Becoming active: every registered broker gets a fresh session starting now. */
    void activate(MetadataImage image, long nowMs) {
        sessions.clear();
        for (BrokerRegistration b : image.brokers().values()) {
            Session s = new Session();
            s.lastContactMs = nowMs;
            sessions.put(b.nodeId(), s);
        }
    }

    /** A (new) registration of {@code broker} by process {@code incarnation}: its session starts over. */
    Session registered(int broker, UUID incarnation, long nowMs) {
        Session s = new Session();
        s.lastContactMs = nowMs;
        s.heard = true;
        s.incarnation = incarnation;
        sessions.put(broker, s);
        return s;
    }

    /** A heartbeat from {@code broker} (process {@code incarnation}) at {@code metadataOffset}. */
    Session touch(int broker, UUID incarnation, long nowMs, long metadataOffset) {
        Session s = sessions.computeIfAbsent(broker, b -> new Session());
        s.lastContactMs = nowMs;
        s.heard = true;
        s.incarnation = incarnation;
        s.metadataOffset = Math.max(s.metadataOffset, metadataOffset);
        return s;
    }

    Session session(int broker) {
        return sessions.get(broker);
    }

    void remove(int broker) {
        sessions.remove(broker);
    }

    /**
     * Whether a process other than {@code incarnation} holds {@code broker}'s registration: this controller has heard
     * from it within the session timeout. A session only started by {@link #activate} does not count, so that a
     * broker restarted together with the controller (one node) registers at once; nor does one this process started
     * itself (a registration retried, or computed again at another offset).
     */
    boolean hasLiveSession(int broker, UUID incarnation, long nowMs) {
        Session s = sessions.get(broker);
        return s != null && s.heard && !incarnation.equals(s.incarnation)
            && nowMs - s.lastContactMs <= sessionTimeoutMs;
    }

    /** The unfenced brokers of {@code image} whose session expired, by id. */
    List<Integer> expired(MetadataImage image, long nowMs) {
        List<Integer> out = new ArrayList<>();
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.fenced()) {
                continue;
            }
            Session s = sessions.get(b.nodeId());
            if (s == null || nowMs - s.lastContactMs > sessionTimeoutMs) {
                out.add(b.nodeId());
            }
        }
        return out;
    }

    /**
     * The lowest metadata offset reported by a usable broker (unfenced, not shutting down), or
     * {@link Long#MAX_VALUE} when there is none: every broker that may lead has seen what lies below it.
     */
    long lowestActiveOffset(MetadataImage image) {
        long lowest = Long.MAX_VALUE;
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.usable()) {
                Session s = sessions.get(b.nodeId());
                lowest = Math.min(lowest, s == null ? -1 : s.metadataOffset);
            }
        }
        return lowest;
    }
}
