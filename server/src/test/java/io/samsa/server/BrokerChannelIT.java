package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerEndpoints;
import io.samsa.replication.BrokerResponse;
import io.samsa.replication.NettyBrokerChannel;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * replication's {@link NettyBrokerChannel} against a running single-node broker: the broker's own channel (node
 * addresses from its hosted metadata image) round-trips ApiVersions and Metadata, pipelines many requests on one
 * connection, and a channel of the test's own reports a refused connection, an unknown node and a request timeout
 * with Kafka's error codes, then reconnects.
 */
@Timeout(60)
class BrokerChannelIT {
    private static EmbeddedBroker broker;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of());
        broker.createTopic("channel-topic", 2, Map.of());
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stop() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        broker.close();
    }

    private static int nodeId() {
        return broker.broker().config().nodeId();
    }

    private static BrokerChannel channel(BrokerEndpoints endpoints, int requestTimeoutMs) {
        return new NettyBrokerChannel(group, NioSocketChannel.class, endpoints,
                new NettyBrokerChannel.Settings("channel-it", requestTimeoutMs, 2_000, 20, 200, 1 << 20));
    }

    private static SamsaException failure(CompletableFuture<BrokerResponse> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
        return assertInstanceOf(SamsaException.class, e.getCause());
    }

    @Test
    void theBrokersOwnChannelRoundTripsApiVersionsAndMetadata() throws Exception {
        BrokerChannel ch = broker.broker().services().brokerChannel();
        try (BrokerResponse r = ch.send(nodeId(), new ApiVersionsRequest().setClientSoftwareName("samsa")
                .setClientSoftwareVersion("test"), (short) 3).get(10, TimeUnit.SECONDS)) {
            ApiVersionsResponse v = r.body(ApiVersionsResponse.class);
            assertEquals(0, v.errorCode());
            assertTrue(v.apiKeys().stream().anyMatch(k -> k.apiKey() == 0 && k.maxVersion() == 13),
                    v.apiKeys().toString());
        }
        try (BrokerResponse r = ch.send(nodeId(), new ApiVersionsRequest(), (short) 0).get(10, TimeUnit.SECONDS)) {
            assertEquals(0, r.body(ApiVersionsResponse.class).errorCode(), "v0: a non-flexible header");
        }
        try (BrokerResponse r = ch.send(nodeId(), new MetadataRequest().setTopics(null), (short) 12)
                .get(10, TimeUnit.SECONDS)) {
            MetadataResponse m = r.body(MetadataResponse.class);
            assertEquals(1, m.brokers().size());
            assertEquals(nodeId(), m.brokers().get(0).nodeId());
            assertEquals(broker.port(), m.brokers().get(0).port());
            assertTrue(m.topics().stream().anyMatch(t -> t.name().equals("channel-topic")
                    && t.partitions().size() == 2), m.topics().toString());
        }
    }

    @Test
    void manyRequestsInFlightOnOneConnectionComeBackToTheirOwnFutures() throws Exception {
        BrokerChannel ch = broker.broker().services().brokerChannel();
        List<CompletableFuture<BrokerResponse>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(i % 2 == 0 ? ch.send(nodeId(), new ApiVersionsRequest(), (short) 2)
                    : ch.send(nodeId(), new MetadataRequest().setTopics(null), (short) 9));
        }
        for (int i = 0; i < futures.size(); i++) {
            try (BrokerResponse r = futures.get(i).get(10, TimeUnit.SECONDS)) {
                Class<?> expected = i % 2 == 0 ? ApiVersionsResponse.class : MetadataResponse.class;
                assertEquals(expected, r.body().getClass(), "response " + i);
            }
        }
    }

    @Test
    void aRefusedConnectionAndAnUnknownNodeFailWithKafkasCodes() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        int refusedNode = 7;
        try (BrokerChannel ch = channel(id -> id == refusedNode
                ? new BrokerEndpoints.BrokerAddress("127.0.0.1", closedPort) : null, 15_000)) {
            long start = System.nanoTime();
            SamsaException refused = failure(ch.send(refusedNode, new ApiVersionsRequest(), (short) 3));
            assertEquals(ErrorCode.NETWORK_EXCEPTION, refused.errorCode());
            assertTrue(refused.getMessage().startsWith("Cannot connect to node 7 at 127.0.0.1:" + closedPort),
                    refused.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "failed fast, not by timeout");
            SamsaException again = failure(ch.send(refusedNode, new ApiVersionsRequest(), (short) 3));
            assertEquals(ErrorCode.NETWORK_EXCEPTION, again.errorCode(), "after the backoff, tried and refused again");
            assertEquals(ErrorCode.BROKER_NOT_AVAILABLE,
                    failure(ch.send(99, new ApiVersionsRequest(), (short) 3)).errorCode());
        }
    }

    @Test
    void aSilentBrokerTimesOutAndTheNextRequestReconnects() throws Exception {
        BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
        List<Socket> all = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "silent-broker");
            acceptor.setDaemon(true);
            acceptor.start();
            int port = silent.getLocalPort();
            try (BrokerChannel ch = channel(id -> new BrokerEndpoints.BrokerAddress("127.0.0.1", port), 300)) {
                SamsaException timedOut = failure(ch.send(5, new ApiVersionsRequest(), (short) 3));
                assertEquals(ErrorCode.REQUEST_TIMED_OUT, timedOut.errorCode());
                assertEquals("ApiVersions request to node 5 got no response within 300 ms", timedOut.getMessage());
                Socket first = accepted.poll(10, TimeUnit.SECONDS);
                assertNotNull(first);
                all.add(first);
                InputStream in = first.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                int total = 0;
                while ((n = in.read(buf)) >= 0) {
                    total += n;
                }
                assertTrue(total > 4, "the request arrived, then the timeout closed the connection");

                SamsaException second = failure(ch.send(5, new ApiVersionsRequest(), (short) 3));
                assertEquals(ErrorCode.REQUEST_TIMED_OUT, second.errorCode());
                Socket reconnected = accepted.poll(10, TimeUnit.SECONDS);
                assertNotNull(reconnected, "a new connection for the next request");
                all.add(reconnected);
            }
        } finally {
            for (Socket s : all) {
                s.close();
            }
        }
    }

    @Test
    void closingFailsWhatIsInFlight() throws Exception {
        int[] port = new int[1];
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            port[0] = silent.getLocalPort();
            BrokerChannel ch = channel(id -> new BrokerEndpoints.BrokerAddress("127.0.0.1", port[0]), 30_000);
            CompletableFuture<BrokerResponse> pending = ch.send(4, new ApiVersionsRequest(), (short) 3);
            ch.close();
            SamsaException e = failure(pending);
            assertEquals(ErrorCode.NETWORK_EXCEPTION, e.errorCode());
            assertNotNull(e.getMessage());
            assertEquals(ErrorCode.NETWORK_EXCEPTION,
                    failure(ch.send(4, new ApiVersionsRequest(), (short) 3)).errorCode());
        }
    }
}
