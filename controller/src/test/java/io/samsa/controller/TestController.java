package io.samsa.controller;

import io.samsa.common.ThreadExecutor;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.wire.protocol.Message;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A controller over a single-voter Raft log in a directory, each on a thread of its own, as the broker runs it;
 * {@link #close} stops all three. The operations are the controller's.
 */
final class TestController implements AutoCloseable {
    final QuorumController controller;
    private final RaftClient<Message> raft;
    private final ThreadExecutor raftThread;
    private final ThreadExecutor controllerThread;

    private TestController(QuorumController controller, RaftClient<Message> raft, ThreadExecutor raftThread,
                           ThreadExecutor controllerThread) {
        this.controller = controller;
        this.raft = raft;
        this.raftThread = raftThread;
        this.controllerThread = controllerThread;
    }

    static TestController start(Path dir, ControllerConfig config) throws IOException {
        ThreadExecutor raftThread = new ThreadExecutor("test-raft");
        ThreadExecutor controllerThread = new ThreadExecutor("test-controller");
        RaftClient<Message> raft = null;
        try {
            RaftLog log = RaftLog.open(dir, RaftLogConfig.defaults(), config.clock(), raftThread);
            raft = RaftClient.singleVoter(config.nodeId(), log, MetadataLogSerde.INSTANCE, raftThread, config.clock(),
                RaftLogConfig.defaults().maxBatchBytes());
            QuorumController c = ControllerTestSupport.get(QuorumController.start(config, raft, controllerThread));
            return new TestController(c, raft, raftThread, controllerThread);
        } catch (IOException | RuntimeException e) {
            if (raft != null) {
                raft.close();
            }
            raftThread.close();
            controllerThread.close();
            throw e;
        }
    }

    MetadataImage image() {
        return controller.image();
    }

    int epoch() {
        return controller.epoch();
    }

    CompletableFuture<Void> addListener(MetadataListener listener) {
        return controller.addListener(listener);
    }

    CompletableFuture<BrokerRegistration> registerBroker(int nodeId, List<Endpoint> endpoints, String rack) {
        return controller.registerBroker(nodeId, endpoints, rack);
    }

    CompletableFuture<List<CreateTopicResult>> createTopics(List<CreateTopicRequest> topics, boolean validateOnly) {
        return controller.createTopics(topics, validateOnly);
    }

    CompletableFuture<List<DeleteTopicResult>> deleteTopics(List<TopicRef> topics) {
        return controller.deleteTopics(topics);
    }

    CompletableFuture<List<ApiResult<String>>> createPartitions(List<CreatePartitionsRequest> topics,
                                                                boolean validateOnly) {
        return controller.createPartitions(topics, validateOnly);
    }

    CompletableFuture<List<ApiResult<ConfigResource>>> alterConfigs(List<AlterConfigsRequest> resources,
                                                                    boolean validateOnly) {
        return controller.alterConfigs(resources, validateOnly);
    }

    CompletableFuture<List<ApiResult<ConfigResource>>> incrementalAlterConfigs(List<AlterConfigsRequest> resources,
                                                                               boolean validateOnly) {
        return controller.incrementalAlterConfigs(resources, validateOnly);
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
        raft.close();
        controllerThread.close();
        raftThread.close();
    }
}
