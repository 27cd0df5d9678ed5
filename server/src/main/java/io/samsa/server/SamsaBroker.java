package io.samsa.server;

import io.samsa.server.security.quota.ClientQuotas;
import io.samsa.server.security.quota.RequestThrottler;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.common.Clock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.ControllerConfig;
import io.samsa.log.LogManager;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataImage;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerEndpoints;
import io.samsa.replication.ChannelSecurity;
import io.samsa.replication.NettyBrokerChannel;
import io.samsa.replication.ReplicaFetcherManager;
import io.samsa.replication.ReplicationQuota;
import io.samsa.server.handler.admin.AdminApis;
import io.samsa.server.handler.data.DataApis;
import io.samsa.server.handler.group.GroupApis;
import io.samsa.server.handler.txn.TxnApis;
import io.samsa.server.coordinator.GroupCoordinatorService;
import io.samsa.server.metadata.Features;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.controller.Controller;
import io.samsa.server.cluster.AlterPartitionManager;
import io.samsa.server.cluster.BrokerConnections;
import io.samsa.server.cluster.ControllerEndpoints;
import io.samsa.server.cluster.Envelopes;
import io.samsa.server.cluster.ForwardingController;
import io.samsa.server.cluster.NetworkRaftChannel;
import io.samsa.server.cluster.RemoteController;
import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.controller.ControllerApis;
import io.samsa.server.handler.controller.DescribeQuorumHandler;
import io.samsa.server.handler.controller.ForwardedDescribeQuorumHandler;
import io.samsa.server.handler.controller.RaftVoterHandler;
import io.samsa.server.metadata.BrokerLifecycleManager;
import io.samsa.server.metadata.CleanShutdownEpoch;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.raft.RaftClient;
import io.samsa.raft.VoterSet;
import io.samsa.server.metadata.ControllerNode;
import io.samsa.server.metadata.DynamicQuorum;
import io.samsa.server.metadata.MetadataQuorum;
import io.samsa.server.metadata.RaftFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import io.samsa.server.network.EventLoopExecutor;
import io.samsa.server.partition.HostingPublisher;
import io.samsa.server.partition.ReplicationThrottles;
import io.samsa.server.partition.TopicConfigResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.CleanerSettings;
import io.samsa.server.metrics.CleanerMetrics;
import io.samsa.server.metrics.JmxMetrics;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumTimeouts;
import io.samsa.server.config.Endpoint;
import io.samsa.server.handler.ApiVersionsHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.acl.AclAuthorizer;
import io.samsa.server.security.acl.AclChecks;
import io.samsa.server.security.sasl.ClientSasl;
import io.samsa.server.security.sasl.ScramHashing;
import io.samsa.server.security.sasl.IllegalSaslStateHandler;
import io.samsa.server.security.sasl.SaslConfigs;
import io.samsa.server.security.sasl.SaslListener;
import io.samsa.server.network.FaultInjector;
import io.samsa.server.network.RequestDecoder;
import io.samsa.server.network.SamsaServer;
import io.samsa.server.security.tls.NodeTls;
import io.samsa.server.security.tls.TlsReloader;
import io.samsa.server.security.token.DelegationTokenApis;
import io.samsa.server.security.token.TokenCredentials;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node, in the roles {@code process.roles} gives it: the one place that wires the modules together. Every
 * node has a replica of the metadata log ({@link MetadataQuorum}); a controller runs the metadata controller over it
 * and serves the controller's APIs on its controller listeners (their own Netty server); a broker loads the log
 * into its images, hosts partitions, serves clients on its other listeners, and registers and heartbeats with the
 * active controller ({@link BrokerLifecycleManager}): its own when it leads, another through
 * {@link ForwardingController} and {@link RemoteController}. Samsa's one-node mode is both roles and the only voter,
 * with no network between them.
 *
 * <p>{@link #start} returns once every listener is bound and requests are answered (a broker: once it is
 * unfenced); {@link #close} stops it cleanly (a broker first completes its controlled shutdown). Used by
 * {@code Main} and embedded in tests.
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
    private static final long CONTROLLER_RETRY_MS = 100;
    /** The first wait before an AlterPartition goes again (doubling up to ten times CONTROLLER_RETRY_MS). */
    private static final long ALTER_PARTITION_BACKOFF_MS = 50;

    private final BrokerConfig config;
    private final BrokerServices services;
    private final List<Endpoint> bound;
    private final List<Endpoint> controllerBound;
    private final List<AutoCloseable> opened;
    private final FaultInjector faults;
    private final BrokerLifecycleManager lifecycle;
    private final MetadataQuorum quorum;
    private final List<AutoCloseable> network;
    private final JmxMetrics metrics;
    private final ReplicaFetcherManager fetchers;
    private volatile boolean closed;

    private SamsaBroker(BrokerConfig config, Node node) {
        this.config = config;
        this.services = node.services;
        this.bound = node.bound;
        this.controllerBound = node.controllerBound;
        this.opened = node.opened;
        this.faults = node.faults;
        this.lifecycle = node.lifecycle;
        this.quorum = node.quorum;
        this.network = node.network;
        this.metrics = node.metrics;
        this.fetchers = node.fetchers;
    }

    /** What {@link #start} builds, part by part. */
    private static final class Node {
        final List<AutoCloseable> opened = new ArrayList<>();
        BrokerServices services;
        JmxMetrics metrics;
        List<Endpoint> bound = List.of();
        List<Endpoint> controllerBound = List.of();
        FaultInjector faults = new FaultInjector();
        BrokerLifecycleManager lifecycle;
        MetadataQuorum quorum;
        ControllerNode controller;
        BrokerChannel controllerChannel;
        NetworkRaftChannel raftChannel;
        /** Where the controllers listen: the configuration's, and a dynamic quorum's voters as Raft learns them. */
        ControllerEndpoints controllerEndpoints;
        /** This node's part in a dynamic quorum (KIP-853), or null. */
        DynamicQuorum dynamic;
        /** The controllers with their controller-listener endpoints, once bound (DescribeQuorum, DescribeCluster). */
        final AtomicReference<Map<Integer, QuorumVoter>> controllers = new AtomicReference<>(Map.of());
        DescribeQuorumHandler describeQuorum;
        ReplicaFetcherManager fetchers;
        /** What an abrupt stop closes first: the listeners and the clients of other nodes. */
        final List<AutoCloseable> network = new ArrayList<>();
        /** The TLS of the node's SSL listeners and of its clients to other nodes' listeners. */
        NodeTls tls;
    }

    /** Starts a node with {@code config}; returns when it answers requests. */
    public static SamsaBroker start(BrokerConfig config) throws Exception {
        return start(config, Clock.SYSTEM);
    }

    /** Starts a node reading time from {@code clock}; returns when it answers requests. */
    public static SamsaBroker start(BrokerConfig config, Clock clock) throws Exception {
        return start(config, clock, RaftFactory.DEFAULT);
    }

    /**
     * Starts a node whose replica of the metadata log comes from {@code raftFactory} ({@link RaftFactory#DEFAULT}:
     * the single voter in Samsa's one-node mode, a replica of the Raft quorum otherwise); returns when it answers
     * requests.
     */
    public static SamsaBroker start(BrokerConfig config, Clock clock, RaftFactory raftFactory) throws Exception {
        QuorumPlan plan = QuorumPlan.of(config);
        Node node = new Node();
        List<AutoCloseable> opened = node.opened;
        node.tls = NodeTls.of(config);
        try {
            Path dataDir = config.dataDir();
            Files.createDirectories(dataDir);
            int threads = Math.max(1, Math.min(config.getInt(BrokerConfig.NUM_NETWORK_THREADS),
                    Runtime.getRuntime().availableProcessors()));
            EventLoopGroup workers = SamsaServer.newWorkerGroup(threads);
            opened.add(() -> workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly());
            QuorumTimeouts timeouts = QuorumTimeouts.of(config);
            if (!config.standalone()) {
                node.controllerEndpoints = new ControllerEndpoints(plan);
                node.dynamic = DynamicQuorum.of(config, plan, dataDir.resolve(METADATA_DIR));
                // The network to the controllers: Raft between the replicas (with the quorum's request timeout), and
                // a broker's requests to the active controller (with request.timeout.ms: an admin request that
                // times out is not sent twice).
                NettyBrokerChannel.Settings defaults = NettyBrokerChannel.Settings.defaults("samsa-raft-"
                        + config.nodeId());
                ChannelSecurity toControllers = node.tls.client(config.controllerListenerNames().isEmpty() ? null
                        : config.controllerListenerNames().get(0));
                BrokerChannel raftNetwork = new NettyBrokerChannel(workers, SamsaServer.clientChannelClass(),
                        node.controllerEndpoints, new NettyBrokerChannel.Settings(defaults.clientId(),
                        timeouts.requestTimeoutMs(), Math.min(defaults.connectTimeoutMs(), timeouts.requestTimeoutMs()),
                        defaults.reconnectBackoffMs(), defaults.reconnectBackoffMaxMs(),
                        defaults.maxResponseBytes()), toControllers);
                opened.add(raftNetwork);
                node.network.add(raftNetwork);
                node.raftChannel = new NetworkRaftChannel(raftNetwork, node.controllerEndpoints);
                node.controllerChannel = new NettyBrokerChannel(workers, SamsaServer.clientChannelClass(),
                        node.controllerEndpoints, NettyBrokerChannel.Settings.defaults("samsa-controller-channel-"
                        + config.nodeId()), toControllers);
                opened.add(node.controllerChannel);
                node.network.add(node.controllerChannel);
            }
            node.quorum = MetadataQuorum.open(plan, dataDir.resolve(METADATA_DIR), node.raftChannel, raftFactory,
                    clock, timeouts, node.dynamic);
            opened.add(node.quorum);
            if (config.isController()) {
                startController(config, clock, workers, node);
            }
            if (config.isBroker()) {
                startBroker(config, clock, workers, plan, node);
            }
            return new SamsaBroker(config, node);
        } catch (Exception | Error e) {
            closeAll(opened);
            throw e;
        }
    }

    /** The controller over the node's replica, and its listeners' server. */
    private static void startController(BrokerConfig config, Clock clock, EventLoopGroup workers, Node node)
            throws Exception {
        node.controller = ControllerNode.start(controllerConfig(config, clock), node.quorum);
        node.opened.add(node.controller);
        List<Endpoint> listeners = config.controllerListeners();
        if (listeners.isEmpty()) {
            return;
        }
        SamsaServer server = new SamsaServer(workers, config.getInt(BrokerConfig.MAX_CONNECTIONS),
                config.getInt(BrokerConfig.MAX_CONNECTIONS_PER_IP));
        server.useTls(node.tls::server);
        node.opened.add(server);
        // halt() only: its connections close after the listener (network closes in reverse), as a crash's would.
        node.network.add(server::closeConnections);
        node.network.add(server);
        // The endpoints are known once bound (port 0): the table reads them through this holder.
        AtomicReference<Map<Integer, QuorumVoter>> controllers = node.controllers;
        Controller controller = node.controller.controller();
        String listenerName = listeners.get(0).listenerName();
        Supplier<Map<Integer, QuorumVoter>> known = node.dynamic == null ? controllers::get
                : () -> dynamicControllers(node.quorum.raft(), controllers.get());
        node.describeQuorum = new DescribeQuorumHandler(node.quorum.raft(), known, listenerName);
        // A broker's process that dies closes its heartbeat connection: it is fenced then, not a session later.
        BrokerConnections brokerConnections = new BrokerConnections(controller::brokerConnectionLost);
        server.onConnectionClosed(brokerConnections::closed);
        SupportedApis apis = ControllerApis.build(new ControllerApis.Context(config.nodeId(), controller,
                node.quorum.raft(), node.raftChannel, known, listenerName, controller::clusterId,
                node.describeQuorum, brokerConnections));
        // SASL controller listeners (issue 16): the same table with SaslHandshake and SaslAuthenticate, PLAIN users
        // from the JAAS config (the controller listener looks up no SCRAM credential).
        Map<String, SaslListener> saslListeners = SaslConfigs.listeners(config, listeners, (mechanism, user) -> null);
        node.opened.addAll(saslListeners.values());
        SupportedApis saslApis = saslListeners.isEmpty() ? null : withSaslApis(apis);
        if (saslApis != null && apis.get((short) 18).handler() instanceof ApiVersionsHandler versions) {
            saslListeners.keySet().forEach(name -> versions.setListenerApis(name, saslApis));
        }
        // ACLs (issue 16): the controller listener authorizes with the controller's committed ACLs.
        AclAuthorizer authorizer = AclAuthorizer.of(config, controller::acls);
        apis = AclChecks.wrap(apis, authorizer, () -> MetadataImage.EMPTY, true);
        if (saslApis != null) {
            server.sasl(saslListeners, node.faults.wrap(AclChecks.wrap(saslApis, authorizer, () -> MetadataImage.EMPTY,
                    true)));
        }
        node.controllerBound = server.start(listeners, networkSettings(config), node.faults.wrap(apis),
                new RequestDecoder());
        controllers.set(controllerEndpoints(config, node.controllerBound));
    }

    /** {@code apis} with SaslHandshake and SaslAuthenticate, answered ILLEGAL_SASL_STATE after authentication. */
    private static SupportedApis withSaslApis(SupportedApis apis) {
        SupportedApis.Builder b = SupportedApis.builder();
        for (SupportedApis.Entry e : apis.entries()) {
            b.add(e.apiKey(), e.minVersion(), e.maxVersion(), e.handler());
        }
        IllegalSaslStateHandler afterAuthentication = new IllegalSaslStateHandler();
        return b.add((short) 17, 0, 1, afterAuthentication).add((short) 36, 0, 2, afterAuthentication).build();
    }

    private static ControllerConfig controllerConfig(BrokerConfig config, Clock clock) {
        return ControllerConfig.builder(config.nodeId())
                .clusterId(config.getString("cluster.id"))
                .staticProps(config.originals())
                .bootstrapFeatures(Features.bootstrap())
                .clock(clock)
                .build();
    }

    /** The broker: its images, partitions, handlers, listeners, and its registration with the controller. */
    private static void startBroker(BrokerConfig config, Clock clock, EventLoopGroup workers, QuorumPlan plan,
                                    Node node) throws Exception {
        List<AutoCloseable> opened = node.opened;
        Path dataDir = config.dataDir();
        ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("samsa-background", true));
        opened.add(background::shutdownNow);
        Controller controller;
        if (node.controller != null && plan.kind() == QuorumPlan.Kind.SINGLE_VOTER && node.dynamic == null) {
            controller = node.controller.controller();
        } else {
            ThreadExecutor remoteThread = new ThreadExecutor("samsa-controller-client-" + config.nodeId());
            opened.add(remoteThread);
            RemoteController remote = new RemoteController(config.nodeId(), node.controllerChannel,
                    node.controllerEndpoints.locator(node.quorum.raft()), remoteThread, clock,
                    new RemoteController.Settings("samsa-broker-" + config.nodeId(),
                            config.getInt("request.timeout.ms"), CONTROLLER_RETRY_MS, envelopePrincipal(config, node)));
            opened.add(remote);
            controller = new ForwardingController(config.nodeId(),
                    node.controller == null ? null : node.controller.controller(), remote, node.quorum.raft());
        }
        BrokerMetadata metadata = BrokerMetadata.start(config.nodeId(), node.quorum.raft(), controller);
        opened.add(metadata);
        TopicConfigResolver topicConfigs = new TopicConfigResolver(config);
        LogManager logs = LogManager.builder(dataDir)
                .clock(clock)
                .configs(topic -> topicConfigs.logConfig(metadata.loadedImage(), topic))
                .cleaner(CleanerSettings.from(config))
                .build();
        opened.add(logs);
        // Metrics in the platform MBeanServer, unregistered (before the logs close) when the node stops.
        node.metrics = JmxMetrics.platform(config.nodeId());
        opened.add(node.metrics);
        if (logs.cleaner() != null) {
            CleanerMetrics.register(node.metrics, logs.cleanerStats(), dataDir, clock);
        }
        // Partition hosting: log creation and deletion on their own thread, partition state on the shards
        // (the worker loops), fed by the metadata loader through the hosting publisher.
        ThreadExecutor hostingThread = new ThreadExecutor("samsa-replica-manager");
        opened.add(hostingThread);
        // ISR changes to the active controller (AlterPartition), with the broker epoch of the registration below.
        AtomicReference<BrokerLifecycleManager> registration = new AtomicReference<>();
        ThreadExecutor alterPartitionThread = new ThreadExecutor("samsa-alter-partition-" + config.nodeId());
        opened.add(alterPartitionThread);
        AlterPartitionManager alterPartition = new AlterPartitionManager(config.nodeId(),
                () -> registration.get() == null ? -1 : registration.get().brokerEpoch(), controller::alterPartition,
                AlterPartitionManager.Replicas.of(metadata::loadedImage), alterPartitionThread,
                ALTER_PARTITION_BACKOFF_MS, CONTROLLER_RETRY_MS * 10);
        opened.add(alterPartition);
        ReplicaManager replicas = new ReplicaManager(config.nodeId(), logs,
                new ShardProxy(EventLoopExecutor.of(workers)), hostingThread,
                config.getLong("log.retention.check.interval.ms"), alterPartition);
        replicas.isrSettings(clock, config.getLong("replica.lag.time.max.ms"))
                .isrEligibility(AlterPartitionManager.isrEligibility(metadata::loadedImage));
        // Replication throttles (issue 12, part 5): quotas measured on the broker's clock, set from the metadata.
        long quotaWindowMs = config.getInt(BrokerConfig.REPLICATION_QUOTA_WINDOW_SIZE_SECONDS) * 1000L;
        int quotaWindows = config.getInt(BrokerConfig.REPLICATION_QUOTA_WINDOW_NUM);
        replicas.replicationQuotas(new ReplicationQuota(clock, quotaWindows, quotaWindowMs),
                new ReplicationQuota(clock, quotaWindows, quotaWindowMs));
        opened.add(replicas);
        ChannelSecurity toBrokers = node.tls.client(interBrokerListener(config));
        BrokerChannel brokerChannel = new NettyBrokerChannel(workers, SamsaServer.clientChannelClass(),
                interBrokerEndpoints(config, metadata),
                NettyBrokerChannel.Settings.defaults("samsa-broker-" + config.nodeId()), toBrokers);
        opened.add(brokerChannel);
        // Followers: replica fetchers for the partitions other brokers lead (none while no other broker leads one of
        // this broker's partitions: one node alone sends nothing). Closed before the logs (opened before them).
        AtomicReference<BrokerLifecycleManager> lifecycleRef = new AtomicReference<>();
        ThreadExecutor fetcherThread = new ThreadExecutor("samsa-replica-fetcher-" + config.nodeId());
        opened.add(fetcherThread);
        // The fetchers' own connections, as Kafka's replica fetchers have theirs: a broker answers a connection's
        // requests in order, so a follower's fetch answer queued behind a request that waits for that very follower
        // (WriteTxnMarkers with acks=all, AddPartitionsToTxn waiting for __transaction_state) on a shared connection
        // would hold both until the ISR shrinks.
        BrokerChannel fetchChannel = new NettyBrokerChannel(workers, SamsaServer.clientChannelClass(),
                interBrokerEndpoints(config, metadata),
                NettyBrokerChannel.Settings.defaults("samsa-replica-fetcher-" + config.nodeId()), toBrokers);
        opened.add(fetchChannel);
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(replicas, fetchChannel, fetcherThread, () -> {
            BrokerLifecycleManager l = lifecycleRef.get();
            return l == null ? -1 : l.brokerEpoch();
        }, replicaFetcherSettings(config));
        opened.add(fetchers);
        fetchers.start();
        BrokerServices services = new BrokerServices(config, clock, metadata, logs, replicas, brokerChannel,
                workers, background);
        node.services = services;
        node.fetchers = fetchers;
        // Partitions are hosted before the image that names them reaches the handlers.
        UUID incarnationId = UUID.randomUUID();
        metadata.addPublisher(new ReplicationThrottles(config, replicas.leaderQuota(), replicas.followerQuota())).get();
        TlsReloader tlsReloader = new TlsReloader(config.nodeId(), node.tls);
        metadata.checkBrokerConfigsWith(tlsReloader::check);
        metadata.addPublisher(tlsReloader).get();
        metadata.addPublisher(new HostingPublisher(replicas, topicConfigs, config.nodeId(), incarnationId)).get();
        // Token credentials are derived as token records are published, off the loader's thread and the event loops.
        TokenCredentials tokenCredentials = new TokenCredentials(metadata::image,
                DelegationTokenSettings.fromProps(config.originals()), clock, ScramHashing.executor());
        metadata.addPublisher(tokenCredentials).get();
        metadata.publishToHandlers();
        replicas.start();

        ApiVersionsHandler apiVersions = new ApiVersionsHandler();
        SupportedApis.Builder builder = SupportedApis.builder().add((short) 18, 0, 4, apiVersions);
        AclAuthorizer authorizer = AclAuthorizer.of(config, () -> metadata.image().acls());
        DataApis.register(builder, services, node.metrics, AclChecks.topicReads(authorizer));
        AdminApis.register(builder, services);
        DelegationTokenApis.register(builder, services, authorizer, tokenCredentials);
        if (node.describeQuorum == null && node.controller != null) {
            // Samsa's one-node mode has no controller listener: DescribeQuorum names the node on its broker listener.
            node.describeQuorum = new DescribeQuorumHandler(node.quorum.raft(), node.controllers::get,
                    config.brokerListeners().get(0).listenerName());
        }
        builder.add((short) 55, 0, 2, new ForwardedDescribeQuorumHandler(config.nodeId(), node.quorum.raft(),
                node.describeQuorum, node.controllerChannel));
        if (!config.standalone()) {
            // kafka-metadata-quorum.sh --bootstrap-server add-controller / remove-controller: forwarded to the leader.
            RaftVoterHandler voters = new RaftVoterHandler(config.nodeId(), node.quorum.raft(), node.controller != null,
                    node.controllerChannel);
            builder.add((short) 80, 0, 1, voters);
            builder.add((short) 81, 0, 0, voters);
        }
        GroupCoordinatorService groups = GroupApis.register(builder, services);
        opened.add(groups);
        opened.add(TxnApis.register(builder, services, groups.coordinator()));
        SupportedApis apis = builder.build();
        apiVersions.setApis(apis);
        apiVersions.setFeatures(metadata::image);
        // SASL listeners (issue 16): the same table with SaslHandshake and SaslAuthenticate, answered per listener.
        Map<String, SaslListener> saslListeners = SaslConfigs.listeners(config, config.brokerListeners(),
                tokenCredentials);
        opened.addAll(saslListeners.values());
        IllegalSaslStateHandler afterAuthentication = new IllegalSaslStateHandler();
        SupportedApis saslApis = AclChecks.wrap(builder.add((short) 17, 0, 1, afterAuthentication)
                .add((short) 36, 0, 2, afterAuthentication).build(), authorizer, metadata::image, false);
        saslListeners.keySet().forEach(name -> apiVersions.setListenerApis(name, saslApis));
        apis = AclChecks.wrap(apis, authorizer, metadata::image, false);

        SamsaServer server = new SamsaServer(workers, config.getInt(BrokerConfig.MAX_CONNECTIONS),
                config.getInt(BrokerConfig.MAX_CONNECTIONS_PER_IP));
        server.useTls(node.tls::server);
        opened.add(server);
        node.network.add(server::closeConnections);
        node.network.add(server);
        server.sasl(saslListeners, node.faults.wrap(saslApis));
        server.throttleWith(new RequestThrottler(new ClientQuotas(metadata::image, clock,
                config.getInt(BrokerConfig.QUOTA_WINDOW_NUM), config.getInt(BrokerConfig.QUOTA_WINDOW_SIZE_SECONDS))));
        node.bound = server.start(config.brokerListeners(), networkSettings(config), node.faults.wrap(apis),
                new RequestDecoder());
        if (node.controllers.get().isEmpty()) {
            Endpoint b = node.bound.get(0);
            node.controllers.set(Map.of(config.nodeId(), new QuorumVoter(config.nodeId(), b.host().isEmpty()
                    ? "127.0.0.1" : b.host(), b.port())));
        }
        ThreadExecutor lifecycleThread = new ThreadExecutor("samsa-lifecycle-" + config.nodeId());
        opened.add(lifecycleThread);
        BrokerLifecycleManager lifecycle = new BrokerLifecycleManager(new BrokerLifecycleManager.Settings(
                config.nodeId(), config.getString("cluster.id"), incarnationId, advertised(config, node.bound),
                config.getString("broker.rack"), Features.supported(),
                config.getLong(BrokerConfig.BROKER_HEARTBEAT_INTERVAL_MS),
                LIFECYCLE_FAST_MS, LIFECYCLE_RETRY_MS), controller,
                () -> metadata.loader().publishedOffset(), offset -> metadata.loader().awaitPublished(offset),
                lifecycleThread, epoch -> metadata.producerIds().registered(epoch));
        opened.add(lifecycle);
        // KIP-966: the epoch of the last clean shutdown, so that the controller keeps this broker an eligible leader.
        lifecycle.previousBrokerEpoch(CleanShutdownEpoch.take(dataDir, logs.startedClean()));
        node.lifecycle = lifecycle;
        registration.set(lifecycle);
        lifecycleRef.set(lifecycle);
        lifecycle.start();
        lifecycle.readyToUnfence();
        lifecycle.unfenced().get(START_TIMEOUT_S, TimeUnit.SECONDS);
    }

    /**
     * Who this broker's Envelopes say the request comes from: its own SASL login to the controller listener when
     * that is a SASL listener, else {@code User:ANONYMOUS}. Either way the controller checks the request as that
     * principal, which must be a super user when an authorizer is on.
     */
    private static byte[] envelopePrincipal(BrokerConfig config, Node node) {
        List<String> controllers = config.controllerListenerNames();
        ChannelSecurity c = controllers.isEmpty() ? null : node.tls.client(controllers.get(0));
        return c instanceof ClientSasl sasl ? Envelopes.principal("User", sasl.login().username())
                : Envelopes.ANONYMOUS;
    }

    /** Kafka's follower settings ({@code num.replica.fetchers}, {@code replica.fetch.*}). */
    private static ReplicaFetcherManager.Settings replicaFetcherSettings(BrokerConfig config) {
        ReplicaFetcherManager.Settings d = ReplicaFetcherManager.Settings.defaults();
        return new ReplicaFetcherManager.Settings(config.getInt("num.replica.fetchers"),
                config.getInt(BrokerConfig.REPLICA_FETCH_MAX_BYTES), config.getInt("replica.fetch.response.max.bytes"),
                config.getInt("replica.fetch.wait.max.ms"), config.getInt("replica.fetch.min.bytes"),
                config.getInt("replica.fetch.backoff.ms"), d.fetchVersion(), d.listOffsetsVersion());
    }

    private static SamsaServer.Settings networkSettings(BrokerConfig config) {
        return new SamsaServer.Settings(
                config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES),
                config.getLong(BrokerConfig.CONNECTIONS_MAX_IDLE_MS),
                config.getInt(BrokerConfig.MAX_CONNECTIONS),
                config.getInt(BrokerConfig.MAX_CONNECTIONS_PER_IP),
                config.getInt("socket.send.buffer.bytes"),
                config.getInt("socket.receive.buffer.bytes"));
    }

    /**
     * The controllers and their controller-listener endpoints, as the controller listener describes them: the
     * configured voters; without voters, this node on its first bound controller listener (advertised host, else
     * 127.0.0.1).
     */
    /**
     * A dynamic quorum's controllers (KIP-853): the voters in the log with their first endpoint, else (no voter set
     * known yet) {@code fallback}.
     */
    private static Map<Integer, QuorumVoter> dynamicControllers(RaftClient<?> raft, Map<Integer, QuorumVoter> fallback) {
        Map<Integer, QuorumVoter> out = new java.util.TreeMap<>();
        for (VoterSet.Voter v : raft.voters().voters()) {
            if (!v.endpoints().isEmpty()) {
                VoterSet.Endpoint e = v.endpoints().get(0);
                out.put(v.id(), new QuorumVoter(v.id(), e.host(), e.port()));
            }
        }
        return out.isEmpty() ? fallback : out;
    }

    private static Map<Integer, QuorumVoter> controllerEndpoints(BrokerConfig config, List<Endpoint> bound) {
        Map<Integer, QuorumVoter> voters = config.quorumVoters();
        if (!voters.isEmpty()) {
            return voters;
        }
        Endpoint b = bound.get(0);
        String host = config.advertisedControllerListeners().stream().filter(a -> a.listenerName()
                .equals(b.listenerName())).map(Endpoint::host).filter(h -> !h.isEmpty()).findFirst()
                .orElse(b.host().isEmpty() || "0.0.0.0".equals(b.host()) ? "127.0.0.1" : b.host());
        return Map.of(config.nodeId(), new QuorumVoter(config.nodeId(), host, b.port()));
    }

    /**
     * Other brokers' addresses for this broker's requests, from the image handlers read: each broker's
     * {@code inter.broker.listener.name} listener (or the one {@code security.inter.broker.protocol} names), else its
     * first registered one.
     */
    private static BrokerEndpoints interBrokerEndpoints(BrokerConfig config, BrokerMetadata metadata) {
        String listener = explicitInterBrokerListener(config) ? interBrokerListener(config) : null;
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

    private static boolean explicitInterBrokerListener(BrokerConfig config) {
        return config.isSet(BrokerConfig.INTER_BROKER_LISTENER_NAME)
                || config.isSet(BrokerConfig.SECURITY_INTER_BROKER_PROTOCOL);
    }

    /**
     * The listener brokers reach each other on: {@code inter.broker.listener.name}, else the listener named by
     * {@code security.inter.broker.protocol} when that is set, else this broker's first listener.
     */
    private static String interBrokerListener(BrokerConfig config) {
        if (explicitInterBrokerListener(config)) {
            return config.interBrokerListenerName();
        }
        List<Endpoint> own = config.brokerListeners();
        return own.isEmpty() ? null : own.get(0).listenerName();
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

    /** The broker's listeners as bound (with actual ports); empty on a controller-only node. */
    public List<Endpoint> boundListeners() {
        return bound;
    }

    /** The controller listeners as bound (with actual ports); empty on a broker-only node. */
    public List<Endpoint> controllerListeners() {
        return controllerBound;
    }

    /** host:port of the controller listeners, for an admin client's bootstrap.controllers (KIP-919). */
    public String bootstrapControllers() {
        return controllerBound.stream().map(e -> (e.host().isEmpty() ? "127.0.0.1" : e.host()) + ":" + e.port())
                .collect(Collectors.joining(","));
    }

    /** This node's replica of the metadata log. */
    public MetadataQuorum quorum() {
        return quorum;
    }

    /** host:port of the first listener, for clients' bootstrap.servers. */
    public String bootstrapServers() {
        return bound.stream().map(e -> (e.host().isEmpty() ? "127.0.0.1" : e.host()) + ":" + e.port())
                .collect(Collectors.joining(","));
    }

    public BrokerConfig config() {
        return config;
    }

    /** The broker's services; null on a controller-only node. */
    public BrokerServices services() {
        return services;
    }

    /** The broker's replica fetchers (its followers' side); null on a controller-only node. */
    public ReplicaFetcherManager replicaFetchers() {
        return fetchers;
    }

    /** The broker's metrics (JMX names it registered); null on a controller-only node. */
    public JmxMetrics metrics() {
        return metrics;
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
        log.info("Stopping node {}", config.nodeId());
        boolean controlled = false;
        if (lifecycle != null) {
            try {
                // Leadership moves off this broker before it stops serving (controlled shutdown).
                lifecycle.controlledShutdown().get(CONTROLLED_SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
                controlled = true;
            } catch (Exception e) {
                log.warn("Broker node {} stops without a completed controlled shutdown: {}", config.nodeId(),
                        e.toString());
            }
        }
        closeAll(opened);
        if (controlled && Files.exists(config.dataDir().resolve(LogManager.CLEAN_SHUTDOWN_FILE))) {
            // A clean shutdown: the next registration names this epoch (KIP-966).
            CleanShutdownEpoch.save(config.dataDir(), lifecycle.brokerEpoch());
        }
        log.info("Node {} stopped", config.nodeId());
    }

    /**
     * Stops the node abruptly, as a crash would look to the others: no controlled shutdown, no resignation; the
     * listeners and the connections to other nodes close first, then everything else (what is on disk stays as a
     * crash would leave it, less what the closing logs force). For tests of failover; blocking.
     */
    public synchronized void halt() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Halting node {}", config.nodeId());
        closeAll(network);
        opened.removeAll(network);
        closeAll(opened);
        log.info("Node {} halted", config.nodeId());
    }
}
