package io.samsa.controller;

import io.samsa.common.ThreadExecutor;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.metadata.MetadataLoader;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.wire.protocol.Message;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A controller over a single-voter Raft log in a directory, and a broker's metadata loader fed by that log, each
 * on a thread of its own, as the broker runs them; {@link #close} stops them all. The operations are the
 * controller's, and each completes, as in the broker, once the loader has published the image at its commit
 * offset to every listener: {@link #image()} is that image.
 */
final class TestController implements AutoCloseable {
    /** The feature ranges a broker registers with, as Samsa's brokers do: every feature this build supports. */
    static final Map<String, BrokerRegistration.VersionRange> SUPPORTED = supported();

    final QuorumController controller;
    private final RaftClient<Message> raft;
    private final MetadataLoader loader;
    private final ThreadExecutor raftThread;
    private final ThreadExecutor controllerThread;
    private final ThreadExecutor loaderThread;

    private TestController(QuorumController controller, RaftClient<Message> raft, MetadataLoader loader,
                           ThreadExecutor raftThread, ThreadExecutor controllerThread, ThreadExecutor loaderThread) {
        this.controller = controller;
        this.raft = raft;
        this.loader = loader;
        this.raftThread = raftThread;
        this.controllerThread = controllerThread;
        this.loaderThread = loaderThread;
    }

    static TestController start(Path dir, ControllerConfig config) throws IOException {
        ThreadExecutor raftThread = new ThreadExecutor("test-raft");
        ThreadExecutor controllerThread = new ThreadExecutor("test-controller");
        ThreadExecutor loaderThread = new ThreadExecutor("test-metadata");
        RaftClient<Message> raft = null;
        try {
            RaftLog log = RaftLog.open(dir, RaftLogConfig.defaults(), config.clock(), raftThread);
            raft = RaftClient.singleVoter(config.nodeId(), log, MetadataLogSerde.INSTANCE, raftThread, config.clock(),
                RaftLogConfig.defaults().maxBatchBytes());
            QuorumController c = ControllerTestSupport.get(QuorumController.start(config, raft, controllerThread));
            MetadataLoader loader = new MetadataLoader("test", loaderThread, 10, 1000);
            raft.register(new MetadataLoaderFeed(loader));
            ControllerTestSupport.get(loader.awaitPublished(raft.highWatermark() - 1));
            return new TestController(c, raft, loader, raftThread, controllerThread, loaderThread);
        } catch (IOException | RuntimeException e) {
            if (raft != null) {
                raft.close();
            }
            raftThread.close();
            controllerThread.close();
            loaderThread.close();
            throw e;
        }
    }

    /** The image the broker side has published last. */
    MetadataImage image() {
        return loader.image();
    }

    /** The loader (tests of the broker side). */
    MetadataLoader loader() {
        return loader;
    }

    private <T> CompletableFuture<T> published(CompletableFuture<Committed<T>> f) {
        return f.thenCompose(c -> loader.awaitPublished(c.offset()).thenApply(v -> c.value()));
    }

    int epoch() {
        return controller.epoch();
    }

    CompletableFuture<Void> addListener(MetadataListener listener) {
        return loader.addListener("test", listener);
    }

    /** Registers broker {@code nodeId} (fenced) as a new process: a fresh incarnation id. */
    CompletableFuture<BrokerRegistration> registerBroker(int nodeId, List<Endpoint> endpoints, String rack) {
        return published(controller.registerBroker(new BrokerRegistrationRequest(nodeId, null, UUID.randomUUID(),
            endpoints, SUPPORTED, rack)));
    }

    private static Map<String, BrokerRegistration.VersionRange> supported() {
        Map<String, BrokerRegistration.VersionRange> out = new TreeMap<>();
        SupportedFeatures.all().forEach((name, r) -> out.put(name, new BrokerRegistration.VersionRange(r[0], r[1])));
        return out;
    }

    CompletableFuture<BrokerRegistration> register(BrokerRegistrationRequest request) {
        return published(controller.registerBroker(request));
    }

    CompletableFuture<BrokerHeartbeatReply> heartbeat(BrokerHeartbeatRequest request) {
        return published(controller.brokerHeartbeat(request));
    }

    /**
     * Registers broker {@code nodeId} and unfences it with a heartbeat that reports the metadata this side has
     * loaded, as a starting broker does; returns its registration as unfenced.
     */
    BrokerRegistration registerUnfenced(int nodeId, String rack) {
        BrokerRegistration reg = ControllerTestSupport.get(registerBroker(nodeId, ControllerTestSupport.ENDPOINTS,
            rack));
        BrokerHeartbeatReply reply = ControllerTestSupport.get(heartbeat(new BrokerHeartbeatRequest(nodeId,
            reg.brokerEpoch(), loader.image().offset(), false, false)));
        if (reply.isFenced()) {
            throw new AssertionError("Broker " + nodeId + " was not unfenced: " + reply);
        }
        return image().broker(nodeId);
    }

    /** The connection broker {@code brokerId} heartbeated on closed. */
    CompletableFuture<Boolean> connectionLost(int brokerId, long brokerEpoch) {
        return published(controller.fenceDisconnected(brokerId, brokerEpoch));
    }

    CompletableFuture<Void> unregisterBroker(int brokerId) {
        return published(controller.unregisterBroker(brokerId));
    }

    CompletableFuture<List<ApiResult<TopicPartition>>> electLeaders(ElectionType type,
                                                                    List<TopicPartition> partitions) {
        return published(controller.electLeaders(type, partitions));
    }

    CompletableFuture<List<ApiResult<TopicPartition>>> alterPartitionReassignments(List<Reassignment> r) {
        return published(controller.alterPartitionReassignments(r, true));
    }

    CompletableFuture<List<AlterPartitionResult>> alterPartition(int brokerId, long brokerEpoch,
                                                                 List<AlterPartitionItem> items) {
        return published(controller.alterPartition(brokerId, brokerEpoch, items));
    }

    CompletableFuture<List<OngoingReassignment>> listPartitionReassignments(List<TopicPartition> partitions) {
        return published(controller.listPartitionReassignments(partitions));
    }

    /** Fences the brokers whose session expired; returns their ids once this side has published it. */
    List<Integer> checkSessions() {
        List<Integer> fenced = ControllerTestSupport.get(controller.checkSessions());
        ControllerTestSupport.get(loader.awaitPublished(controller.image().offset()));
        return fenced;
    }

    /** Runs the periodic unclean elections; returns how many partitions got a leader, once published here. */
    int electUncleanLeaders() {
        int elected = ControllerTestSupport.get(controller.electUncleanLeaders());
        ControllerTestSupport.get(loader.awaitPublished(controller.image().offset()));
        return elected;
    }

    /** Runs the preferred-leader rebalance; returns how many partitions moved, once published here. */
    int rebalanceLeaders() {
        int moved = ControllerTestSupport.get(controller.rebalanceLeaders());
        ControllerTestSupport.get(loader.awaitPublished(controller.image().offset()));
        return moved;
    }

    CompletableFuture<List<CreateTopicResult>> createTopics(List<CreateTopicRequest> topics, boolean validateOnly) {
        return published(controller.createTopics(topics, validateOnly));
    }

    CompletableFuture<List<DeleteTopicResult>> deleteTopics(List<TopicRef> topics) {
        return published(controller.deleteTopics(topics));
    }

    CompletableFuture<List<ApiResult<String>>> createPartitions(List<CreatePartitionsRequest> topics,
                                                                boolean validateOnly) {
        return published(controller.createPartitions(topics, validateOnly));
    }

    CompletableFuture<List<ApiResult<ConfigResource>>> alterConfigs(List<AlterConfigsRequest> resources,
                                                                    boolean validateOnly) {
        return published(controller.alterConfigs(resources, validateOnly));
    }

    CompletableFuture<List<ApiResult<ConfigResource>>> incrementalAlterConfigs(List<AlterConfigsRequest> resources,
                                                                               boolean validateOnly) {
        return published(controller.incrementalAlterConfigs(resources, validateOnly));
    }

    CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId, long brokerEpoch) {
        return published(controller.allocateProducerIds(brokerId, brokerEpoch));
    }

    List<ConfigDescription> describeTopicConfigs(String topic) {
        return controller.describeTopicConfigs(topic);
    }

    CompletableFuture<Long> snapshot() {
        return controller.snapshot();
    }

    @Override
    public void close() {
        controller.close();
        loader.close();
        raft.close();
        controllerThread.close();
        loaderThread.close();
        raftThread.close();
    }
}
