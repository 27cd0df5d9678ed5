package io.samsa.replication;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.samsa.replication.BrokerEndpoints.BrokerAddress;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.frame.FrameDecoder;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.protocol.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link BrokerChannel}: Kafka's wire protocol over one Netty connection per destination node,
 * opened on first use. Requests are framed with a request header at the version's header version
 * ({@link ApiMessageType#requestHeaderVersion}) and a correlation id counted per connection, pipelined (written at
 * once, many in flight), and matched to responses by correlation id.
 *
 * <p>Connecting: each connect looks the node's host up again ({@link AddressResolver}, on threads of its own, never
 * on the event loop: a slow DNS would stall every connection of the loop) and tries the addresses it resolves to in
 * turn until one accepts, as Kafka's {@code client.dns.lookup=use_all_dns_ips}. A lookup that fails, or does not
 * answer within the connect timeout, is a failed connect; it is logged when its outcome changes (fails, resolves
 * again, resolves to other addresses), not on every attempt.
 *
 * <p>Failures: a node without an address fails its requests with BROKER_NOT_AVAILABLE; a refused or timed-out
 * connect (on every address) or a failed lookup fails the requests waiting for it with NETWORK_EXCEPTION, and the
 * next connect waits a backoff that doubles with each failure (with 20% jitter) up to a maximum; requests sent
 * meanwhile wait for that connect. A
 * connection the other node refuses to authenticate ({@link SaslClientHandler}) fails its requests with that
 * error (SASL_AUTHENTICATION_FAILED) and backs off the same way; the count starts again at the first response. A
 * request without a response within its timeout fails with REQUEST_TIMED_OUT and closes the connection (responses
 * come in order, so the rest would be stuck behind it), as Kafka's client does; a closed connection fails its
 * requests in flight with NETWORK_EXCEPTION.
 *
 * <p>Threads: each node's connection state lives on one event loop of the group (chosen when first used) and is
 * touched only there; {@link #send} hands the request over and never blocks; futures complete on that loop. The
 * group belongs to the caller (the broker's worker loops) and is not shut down by {@link #close}.
 */
public final class NettyBrokerChannel implements BrokerChannel {
    private static final Logger log = LoggerFactory.getLogger(NettyBrokerChannel.class);
    /** How {@link Connection#lookupOutcome} starts for a lookup that failed. */
    private static final String FAILED_LOOKUP = "failed: ";

    /**
     * @param clientId              the client id in every request header
     * @param requestTimeoutMs      how long a request waits for its response (connecting included)
     * @param connectTimeoutMs      how long a connect may take
     * @param reconnectBackoffMs    the backoff after the first failed connect
     * @param reconnectBackoffMaxMs the largest backoff
     * @param maxResponseBytes      the largest response frame accepted
     */
    public record Settings(String clientId, int requestTimeoutMs, int connectTimeoutMs, long reconnectBackoffMs,
                           long reconnectBackoffMaxMs, int maxResponseBytes) {
        /** Kafka's broker-side defaults (replica.fetch / request timeouts, reconnect.backoff[.max].ms). */
        public static Settings defaults(String clientId) {
            return new Settings(clientId, 30_000, 10_000, 50, 1_000, FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
        }
    }

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final BrokerEndpoints endpoints;
    private final Settings settings;
    private final ChannelSecurity security;
    private final AddressResolver resolver;
    private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Connections run on {@code group}'s loops with channels of {@code channelClass} (epoll or NIO, as the group). */
    public NettyBrokerChannel(EventLoopGroup group, Class<? extends SocketChannel> channelClass,
                              BrokerEndpoints endpoints, Settings settings) {
        this(group, channelClass, endpoints, settings, ChannelSecurity.PLAINTEXT);
    }

    /** As above, each connection secured by {@code security} (TLS when the listener it reaches is SSL). */
    public NettyBrokerChannel(EventLoopGroup group, Class<? extends SocketChannel> channelClass,
                              BrokerEndpoints endpoints, Settings settings, ChannelSecurity security) {
        this(group, channelClass, endpoints, settings, security, AddressResolver.jdk());
    }

    /** As above, host names looked up by {@code resolver} (which the channel does not own). */
    public NettyBrokerChannel(EventLoopGroup group, Class<? extends SocketChannel> channelClass,
                              BrokerEndpoints endpoints, Settings settings, ChannelSecurity security,
                              AddressResolver resolver) {
        this.group = group;
        this.channelClass = channelClass;
        this.endpoints = endpoints;
        this.settings = settings;
        this.security = security;
        this.resolver = resolver;
    }

    @Override
    public CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version) {
        CompletableFuture<BrokerResponse> future = new CompletableFuture<>();
        ApiMessageType type = BrokerFraming.api(request, version);
        if (type == null) {
            future.completeExceptionally(BrokerFraming.unsupported(request, version));
            return future;
        }
        if (closed) {
            future.completeExceptionally(closedError(nodeId));
            return future;
        }
        Connection c = connections.computeIfAbsent(nodeId, id -> new Connection(id, group.next()));
        Pending p = new Pending(type, request, version, future);
        c.loop.execute(() -> c.enqueue(p));
        return future;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Connection c : connections.values()) {
            c.loop.execute(c::shutdown);
        }
    }

    private static SamsaException closedError(int nodeId) {
        return new SamsaException(ErrorCode.NETWORK_EXCEPTION, "The broker channel is closed (request to node "
                + nodeId + ")");
    }

    /** One request from {@link #send} to its response. */
    private static final class Pending {
        final ApiMessageType type;
        final Message request;
        final short version;
        final CompletableFuture<BrokerResponse> future;
        int correlationId = -1;
        ScheduledFuture<?> timeout;

        Pending(ApiMessageType type, Message request, short version, CompletableFuture<BrokerResponse> future) {
            this.type = type;
            this.request = request;
            this.version = version;
            this.future = future;
        }

        void fail(SamsaException e) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            future.completeExceptionally(e);
        }
    }

    /** The connection to one node. Every method runs on {@link #loop}. */
    private final class Connection {
        final int nodeId;
        final EventLoop loop;
        final String prefix;
        /** Requests waiting for the connection to open. */
        final ArrayDeque<Pending> waiting = new ArrayDeque<>();
        final Map<Integer, Pending> inFlight = new HashMap<>();
        Channel channel;
        /** From the lookup to the end of the last address's connect. */
        boolean connecting;
        /** The connect waits for its lookup. */
        boolean resolving;
        /** Counts connects, so that a lookup answering after its connect gave up on it is ignored. */
        int attempts;
        ScheduledFuture<?> lookupTimeout;
        /** What the last lookup gave (the addresses, or why none), to log a change once; null before the first. */
        String lookupOutcome;
        boolean connectScheduled;
        int failures;
        long backoffUntilNanos;
        int nextCorrelationId;
        String address = "?";
        /** Why the channel is closing when the other node refused to authenticate it; null otherwise. */
        SamsaException authenticationFailure;

        Connection(int nodeId, EventLoop loop) {
            this.nodeId = nodeId;
            this.loop = loop;
            this.prefix = "[broker-channel node=" + nodeId + "] ";
        }

        void enqueue(Pending p) {
            if (closed) {
                p.fail(closedError(nodeId));
                return;
            }
            p.timeout = loop.schedule(() -> timedOut(p), settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
            if (channel != null) {
                write(p);
            } else {
                waiting.add(p);
                maybeConnect();
            }
        }

        private void maybeConnect() {
            if (connecting || channel != null || closed || waiting.isEmpty()) {
                return;
            }
            long wait = backoffUntilNanos - System.nanoTime();
            if (wait > 0) {
                if (!connectScheduled) {
                    connectScheduled = true;
                    loop.schedule(() -> {
                        connectScheduled = false;
                        maybeConnect();
                    }, wait, TimeUnit.NANOSECONDS);
                }
                return;
            }
            connect();
        }

        private void connect() {
            BrokerAddress a = endpoints.addressOf(nodeId);
            if (a == null) {
                failWaiting(new SamsaException(ErrorCode.BROKER_NOT_AVAILABLE, "Node " + nodeId
                        + " has no known address"));
                return;
            }
            address = a.host() + ":" + a.port();
            connecting = true;
            resolving = true;
            int attempt = ++attempts;
            lookupTimeout = loop.schedule(() -> resolved(attempt, a, null, new TimeoutException(
                    "no answer within " + settings.connectTimeoutMs() + " ms")),
                    settings.connectTimeoutMs(), TimeUnit.MILLISECONDS);
            resolver.resolve(a.host()).whenComplete((addresses, error) -> {
                if (loop.inEventLoop()) {
                    resolved(attempt, a, addresses, error);
                    return;
                }
                try {
                    loop.execute(() -> resolved(attempt, a, addresses, error));
                } catch (RejectedExecutionException e) {
                    // The loop shut down, the channel with it: nothing waits for this connect any more.
                }
            });
        }

        /** The lookup of {@code attempt} answered (or timed out, with an error): connect, or fail this attempt. */
        private void resolved(int attempt, BrokerAddress a, List<InetAddress> addresses, Throwable error) {
            if (attempt != attempts || !resolving) {
                return;
            }
            resolving = false;
            lookupTimeout.cancel(false);
            if (closed) {
                connecting = false;
                return;
            }
            String outcome = error != null ? FAILED_LOOKUP + error : addresses.toString();
            String before = lookupOutcome;
            lookupOutcome = outcome;
            if (error != null) {
                connecting = false;
                backOff();
                if (!outcome.equals(before)) {
                    log.warn("{}Cannot resolve {} (node {}); retrying with backoff: {}", prefix, a.host(), nodeId,
                            String.valueOf(error));
                }
                failWaiting(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "Cannot connect to node " + nodeId
                        + " at " + address + ": cannot resolve " + a.host() + ": " + error, error));
                return;
            }
            if (before != null && before.startsWith(FAILED_LOOKUP)) {
                log.info("{}{} (node {}) resolves again, to {}", prefix, a.host(), nodeId, addresses);
            } else if (before != null && !outcome.equals(before)) {
                log.info("{}{} (node {}) now resolves to {} (was {})", prefix, a.host(), nodeId, addresses, before);
            }
            connectTo(a, addresses, 0);
        }

        /** Connects to the {@code i}th address of the host; the next one when it refuses. */
        private void connectTo(BrokerAddress a, List<InetAddress> addresses, int i) {
            Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
                    // The address is resolved already: Netty must never look anything up on the loop.
                    .resolver(NoopAddressResolverGroup.INSTANCE)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMs())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // The host name, not the address: TLS checks the certificate against it (and sends it
                            // as SNI).
                            security.secure(ch, a.host(), a.port());
                            ch.pipeline().addLast(new FrameDecoder(FrameDecoder.MIN_RESPONSE_FRAME_SIZE,
                                    settings.maxResponseBytes()));
                            security.authenticate(ch, a.host(), a.port());
                            ch.pipeline().addLast(new Responses(Connection.this));
                        }
                    });
            b.connect(new InetSocketAddress(addresses.get(i), a.port()))
                    .addListener((ChannelFuture f) -> connected(f, a, addresses, i));
        }

        private void connected(ChannelFuture f, BrokerAddress a, List<InetAddress> addresses, int i) {
            if (!f.isSuccess() && !closed && i + 1 < addresses.size()) {
                log.debug("{}Cannot connect to {} at {}, trying {}: {}", prefix, address, addresses.get(i),
                        addresses.get(i + 1), String.valueOf(f.cause()));
                connectTo(a, addresses, i + 1);
                return;
            }
            connecting = false;
            if (!f.isSuccess()) {
                backOff();
                log.debug("{}Cannot connect to {} ({} failures in a row): {}", prefix, address, failures,
                        String.valueOf(f.cause()));
                failWaiting(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "Cannot connect to node " + nodeId
                        + " at " + address + ": " + f.cause(), f.cause()));
                return;
            }
            if (closed) {
                f.channel().close();
                return;
            }
            channel = f.channel();
            log.debug("{}Connected to {} ({})", prefix, address, addresses.get(i));
            while (!waiting.isEmpty() && channel != null) {
                write(waiting.poll());
            }
        }

        /** The next connect waits a backoff that doubles with each failure in a row, with 20% jitter. */
        private void backOff() {
            failures++;
            long backoff = Math.min(settings.reconnectBackoffMaxMs(),
                    settings.reconnectBackoffMs() << Math.min(20, failures - 1));
            long jittered = (long) (backoff * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
            backoffUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(jittered);
        }

        private void write(Pending p) {
            int correlationId = nextCorrelationId;
            nextCorrelationId = nextCorrelationId == Integer.MAX_VALUE ? 0 : nextCorrelationId + 1;
            ByteBuf buf;
            try {
                buf = BrokerFraming.encode(channel.alloc(), p.type, p.version, correlationId, settings.clientId(),
                        p.request);
            } catch (RuntimeException e) {
                p.fail(new SamsaException(ErrorCode.UNSUPPORTED_VERSION, "Cannot write "
                        + p.type.apiName() + " v" + p.version + " to node " + nodeId + ": " + e.getMessage(), e));
                return;
            }
            p.correlationId = correlationId;
            inFlight.put(correlationId, p);
            channel.writeAndFlush(buf);
        }

        void onResponse(ByteBuf frame) {
            Pending p = inFlight.remove(frame.getInt(frame.readerIndex()));
            if (p == null) {
                // Its request timed out (the connection would have closed) or was never sent: drop it.
                frame.release();
                return;
            }
            if (p.timeout != null) {
                p.timeout.cancel(false);
            }
            failures = 0;
            BrokerResponse response;
            try {
                response = new BrokerResponse(BrokerFraming.readResponse(p.type, p.version, frame), frame::release);
            } catch (RuntimeException e) {
                frame.release();
                p.future.completeExceptionally(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "Cannot read the "
                        + p.type.apiName() + " v" + p.version + " response of node " + nodeId + ": "
                        + e.getMessage(), e));
                return;
            }
            if (!p.future.complete(response)) {
                response.close();
            }
        }

        private void timedOut(Pending p) {
            SamsaException e = new SamsaException(ErrorCode.REQUEST_TIMED_OUT, p.type.apiName() + " request to node "
                    + nodeId + " got no response within " + settings.requestTimeoutMs() + " ms");
            if (waiting.remove(p)) {
                p.future.completeExceptionally(e);
            } else if (p.correlationId >= 0 && inFlight.remove(p.correlationId) == p) {
                p.future.completeExceptionally(e);
                log.debug("{}Closing the connection to {}: a request timed out", prefix, address);
                disconnect();
            }
        }

        /** The channel closed (by either side): fail what was in flight; reconnect for what waits. */
        void onClosed(Channel ch) {
            if (ch != channel) {
                return;
            }
            channel = null;
            SamsaException refused = authenticationFailure;
            authenticationFailure = null;
            if (refused != null) {
                backOff();
            } else {
                backoffUntilNanos = System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(settings.reconnectBackoffMs());
            }
            if (!inFlight.isEmpty()) {
                List<Pending> lost = new ArrayList<>(inFlight.values());
                inFlight.clear();
                for (Pending p : lost) {
                    p.fail(refused != null ? refused : new SamsaException(ErrorCode.NETWORK_EXCEPTION,
                            "The connection to node " + nodeId + " at " + address + " closed before the "
                            + p.type.apiName() + " response"));
                }
            }
            maybeConnect();
        }

        private void disconnect() {
            Channel ch = channel;
            if (ch != null) {
                ch.close();
                onClosed(ch);
            }
        }

        void shutdown() {
            disconnect();
            failWaiting(closedError(nodeId));
        }

        private void failWaiting(SamsaException e) {
            while (!waiting.isEmpty()) {
                waiting.poll().fail(e);
            }
        }
    }

    /** The pipeline's end: response frames to their requests, closes to the connection. */
    private static final class Responses extends ChannelInboundHandlerAdapter {
        private final Connection connection;

        Responses(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            connection.onResponse((ByteBuf) msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            connection.onClosed(ctx.channel());
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof SamsaException e && ctx.channel() == connection.channel
                    && (e.errorCode() == ErrorCode.SASL_AUTHENTICATION_FAILED
                    || e.errorCode() == ErrorCode.UNSUPPORTED_SASL_MECHANISM)) {
                connection.authenticationFailure = e;
            }
            log.debug("{}Closing the connection after an error: {}", connection.prefix, cause.toString());
            ctx.close();
        }
    }
}
