package io.samsa.server.metadata;

import io.samsa.common.Clock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.ControllerConfig;
import io.samsa.controller.MetadataLogSerde;
import io.samsa.controller.QuorumController;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's metadata stack, wired: the metadata log in {@code <metadataDir>/__cluster_metadata-0} behind a
 * single-voter Raft log ({@code samsa-raft-<node>} thread), the controller driving it
 * ({@code samsa-controller-<node>} thread). Started once by {@code SamsaBroker} (and by tests that run handlers
 * without a network); {@link #close} stops them in order. Thread-safe.
 */
public final class BrokerMetadata implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetadata.class);
    private static final long START_TIMEOUT_S = 60;

    private final ThreadExecutor raftThread;
    private final ThreadExecutor controllerThread;
    private final RaftClient<Message> raft;
    private final QuorumController controller;

    private BrokerMetadata(ThreadExecutor raftThread, ThreadExecutor controllerThread, RaftClient<Message> raft,
                           QuorumController controller) {
        this.raftThread = raftThread;
        this.controllerThread = controllerThread;
        this.raft = raft;
        this.controller = controller;
    }

    /**
     * Opens the metadata log in {@code metadataDir} and starts the controller; returns once it leads and the log
     * is formatted. Blocking: call it at start-up, never on an event loop.
     */
    public static BrokerMetadata start(ControllerConfig config, Path metadataDir, Clock clock) throws Exception {
        int node = config.nodeId();
        ThreadExecutor raftThread = new ThreadExecutor("samsa-raft-" + node);
        ThreadExecutor controllerThread = new ThreadExecutor("samsa-controller-" + node);
        RaftClient<Message> raft = null;
        try {
            RaftLogConfig logConfig = RaftLogConfig.defaults();
            RaftLog raftLog = RaftLog.open(metadataDir, logConfig, clock, raftThread);
            raft = RaftClient.singleVoter(node, raftLog, MetadataLogSerde.INSTANCE, raftThread, clock,
                    logConfig.maxBatchBytes());
            QuorumController controller = await(QuorumController.start(config, raft, controllerThread));
            return new BrokerMetadata(raftThread, controllerThread, raft, controller);
        } catch (Exception | Error e) {
            if (raft != null) {
                raft.close();
            }
            controllerThread.close();
            raftThread.close();
            throw e;
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new TimeoutException("The metadata controller did not start within " + START_TIMEOUT_S + " s");
        }
    }

    public QuorumController controller() {
        return controller;
    }

    /** Stops the controller, then the log, then their threads. Blocking; idempotent. */
    @Override
    public void close() {
        controller.close();
        raft.close();
        if (!controllerThread.close(10_000) || !raftThread.close(10_000)) {
            log.warn("The metadata threads did not stop within 10 s");
        }
    }
}
