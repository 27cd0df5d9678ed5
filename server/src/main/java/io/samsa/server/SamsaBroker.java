package io.samsa.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.common.Clock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.ControllerConfig;
import io.samsa.log.LogManager;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerEndpoints;
import io.samsa.replication.NettyBrokerChannel;
import io.samsa.server.handler.admin.AdminApis;
import io.samsa.server.handler.data.DataApis;
import io.samsa.server.handler.group.GroupApis;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.server.metadata.BrokerLifecycleManager;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.server.network.EventLoopExecutor;
import io.samsa.server.partition.HostingPublisher;
import io.samsa.server.partition.TopicConfigResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.CleanerSettings;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.Endpoint;
import io.samsa.server.handler.ApiVersionsHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.network.FaultInjector;
import io.samsa.server.network.RequestDecoder;
import io.samsa.server.network.SamsaServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running broker: the one place that wires the modules together (network, handlers, metadata, logs).
 * {@link #start} returns once every listener is bound and requests are answered; {@link #close} stops
 * it cleanly. Used by {@code Main} and embedded in tests.
 */
public final class SamsaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SamsaBroker.class);

    /** The metadata log's directory under the data directory (not a TOPIC-PARTITION name). */
    public static final String METADATA_DIR = "metadata";
    private static final long START_TIMEOUT_S = 60;
    private static final long CONTROLLED_SHUTDOWN_TIMEOUT_S = 30;
    /** Heartbeat period while the broker awaits something (catch-up, unfencing, its controlled shutdown). */
    private static final long LIFECYCLE_FAST_MS = 10;
    private static final long LIFECYCLE_RETRY_MS = 100;

    private final BrokerConfig config;
    private final BrokerServices services;
    private final SamsaServer server;
    private final List<Endpoint> bound;
    private final List<AutoCloseable> opened;
    private final FaultInjector faults;
    private final BrokerLifecycleManager lifecycle;
    private volatile boolean closed;

    private SamsaBroker(BrokerConfig config, BrokerServices services, SamsaServer server, List<Endpoint> bound,
                        List<AutoCloseable> opened, FaultInjector faults, BrokerLifecycleManager lifecycle) {
        this.config = config;
        this.lifecycle = lifecycle;
        this.faults = faults;
        this.services = services;
        this.server = server;
        this.bound = bound;
        this.opened = opened;
    }

    /** Starts a broker with {@code config}; returns when it answers requests. */
    public static SamsaBroker start(BrokerConfig config) throws Exception {
        return start(config, Clock.SYSTEM);
    }

    /** Starts a broker reading time from {@code clock}; returns when it answers requests. */
    public static SamsaBroker start(BrokerConfig config, Clock clock) throws Exception {
        QuorumPlan plan = QuorumPlan.of(config);
        if (plan.kind() != QuorumPlan.Kind.SINGLE_VOTER || !config.isBroker()) {
            throw new ConfigException(BrokerConfig.PROCESS_ROLES, "Node " + config.nodeId() + " ("
                    + BrokerConfig.PROCESS_ROLES + "=" + String.join(",", config.getList(BrokerConfig.PROCESS_ROLES)) + ", "
                    + plan.describe() + ") is not the only voter of a one-node cluster, and this build of Samsa "
                    + "runs only one-node clusters");
        }
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Path dataDir = config.dataDir();
            Files.createDirectories(dataDir);
            ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
                    new DefaultThreadFactory("samsa-background", true));
            opened.add(background::shutdownNow);
            BrokerMetadata metadata = BrokerMetadata.start(ControllerConfig.builder(config.nodeId())
                    .clusterId(config.getString("cluster.id"))
                    .staticProps(config.originals())
                    .clock(clock)
                    .build(), dataDir.resolve(METADATA_DIR), clock);
            opened.add(metadata);
            TopicConfigResolver topicConfigs = new TopicConfigResolver(config);
            LogManager logs = LogManager.builder(dataDir)
                    .clock(clock)
                    .configs(topic -> topicConfigs.logConfig(metadata.loadedImage(), topic))
                    .cleaner(CleanerSettings.from(config))
                    .build();
            opened.add(logs);
            int threads = Math.max(1, Math.min(config.getInt(BrokerConfig.NUM_NETWORK_THREADS),
                    Runtime.getRuntime().availableProcessors()));
            EventLoopGroup workers = SamsaServer.newWorkerGroup(threads);
            opened.add(() -> workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
            // Partition hosting: log creation and deletion on their own thread, partition state on the shards
            // (the worker loops), fed by the metadata loader through the hosting publisher.
            ThreadExecutor hostingThread = new ThreadExecutor("samsa-replica-manager");
            opened.add(hostingThread);
            ReplicaManager replicas = new ReplicaManager(config.nodeId(), logs,
                    new ShardProxy(EventLoopExecutor.of(workers)), hostingThread,
                    config.getLong("log.retention.check.interval.ms"));
            opened.add(replicas);
            BrokerChannel brokerChannel = new NettyBrokerChannel(workers, SamsaServer.clientChannelClass(),
                    interBrokerEndpoints(config, metadata),
                    NettyBrokerChannel.Settings.defaults("samsa-broker-" + config.nodeId()));
            opened.add(brokerChannel);
            BrokerServices services = new BrokerServices(config, clock, metadata, logs, replicas, brokerChannel,
                    workers, background);
            // Partitions are hosted before the image that names them reaches the handlers.
            metadata.addPublisher(new HostingPublisher(replicas, topicConfigs)).get();
            metadata.publishToHandlers();
            replicas.start();

            ApiVersionsHandler apiVersions = new ApiVersionsHandler();
            SupportedApis.Builder builder = SupportedApis.builder().add((short) 18, 0, 4, apiVersions);
            DataApis.register(builder, services);
            AdminApis.register(builder, services);
            opened.add(GroupApis.register(builder, services));
            SupportedApis apis = builder.build();
            apiVersions.setApis(apis);
            FaultInjector faults = new FaultInjector();

            SamsaServer server = new SamsaServer(workers, config.getInt(BrokerConfig.MAX_CONNECTIONS),
                    config.getInt(BrokerConfig.MAX_CONNECTIONS_PER_IP));
            opened.add(server);
            SamsaServer.Settings settings = new SamsaServer.Settings(
                    config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES),
                    config.getLong(BrokerConfig.CONNECTIONS_MAX_IDLE_MS),
                    config.getInt(BrokerConfig.MAX_CONNECTIONS),
                    config.getInt(BrokerConfig.MAX_CONNECTIONS_PER_IP),
                    config.getInt("socket.send.buffer.bytes"),
                    config.getInt("socket.receive.buffer.bytes"));
            List<Endpoint> bound = server.start(config.listeners(), settings, faults.wrap(apis),
                    new RequestDecoder());
            ThreadExecutor lifecycleThread = new ThreadExecutor("samsa-lifecycle-" + config.nodeId());
            opened.add(lifecycleThread);
            BrokerLifecycleManager lifecycle = new BrokerLifecycleManager(new BrokerLifecycleManager.Settings(
                    config.nodeId(), config.getString("cluster.id"), UUID.randomUUID(), advertised(config, bound),
                    config.getString("broker.rack"), Map.of(), config.getLong(BrokerConfig.BROKER_HEARTBEAT_INTERVAL_MS),
                    LIFECYCLE_FAST_MS, LIFECYCLE_RETRY_MS), metadata.controller(),
                    () -> metadata.loader().publishedOffset(), offset -> metadata.loader().awaitPublished(offset),
                    lifecycleThread, epoch -> metadata.producerIds().registered(epoch));
            opened.add(lifecycle);
            lifecycle.start();
            lifecycle.readyToUnfence();
            lifecycle.unfenced().get(START_TIMEOUT_S, TimeUnit.SECONDS);
            return new SamsaBroker(config, services, server, bound, opened, faults, lifecycle);
        } catch (Exception | Error e) {
            closeAll(opened);
            throw e;
        }
    }

    /**
     * Other brokers' addresses for this broker's requests, from the image handlers read: each broker's
     * {@code inter.broker.listener.name} listener, else its first registered one.
     */
    private static BrokerEndpoints interBrokerEndpoints(BrokerConfig config, BrokerMetadata metadata) {
        String listener = config.isSet("inter.broker.listener.name") ? config.getString("inter.broker.listener.name")
                : null;
        return nodeId -> {
            MetadataImage image = metadata.image();
            BrokerRegistration b = image.broker(nodeId);
            if (b == null || b.listeners().isEmpty()) {
                return null;
            }
            io.samsa.metadata.Endpoint e = listener != null ? b.listener(listener) : b.listeners().get(0);
            return e == null ? null : new BrokerEndpoints.BrokerAddress(e.host(), e.port());
        };
    }

    /**
     * The advertised listeners for the broker registration: advertised.listeners, else the bound
     * listeners with their actual ports (so port 0 works in tests), an unspecified host as 127.0.0.1.
     */
    private static List<io.samsa.metadata.Endpoint> advertised(BrokerConfig config, List<Endpoint> bound) {
        List<io.samsa.metadata.Endpoint> out = new ArrayList<>();
        List<String> controllerNames = config.getList("controller.listener.names");
        List<Endpoint> eps = config.isSet(BrokerConfig.ADVERTISED_LISTENERS) ? config.advertisedListeners() : bound;
        for (Endpoint e : eps) {
            if (controllerNames.contains(e.listenerName())) {
                continue;
            }
            out.add(new io.samsa.metadata.Endpoint(e.listenerName(), e.host().isEmpty() ? "127.0.0.1" : e.host(),
                    e.port(), e.securityProtocol()));
        }
        return out;
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                log.warn("Error while stopping {}", opened.get(i), e);
            }
        }
    }

    /** The listeners as bound (with actual ports). */
    public List<Endpoint> boundListeners() {
        return bound;
    }

    /** host:port of the first listener, for clients' bootstrap.servers. */
    public String bootstrapServers() {
        return bound.stream().map(e -> (e.host().isEmpty() ? "127.0.0.1" : e.host()) + ":" + e.port())
                .collect(Collectors.joining(","));
    }

    public BrokerConfig config() {
        return config;
    }

    public BrokerServices services() {
        return services;
    }

    /** Fault injection for tests: fail or delay the next requests of an API. */
    public FaultInjector faults() {
        return faults;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Stopping broker node {}", config.nodeId());
        try {
            // Leadership moves off this broker before it stops serving (controlled shutdown).
            lifecycle.controlledShutdown().get(CONTROLLED_SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Broker node {} stops without a completed controlled shutdown: {}", config.nodeId(),
                    e.toString());
        }
        closeAll(opened);
        log.info("Broker node {} stopped", config.nodeId());
    }
}
