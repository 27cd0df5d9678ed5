package io.samsa.server.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.server.config.Endpoint;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.tls.ListenerTls;
import io.samsa.server.security.sasl.SaslAuthenticator;
import io.samsa.server.security.sasl.SaslListener;
import io.samsa.server.security.quota.RequestThrottler;
import io.samsa.wire.frame.FrameDecoder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty listeners: binds each configured endpoint, builds every connection's pipeline (idle
 * timeout, frame decoder with the request size limit, {@link ConnectionHandler}) and enforces the
 * connection limits. Uses the native epoll transport when it is available.
 *
 * <p>Lifecycle: {@link #start} once from the main thread, {@link #close} once.
 */
public final class SamsaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SamsaServer.class);

    /** Network settings from the broker configuration. */
    public record Settings(int maxRequestBytes, long idleMillis, int maxConnections, int maxConnectionsPerIp,
                           int sendBufferBytes, int receiveBufferBytes) {
    }

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Class<? extends ServerChannel> channelClass;
    private final List<Channel> serverChannels = new ArrayList<>();
    /** The accepted connections still open (for {@link #closeConnections}). */
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final List<Endpoint> bound = new ArrayList<>();
    private final ConnectionLimiter limiter;
    private volatile Consumer<InetSocketAddress> closeListener;
    private volatile Function<String, ListenerTls> tls = name -> null;
    /** The SASL listeners by name, and the API table their connections are served from (with the SASL APIs). */
    private Map<String, SaslListener> saslListeners = Map.of();
    private SupportedApis saslApis;
    private volatile RequestThrottler throttler;

    public SamsaServer(EventLoopGroup workerGroup, int maxConnections, int maxConnectionsPerIp) {
        boolean epoll = Epoll.isAvailable();
        this.bossGroup = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("samsa-accept", true))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("samsa-accept", true));
        this.workerGroup = workerGroup;
        this.channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.limiter = new ConnectionLimiter(maxConnections, maxConnectionsPerIp);
    }

    /** Creates the event loops that serve connections (and own partitions): epoll when available. */
    public static EventLoopGroup newWorkerGroup(int threads) {
        DefaultThreadFactory tf = new DefaultThreadFactory("samsa-io", true);
        return Epoll.isAvailable() ? new EpollEventLoopGroup(threads, tf) : new NioEventLoopGroup(threads, tf);
    }

    /** The client channel type for connections made on {@link #newWorkerGroup}'s loops (to other brokers). */
    public static Class<? extends SocketChannel> clientChannelClass() {
        return Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Tells {@code listener} the remote address of every connection that closes (on its event loop). */
    public void onConnectionClosed(Consumer<InetSocketAddress> listener) {
        this.closeListener = listener;
    }

    /**
     * Serves each SSL listener with TLS: {@code byListener} gives a listener's server side by name (null for a
     * plaintext one). Call before {@link #start}.
     */
    public void useTls(Function<String, ListenerTls> byListener) {
        this.tls = byListener;
    }

    /**
     * Makes the listeners named in {@code listeners} SASL listeners, served from {@code apis} (the broker's table with
     * SaslHandshake and SaslAuthenticate). Call before {@link #start}.
     */
    public void sasl(Map<String, SaslListener> listeners, SupportedApis apis) {
        this.saslListeners = Map.copyOf(listeners);
        this.saslApis = apis;
    }

    /** Applies client quotas to the requests of connections accepted from now on. */
    public void throttleWith(RequestThrottler requestThrottler) {
        this.throttler = requestThrottler;
    }

    /** Binds every endpoint; returns them with the actual ports (port 0 picks a free one). */
    public List<Endpoint> start(List<Endpoint> endpoints, Settings settings, SupportedApis apis,
                                RequestDecoder decoder) throws InterruptedException {
        for (Endpoint ep : endpoints) {
            if (ep.securityProtocol().endsWith("SSL") && tls.apply(ep.listenerName()) == null) {
                throw new IllegalStateException("Listener " + ep + " is " + ep.securityProtocol()
                        + " but has no TLS context");
            }
            ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(channelClass)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (!limiter.tryAcquire(ch)) {
                                ch.close();
                                return;
                            }
                            connections.add(ch);
                            ch.closeFuture().addListener(f -> connections.remove(ch));
                            if (settings.sendBufferBytes() > 0) {
                                ch.config().setSendBufferSize(settings.sendBufferBytes());
                            }
                            if (settings.receiveBufferBytes() > 0) {
                                ch.config().setReceiveBufferSize(settings.receiveBufferBytes());
                            }
                            ListenerTls listenerTls = tls.apply(ep.listenerName());
                            if (listenerTls != null) {
                                secure(ch, listenerTls);
                            }
                            ch.pipeline()
                                    .addLast("idle", new IdleStateHandler(0, 0, settings.idleMillis(),
                                            TimeUnit.MILLISECONDS))
                                    .addLast("frames", new FrameDecoder(settings.maxRequestBytes()))
                                    .addLast("requests", connectionHandler(ch, ep, apis, decoder, settings))
                                    .addLast("limits", new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                                            limiter.release(ctx.channel());
                                            Consumer<InetSocketAddress> l = closeListener;
                                            if (l != null && ctx.channel().remoteAddress()
                                                    instanceof InetSocketAddress remote) {
                                                l.accept(remote);
                                            }
                                            super.channelInactive(ctx);
                                        }
                                    });
                        }
                    });
            String host = ep.host().isEmpty() ? "0.0.0.0" : ep.host();
            ChannelFuture f = b.bind(new InetSocketAddress(host, ep.port())).sync();
            serverChannels.add(f.channel());
            int port = ((InetSocketAddress) f.channel().localAddress()).getPort();
            Endpoint actual = ep.withPort(port);
            bound.add(actual);
            log.info("Listening on {} ({})", actual, channelClass.getSimpleName());
        }
        return List.copyOf(bound);
    }

    /**
     * Puts TLS first in an accepted connection's pipeline: the engine, the handshake's principal, and (sendfile
     * cannot pass the engine) file regions turned into chunks the engine encrypts.
     */
    static void secure(Channel ch, ListenerTls tls) {
        ch.pipeline().addLast("ssl", tls.newHandler(ch))
                .addLast("tls", new TlsHandshakeHandler(tls))
                .addLast("chunks", new ChunkedWriteHandler())
                .addLast("regions", new RegionChunks.Converter());
    }

    private ConnectionHandler connectionHandler(SocketChannel ch, Endpoint ep, SupportedApis apis,
                                                RequestDecoder decoder, Settings settings) {
        SaslListener sasl = saslListeners.get(ep.listenerName());
        if (sasl == null) {
            return new ConnectionHandler(apis, decoder, ep.listenerName(), null, 0, throttler);
        }
        return new ConnectionHandler(saslApis, decoder, ep.listenerName(),
                new SaslAuthenticator(sasl, String.valueOf(ch.remoteAddress())), settings.maxRequestBytes(), throttler);
    }

    public List<Endpoint> boundEndpoints() {
        return List.copyOf(bound);
    }

    /**
     * Closes every accepted connection now, as a crash would (the broker's {@code halt}): requests that arrive after
     * this are never read, so none can park on a partition after the broker stopped answering. Blocking; not on an
     * event loop.
     */
    public void closeConnections() {
        for (Channel ch : List.copyOf(connections)) {
            ch.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
