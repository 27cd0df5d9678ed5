package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.samsa.replication.AddressResolver;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerEndpoints;
import io.samsa.replication.BrokerResponse;
import io.samsa.replication.ChannelSecurity;
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
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * replication's {@link NettyBrokerChannel} against a running single-node broker: the broker's own channel (node
 * addresses from its hosted metadata image) round-trips ApiVersions and Metadata, pipelines many requests on one
 * connection, and a channel of the test's own reports a refused connection, an unknown node and a request timeout
 * with Kafka's error codes, then reconnects. Host names are looked up off the event loop by an
 * {@link AddressResolver} whose lookup the tests replace: one that blocks, one that knows a name late, one that gives
 * an address that refuses before one that accepts.
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
        // The JDK reads its net.properties once, when the first java.net socket is made (SocketImpl's class
        // initialization): here, not on the test's event loop when a test that connects first runs first.
        new Socket().close();
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
        return channel(endpoints, requestTimeoutMs, AddressResolver.jdk());
    }

    private static BrokerChannel channel(BrokerEndpoints endpoints, int requestTimeoutMs, AddressResolver resolver) {
        return new NettyBrokerChannel(group, NioSocketChannel.class, endpoints,
                new NettyBrokerChannel.Settings("channel-it", requestTimeoutMs, 2_000, 20, 200, 1 << 20),
                ChannelSecurity.PLAINTEXT, resolver);
    }

    private static InetAddress address(String host, int lastByte) throws UnknownHostException {
        return InetAddress.getByAddress(host, new byte[] {127, 0, 0, (byte) lastByte});
    }

    private static void roundTrip(BrokerChannel ch, int node) throws Exception {
        try (BrokerResponse r = ch.send(node, new ApiVersionsRequest().setClientSoftwareName("samsa")
                .setClientSoftwareVersion("test"), (short) 3).get(10, TimeUnit.SECONDS)) {
            assertEquals(0, r.body(ApiVersionsResponse.class).errorCode());
        }
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

    @Test
    void aBlockedLookupDoesNotDelayAnotherConnectionOnTheSameLoop() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AddressResolver resolver = new AddressResolver(host -> {
            if (host.equals("stalled.samsa.test")) {
                stalled.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {address(host, 1)};
        }, "channel-it-resolver");
        int port = broker.port();
        // One event loop in this test's group: both connections live on it.
        try (BrokerChannel ch = channel(id -> new BrokerEndpoints.BrokerAddress(id == 1 ? "stalled.samsa.test"
                : "broker.samsa.test", port), 15_000, resolver)) {
            CompletableFuture<BrokerResponse> blocked = ch.send(1, new ApiVersionsRequest(), (short) 3);
            assertTrue(stalled.await(10, TimeUnit.SECONDS), "node 1's lookup started");
            for (int i = 0; i < 20; i++) {
                roundTrip(ch, 2);
            }
            assertEquals(1, release.getCount(), "node 2 connected and answered while node 1's lookup was blocked");
            // The blocked lookup fails its connect after the connect timeout (2 s here), not the request timeout.
            long start = System.nanoTime();
            SamsaException e = failure(blocked);
            assertEquals(ErrorCode.NETWORK_EXCEPTION, e.errorCode());
            assertEquals("Cannot connect to node 1 at stalled.samsa.test:" + port + ": cannot resolve "
                    + "stalled.samsa.test: java.util.concurrent.TimeoutException: no answer within 2000 ms",
                    e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
            roundTrip(ch, 2);
        } finally {
            release.countDown();
        }
    }

    @Test
    void anUnknownHostIsLookedUpAgainOnEachAttemptAndConnectsOnceItResolves() throws Exception {
        AtomicBoolean known = new AtomicBoolean();
        AtomicInteger lookups = new AtomicInteger();
        AddressResolver resolver = new AddressResolver(host -> {
            lookups.incrementAndGet();
            if (!known.get()) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {address(host, 1)};
        }, "channel-it-resolver");
        int port = broker.port();
        try (BrokerChannel ch = channel(id -> new BrokerEndpoints.BrokerAddress("late.samsa.test", port), 15_000,
                resolver)) {
            SamsaException unknown = failure(ch.send(3, new ApiVersionsRequest(), (short) 3));
            assertEquals(ErrorCode.NETWORK_EXCEPTION, unknown.errorCode());
            assertEquals("Cannot connect to node 3 at late.samsa.test:" + port + ": cannot resolve late.samsa.test: "
                    + "java.net.UnknownHostException: late.samsa.test", unknown.getMessage());
            assertEquals(ErrorCode.NETWORK_EXCEPTION, failure(ch.send(3, new ApiVersionsRequest(), (short) 3))
                    .errorCode());
            assertEquals(2, lookups.get(), "the next attempt, after the backoff, looked the name up again");
            known.set(true);
            roundTrip(ch, 3);
            assertEquals(3, lookups.get());
        }
    }

    @Test
    void everyAddressOfANameIsTriedInTurn() throws Exception {
        int port = broker.port();
        // The broker listens on 127.0.0.1 only: 127.0.0.2 refuses.
        AddressResolver resolver = new AddressResolver(host -> host.equals("gone.samsa.test")
                ? new InetAddress[] {address(host, 2)} : new InetAddress[] {address(host, 2), address(host, 1)},
                "channel-it-resolver");
        try (BrokerChannel ch = channel(id -> new BrokerEndpoints.BrokerAddress(id == 4 ? "gone.samsa.test"
                : "two.samsa.test", port), 15_000, resolver)) {
            SamsaException refused = failure(ch.send(4, new ApiVersionsRequest(), (short) 3));
            assertEquals(ErrorCode.NETWORK_EXCEPTION, refused.errorCode());
            assertTrue(refused.getMessage().startsWith("Cannot connect to node 4 at gone.samsa.test:" + port + ": "),
                    refused.getMessage());
            roundTrip(ch, 5);
        }
    }
}
