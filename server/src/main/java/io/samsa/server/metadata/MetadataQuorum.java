package io.samsa.server.metadata;

import io.samsa.common.Clock;
import io.samsa.common.ThreadExecutor;
import io.samsa.raft.RaftChannel;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumTimeouts;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of the metadata log: the {@link RaftLog} in {@code <data dir>/metadata} and the
 * {@link RaftClient} over it (from a {@link RaftFactory}: the single voter, or a voter or observer of the quorum),
 * on its own thread {@code samsa-raft-<node>}. Every node has one: controllers vote, brokers follow. Thread-safe.
 */
public final class MetadataQuorum implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataQuorum.class);

    private final QuorumPlan plan;
    private final ThreadExecutor raftThread;
    private final RaftClient<Message> raft;
    private final DynamicQuorum dynamic;

    private MetadataQuorum(QuorumPlan plan, ThreadExecutor raftThread, RaftClient<Message> raft,
                           DynamicQuorum dynamic) {
        this.plan = plan;
        this.dynamic = dynamic;
        this.raftThread = raftThread;
        this.raft = raft;
    }

    /**
     * Opens the metadata log in {@code metadataDir} and its replica. Blocking file I/O: start-up only.
     *
     * @param channel the network to the controllers, null in Samsa's one-node mode
     */
    public static MetadataQuorum open(QuorumPlan plan, Path metadataDir, RaftChannel channel, RaftFactory factory,
                                      Clock clock) throws Exception {
        return open(plan, metadataDir, channel, factory, clock, QuorumTimeouts.DEFAULTS);
    }

    /**
     * Opens the metadata log in {@code metadataDir} and its replica, a replica of a quorum with {@code timeouts}.
     * Blocking file I/O: start-up only.
     *
     * @param channel the network to the controllers, null in Samsa's one-node mode
     */
    public static MetadataQuorum open(QuorumPlan plan, Path metadataDir, RaftChannel channel, RaftFactory factory,
                                      Clock clock, QuorumTimeouts timeouts) throws Exception {
        return open(plan, metadataDir, channel, factory, clock, timeouts, null);
    }

    /**
     * Opens the metadata log in {@code metadataDir} and its replica, a replica of a quorum with {@code timeouts}; of
     * a dynamic quorum (KIP-853) when {@code dynamic} is not null. Blocking file I/O: start-up only.
     */
    public static MetadataQuorum open(QuorumPlan plan, Path metadataDir, RaftChannel channel, RaftFactory factory,
                                      Clock clock, QuorumTimeouts timeouts, DynamicQuorum dynamic) throws Exception {
        ThreadExecutor raftThread = new ThreadExecutor("samsa-raft-" + plan.nodeId());
        RaftLog raftLog = null;
        try {
            RaftLogConfig logConfig = RaftLogConfig.defaults();
            raftLog = RaftLog.open(metadataDir, logConfig, clock, raftThread);
            RaftClient<Message> raft = factory.open(new RaftFactory.Context(plan, raftLog, logConfig, channel,
                    raftThread, clock, timeouts, dynamic));
            return new MetadataQuorum(plan, raftThread, raft, dynamic);
        } catch (Exception | Error e) {
            if (raftLog != null) {
                try {
                    raftLog.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            raftThread.close();
            throw e;
        }
    }

    public QuorumPlan plan() {
        return plan;
    }

    /** This node's part in a dynamic quorum (KIP-853), or null for static voters and the one-node mode. */
    public DynamicQuorum dynamic() {
        return dynamic;
    }

    public RaftClient<Message> raft() {
        return raft;
    }

    /** Closes the replica and its thread. Blocking. */
    @Override
    public void close() {
        raft.close();
        if (!raftThread.close(10_000)) {
            log.warn("The metadata log's thread did not stop within 10 s");
        }
    }
}
