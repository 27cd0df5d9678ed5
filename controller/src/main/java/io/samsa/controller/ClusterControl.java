package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.BrokerRegistrationChangeRecord;
import io.samsa.metadata.record.UnregisterBrokerRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The brokers of the cluster (KIP-631): registration, heartbeats, fencing and unfencing, controlled shutdown and
 * unregistration, each as records. A broker registers fenced, with the offset of its registration record as its
 * broker epoch; it is unfenced by the first heartbeat that does not ask to stay fenced once it has applied the
 * metadata up to its registration; it is fenced again when it asks to, when its session expires (no heartbeat for
 * {@code broker.session.timeout.ms}), when a new process registers with its id, or when it completes a controlled
 * shutdown. A broker registering again after an unclean shutdown (KIP-966: without its previous broker epoch) also
 * leaves the eligible leader replicas. A broker that asks to shut down first enters controlled shutdown: leadership
 * and ISR membership move off it; the heartbeat that follows once those records are committed and every usable broker
 * has applied them tells it to shut down, and fences it. It stays in controlled shutdown, whatever its heartbeats ask
 * and fenced or not, until it registers again: only a new registration unfences it.
 *
 * <p>Not thread-safe: the controller's executor only. Each method validates against the working image and returns
 * the records to append; the session state in {@link BrokerHeartbeats} changes at once.
 */
final class ClusterControl {
    private static final Logger log = LoggerFactory.getLogger(ClusterControl.class);

    private final String prefix;
    private final BrokerHeartbeats heartbeats;
    private final LeaderMoves moves;

    ClusterControl(String prefix, BrokerHeartbeats heartbeats, LeaderMoves moves) {
        this.prefix = prefix;
        this.heartbeats = heartbeats;
        this.moves = moves;
    }

    BrokerHeartbeats heartbeats() {
        return heartbeats;
    }

    ControllerResult<BrokerRegistration> register(MetadataImage image, BrokerRegistrationRequest r, long nowMs) {
        int id = r.brokerId();
        if (id < 0) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "Invalid node id " + id);
        }
        if (r.clusterId() != null && image.clusterId() != null && !r.clusterId().equals(image.clusterId())) {
            throw new SamsaException(ErrorCode.INCONSISTENT_CLUSTER_ID, "Expected cluster ID " + image.clusterId()
                + ", but got cluster ID " + r.clusterId());
        }
        for (Map.Entry<String, Short> f : image.features().entrySet()) {
            BrokerRegistration.VersionRange range = r.features().get(f.getKey());
            if (range != null && !range.contains(f.getValue())) {
                throw new SamsaException(ErrorCode.UNSUPPORTED_VERSION, "Unable to register because the broker does"
                    + " not support finalized version " + f.getValue() + " of " + f.getKey() + ". The broker wants a"
                    + " version between " + range.min() + " and " + range.max() + ", inclusive.");
            }
        }
        BrokerRegistration existing = image.broker(id);
        if (existing != null && !existing.fenced() && !existing.incarnationId().equals(r.incarnationId())
                && heartbeats.hasLiveSession(id, r.incarnationId(), nowMs)) {
            throw new SamsaException(ErrorCode.DUPLICATE_BROKER_REGISTRATION, "Another broker is registered with"
                + " that broker id (node " + id + ", incarnation " + existing.incarnationId() + ").");
        }
        // The registration is the batch's first record: its offset, the broker epoch, follows the working image.
        BrokerRegistration registration = new BrokerRegistration(id, image.offset() + 1, r.incarnationId(), r.rack(),
            r.listeners(), r.features(), true, false);
        List<Message> records = new ArrayList<>();
        records.add(registration.toRecord());
        if (existing != null) {
            // The previous process of this broker is gone: it leads nothing and leaves the ISRs. With eligible leader
            // replicas, a process that did not shut down cleanly (its previous epoch is not the registered one) may
            // have lost records: it leaves the ELR too (KIP-966).
            boolean unclean = LeaderMoves.elrEnabled(image) && !existing.incarnationId().equals(r.incarnationId())
                && r.previousBrokerEpoch() != existing.brokerEpoch();
            if (unclean) {
                log.info("{}Broker {} registers after an unclean shutdown (previous epoch {}, registered {}): it"
                    + " leaves the eligible leader replicas", prefix, id, r.previousBrokerEpoch(),
                    existing.brokerEpoch());
            }
            moves.leaving(image, id, unclean, records);
        }
        heartbeats.registered(id, r.incarnationId(), nowMs);
        log.info("{}Registering broker {} in epoch {} (incarnation {}, rack {}, listeners {})", prefix, id,
            registration.brokerEpoch(), r.incarnationId(), r.rack(), r.listeners());
        return new ControllerResult<>(records, registration);
    }

    ControllerResult<BrokerHeartbeatReply> heartbeat(MetadataImage image, BrokerHeartbeatRequest r, long nowMs,
                                                     long committedOffset) {
        BrokerRegistration b = registered(image, r.brokerId(), r.brokerEpoch());
        int id = b.nodeId();
        BrokerHeartbeats.Session s = heartbeats.touch(id, b.incarnationId(), nowMs, r.currentMetadataOffset());
        boolean caughtUp = r.currentMetadataOffset() >= b.brokerEpoch();
        List<Message> records = new ArrayList<>();
        boolean fenced = b.fenced();
        boolean shutDown = false;
        if (b.inControlledShutdown()) {
            // KIP-631: controlled shutdown ends only in a new registration. It comes before fencing, as in Kafka, so
            // a broker fenced meanwhile (its session expired) is never unfenced by a heartbeat that no longer asks to
            // shut down (a late one, sent before it asked): it would lead again while flagged as shutting down.
            if (!LeaderMoves.hasLeaderships(image, id) && s.controlledShutdownOffset <= committedOffset
                    && heartbeats.lowestActiveOffset(image) >= s.controlledShutdownOffset) {
                fenced = true;
                shutDown = true;
                if (fence(image, id, b.brokerEpoch(), records)) {
                    log.info("{}Broker {} completed its controlled shutdown", prefix, id);
                }
            }
        } else if (b.fenced()) {
            if (r.wantShutDown()) {
                shutDown = true;
            } else if (!r.wantFence() && caughtUp) {
                records.add(change(b).setFenced((byte) -1));
                moves.becameUsable(image, id, records);
                fenced = false;
                log.info("{}Unfencing broker {} (epoch {}) at metadata offset {}", prefix, id, b.brokerEpoch(),
                    r.currentMetadataOffset());
            }
        } else if (r.wantShutDown()) {
            if (LeaderMoves.hasLeaderships(image, id)) {
                records.add(change(b).setInControlledShutdown((byte) 1));
                moves.leaving(image, id, records);
                s.controlledShutdownOffset = image.offset() + records.size();
                log.info("{}Broker {} entered controlled shutdown; moving its leadership ({} record(s))", prefix,
                    id, records.size());
            } else {
                fenced = true;
                shutDown = true;
                if (fence(image, id, b.brokerEpoch(), records)) {
                    log.info("{}Broker {} leads nothing and shuts down", prefix, id);
                }
            }
        } else if (r.wantFence()) {
            fenced = true;
            if (fence(image, id, b.brokerEpoch(), records)) {
                log.info("{}Fencing broker {} at its request", prefix, id);
            }
        }
        return new ControllerResult<>(records, new BrokerHeartbeatReply(caughtUp, fenced, shutDown));
    }

    /** Fences the first unfenced broker whose session expired, or returns no records when there is none. */
    ControllerResult<Integer> fenceOneExpired(MetadataImage image, long nowMs) {
        List<Integer> expired = heartbeats.expired(image, nowMs);
        if (expired.isEmpty()) {
            return new ControllerResult<>(List.of(), null);
        }
        BrokerRegistration b = image.broker(expired.get(0));
        List<Message> records = new ArrayList<>();
        if (!fence(image, b.nodeId(), b.brokerEpoch(), records)) {
            return new ControllerResult<>(List.of(), null);
        }
        log.warn("{}Fencing broker {} (epoch {}): no heartbeat for {} ms", prefix, b.nodeId(), b.brokerEpoch(),
            heartbeats.sessionTimeoutMs());
        return new ControllerResult<>(records, b.nodeId());
    }

    /**
     * The connection broker {@code id} (registered in {@code epoch}) heartbeated on closed: a process that dies
     * takes its connections with it, so the broker is fenced now rather than after the session timeout (a live
     * broker reconnects, heartbeats and is unfenced again once caught up). Nothing for a broker that is already
     * fenced, shutting down under control, or registered again since.
     */
    ControllerResult<Boolean> connectionLost(MetadataImage image, int id, long epoch) {
        return fenceAtOnce(image, id, epoch, "its connection to the controller closed");
    }

    /**
     * Fences broker {@code id} (registered in {@code epoch}) now, for the reason {@code why} gives (logged), rather
     * than after its session: nothing for a broker that is already fenced, shutting down under control, or registered
     * again since. The value: whether it was fenced.
     */
    ControllerResult<Boolean> fenceAtOnce(MetadataImage image, int id, long epoch, String why) {
        BrokerRegistration b = image.broker(id);
        List<Message> records = new ArrayList<>();
        if (b == null || b.inControlledShutdown() || !fence(image, id, epoch, records)) {
            return new ControllerResult<>(List.of(), false);
        }
        log.warn("{}Fencing broker {} (epoch {}): {}", prefix, id, epoch, why);
        return new ControllerResult<>(records, true);
    }

    ControllerResult<Void> unregister(MetadataImage image, int id) {
        BrokerRegistration b = image.broker(id);
        if (b == null) {
            throw new SamsaException(ErrorCode.BROKER_ID_NOT_REGISTERED, "Broker ID " + id
                + " is not currently registered");
        }
        List<Message> records = new ArrayList<>();
        moves.leaving(image, id, records);
        records.add(new UnregisterBrokerRecord().setBrokerId(id).setBrokerEpoch(b.brokerEpoch()));
        heartbeats.remove(id);
        log.info("{}Unregistering broker {} (epoch {})", prefix, id, b.brokerEpoch());
        return new ControllerResult<>(records, null);
    }

    /**
     * Fences broker {@code id} in {@code epoch}: the one place a fence record is written, for every path that fences
     * (session expiry, a lost connection, the previous quorum leader, a heartbeat that asks to be fenced or to shut
     * down, a completed controlled shutdown). Writes nothing, and returns false, when {@code image} (the working
     * state, with what was appended and is not yet committed) shows that registration fenced already, or shows
     * another registration: two of these paths racing for one broker (the session timer and a heartbeat, a lost
     * connection and a controlled shutdown) fence its epoch once, and its leadership moves once.
     */
    private boolean fence(MetadataImage image, int id, long epoch, List<Message> records) {
        BrokerRegistration b = image.broker(id);
        if (b == null || b.brokerEpoch() != epoch || b.fenced()) {
            return false;
        }
        records.add(change(b).setFenced((byte) 1));
        moves.leaving(image, id, records);
        return true;
    }

    private static BrokerRegistrationChangeRecord change(BrokerRegistration b) {
        return new BrokerRegistrationChangeRecord().setBrokerId(b.nodeId()).setBrokerEpoch(b.brokerEpoch());
    }

    /** The registration of {@code id}, which must have epoch {@code epoch} ({@code STALE_BROKER_EPOCH} else). */
    static BrokerRegistration registered(MetadataImage image, int id, long epoch) {
        BrokerRegistration b = image.broker(id);
        if (b == null || b.brokerEpoch() != epoch) {
            throw new SamsaException(ErrorCode.STALE_BROKER_EPOCH, "Broker " + id + " is not registered with epoch "
                + epoch + (b == null ? "" : " (its epoch is " + b.brokerEpoch() + ")"));
        }
        return b;
    }
}
