package io.samsa.server.cluster;

import io.samsa.controller.Controller;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which broker heartbeats on which connection of the controller listener, so that the controller hears at once
 * when a broker's process dies (its connections close with it) instead of after {@code broker.session.timeout.ms}:
 * the broker is fenced then ({@link Controller#brokerConnectionLost}) and its leaderships move. Only the
 * connection a broker heartbeated on last counts: a broker that already reconnected is not fenced for the old one.
 *
 * <p>Thread-safe: heartbeats and closes come from the connections' event loops.
 */
public final class BrokerConnections {
    private static final Logger log = LoggerFactory.getLogger(BrokerConnections.class);

    private record Heartbeater(int brokerId, long brokerEpoch) {
    }

    /** What is told of a lost connection: {@link Controller#brokerConnectionLost}. */
    public interface LostConnection {
        CompletableFuture<Boolean> lost(int brokerId, long brokerEpoch);
    }

    private final LostConnection controller;
    private final Map<InetSocketAddress, Heartbeater> byConnection = new ConcurrentHashMap<>();
    private final Map<Integer, InetSocketAddress> latest = new ConcurrentHashMap<>();

    public BrokerConnections(LostConnection controller) {
        this.controller = controller;
    }

    /** Broker {@code brokerId} (registered in {@code brokerEpoch}) heartbeated on the connection from {@code from}. */
    public void heartbeat(InetSocketAddress from, int brokerId, long brokerEpoch) {
        if (from == null) {
            return;
        }
        byConnection.put(from, new Heartbeater(brokerId, brokerEpoch));
        latest.put(brokerId, from);
    }

    /** The connection from {@code from} closed. */
    public void closed(InetSocketAddress from) {
        if (from == null) {
            return;
        }
        Heartbeater h = byConnection.remove(from);
        if (h == null || !latest.remove(h.brokerId(), from)) {
            return;
        }
        controller.lost(h.brokerId(), h.brokerEpoch()).whenComplete((fenced, e) -> {
            if (e != null) {
                log.debug("Broker {}'s connection closed; not fenced: {}", h.brokerId(), e.toString());
            }
        });
    }

    /** How many connections carry heartbeats now (tests). */
    int size() {
        return byConnection.size();
    }
}
