package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Only the connection a broker heartbeats on now reports its loss, once, with the epoch it heartbeated in. */
class BrokerConnectionsTest {
    private final List<String> lost = new ArrayList<>();
    private final BrokerConnections connections = new BrokerConnections((id, epoch) -> {
        lost.add(id + "@" + epoch);
        return CompletableFuture.completedFuture(true);
    });

    private static InetSocketAddress from(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void theLatestConnectionOfABrokerReportsItsLoss() {
        connections.heartbeat(from(1001), 1, 10);
        connections.heartbeat(from(1002), 2, 20);
        connections.heartbeat(from(1001), 1, 10);
        assertEquals(2, connections.size());
        connections.closed(from(1001));
        assertEquals(List.of("1@10"), lost);
        connections.closed(from(1001));
        assertEquals(List.of("1@10"), lost, "once");
        connections.closed(from(9999));
        assertEquals(List.of("1@10"), lost, "a connection nobody heartbeated on: a client's");
    }

    @Test
    void aBrokerThatReconnectedIsNotReportedForItsOldConnection() {
        connections.heartbeat(from(1001), 1, 10);
        connections.heartbeat(from(1003), 1, 11);
        connections.closed(from(1001));
        assertEquals(List.of(), lost);
        connections.closed(from(1003));
        assertEquals(List.of("1@11"), lost);
        assertEquals(0, connections.size());
    }
}
